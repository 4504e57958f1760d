"""CSV bytes: every text cell holding CR, LF, a quote or the comma is quoted, the same on every Python;
formula-looking cells are written exactly.

Python 3.10-3.12's csv writer, given ``lineterminator="\\n"``, left a lone CR unquoted: every reader took
it for a line end, so a record holding one split into rows of the wrong width (and 3.13 quoted it, so the
bytes differed between Pythons). The records here are SYNTHETIC: real ones with one field changed, in
``tmp_path``; nothing under ``data/`` is touched.
"""

from __future__ import annotations

import copy
import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data.build import SnapshotInputs, Source, build_snapshot
from spacecraft_data.cli import main
from spacecraft_data.store import dump_json
from spacecraft_data.tables import TABLES, csv_bytes, flat_csv, read_package, snapshot_tables
from spacecraft_data.validation import problems_for_table

#: text a harvest can hold (the schema takes any string) that breaks naive CSV: SYNTHETIC
AWKWARD = ["lone\rCR", "CR LF\r\nend", 'a "quote"', "comma, here", "trailing CR\r", "\r", "\n", '"', ","]
#: cells a spreadsheet takes for a formula: written exactly, never prefixed (the documented decision)
FORMULA_LIKE = ["=1+2", "+33 1 23", "-5", "@SUM(A1:A2)", "\tTAB", '=HYPERLINK("http://x.invalid")']


def _read(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


@pytest.mark.parametrize("text", AWKWARD)
def test_a_cell_holding_cr_lf_quote_or_comma_is_quoted_and_reads_back_as_one_row(text):
    table = TABLES["spacecraft_statuses"]
    data = csv_bytes(table, [{"id": 1, "name": text}, {"id": 2, "name": "plain"}])
    quoted = '"' + text.replace('"', '""') + '"'
    assert data == f"id,name\n1,{quoted}\n2,plain\n".encode()
    assert _read(data) == [["id", "name"], ["1", text], ["2", "plain"]]


def test_the_bytes_do_not_depend_on_the_python_that_writes_them():
    """The sha256 below is the same constant scripts/smoke.py checks on every Python CI has."""
    records = [{"id": 1, "name": 'lone\rCR, "quoted"\nand LF', "note": "=1+2"}]  # SYNTHETIC
    data = flat_csv(records)
    assert data == b'id,name,note\n1,"lone\rCR, ""quoted""\nand LF",=1+2\n'
    assert hashlib.sha256(data).hexdigest() == SMOKE_CSV_SHA256


#: what scripts/smoke.py's CSV check expects (its constant is checked against this one below)
SMOKE_CSV_SHA256 = "e0e7c29e89cb8dac9234c0b043b6469a119e21a83e1d0e936edcbf12aaf91a3e"


def test_the_smoke_test_checks_the_same_bytes(repo_root):
    assert f'"{SMOKE_CSV_SHA256}"' in (repo_root / "scripts" / "smoke.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("text", FORMULA_LIKE)
def test_formula_looking_cells_are_written_exactly_and_not_prefixed(text):
    table = TABLES["spacecraft_statuses"]
    data = csv_bytes(table, [{"id": 1, "name": text}])
    assert _read(data)[1] == ["1", text]
    assert f"1,{text}\n".encode() in data or f'1,"{text.replace(chr(34), chr(34) * 2)}"\n'.encode() in data


def test_the_package_says_text_is_kept_exactly_even_when_it_looks_like_a_formula(repo_root):
    description = json.loads((repo_root / "datapackage.json").read_text(encoding="utf-8"))["description"]
    assert "nothing is prefixed or escaped" in description and "=, +, -, @ or a tab" in description
    assert "a cell holding a comma, quote, CR or LF is quoted" in description


def _snapshot_with(folder: Path, changes: dict[int, dict]) -> spacecraft_data.Snapshot:
    """The bundled snapshot rebuilt with some records' fields changed: SYNTHETIC records."""
    bundled = spacecraft_data.load()
    records = copy.deepcopy(bundled.records)
    for record in records:
        record.update(changes.get(record["id"], {}))
    raw = folder / "raw"
    raw.mkdir(parents=True)
    arrays = {
        "normal.json": records,
        "configurations.json": bundled.tables["spacecraft_configurations"],
        "statuses.json": bundled.tables["spacecraft_statuses"],
    }
    for name, rows in arrays.items():
        (raw / name).write_bytes(dump_json(rows))
    sources = [
        Source(raw / "normal.json", "spacecraft", kind="array", mode="normal", captured="2026-11-25"),
        Source(raw / "configurations.json", "spacecraft_configurations", kind="array", mode="detailed"),
        Source(raw / "statuses.json", "config/spacecraft_statuses", kind="array"),
    ]
    return spacecraft_data.load(
        build_snapshot(SnapshotInputs(sources), folder / "snapshots", validate=problems_for_table)
    )


def test_an_export_of_records_holding_a_lone_cr_reads_back_row_for_row(tmp_path):
    ids = [r["id"] for r in spacecraft_data.load().records][:3]
    changes = {
        ids[0]: {"description": "first line\rsecond line"},  # SYNTHETIC: a lone CR
        ids[1]: {"serial_number": "=1+2"},  # SYNTHETIC: formula-looking, kept exactly
        ids[2]: {"name": "x\r"},
    }
    snap = _snapshot_with(tmp_path / "snap", changes)
    out = tmp_path / "out"
    assert main(["export", "--snapshot", str(snap.path), "--format", "csv", "--output", str(out)]) == 0
    rows = _read((out / "spacecraft.csv").read_bytes())
    assert len(rows) == 1 + len(snap) and {len(r) for r in rows} == {len(TABLES["spacecraft"].columns)}
    assert read_package(out / "datapackage.json") == snapshot_tables(snap)
    header = rows[0]
    by_id = {int(r[header.index("id")]): r for r in rows[1:]}
    assert by_id[ids[0]][header.index("description")] == "first line\rsecond line"
    assert by_id[ids[1]][header.index("serial_number")] == "=1+2"
    assert by_id[ids[2]][header.index("name")] == "x\r"


def test_frictionless_finds_an_export_holding_a_lone_cr_valid(tmp_path):
    frictionless = pytest.importorskip("frictionless")
    ids = [r["id"] for r in spacecraft_data.load().records][:1]
    snap = _snapshot_with(
        tmp_path / "snap", {ids[0]: {"description": "first line\rsecond line"}}
    )  # SYNTHETIC
    out = tmp_path / "out"
    assert main(["export", "--snapshot", str(snap.path), "--format", "csv", "--output", str(out)]) == 0
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, report.flatten(["resourceName", "rowNumber", "type", "note"])[:5]
