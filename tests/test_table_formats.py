"""Tables in every format, read back by DuckDB, frictionless and pandas with the declared types.

The detailed-mode tests use SYNTHETIC detailed records (``test_detailed_mode.build_both_modes``:
real normal records, the real detailed configurations, one SYNTHETIC flight each), built in
``tmp_path``; nothing under ``data/`` is touched.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest
from test_detailed_mode import build_both_modes

import spacecraft_data
from spacecraft_data import tables as T
from spacecraft_data.cli import main
from spacecraft_data.tables.parquet import DUCKDB_INTERVAL_MACRO, duckdb_columns

duckdb = pytest.importorskip("duckdb")


def _sql_rows(con, sql: str) -> list[dict]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def _python_value(column, value):
    """A table row's value as DuckDB gives it back for the column's declared type."""
    if value is None:
        return None
    if column.type == "date":
        return dt.date.fromisoformat(value)
    if column.type == "datetime":
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    return value


# -- CSV: DuckDB with the declared types and frictionless agree ---------------------------------------------
def test_duckdb_declares_every_column_even_a_nearly_empty_one(bundled):
    tables = T.snapshot_tables(bundled)
    # A sparse column: only Crew Dragon Freedom (551) has a fastest turnaround, so type inference could not
    # guess it.
    assert [r["id"] for r in tables["spacecraft"] if r["fastest_turnaround_seconds"] is not None] == [551]
    columns = duckdb_columns("spacecraft")
    assert columns["fastest_turnaround_seconds"] == "BIGINT" and columns["time_in_space_seconds"] == "BIGINT"
    assert list(columns) == list(T.SPACECRAFT_COLUMNS)


def test_duckdb_read_csv_with_the_declared_types_reads_what_frictionless_reads(tmp_path):
    import frictionless

    assert main(["export", "--format", "csv", "--output", str(tmp_path)]) == 0
    package = frictionless.Package(str(tmp_path / "datapackage.json"))
    con = duckdb.connect()
    compared = 0
    for resource in package.resources:
        if resource.name not in T.TABLES:
            continue
        table = T.TABLES[resource.name]
        path = (tmp_path / f"{resource.name}.csv").as_posix()
        fields = resource.schema.fields
        # The CSV's null rules, per field (see spacecraft_data.tables): "" is null unless the field
        # declares missingValues [] (then "" is text: DuckDB's force_not_null); "\\N" where declared.
        never_null = [f.name for f in fields if f.missing_values == []]
        markers = sorted({m for f in fields for m in f.missing_values} | {""})
        columns = duckdb_columns(resource.name)
        select = ", ".join(f'"{c}"' for c in columns)
        not_null = f", force_not_null={never_null!r}" if never_null else ""
        sql = (
            f"SELECT {select} FROM read_csv('{path}', header=true, columns={columns!r}, "
            f"nullstr={markers!r}{not_null})"
        )
        duck = _sql_rows(con, sql)
        fric = [dict(row) for row in resource.read_rows()]
        assert len(duck) == len(fric), resource.name
        for n, (d, f) in enumerate(zip(duck, fric)):
            for column in table.columns:
                want, got = f[column.name], d[column.name]
                if column.type == "duration" and got is not None:
                    # DuckDB reads an ISO duration as text (it cannot cast one); frictionless parses it
                    got = spacecraft_data.durations.interval(got)
                    want = want if isinstance(want, dt.timedelta) else want.tdelta
                elif column.type == "number" and want is not None:
                    want = float(want)  # frictionless reads numbers as Decimal
                assert got == want, (
                    f"{resource.name} row {n} {column.name}: duckdb {got!r}, frictionless {want!r}"
                )
                compared += 1
    assert compared > 1000


# -- Parquet ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def parquet_dir(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("parquet") / "out"
    assert main(["export", "--format", "parquet", "--output", str(out)]) == 0
    return out


def test_parquet_export_writes_every_table_with_the_declared_duckdb_types(bundled, parquet_dir):
    tables = T.snapshot_tables(bundled)
    assert sorted(p.name for p in parquet_dir.iterdir()) == sorted(f"{n}.parquet" for n in tables)
    con = duckdb.connect()
    for name, rows in tables.items():
        path = (parquet_dir / f"{name}.parquet").as_posix()
        described = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()}
        expected = {
            c: t.replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
            for c, t in duckdb_columns(name, csv=False).items()
        }
        assert described == expected, name
        assert len(_sql_rows(con, f"SELECT * FROM '{path}'")) == len(rows)


def test_parquet_durations_are_iso_text_and_seconds_are_bigint_equal_to_the_rows(bundled, parquet_dir):
    """No INTERVAL: polars panics on Parquet's INTERVAL and pyarrow gives raw bytes
    (tests/test_readers.py)."""
    con = duckdb.connect()
    path = (parquet_dir / "spacecraft.parquet").as_posix()
    rows = _sql_rows(
        con, f"SELECT id, time_in_space, time_in_space_seconds, fastest_turnaround_seconds FROM '{path}'"
    )
    by_id = {r["id"]: r for r in T.snapshot_tables(bundled)["spacecraft"]}
    for row in rows:
        source = by_id[row["id"]]
        assert row["time_in_space"] == source["time_in_space"]
        assert row["time_in_space_seconds"] == source["time_in_space_seconds"]
        assert type(row["time_in_space_seconds"]) is int
        assert row["fastest_turnaround_seconds"] == source["fastest_turnaround_seconds"]
    # SQL arithmetic on a duration needs one function: to_seconds() gives the INTERVAL
    (days,) = con.execute(
        f"SELECT max(epoch(to_seconds(time_in_space_seconds))) / 86400 FROM '{path}'"
    ).fetchone()
    assert days == max(r["time_in_space_seconds"] for r in by_id.values()) / 86400
    (kinds,) = con.execute(f"SELECT list(DISTINCT typeof(time_in_space)) FROM '{path}'").fetchone()
    assert kinds == ["VARCHAR"]


def test_parquet_read_into_pandas_gives_nullable_integers_and_seconds_that_make_timedeltas(
    bundled, parquet_dir
):
    pytest.importorskip("pandas")
    import pandas as pd

    frame = duckdb.read_parquet(str(parquet_dir / "spacecraft.parquet")).df()
    assert frame["time_in_space_seconds"].dtype.kind == "i"  # int64 (no null), never a float
    assert str(frame["fastest_turnaround_seconds"].dtype) == "Int64"  # all null: still an integer column
    ours = bundled.to_pandas("spacecraft")
    assert (
        pd.to_timedelta(frame["time_in_space_seconds"], unit="s").tolist()
        == ours["time_in_space"].dt.floor("s").tolist()
    )
    assert pd.to_timedelta(frame["time_in_space"]).tolist() == ours["time_in_space"].tolist()


# -- NDJSON -------------------------------------------------------------------------------------------------
def test_query_ndjson_prints_the_page_records_one_a_line(bundled, capsys, pinned_home):
    assert main(["query", "--format", "ndjson", "--search", "soyuz", "--limit", "3"]) == 0
    lines = capsys.readouterr().out.splitlines()
    page = bundled.query(search="soyuz", limit=3)
    assert [json.loads(line) for line in lines] == page.results and len(lines) == 3


def test_ndjson_export_loads_in_duckdb_and_pandas_with_time_in_space_as_a_duration(
    bundled, tmp_path, pinned_home
):
    pd = pytest.importorskip("pandas")
    assert main(["export", "--format", "ndjson", "--output", str(tmp_path)]) == 0
    path = tmp_path / "spacecraft.ndjson"
    con = duckdb.connect()
    con.execute(DUCKDB_INTERVAL_MACRO)
    rows = _sql_rows(
        con,
        f"SELECT id, ll2_interval(time_in_space) AS t FROM read_json('{path.as_posix()}', "
        "format='newline_delimited') ORDER BY id",
    )
    frame = pd.read_json(path, lines=True, dtype={"time_in_space": "string"})
    frame["time_in_space"] = pd.to_timedelta(frame["time_in_space"])
    assert str(frame["time_in_space"].dtype).startswith("timedelta64")
    expected = {r["id"]: spacecraft_data.durations.interval(r["time_in_space"]) for r in bundled.records}
    assert {r["id"]: r["t"] for r in rows} == expected
    assert dict(zip(frame["id"], (t.to_pytimedelta() for t in frame["time_in_space"]))) == expected


@pytest.mark.parametrize(
    "value", ["P309DT20H20M49S", "PT3H30M", "P0D", "P1DT2H3M4.5S", "-P1DT1S", "PT45S", "P2D", "PT0.000001S"]
)
def test_the_duckdb_macro_reads_lls_compact_durations_as_the_package_does(value):
    con = duckdb.connect()
    con.execute(DUCKDB_INTERVAL_MACRO)
    assert con.execute("SELECT ll2_interval(?)", [value]).fetchone()[0] == spacecraft_data.durations.interval(
        value
    )


@pytest.mark.parametrize("value", ["P", "bogus", "P1W", "", None])
def test_the_duckdb_macro_gives_null_for_anything_else(value):
    con = duckdb.connect()
    con.execute(DUCKDB_INTERVAL_MACRO)
    assert con.execute("SELECT ll2_interval(?)", [value]).fetchone()[0] is None


def test_the_duckdb_macro_reads_every_csv_duration_as_its_seconds_say(tmp_path):
    assert main(["export", "--format", "csv", "--output", str(tmp_path)]) == 0
    con = duckdb.connect()
    con.execute(DUCKDB_INTERVAL_MACRO)
    checked = 0
    for name, table in T.TABLES.items():
        path = tmp_path / f"{name}.csv"
        if not path.is_file():
            continue
        source = f"read_csv('{path.as_posix()}', header=true, columns={duckdb_columns(name)!r})"
        for column in (c.name for c in table.columns if c.type == "duration"):
            rows = con.execute(
                f'SELECT ll2_interval("{column}"), "{column}_seconds" FROM {source} '
                f'WHERE "{column}" IS NOT NULL'
            ).fetchall()
            for interval, seconds in rows:
                assert int(interval.total_seconds()) == seconds
                checked += 1
    assert checked >= 40


# -- detailed mode: the flights table (SYNTHETIC detailed records) ------------------------------------------
@pytest.fixture(scope="module")
def both(tmp_path_factory) -> Path:
    return build_both_modes(tmp_path_factory.mktemp("both"))


@pytest.fixture(scope="module")
def detailed_only(tmp_path_factory) -> Path:
    return build_both_modes(tmp_path_factory.mktemp("detailed"), modes=("detailed",))


def test_a_snapshot_without_detailed_records_has_no_flights_table(bundled):
    assert "spacecraft_flights" not in T.snapshot_tables(bundled)
    with pytest.raises(
        T.TableError, match="has no spacecraft_flights table: it holds no detailed-mode records"
    ):
        bundled.to_pandas("spacecraft_flights")


@pytest.mark.parametrize("layout", ["both", "detailed_only"])
def test_detailed_records_fill_the_flights_table_in_either_layout(request, layout):
    snap = spacecraft_data.load(request.getfixturevalue(layout))
    tables = T.snapshot_tables(snap)
    detailed = snap.tables["spacecraft_detailed"] if layout == "both" else snap.records
    flights = [(r["id"], n, f) for r in detailed for n, f in enumerate(r["flights"])]
    assert [row["id"] for row in tables["spacecraft_flights"]] == sorted(f["id"] for _, _, f in flights)
    by_id = {row["id"]: row for row in tables["spacecraft_flights"]}
    for record_id, position, flight in flights:
        row = by_id[flight["id"]]
        assert (row["spacecraft_id"], row["position"]) == (record_id, position)
        assert row["launch_id"] == flight["launch"]["id"] and row["launch_name"] == flight["launch"]["name"]
        assert row["url"] == flight["url"].split("?")[0]
    assert [r["id"] for r in tables["spacecraft"]] == sorted(r["id"] for r in snap.records)
    expected_mode = "normal" if layout == "both" else "detailed"
    assert {r["response_mode"] for r in tables["spacecraft"]} == {expected_mode}


def test_a_flights_export_validates_and_pandas_reads_its_durations(both, tmp_path):
    import frictionless

    out = tmp_path / "out"
    assert main(["export", "--snapshot", str(both), "--format", "csv", "--output", str(out)]) == 0
    report = frictionless.validate(str(out / "datapackage.json"))
    assert report.valid, [e.message for t in report.tasks for e in t.errors][:3]
    assert T.read_package(out / "datapackage.json")["spacecraft_flights"]
    frame = spacecraft_data.load(both).to_pandas("spacecraft_flights")
    assert (
        str(frame["duration"].dtype) == "timedelta64[ns]" and str(frame["duration_seconds"].dtype) == "Int64"
    )
    assert str(frame["launch_net"].dtype).startswith("datetime64")
    assert (
        main(["export", "--snapshot", str(both), "--format", "parquet", "--output", str(tmp_path / "pq")])
        == 0
    )
    assert (tmp_path / "pq" / "spacecraft_flights.parquet").is_file()


def test_a_flight_of_another_spacecraft_is_refused_naming_the_place(both):
    import copy

    snap = spacecraft_data.load(both)
    record = copy.deepcopy(snap.tables["spacecraft_detailed"][0])  # SYNTHETIC, and edited
    record["flights"][0]["spacecraft"] = dict(record["flights"][0]["spacecraft"], id=-1)
    with pytest.raises(T.TableError, match=r"flights\[0\]\.spacecraft: id -1 is not the record's id"):
        T.build_tables([record])


# -- a missing extra is one line naming it, exit 2 ----------------------------------------------------------
_BLOCK = """
import sys
class _Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {blocked!r}:
            raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
sys.meta_path.insert(0, _Block())
from spacecraft_data.cli import main
sys.exit(main({argv!r}))
"""


def _without(blocked: tuple[str, ...], argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    code = _BLOCK.format(blocked=set(blocked), argv=argv)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=cwd)


@pytest.mark.parametrize(
    "blocked, argv, extra",
    [
        (("duckdb",), ["export", "--format", "parquet", "--output", "out"], "parquet"),
        (
            ("requests",),
            [
                "harvest",
                "--base-url",
                "http://127.0.0.1:9",
                "--output",
                "snaps",
                "--raw-dir",
                "raw",
                "--no-changelog",
            ],
            "harvest",
        ),
    ],
)
def test_a_command_whose_extra_is_missing_names_it_in_one_line(tmp_path, blocked, argv, extra):
    result = _without(blocked, argv, tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and f"pip install 'spacecraft-data[{extra}]'" in lines[0], result.stderr
    assert lines[0].startswith(f"spacecraft-data {argv[0]}: error: ")
    assert not (tmp_path / "out").exists() and not (tmp_path / "snaps").exists()


def test_the_blocker_really_hides_the_module(tmp_path):
    # Guards the test above: with nothing blocked the same export succeeds.
    result = _without((), ["export", "--format", "parquet", "--output", "out"], tmp_path)
    assert result.returncode == 0, result.stderr


def test_seconds_of_a_fractional_duration_are_whole_seconds_truncated_toward_zero():
    assert T.duration_seconds("PT1.9S") == 1 and type(T.duration_seconds("PT1.9S")) is int
    assert T.duration_seconds("-PT1.9S") == -1
    assert all(
        c.type == "integer" for t in T.TABLES.values() for c in t.columns if c.name.endswith("_seconds")
    )


def test_a_detailed_json_export_of_a_both_modes_snapshot_writes_the_stored_detailed_records(both, tmp_path):
    snap = spacecraft_data.load(both)
    assert (
        main(
            [
                "export",
                "--snapshot",
                str(both),
                "--format",
                "json",
                "--output",
                str(tmp_path),
                "--mode",
                "detailed",
                "--search",
                "progress",
            ]
        )
        == 0
    )
    written = json.loads((tmp_path / "spacecraft.json").read_text(encoding="utf-8"))
    stored = {r["id"]: r for r in snap.tables["spacecraft_detailed"]}
    assert written and all(r == stored[r["id"]] and r["response_mode"] == "detailed" for r in written)


def test_an_integer_beyond_64_bits_is_refused_naming_table_row_and_column(tmp_path):
    # Valid JSON and valid against the schemas (which bound no integer), so a harvest publishes it.
    from spacecraft_data.tables import TableError
    from spacecraft_data.tables.parquet import parquet_files

    rows = [{"id": 1, "name": "Active"}, {"id": 10**30, "name": "SYNTHETIC"}]
    with pytest.raises(TableError) as raised:
        parquet_files({"spacecraft_statuses": rows})
    assert str(raised.value) == (
        "spacecraft_statuses: row 2 (id 1000000000000000000000000000000), column id: "
        "1000000000000000000000000000000 is beyond a 64-bit integer, which is what Parquet holds; "
        "nothing was written"
    )
    assert parquet_files({"spacecraft_statuses": [{"id": (1 << 63) - 1, "name": "x"}]})  # the largest fits
