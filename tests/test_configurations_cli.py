"""`spacecraft-data query --endpoint …` and `get` on the configuration and status routes: thin layers, one
engine."""

from __future__ import annotations

import csv
import io
import json

import pytest

from spacecraft_data.cli import main
from spacecraft_data.snapshot import Snapshot

#: the commands run with no --snapshot and state facts of the bundled records: they answer from the pinned
#: snapshot
pytestmark = pytest.mark.usefixtures("pinned_home")


def run(capsys, *argv):
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


def test_query_endpoint_json_is_the_page_the_python_api_returns(capsys, bundled):
    code, out, _ = run(
        capsys,
        "query",
        "--endpoint",
        "spacecraft_configurations",
        "--agency",
        "121",
        "--human-rated",
        "true",
        "--format",
        "json",
    )
    assert code == 0
    expected = bundled.endpoint("spacecraft_configurations").query(agency="121", human_rated="true").to_dict()
    assert json.loads(out) == expected and [r["name"] for r in expected["results"]] == ["Crew Dragon 2"]


def test_query_endpoint_table_names_the_tables_coverage(capsys):
    code, out, _ = run(
        capsys, "query", "--endpoint", "spacecraft_configurations", "--ordering", "-name", "--limit", "2"
    )
    lines = out.splitlines()
    assert code == 0 and lines[0].split() == ["id", "name", "agency", "type", "in_use", "family"]
    assert lines[1].split()[:2] == ["30", "X-37B"]  # code point order, descending
    assert lines[-1] == "1-2 of 46 (snapshot 2026.12.01 holds 46 spacecraft_configurations (complete))"
    code, out, _ = run(capsys, "query", "--endpoint", "config/spacecraft_statuses")
    assert out.splitlines()[-1] == (
        "1-3 of 3 (snapshot 2026.12.01 holds 3 spacecraft_statuses "
        "(partial, derived from the spacecraft records))"
    )


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["--endpoint", "spacecraft_configurations", "--status", "4"], "--status"),
        (["--endpoint", "spacecraft_configurations", "--in-space", "true"], "--in-space"),
        (["--agency", "121"], "--agency"),
        (["--endpoint", "config/spacecraft_statuses", "--mode", "normal"], "--mode"),
    ],
)
def test_a_flag_the_chosen_endpoint_lacks_is_a_usage_error_naming_it(capsys, argv, flag):
    code, out, err = run(capsys, "query", *argv)
    assert code == 2 and out == ""
    assert f"error: {flag}: not a parameter of /2.3.0/" in err


def test_query_endpoint_refusal_carries_ll2s_400_body(capsys):
    code, _, err = run(capsys, "query", "--endpoint", "spacecraft_configurations", "--agency", "1000")
    assert code == 1 and "HTTP 400 for agency='1000'" in err and "Select a valid choice" in err


def test_query_endpoint_csv_rows_are_the_normalised_table_rows_in_query_order(capsys, bundled):
    from spacecraft_data.tables import snapshot_tables

    code, out, _ = run(
        capsys,
        "query",
        "--endpoint",
        "spacecraft_configurations",
        "--search",
        "dragon",
        "--ordering",
        "-name",
        "--all",
        "--format",
        "csv",
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["name"] for r in rows] == ["Dragon 1", "Crew Dragon 2", "Cargo Dragon 2"]
    table = {r["id"]: r for r in snapshot_tables(bundled)["spacecraft_configurations"]}
    assert rows[0]["capability"] == table[3]["capability"] and rows[0]["held_as"] == "detailed"


def test_get_answers_configuration_and_status_urls(capsys, bundled):
    code, out, _ = run(capsys, "get", "/2.3.0/spacecraft_configurations/6/?format=api")
    assert (
        code == 0 and json.loads(out) == bundled.respond("/2.3.0/spacecraft_configurations/6/?format=api")[1]
    )
    code, out, err = run(capsys, "get", "/2.3.0/config/spacecraft_statuses/2/")
    assert code == 1 and "HTTP 404" in err and "SpacecraftStatus" in out


def test_a_spacecraft_query_does_not_read_the_configurations_file(bundled):
    """Cold start: the 326 kB configurations table is parsed only when something needs it."""
    snap = Snapshot(bundled.path)
    snap.query(search="soyuz", ordering="-time_in_space", status=4, limit=3)
    assert "spacecraft_configurations" not in snap.tables._loaded
    snap.endpoint("spacecraft_configurations").query(limit=1)
    assert "spacecraft_configurations" in snap.tables._loaded
