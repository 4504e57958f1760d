"""``spacecraft-data export``: the records the query selects, as CSV tables, JSON or NDJSON."""

from __future__ import annotations

import json

import pytest
from helpers_rebuild import records_from_tables

from spacecraft_data import tables as T
from spacecraft_data.cli import main
from spacecraft_data.endpoints.v2_3_0 import ENDPOINTS

#: load() with no path and the commands given no snapshot answer from the pinned snapshot (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("pinned_home")


def _expected_ids(snap, **params) -> list[int]:
    """Every record the library's query selects, page by page (what a client following `next` gets)."""
    ids, offset = [], 0
    while True:
        page = snap.query(**params, limit=100, offset=offset)
        ids += [r["id"] for r in page.results]
        if page.next is None:
            return ids
        offset += 100


def test_json_export_without_flags_writes_every_stored_record(bundled, tmp_path, capsys):
    assert main(["export", "--format", "json", "--output", str(tmp_path / "out")]) == 0
    written = json.loads((tmp_path / "out" / "spacecraft.json").read_text(encoding="utf-8"))
    assert written == bundled.records
    assert "exported 28 of 28 records" in capsys.readouterr().err


def test_ndjson_export_writes_the_filtered_records_one_a_line_in_query_order(bundled, tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "export",
                "--format",
                "ndjson",
                "--output",
                str(out),
                "--status",
                "4",
                "--ordering",
                "-time_in_space",
            ]
        )
        == 0
    )
    lines = (out / "spacecraft.ndjson").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    expected = _expected_ids(bundled, status="4", ordering="-time_in_space")
    assert [r["id"] for r in records] == expected and 0 < len(expected) < len(bundled)
    assert records == [bundled.get(i) for i in expected]  # stored records, links not rewritten


def test_limit_and_offset_export_that_one_page(bundled, tmp_path):
    assert (
        main(
            [
                "export",
                "--format",
                "json",
                "--output",
                str(tmp_path),
                "--ordering",
                "id",
                "--limit",
                "3",
                "--offset",
                "2",
            ]
        )
        == 0
    )
    written = json.loads((tmp_path / "spacecraft.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in written] == sorted(r["id"] for r in bundled.records)[2:5]


def _frictionless_errors(descriptor) -> list:
    import frictionless

    report = frictionless.validate(str(descriptor))
    return [] if report.valid else [e.message for t in report.tasks for e in t.errors][:3]


def test_csv_export_without_flags_writes_every_complete_table(bundled, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--output", str(out)]) == 0
    tables = T.read_package(out / "datapackage.json")
    assert tables == T.snapshot_tables(bundled)  # every row of every table, not only the rows the records use
    configurations = bundled.tables["spacecraft_configurations"]
    assert len(tables["spacecraft_configurations"]) == len(configurations)
    assert len(configurations) > len({r["spacecraft_config"]["id"] for r in bundled.records})
    assert _frictionless_errors(out / "datapackage.json") == []
    assert f"exported {len(bundled)} of {len(bundled)} records" in capsys.readouterr().err


def test_csv_export_of_a_selection_keeps_the_reference_tables_complete(bundled, tmp_path):
    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--output", str(out), "--search", "progress"]) == 0
    expected = sorted(_expected_ids(bundled, search="progress"))
    tables = T.read_package(out / "datapackage.json")
    assert [r["id"] for r in tables["spacecraft"]] == expected and 0 < len(expected) < len(bundled)
    assert records_from_tables(tables) == [bundled.get(i) for i in expected]
    assert tables["spacecraft_configurations"] == T.snapshot_tables(bundled)["spacecraft_configurations"]
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert "selected by: search=progress; reference tables are complete" in descriptor["description"]
    assert _frictionless_errors(out / "datapackage.json") == []


def test_referenced_only_writes_the_reference_rows_the_selection_uses(bundled, tmp_path):
    out = tmp_path / "out"
    assert (
        main(["export", "--format", "csv", "--output", str(out), "--search", "progress", "--referenced-only"])
        == 0
    )
    expected = sorted(_expected_ids(bundled, search="progress"))
    tables = T.read_package(out / "datapackage.json")
    assert [r["id"] for r in tables["spacecraft"]] == expected
    assert records_from_tables(tables) == [bundled.get(i) for i in expected]
    used = {bundled.get(i)["spacecraft_config"]["id"] for i in expected}
    assert {r["id"] for r in tables["spacecraft_configurations"]} == used
    assert (
        "reference tables hold only the rows they use"
        in json.loads((out / "datapackage.json").read_text())["description"]
    )
    assert _frictionless_errors(out / "datapackage.json") == []


@pytest.mark.parametrize("endpoint", [e for e in ENDPOINTS])
def test_every_endpoint_exports_its_stored_records_and_the_tables_they_lead_to(bundled, tmp_path, endpoint):
    table = ENDPOINTS[endpoint].storage.table
    stored = bundled.records if table == "spacecraft" else bundled.tables[table]
    assert main(["export", "--format", "json", "--output", str(tmp_path / "j"), "--endpoint", endpoint]) == 0
    assert json.loads((tmp_path / "j" / f"{table}.json").read_text(encoding="utf-8")) == stored
    assert main(["export", "--format", "csv", "--output", str(tmp_path / "c"), "--endpoint", endpoint]) == 0
    tables = T.read_package(tmp_path / "c" / "datapackage.json")
    assert list(tables) == [n for n in T.referenced_tables(table) if T.TABLES[n].needs_mode is None]
    assert sorted(r["id"] for r in tables[table]) == sorted(r["id"] for r in stored)
    assert _frictionless_errors(tmp_path / "c" / "datapackage.json") == []


def test_a_filtered_configuration_export_holds_only_those_and_their_families(bundled, tmp_path):
    out = tmp_path / "out"
    assert (
        main(
            [
                "export",
                "--format",
                "csv",
                "--output",
                str(out),
                "--endpoint",
                "spacecraft_configurations",
                "--agency",
                "121",
            ]
        )
        == 0
    )
    tables = T.read_package(out / "datapackage.json")
    chosen = {r["id"] for r in bundled.tables["spacecraft_configurations"] if r["agency"]["id"] == 121}
    assert {r["id"] for r in tables["spacecraft_configurations"]} == chosen and chosen
    assert {r["spacecraft_config_id"] for r in tables["spacecraft_configuration_families"]} <= chosen
    assert "spacecraft" not in tables  # spacecraft point at configurations, not the other way
    assert _frictionless_errors(out / "datapackage.json") == []


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_single_file_formats_write_to_standard_output_with_dash(
    bundled, tmp_path, fmt, capfdbinary, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--format", fmt, "--output", "-", "--status", "4"]) == 0
    captured = capfdbinary.readouterr()
    text = captured.out.decode("utf-8")
    records = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.splitlines()]
    assert [r["id"] for r in records] == _expected_ids(bundled, status="4")
    assert b"to standard output" in captured.err
    assert list(tmp_path.iterdir()) == []  # no folder named '-'


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_folder_formats_refuse_standard_output_as_a_usage_error(tmp_path, fmt, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "--format", fmt, "--output", "-"])
    assert exit_info.value.code == 2
    assert "standard output takes json or ndjson only" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_existing_files_are_kept_unless_force(bundled, tmp_path, capsys):
    target = tmp_path / "spacecraft.json"
    target.write_text("[]\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["export", "--format", "json", "--output", str(tmp_path), "--status", "3"]) == 2
    assert "would overwrite spacecraft.json; pass --force" in capsys.readouterr().err
    assert target.read_text() == "[]\n"
    assert main(["export", "--format", "json", "--output", str(tmp_path), "--status", "3", "--force"]) == 0
    assert [r["status"]["id"] for r in json.loads(target.read_text())] == [3] * len(
        _expected_ids(bundled, status="3")
    )
    assert (tmp_path / "notes.txt").read_text() == "mine\n"


def test_a_bad_query_value_fails_naming_the_parameter_and_writes_nothing(tmp_path, capsys):
    assert main(["export", "--format", "csv", "--output", str(tmp_path / "out"), "--status", "abc"]) == 1
    assert "status" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_output_that_is_a_file_is_refused(tmp_path, capsys):
    (tmp_path / "file").write_text("x")
    assert main(["export", "--format", "json", "--output", str(tmp_path / "file")]) == 2
    assert "exists and is not a folder" in capsys.readouterr().err


@pytest.mark.parametrize("fmt", ["csv", "json", "ndjson"])
def test_export_with_a_filter_matching_nothing_writes_empty_files(tmp_path, fmt):
    assert main(["export", "--format", fmt, "--output", str(tmp_path), "--name", "No Such Craft"]) == 0
    if fmt == "csv":
        assert T.read_package(tmp_path / "datapackage.json")["spacecraft"] == []
    elif fmt == "json":
        assert json.loads((tmp_path / "spacecraft.json").read_text()) == []
    else:
        assert (tmp_path / "spacecraft.ndjson").read_bytes() == b""
