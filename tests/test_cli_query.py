"""`spacecraft-data query` and `spacecraft-data get`: thin layers over Snapshot.query and Snapshot.respond."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

from spacecraft_data.cli import main

#: the commands run with no --snapshot and state facts of the bundled records: they answer from the pinned
#: snapshot
pytestmark = pytest.mark.usefixtures("pinned_home")


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_query_json_is_the_page_snapshot_query_returns(capsys, bundled):
    code, out, _ = run(
        capsys,
        "query",
        "--search",
        "soyuz",
        "--ordering",
        "-time_in_space",
        "--limit",
        "2",
        "--format",
        "json",
    )
    assert code == 0
    assert json.loads(out) == bundled.query(search="soyuz", ordering="-time_in_space", limit=2).to_dict()


def test_query_table_lists_records_with_a_footer_naming_the_snapshot_coverage(capsys):
    code, out, _ = run(capsys, "query", "--status", "4", "--ordering", "-time_in_space", "--limit", "3")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split()[:4] == ["id", "name", "status", "config"]
    assert lines[1].split()[:3] == ["463", "Tianzhou-3", "Single"]
    assert lines[-1] == "1-3 of 23 (snapshot 2026.12.01 holds 28 of 590 records)"


def test_query_csv_writes_the_spacecraft_table_rows(capsys):
    code, out, _ = run(capsys, "query", "--all", "--format", "csv", "--search", "progress")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert len(rows) == 13 and {r["status_id"] for r in rows} == {"1", "4"}
    assert [int(r["id"]) for r in rows] == sorted(int(r["id"]) for r in rows)


def test_query_all_pages_through_every_match(capsys):
    code, out, _ = run(capsys, "query", "--all", "--format", "json", "--limit", "3")
    body = json.loads(out)
    assert code == 0 and body["count"] == len(body["results"]) == 28 and body["next"] is None


def test_query_refused_value_and_unheld_mode_exit_1_with_a_clear_message(capsys):
    code, out, err = run(capsys, "query", "--spacecraft-config", "23")
    assert code == 1 and out == "" and "spacecraft_config" in err and "Select a valid choice" in err
    code, out, err = run(capsys, "query", "--mode", "detailed")
    assert code == 1 and "harvest --mode detailed" in err


def test_get_prints_the_respond_body_and_exits_by_status(capsys, bundled):
    url = "/2.3.0/spacecraft/?status=4&limit=2&format=json"
    code, out, err = run(capsys, "get", url)
    assert code == 0 and err == ""
    assert json.loads(out) == bundled.respond(url)[1]
    code, out, err = run(capsys, "get", "/2.3.0/spacecraft/?status=x")
    assert (
        code == 1
        and err.strip() == "HTTP 400"
        and json.loads(out)
        == {"status": ["Select a valid choice. That choice is not one of the available choices."]}
    )
    code, out, err = run(capsys, "get", "/2.3.0/spacecraft/463/")
    assert code == 1 and "HTTP 501" in err


@pytest.mark.parametrize("flag", ["--ordering=-id", "--ordering -id"])
def test_descending_ordering_needs_no_equals_sign(capsys, flag):
    code, out, _ = run(capsys, "query", *flag.split(), "--limit", "1", "--format", "json")
    assert code == 0 and json.loads(out)["results"][0]["id"] == 629


def test_cold_query_command_imports_no_heavy_library():
    code = (
        "import sys; from spacecraft_data.cli import main; main(['query', '--limit', '1']); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('django', 'jsonschema', 'frictionless', 'pandas', 'requests', 'urllib3')), file=sys.stderr)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stderr.strip().splitlines()[-1] == "[]"
