"""Spacecraft records embedded in other endpoints' responses: found by shape, narrowed to normal mode,
bundled.

Proved with real data:

* the projection rule: each seed record's nested ``spacecraft_config`` is, key for key,
  ``CONFIGURATION_NORMAL`` applied to the detailed configuration of the same id in
  ``spacecrafts.json`` (20/20; only the ``?format=`` of the links differs, as the pages were
  requested with ``format=api`` and the configurations with ``format=json``);
* the claims of ``launchschedule-masterdata/SOURCE.md`` about ``spacestations.json``: 8
  records, top level exactly ``SpacecraftNormal``, the configuration detailed and equal to
  ``spacecrafts.json``'s;
* the bundled snapshot holds their normal form, with provenance (file, JSON path, date).

Launches, docking events, conflicts and hostile files use SYNTHETIC documents built
around the real records (marked so); nothing synthetic is ever written under data/.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUNDLED_DIR, EMBEDDED_IDS, RAW, ROOT, strip_formats

from spacecraft_data.build import assemble, read_sources
from spacecraft_data.cli import main
from spacecraft_data.embedded import MAX_DEPTH, find_embedded, looks_like_spacecraft, read_embedded
from spacecraft_data.endpoints import primary
from spacecraft_data.endpoints import v2_3_0 as ep
from spacecraft_data.errors import BuildError, SpacecraftDataError
from spacecraft_data.pages import render_browsable
from spacecraft_data.snapshot import Snapshot

STATIONS = RAW / "launchschedule-masterdata" / "spacestations.json"
MAIN = primary()  # the endpoint whose records are embedded, as a caller hands it to the embedded functions
STATIONS_LABEL = "data/raw/launchschedule-masterdata/spacestations.json"
DOCKED = "$[{}].docking_location[{}].currently_docked.flight_vehicle_chaser.spacecraft"


@pytest.fixture(scope="module")
def stations() -> list:
    return json.loads(STATIONS.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def configs_by_id(configurations) -> dict[int, dict]:
    return {c["id"]: c for c in configurations}


def _at(doc, path: str):
    """The value at a JSON path of the form find_embedded writes ($, .key, [i])."""
    import re

    for key, index in re.findall(r"\.([A-Za-z_]\w*)|\[(\d+)\]", path[1:]):
        doc = doc[key] if key else doc[int(index)]
    return doc


# --------------------------------------------------------------------------- the projection rule, on the
# seeds
def test_each_seed_records_configuration_is_the_normal_projection_of_the_detailed_one(
    seed_records, configs_by_id
):
    assert len(seed_records) == 20
    for record in seed_records:
        nested = record["spacecraft_config"]
        projected = ep.CONFIGURATION_NORMAL.apply(configs_by_id[nested["id"]])
        assert json.dumps(strip_formats(projected)) == json.dumps(strip_formats(nested)), record["id"]
        assert projected != nested or "?format=" not in json.dumps(
            nested
        )  # not vacuous: the formats do differ


def test_the_spacecraft_normal_projection_of_a_seed_record_is_the_record(seed_records):
    for record in seed_records:
        assert json.dumps(ep.SPACECRAFT_NORMAL.apply(record)) == json.dumps(record), record["id"]


# --------------------------------------------------------------------------- the claims about the file,
# checked
def test_the_stations_dump_embeds_exactly_the_8_records_its_source_names(stations, configs_by_id):
    found = read_embedded(STATIONS, MAIN)
    assert sorted(e.id for e in found) == list(EMBEDDED_IDS)
    for item in found:
        raw = _at(stations, item.path)
        assert list(raw) == list(ep.SPACECRAFT_NORMAL.keys), item.id  # exactly SpacecraftNormal's top level
        assert raw["response_mode"] == "normal" and raw["url"].endswith(f"/spacecraft/{item.id}/?format=json")
        config = raw["spacecraft_config"]
        assert len(config) == 30 and config == configs_by_id[config["id"]], (
            item.id
        )  # detailed, as in spacecrafts.json
    assert {_at(stations, e.path)["spacecraft_config"]["id"] for e in found} == {2, 6, 19, 25, 33, 38}


def test_the_normal_form_is_the_record_with_its_configuration_projected(stations):
    for item in read_embedded(STATIONS, MAIN):
        raw = _at(stations, item.path)
        expected = {**raw, "spacecraft_config": ep.CONFIGURATION_NORMAL.apply(raw["spacecraft_config"])}
        assert json.dumps(item.record) == json.dumps(expected), item.id
        assert raw["spacecraft_config"]["response_mode"] == "detailed"  # the stored file is never changed


def test_none_of_the_embedded_ids_is_a_seed_so_the_real_bundle_has_no_conflict(seed_records, bundled):
    assert not {r["id"] for r in seed_records} & set(EMBEDDED_IDS)
    assert bundled.manifest["notes"] == []


# --------------------------------------------------------------------------- the bundled snapshot
def test_the_bundled_snapshot_holds_the_embedded_records_in_normal_form_with_their_provenance(bundled):
    by_id = {e.id: e for e in read_embedded(STATIONS, MAIN)}
    for record_id in EMBEDDED_IDS:
        assert bundled.get(record_id) == by_id[record_id].record
    source = next(s for s in bundled.manifest["sources"] if s["file"] == STATIONS_LABEL)
    assert source["captured"] == "2026-07-24" and source["received"] == "2026-12-01"
    assert source["ids"] == list(EMBEDDED_IDS)
    assert source["paths"]["551"] == DOCKED.format(4, 4) and source["paths"]["627"] == DOCKED.format(3, 0)
    assert source["embedded_in"] == "/2.3.0/space_stations/" and source["kind"] == "embedded"


def test_info_names_each_sources_spacecraft_ids_and_date(capsys, pinned_home):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert "records:       28 held of 590 reported by the API (4.7%)" in out
    assert (
        f"  {STATIONS_LABEL}: 8 records, https://ll.thespacedevs.com/2.3.0/space_stations/?format=json&limit=50"
        "&mode=detailed (2026-07-24)\n    embedded in /2.3.0/space_stations/, spacecraft ids "
        "551, 612, 616, 625, "
        "626, 627, 628, 629\n"
    ) in out
    assert "    spacecraft ids 233, 235, 236, 237, 238, 239, 240, 241, 242, 243\n" in out


def test_the_raw_file_is_the_verbatim_upstream_blob():
    # git's blob id of the file, as SOURCE.md records it (dc9df7c…, branch masterdata).
    data = STATIONS.read_bytes()
    import hashlib

    assert (
        hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()
        == "dc9df7c7c60aae9a2b015e5e6c7fde51051aac54"
    )


# --------------------------------------------------------------------------- the generic walk (SYNTHETIC
# documents)
def _real(n: int = 0) -> dict:
    stations = json.loads(STATIONS.read_text(encoding="utf-8"))
    return copy.deepcopy(_at(stations, DOCKED.format(4, 4) if n == 0 else DOCKED.format(3, 0)))


def test_a_launchs_spacecraft_stage_and_a_docking_event_are_found_wherever_they_nest():
    crew, cargo = _real(0), _real(1)
    # SYNTHETIC: a launch list page and a docking event shaped as LL2 2.3.0 nests them, around real records.
    launches = {
        "count": 1,
        "next": None,
        "previous": None,
        "results": [
            {"id": "SYNTHETIC", "rocket": {"id": 1, "spacecraft_stage": [{"id": 9, "spacecraft": crew}]}}
        ],
    }
    event = {
        "id": 1,
        "flight_vehicle_chaser": {"id": 2, "spacecraft": cargo},
        "space_station_target": {"id": 4},
    }
    found = find_embedded(launches, MAIN)
    assert [(e.id, e.path) for e in found] == [(551, "$.results[0].rocket.spacecraft_stage[0].spacecraft")]
    assert [(e.id, e.path) for e in find_embedded([event], MAIN)] == [
        (627, "$[0].flight_vehicle_chaser.spacecraft")
    ]


def test_a_spacecraft_endpoint_detail_answer_is_narrowed_to_normal_mode():
    record = _real()
    detailed = {**record, "flights": [{"id": "SYNTHETIC"}]}  # SpacecraftEndpointDetailed has flights too
    (item,) = find_embedded(detailed, MAIN)
    assert (
        item.path == "$"
        and "flights" not in item.record
        and list(item.record) == list(ep.SPACECRAFT_NORMAL.keys)
    )


def test_a_browsable_page_of_another_endpoint_is_read_like_a_json_body(tmp_path):
    text = render_browsable(
        {"count": 1, "next": None, "previous": None, "results": [{"docked": _real()}]},
        "/2.3.0/space_stations/?format=api",
        description="SYNTHETIC page",
    )
    (tmp_path / "page.txt").write_text(text, encoding="utf-8")
    assert [(e.id, e.path) for e in read_embedded(tmp_path / "page.txt", MAIN)] == [
        (551, "$.results[0].docked")
    ]


def test_the_same_record_at_two_paths_is_one_record_with_both_paths():
    record = _real()
    (item,) = find_embedded({"a": record, "b": [copy.deepcopy(record)]}, MAIN)
    assert item.paths == ("$.a", "$.b[0]")


def test_two_different_copies_of_one_id_are_refused_naming_both_paths():
    other = _real()
    other["time_in_space"] = "P1D"  # SYNTHETIC change
    with pytest.raises(BuildError, match=r"spacecraft 551 at \$\.b differs from the copy at \$\.a; refusing"):
        find_embedded({"a": _real(), "b": other}, MAIN, "doc.json")


@pytest.mark.parametrize(
    "obj",
    [
        {"id": 1, "name": "x"},  # too few keys
        {**dict.fromkeys(ep.SPACECRAFT_NORMAL.keys), "id": 1},  # no url, no config object
        {**_real(), "url": "https://ll.thespacedevs.com/2.3.0/spacecraft/552/"},  # url of another id
        {**_real(), "id": True},  # a boolean is not an id
        {**_real(), "spacecraft_config": 6},  # config not an object
    ],
)
def test_objects_without_the_whole_shape_are_not_taken_for_spacecraft(obj):
    assert not looks_like_spacecraft(obj, MAIN) and find_embedded(obj, MAIN) == []


def test_a_record_of_the_right_shape_missing_a_nested_field_is_an_error_naming_its_json_path():
    broken = _real()
    del broken["spacecraft_config"]["agency"]["abbrev"]
    with pytest.raises(
        BuildError, match=r"doc\.json: \$\[0\]\.x\.spacecraft_config\.agency: no field 'abbrev'"
    ):
        find_embedded([{"x": broken}], MAIN, "doc.json")


def test_hostile_files_are_clear_errors_not_tracebacks(tmp_path):
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(SpacecraftDataError, match="deep.json"):
        read_embedded(deep, MAIN)
    nested: list = []
    inner = nested
    for _ in range(MAX_DEPTH + 5):
        inner.append([])
        inner = inner[0]
    with pytest.raises(BuildError, match=f"nested deeper than {MAX_DEPTH} levels"):
        find_embedded(nested, MAIN, "nested.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"a": [1,\n 2,,]}')
    with pytest.raises(SpacecraftDataError, match=r"bad\.json:2: expected valid JSON"):
        read_embedded(bad, MAIN)


# --------------------------------------------------------------------------- precedence when sources overlap
def _raw_with(tmp_path: Path, extra: list[tuple[str, object, str | None]]) -> Path:
    """A copy of data/raw plus SYNTHETIC embedded files: (name, document, captured)."""
    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    spec = json.loads((raw / "sources.json").read_text())
    for name, doc, captured in extra:
        (raw / name).write_text(json.dumps(doc), encoding="utf-8")
        spec["sources"].append(
            {
                "file": name,
                "kind": "embedded",
                "endpoint": "spacecraft",
                "captured": captured,
                "received": "2026-12-01",
            }
        )
    (raw / "sources.json").write_text(json.dumps(spec))
    return raw


def _seed_as_embedded(seed: dict, configs_by_id: dict) -> dict:
    """SYNTHETIC: a seed record re-nested as a docked vehicle (detailed configuration, one value changed)."""
    record = {**copy.deepcopy(seed), "spacecraft_config": configs_by_id[seed["spacecraft_config"]["id"]]}
    record["time_in_space"] = "P999D"
    return record


def test_a_seed_wins_over_an_embedded_copy_and_the_conflict_is_noted(tmp_path, seed_records, configs_by_id):
    seed = next(r for r in seed_records if r["id"] == 463)
    raw = _raw_with(
        tmp_path,
        [("synthetic_station.json", [{"docked": _seed_as_embedded(seed, configs_by_id)}], "2026-11-30")],
    )
    manifest = json.loads(assemble(read_sources(raw, repo_root=tmp_path))["manifest.json"])
    files = assemble(read_sources(raw, repo_root=tmp_path))
    assert next(r for r in json.loads(files["spacecraft.json"]) if r["id"] == 463) == seed
    assert manifest["notes"] == [
        "spacecraft 463: raw/seeds/000_6bd17e1b5860eff2.txt holds it, so a different copy embedded in "
        "raw/synthetic_station.json at $[0].docked (captured 2026-11-30) was not used (the "
        "endpoint's own pages win)"
    ]
    assert manifest["sources"][-1]["not_used"] == [463] and manifest["records"]["held"] == 28


def test_between_two_embedded_copies_the_newer_capture_wins_and_a_tie_is_refused(tmp_path):
    old, new = _real(), _real()
    new["time_in_space"] = "P600D"  # SYNTHETIC: a later capture of 551
    raw = _raw_with(tmp_path, [("later.json", {"x": new}, "2026-11-30")])
    files = assemble(read_sources(raw, repo_root=tmp_path))
    assert next(r for r in json.loads(files["spacecraft.json"]) if r["id"] == 551)["time_in_space"] == "P600D"
    notes = json.loads(files["manifest.json"])["notes"]
    assert (
        len(notes) == 1 and "the copy embedded in raw/later.json (captured 2026-11-30) is newer" in notes[0]
    )
    tie = _raw_with(tmp_path / "tie", [("same_day.json", {"x": new}, "2026-07-24")])
    with pytest.raises(
        BuildError, match=r"spacecraft 551 differs from the copy embedded in .*captured the same day"
    ):
        assemble(read_sources(tie, repo_root=tmp_path / "tie"))
    assert old["time_in_space"] != "P600D"


def test_an_embedded_source_must_feed_the_spacecraft_table(tmp_path):
    raw = _raw_with(tmp_path, [])
    spec = json.loads((raw / "sources.json").read_text())
    spec["sources"][-1]["endpoint"] = "spacecraft_configurations"
    (raw / "sources.json").write_text(json.dumps(spec))
    with pytest.raises(BuildError, match="its endpoint must be 'spacecraft'"):
        assemble(read_sources(raw, repo_root=tmp_path))


# --------------------------------------------------------------------------- the command
def test_import_embedded_publishes_a_snapshot_that_the_build_script_rebuilds(tmp_path, capsys, bundled):
    out, raw = tmp_path / "snaps", tmp_path / "raw" / "imports"
    assert (
        main(
            [
                "import-embedded",
                str(STATIONS),
                "--captured",
                "2026-07-24",
                "--output",
                str(out),
                "--raw-dir",
                str(raw),
                "--changelog",
                str(tmp_path / "CHANGES.md"),
            ]
        )
        == 0
    )
    target = Path(capsys.readouterr().out.strip())
    snap = Snapshot(target)
    assert [r["id"] for r in snap] == list(EMBEDDED_IDS) and snap.records == [
        bundled.get(i) for i in EMBEDDED_IDS
    ]
    (source,) = snap.manifest["sources"]
    assert source["captured"] == "2026-07-24" and source["paths"]["612"] == DOCKED.format(4, 13)
    (copied,) = raw.glob("*/000_spacestations.json")
    assert copied.read_bytes() == STATIONS.read_bytes()
    assert "records: 8 held of None reported" in (tmp_path / "CHANGES.md").read_text()
    script = ROOT / "scripts" / "build_snapshot.py"
    check = subprocess.run(
        [sys.executable, str(script), "--raw", str(tmp_path / "raw"), "--out", str(out), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


def test_import_embedded_list_shows_each_record_and_its_path_and_writes_nothing(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["import-embedded", str(STATIONS), "--list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 8 and lines[0] == f"627\tTianzhou-10\t{STATIONS}\t{DOCKED.format(3, 0)}"
    assert list(tmp_path.iterdir()) == []


def test_a_file_embedding_no_spacecraft_is_a_one_line_error_and_nothing_is_published(tmp_path, capsys):
    configs = RAW / "launchschedule-masterdata" / "spacecrafts.json"
    code = main(
        [
            "import-embedded",
            str(configs),
            "--output",
            str(tmp_path / "s"),
            "--raw-dir",
            str(tmp_path / "r"),
            "--no-changelog",
        ]
    )
    err = capsys.readouterr().err
    assert code == 1 and err.count("\n") == 1
    assert (
        err.startswith("spacecraft-data import-embedded: error: ")
        and "no spacecraft record is embedded" in err
    )
    assert not (tmp_path / "s").exists() and list((tmp_path / "r").iterdir()) == []
    assert main(["import-embedded", str(configs), "--list"]) == 1
    assert (
        main(
            [
                "import-embedded",
                str(STATIONS),
                "--captured",
                "July",
                "--output",
                str(tmp_path / "s"),
                "--raw-dir",
                str(tmp_path / "r"),
                "--no-changelog",
            ]
        )
        == 2  # a bad option is a usage error (it was 1, a finding)
    )
    assert "--captured 'July': not a date" in capsys.readouterr().err


# --------------------------------------------------------------------------- the repository's build script
def test_build_snapshot_removes_a_snapshot_no_raw_input_rebuilds_and_logs_the_new_version(tmp_path):
    """In a copy of the repository's layout: the old bundled version goes, DATA_CHANGES.md gets one entry."""
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / "build_snapshot.py", tmp_path / "scripts")
    shutil.copytree(
        RAW, tmp_path / "data" / "raw", ignore=shutil.ignore_patterns("harvest", "imports")
    )  # as bundled
    stale = tmp_path / "data" / "snapshots" / "2.3.0" / "2026.11.22"
    shutil.copytree(BUNDLED_DIR, stale)
    manifest = json.loads((stale / "manifest.json").read_text())
    (stale / "manifest.json").write_text(json.dumps({**manifest, "snapshot_version": "2026.11.22"}))
    script = [sys.executable, str(tmp_path / "scripts" / "build_snapshot.py")]

    check = subprocess.run([*script, "--check"], capture_output=True, text=True)
    assert check.returncode == 1 and "no raw input rebuilds" in check.stderr and "2026.11.22" in check.stderr
    build = subprocess.run(script, capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    assert not stale.exists() and (tmp_path / "data" / "snapshots" / "2.3.0" / BUNDLED_DIR.name).is_dir()
    log = (tmp_path / "DATA_CHANGES.md").read_text()
    assert log.count("## 2.3.0/") == 1 and "versus 2026.11.22: spacecraft: 0 added" in log
    again = subprocess.run(script, capture_output=True, text=True)
    assert (
        again.returncode == 0 and (tmp_path / "DATA_CHANGES.md").read_text() == log
    )  # a rebuild adds nothing
