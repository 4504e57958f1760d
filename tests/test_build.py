"""The snapshot build: a pure, validated, atomic function of data/raw."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from spacecraft_data.build import Source, SnapshotInputs, assemble, build_snapshot, read_sources
from spacecraft_data.errors import BuildError, SnapshotError
from spacecraft_data.store import MANIFEST, publish, sha256_bytes

from conftest import BUNDLED_DIR, EMBEDDED_IDS, RAW, ROOT, SEED_FILES

SNAPSHOT_DIR = BUNDLED_DIR


def _seed_inputs(tmp_raw: Path | None = None) -> SnapshotInputs:
    return read_sources(tmp_raw or RAW, repo_root=ROOT)


def test_rebuild_from_raw_is_byte_identical_to_the_committed_snapshot():
    files = assemble(_seed_inputs())
    committed = {p.name: p.read_bytes() for p in SNAPSHOT_DIR.iterdir()}
    assert files.keys() == committed.keys()
    for name in files:
        assert files[name] == committed[name], f"{name} differs from a rebuild"


def test_two_builds_into_fresh_folders_are_byte_identical(tmp_path):
    a = build_snapshot(_seed_inputs(), tmp_path / "a")
    b = build_snapshot(_seed_inputs(), tmp_path / "b")
    assert sorted(p.name for p in a.iterdir()) == sorted(p.name for p in b.iterdir())
    for p in a.iterdir():
        assert p.read_bytes() == (b / p.name).read_bytes()


def test_manifest_reports_coverage_sources_and_checksums():
    manifest = json.loads((SNAPSHOT_DIR / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["snapshot_version"] == "2026.12.01" and manifest["api_version"] == "2.3.0"
    assert manifest["records"] == {"held": 28, "reported": 590, "complete": False}
    assert manifest["modes"]["detailed"]["held"] is False and "harvest" in manifest["modes"]["detailed"]["why"]
    assert manifest["tables"]["spacecraft_statuses"]["derived_from"] == "records"
    assert manifest["tables"]["spacecraft_configurations"]["complete"] is True
    by_file = {s["file"]: s for s in manifest["sources"]}
    for seed in SEED_FILES:
        entry = by_file[f"data/raw/seeds/{seed.name}"]
        assert entry["sha256"] == sha256_bytes(seed.read_bytes())
        assert entry["count_reported"] == 590 and entry["records"] == 10
        assert entry["request_url"].startswith("https://ll.thespacedevs.com/2.3.0/spacecraft/?format=api&offset=")
    embedded = by_file["data/raw/launchschedule-masterdata/spacestations.json"]
    assert (embedded["kind"], embedded["embedded_in"], embedded["captured"]) == ("embedded", "/2.3.0/space_stations/",
                                                                               "2026-07-24")
    assert embedded["ids"] == list(EMBEDDED_IDS) and sorted(map(int, embedded["paths"])) == list(EMBEDDED_IDS)
    held = sorted(i for s in manifest["sources"] if s["endpoint"] == "/2.3.0/spacecraft/" for i in s["ids"])
    assert held == sorted(json.loads((SNAPSHOT_DIR / "spacecraft.json").read_text())[i]["id"] for i in range(28))
    for name, meta in manifest["files"].items():
        assert sha256_bytes((SNAPSHOT_DIR / name).read_bytes()) == meta["sha256"]


def test_records_are_sorted_by_id_and_kept_exactly_as_the_pages_returned_them(seed_records):
    stored = json.loads((SNAPSHOT_DIR / "spacecraft.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in stored] == sorted({r["id"] for r in seed_records} | set(EMBEDDED_IDS))
    by_id = {r["id"]: r for r in seed_records}
    for record in (r for r in stored if r["id"] not in EMBEDDED_IDS):
        assert json.dumps(record) == json.dumps(by_id[record["id"]]), "key order or values changed"


def _copy_raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    return raw


def test_the_same_id_with_different_content_in_two_inputs_is_refused(tmp_path):
    raw = _copy_raw(tmp_path)
    page = raw / "seeds" / SEED_FILES[0].name
    text = page.read_text(encoding="utf-8")
    extra = raw / "seeds" / "copy.txt"
    extra.write_text(text.replace('"name": "Tianzhou-3"', '"name": "Tianzhou-3 (edited)"'), encoding="utf-8")
    spec = json.loads((raw / "sources.json").read_text())
    spec["sources"].append({"file": "seeds/copy.txt", "endpoint": "spacecraft", "received": "2026-11-22"})
    (raw / "sources.json").write_text(json.dumps(spec))
    with pytest.raises(BuildError, match=r"copy\.txt: spacecraft record id 463 differs"):
        assemble(read_sources(raw, repo_root=tmp_path))


def test_a_broken_page_stops_the_build_naming_file_and_line(tmp_path):
    raw = _copy_raw(tmp_path)
    page = raw / "seeds" / SEED_FILES[1].name
    page.write_text(page.read_text(encoding="utf-8")[:5000], encoding="utf-8")
    with pytest.raises(BuildError, match=rf"{SEED_FILES[1].name}:\d+: expected valid JSON"):
        assemble(read_sources(raw, repo_root=tmp_path))


def test_inputs_without_spacecraft_pages_are_refused(tmp_path):
    cfg = Source(file=RAW / "launchschedule-masterdata" / "spacecrafts.json", endpoint="spacecraft_configurations",
                 kind="array", received="2026-11-22")
    with pytest.raises(BuildError, match="no spacecraft input"):
        assemble(SnapshotInputs(sources=[cfg]))


def test_schema_problems_stop_the_build_before_anything_is_written(tmp_path):
    def reject_all(table, records):
        return [f"record {r['id']}: $: synthetic problem" for r in records] if table == "spacecraft" else []

    with pytest.raises(BuildError, match=r"28 schema problem\(s\); nothing was published"):
        build_snapshot(_seed_inputs(), tmp_path, validate=reject_all)
    assert not any(tmp_path.rglob("*.json"))


def test_publish_refuses_to_overwrite_and_a_failed_replace_keeps_the_old_snapshot(tmp_path):
    target = publish({"a.json": b"old\n"}, tmp_path / "v")
    with pytest.raises(SnapshotError, match="already exists"):
        publish({"a.json": b"new\n"}, target)

    with pytest.raises(TypeError):
        publish({"a.json": b"new\n", "b.json": None}, target, replace=True)  # type: ignore[dict-item]
    assert (target / "a.json").read_bytes() == b"old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["v"], "staging folder left behind"
    publish({"a.json": b"new\n"}, target, replace=True)
    assert (target / "a.json").read_bytes() == b"new\n"
