"""The snapshot build: a pure, validated, atomic function of data/raw."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import BUNDLED_DIR, EMBEDDED_IDS, RAW, ROOT, SEED_FILES

from spacecraft_data import load
from spacecraft_data.build import SnapshotInputs, Source, assemble, build_snapshot, read_sources
from spacecraft_data.endpoints import (
    ENDPOINTS,
    Endpoint,
    Harvesting,
    ModePlan,
    Querying,
    Routing,
    Storage,
)
from spacecraft_data.errors import BuildError, SnapshotError
from spacecraft_data.store import MANIFEST, publish, sha256_bytes

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
    assert (
        manifest["modes"]["detailed"]["held"] is False and "harvest" in manifest["modes"]["detailed"]["why"]
    )
    assert manifest["tables"]["spacecraft_statuses"]["derived_from"] == "records"
    assert manifest["tables"]["spacecraft_configurations"]["complete"] is True
    by_file = {s["file"]: s for s in manifest["sources"]}
    for seed in SEED_FILES:
        entry = by_file[f"data/raw/seeds/{seed.name}"]
        assert entry["sha256"] == sha256_bytes(seed.read_bytes())
        assert entry["count_reported"] == 590 and entry["records"] == 10
        assert entry["request_url"].startswith(
            "https://ll.thespacedevs.com/2.3.0/spacecraft/?format=api&offset="
        )
    embedded = by_file["data/raw/launchschedule-masterdata/spacestations.json"]
    assert (embedded["kind"], embedded["embedded_in"], embedded["captured"]) == (
        "embedded",
        "/2.3.0/space_stations/",
        "2026-07-24",
    )
    assert embedded["ids"] == list(EMBEDDED_IDS) and sorted(map(int, embedded["paths"])) == list(EMBEDDED_IDS)
    held = sorted(i for s in manifest["sources"] if s["endpoint"] == "/2.3.0/spacecraft/" for i in s["ids"])
    assert held == sorted(
        json.loads((SNAPSHOT_DIR / "spacecraft.json").read_text())[i]["id"] for i in range(28)
    )
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
    cfg = Source(
        file=RAW / "launchschedule-masterdata" / "spacecrafts.json",
        endpoint="spacecraft_configurations",
        kind="array",
        received="2026-11-22",
    )
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


# -- a resource declared in the test alone (SYNTHETIC records)
# ---------------------------------------------------

#: SYNTHETIC: a resource LL2 does not have, declared here only, with a detailed mode kept in a table of its
#: own
WIDGETS = Endpoint(
    routing=Routing(
        name="config/widgets",
        model="Widget",
        aliases=("widgets",),
    ),
    storage=Storage(table="widgets"),
    query=Querying(),
    modes=ModePlan(tables={"detailed": "widgets_detailed"}),
    harvest=Harvesting(mode=None),
)
#: SYNTHETIC records of WIDGETS in both modes
WIDGET_RECORDS = {
    "normal": [
        {"id": 2, "name": "Widget B", "response_mode": "normal"},
        {"id": 1, "name": "Widget A", "response_mode": "normal"},
    ],
    "detailed": [{"id": 1, "name": "Widget A", "response_mode": "detailed", "parts": []}],
}


@pytest.fixture
def widgets(monkeypatch):
    """WIDGETS added to the registry of API 2.3.0 for one test: no source file of the package changes."""
    monkeypatch.setitem(ENDPOINTS["2.3.0"], WIDGETS.name, WIDGETS)
    return WIDGETS


def _with_widgets(tmp_path: Path, modes: tuple[str, ...]) -> SnapshotInputs:
    inputs = _seed_inputs()
    for mode in modes:
        file = tmp_path / f"widgets_{mode}.json"
        file.write_text(json.dumps(WIDGET_RECORDS[mode]), encoding="utf-8")
        inputs.sources.append(
            Source(
                file=file, endpoint="widgets", kind="array", mode=mode, received="2026-11-22", complete=True
            )
        )
    return inputs


def test_a_declared_endpoint_is_built_validated_and_loaded_with_no_change_to_the_build(tmp_path, widgets):
    checked = []

    def validate(table, records):
        checked.append((table, [r["id"] for r in records]))
        return []

    files = assemble(_with_widgets(tmp_path, ("normal", "detailed")), validate=validate)
    committed = {p.name: p.read_bytes() for p in SNAPSHOT_DIR.iterdir()}
    for name in ("spacecraft.json", "spacecraft_configurations.json", "spacecraft_statuses.json"):
        assert files[name] == committed[name], f"declaring another endpoint changed {name}"
    assert json.loads(files["widgets.json"]) == sorted(WIDGET_RECORDS["normal"], key=lambda r: r["id"])
    assert json.loads(files["widgets_detailed.json"]) == WIDGET_RECORDS["detailed"]
    assert ("widgets", [1, 2]) in checked and ("widgets", [1]) in checked
    manifest = json.loads(files[MANIFEST])
    assert manifest["tables"]["widgets"] == {
        "file": "widgets.json",
        "rows": 2,
        "modes": ["normal"],
        "complete": True,
    }
    assert manifest["tables"]["widgets_detailed"] == {
        "file": "widgets_detailed.json",
        "rows": 1,
        "modes": ["detailed"],
        "count_reported": None,
        "complete": False,
    }
    assert manifest["sources"][-1]["endpoint"] == "/2.3.0/widgets/"

    snapshot = load(build_snapshot(_with_widgets(tmp_path, ("normal", "detailed")), tmp_path / "out"))
    assert "widgets" in snapshot.tables and "widgets_detailed" in snapshot.tables
    assert snapshot.tables["widgets"] == json.loads(files["widgets.json"])
    assert snapshot.tables["widgets_detailed"] == WIDGET_RECORDS["detailed"]


def test_a_declared_endpoint_held_in_one_mode_keeps_a_single_table(tmp_path, widgets):
    files = assemble(_with_widgets(tmp_path, ("detailed",)))
    assert "widgets_detailed.json" not in files
    assert json.loads(files["widgets.json"]) == WIDGET_RECORDS["detailed"]
    snapshot = load(build_snapshot(_with_widgets(tmp_path, ("detailed",)), tmp_path / "out"))
    assert (
        snapshot.tables["widgets_detailed"] == [] and snapshot.tables["widgets"] == WIDGET_RECORDS["detailed"]
    )


def test_a_snapshot_without_the_file_of_a_declared_table_reads_it_as_empty(widgets):
    assert load(SNAPSHOT_DIR).tables["widgets"] == []


def test_an_unknown_endpoint_is_refused_naming_every_declared_name(tmp_path, widgets):
    inputs = _seed_inputs()
    inputs.sources.append(Source(file=tmp_path / "x.json", endpoint="gadgets", kind="array"))
    with pytest.raises(
        BuildError,
        match=r"unknown endpoint 'gadgets' \(known: \['config/spacecraft_statuses', "
        r"'config/widgets', 'spacecraft', 'spacecraft_configurations', "
        r"'spacecraft_statuses', 'widgets'\]\)",
    ):
        assemble(inputs)


def test_a_build_resolves_its_registry_once_and_hands_it_down(tmp_path, widgets, monkeypatch):
    import spacecraft_data.build as build

    calls = []
    resolve = build.registry
    monkeypatch.setattr(build, "registry", lambda v=None: calls.append(v) or resolve(v))
    assemble(_with_widgets(tmp_path, ("normal", "detailed")))
    assert calls == ["2.3.0"]


class _KeepTogether(ModePlan):
    """A mode plan keeping every mode in the endpoint's own table, even when its sources hold two."""

    __slots__ = ()

    def split(self, source_modes):
        return {}, sorted(source_modes)


def test_where_a_mode_goes_is_the_declarations_mode_plan(tmp_path, widgets, monkeypatch):
    """The build asks the declaration's ModePlan.split (the plan the API shares): no rule of its own."""
    monkeypatch.setattr(widgets, "modes", _KeepTogether(tables={"detailed": "widgets_detailed"}))
    with pytest.raises(BuildError, match="widgets record id 1 differs"):
        assemble(_with_widgets(tmp_path, ("normal", "detailed")))


def test_build_snapshot_logs_each_file_it_published(tmp_path, caplog):
    with caplog.at_level("INFO", logger="spacecraft_data.build"):
        target = build_snapshot(_seed_inputs(), tmp_path / "out")
    lines = [r.getMessage() for r in caplog.records if r.name == "spacecraft_data.build"]
    rows = json.loads((target / MANIFEST).read_text())["tables"]["spacecraft"]["rows"]
    assert f"wrote {target / 'spacecraft.json'} ({rows} rows)" in lines
    assert lines[-1] == f"wrote {target} ({len(list(target.iterdir()))} files)"


def test_the_build_scripts_show_progress_on_a_terminal_only_and_once(monkeypatch):
    import io
    import logging
    import sys

    monkeypatch.syspath_prepend(str(ROOT / "scripts"))
    from generated_files import show_progress

    logger = logging.getLogger("spacecraft_data")
    monkeypatch.setattr(logger, "handlers", [])
    monkeypatch.setattr(logger, "level", logging.NOTSET)
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    show_progress()
    assert logger.handlers == [], "piped stderr: nothing attached"

    class _Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stderr", _Terminal())
    show_progress()
    show_progress()
    assert len(logger.handlers) == 1 and logger.level == logging.INFO
    logging.getLogger("spacecraft_data.tables.package").info("made x.csv (1 rows)")
    assert sys.stderr.getvalue() == "made x.csv (1 rows)\n"
