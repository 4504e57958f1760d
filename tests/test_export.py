"""``spacecraft-data export``: the records the query selects, as CSV tables, JSON or NDJSON."""

from __future__ import annotations

import json

import pytest

from spacecraft_data import tables as T
from spacecraft_data.cli import main


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
    assert "exported 20 of 20 records" in capsys.readouterr().err


def test_ndjson_export_writes_the_filtered_records_one_a_line_in_query_order(bundled, tmp_path):
    out = tmp_path / "out"
    assert main(["export", "--format", "ndjson", "--output", str(out),
                 "--status", "4", "--ordering", "-time_in_space"]) == 0
    lines = (out / "spacecraft.ndjson").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    expected = _expected_ids(bundled, status="4", ordering="-time_in_space")
    assert [r["id"] for r in records] == expected and 0 < len(expected) < len(bundled)
    assert records == [bundled.get(i) for i in expected]  # stored records, links not rewritten


def test_limit_and_offset_export_that_one_page(bundled, tmp_path):
    assert main(["export", "--format", "json", "--output", str(tmp_path), "--ordering", "id",
                 "--limit", "3", "--offset", "2"]) == 0
    written = json.loads((tmp_path / "spacecraft.json").read_text(encoding="utf-8"))
    assert [r["id"] for r in written] == sorted(r["id"] for r in bundled.records)[2:5]


def test_csv_export_writes_tables_of_the_selection_that_rebuild_it_and_validate(bundled, tmp_path):
    import frictionless

    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--output", str(out), "--search", "progress"]) == 0
    expected = sorted(_expected_ids(bundled, search="progress"))
    tables = T.read_package(out / "datapackage.json")
    assert [r["id"] for r in tables["spacecraft"]] == expected and 0 < len(expected) < len(bundled)
    assert T.records_from_tables(tables) == [bundled.get(i) for i in expected]
    used = {bundled.get(i)["spacecraft_config"]["id"] for i in expected}
    assert {r["id"] for r in tables["spacecraft_configurations"]} == used
    descriptor = json.loads((out / "datapackage.json").read_text())
    assert "selected by: search=progress" in descriptor["description"]
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:3]


def test_existing_files_are_kept_unless_force(bundled, tmp_path, capsys):
    target = tmp_path / "spacecraft.json"
    target.write_text("[]\n")
    (tmp_path / "notes.txt").write_text("mine\n")
    assert main(["export", "--format", "json", "--output", str(tmp_path), "--status", "3"]) == 2
    assert "would overwrite spacecraft.json; pass --force" in capsys.readouterr().err
    assert target.read_text() == "[]\n"
    assert main(["export", "--format", "json", "--output", str(tmp_path), "--status", "3", "--force"]) == 0
    assert [r["status"]["id"] for r in json.loads(target.read_text())] == [3] * len(_expected_ids(bundled, status="3"))
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
