"""datapackage.json and data/tables/: generated, up to date, valid for Frictionless, JSON Schema and
DuckDB."""

from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import pytest

from spacecraft_data import tables as T

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_tables.py"
#: these check the bundle itself (data/tables and datapackage.json against the newest snapshot): run by a
#: refresh
pytestmark = pytest.mark.bundle


def _script():
    spec = importlib.util.spec_from_file_location("build_tables_under_test", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def descriptor() -> dict:
    return json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture()
def repo_copy(tmp_path) -> Path:
    """The parts of the repository the tables are made from and written to."""
    for rel in ("data/snapshots", "data/tables", "schema"):
        shutil.copytree(ROOT / rel, tmp_path / rel)
    shutil.copy(ROOT / "datapackage.json", tmp_path / "datapackage.json")
    return tmp_path


def test_committed_tables_and_datapackage_equal_what_the_script_generates():
    files = _script().generate(ROOT)
    held = [n for n, t in T.TABLES.items() if t.needs_mode is None]  # no detailed records: no flights table
    assert "datapackage.json" in files and len(files) == len(held) + 1
    stale = [rel for rel, data in files.items() if (ROOT / rel).read_bytes() != data]
    assert stale == [], f"run python scripts/build_tables.py; stale: {stale}"
    on_disk = sorted(p.name for p in (ROOT / "data" / "tables").glob("*.csv"))
    assert on_disk == sorted(f"{name}.csv" for name in held)


def test_check_mode_fails_on_a_changed_table_and_a_rebuild_repairs_it(repo_copy, capsys):
    script = _script()
    script.ROOT = repo_copy
    snapshots = repo_copy / "data" / "snapshots"
    assert script.main(["--check", "--snapshot", str(snapshots)]) == 0
    csv_path = repo_copy / "data" / "tables" / "spacecraft_statuses.csv"
    csv_path.write_text(csv_path.read_text().replace("Destroyed", "Lost"))
    (repo_copy / "data" / "tables" / "leftover.csv").write_text("id\n1\n")
    assert script.main(["--check", "--snapshot", str(snapshots)]) == 1
    err = capsys.readouterr().err
    assert "data/tables/spacecraft_statuses.csv" in err and "data/tables/leftover.csv" in err
    assert script.main(["--snapshot", str(snapshots)]) == 0
    assert csv_path.read_bytes() == (ROOT / "data" / "tables" / "spacecraft_statuses.csv").read_bytes()
    assert not (repo_copy / "data" / "tables" / "leftover.csv").exists()
    assert script.main(["--check", "--snapshot", str(snapshots)]) == 0


def test_frictionless_validates_the_package_including_foreign_keys_and_hashes():
    import frictionless

    report = frictionless.validate(str(ROOT / "datapackage.json"))
    errors = [(task.name, e.type, e.message) for task in report.tasks for e in task.errors]
    assert report.valid, errors[:5]
    assert len(report.tasks) == sum(t.needs_mode is None for t in T.TABLES.values()) + 3


def test_frictionless_catches_a_broken_foreign_key_in_a_copy(repo_copy):
    import frictionless

    path = repo_copy / "data" / "tables" / "spacecraft.csv"
    path.write_text(path.read_text().replace(",1910,false,P54DT", ",999999,false,P54DT", 1))
    descriptor = json.loads((repo_copy / "datapackage.json").read_text())
    for resource in descriptor["resources"]:  # so that the hash check does not hide the key check
        resource.pop("hash"), resource.pop("bytes")
    (repo_copy / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(repo_copy / "datapackage.json"))
    assert [e.type for task in report.tasks for e in task.errors] == ["foreign-key"]


def test_descriptor_is_data_package_v2_with_version_licences_sources_and_attribution(
    descriptor, latest_bundled
):
    assert descriptor["$schema"] == "https://datapackage.org/profiles/2.0/datapackage.json"
    assert descriptor["version"] == latest_bundled.version
    titles = " ".join(lic["title"] for lic in descriptor["licenses"])
    assert descriptor["licenses"][0]["name"] == "MIT"
    for words in ("any way, shape, or form", "attribution", "accuracy is not guaranteed", "images"):
        assert words in titles
    assert [s["path"] for s in descriptor["sources"]] == [
        s["request_url"] for s in latest_bundled.manifest["sources"]
    ]
    assert any("The Space Devs" in c["title"] for c in descriptor["contributors"])


def test_every_table_and_snapshot_file_is_a_resource_with_a_path_in_the_repo(descriptor, latest_bundled):
    names = [r["name"] for r in descriptor["resources"]]
    assert names[3:] == [
        n for n, t in T.TABLES.items() if t.needs_mode is None
    ]  # no detailed records: no flights
    for resource in descriptor["resources"]:
        path = ROOT / resource["path"]
        assert path.is_file(), resource["path"]
        assert resource["bytes"] == path.stat().st_size
    json_paths = [r["path"] for r in descriptor["resources"] if r["format"] == "json"]
    assert json_paths == [
        f"data/snapshots/2.3.0/{latest_bundled.version}/{f}"
        for f in ("spacecraft.json", "spacecraft_configurations.json", "spacecraft_statuses.json")
    ]


def test_table_schemas_declare_primary_and_foreign_keys(descriptor):
    by_name = {r["name"]: r for r in descriptor["resources"]}
    spacecraft = by_name["spacecraft"]["schema"]
    assert spacecraft["primaryKey"] == ["id"]
    assert {
        "fields": ["spacecraft_config_id"],
        "reference": {"resource": "spacecraft_configurations", "fields": ["id"]},
    } in spacecraft["foreignKeys"]
    families = by_name["spacecraft_families"]["schema"]
    assert {"fields": ["parent_id"], "reference": {"fields": ["id"]}} in families[
        "foreignKeys"
    ]  # self-reference
    assert by_name["spacecraft_configuration_families"]["schema"]["primaryKey"] == [
        "spacecraft_config_id",
        "position",
    ]


def test_json_resources_validate_against_their_json_schema(descriptor, latest_bundled):
    from spacecraft_data.validation import validator

    checked = 0
    for resource in descriptor["resources"]:
        if resource["format"] != "json":
            continue
        check = validator(Path(resource["jsonSchema"]).name)
        for n, record in enumerate(json.loads((ROOT / resource["path"]).read_text(encoding="utf-8"))):
            errors = [e.message for e in check.iter_errors(record)]
            assert errors == [], f"{resource['path']}[{n}]: {errors[:3]}"
            checked += 1
    assert checked == sum(
        len(latest_bundled.tables[t])
        for t in ("spacecraft", "spacecraft_configurations", "spacecraft_statuses")
    )


def test_duckdb_read_csv_auto_reads_every_row_and_types(latest_bundled):
    duckdb = pytest.importorskip("duckdb")
    con = duckdb.connect()
    tables = T.snapshot_tables(latest_bundled)
    for name in ("spacecraft", "spacecraft_configurations", "images"):
        path = (ROOT / "data" / "tables" / f"{name}.csv").as_posix()
        count = con.execute(f"SELECT count(*) FROM read_csv_auto('{path}')").fetchone()[0]
        assert count == len(tables[name]), name
    path = (ROOT / "data" / "tables" / "spacecraft.csv").as_posix()
    # A record with a duration, whatever the newest snapshot holds (the pinned bundle's first is 167:
    # 4672594, False).
    expected = next(r for r in tables["spacecraft"] if r["time_in_space_seconds"] is not None)
    row = con.execute(
        f"SELECT time_in_space_seconds, in_space FROM read_csv_auto('{path}') WHERE id = {expected['id']}"
    ).fetchone()
    assert row == (expected["time_in_space_seconds"], expected["in_space"])
    assert type(row[0]) is int and type(row[1]) is bool
