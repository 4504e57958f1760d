"""Every export opens in pyarrow, pandas, polars and DuckDB, with the declared types and the snapshot's
values.

For every declared endpoint, `spacecraft-data export` writes Parquet, CSV and NDJSON; each file is opened
by the four readers a researcher already has. Table values are compared with `Snapshot.to_pandas()` (the
rows of the keys the export holds), records with the snapshot's own. No reader may panic or hand back
bytes: before 0.2.0, DuckDB wrote durations as Parquet INTERVAL, which polars could not open at all
("could not import from `month_day_millisecond_interval`", a PanicException, even with the column
unselected) and pyarrow and pandas read as 12 raw bytes.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any, Callable

import pytest

from spacecraft_data import durations
from spacecraft_data.cli import main
from spacecraft_data.endpoints import endpoints
from spacecraft_data.tables import TABLES, pandas_csv_options, snapshot_tables
from spacecraft_data.tables.parquet import duckdb_columns

pa = pytest.importorskip("pyarrow")
pd = pytest.importorskip("pandas")
pl = pytest.importorskip("polars")
duckdb = pytest.importorskip("duckdb")
import pyarrow.csv as pa_csv  # noqa: E402
import pyarrow.json as pa_json  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

READERS = ("pyarrow", "pandas", "polars", "duckdb")
ENDPOINTS = [name for name, e in endpoints().items()]
TABLE_ENDPOINTS = [name for name, e in endpoints().items() if e.presentation.csv_table]


@pytest.fixture(scope="module")
def exported(bundled, tmp_path_factory) -> Callable[[str, str], Path]:
    """(endpoint, format) -> the folder ``spacecraft-data export`` wrote, every record of that endpoint."""
    root = tmp_path_factory.mktemp("exports")
    done: dict[tuple[str, str], Path] = {}

    def folder(endpoint: str, fmt: str) -> Path:
        if (endpoint, fmt) not in done:
            out = root / f"{endpoint.replace('/', '_')}-{fmt}"
            assert (
                main(
                    [
                        "export",
                        "--snapshot",
                        str(bundled.path),
                        "--format",
                        fmt,
                        "--output",
                        str(out),
                        "--endpoint",
                        endpoint,
                    ]
                )
                == 0
            )
            done[endpoint, fmt] = out
        return done[endpoint, fmt]

    return folder


def _tables(bundled, endpoint: str) -> dict[str, list[dict]]:
    e = endpoints()[endpoint]
    selection = None if e.storage.primary else list(bundled.tables[e.storage.table])
    return snapshot_tables(bundled, selection, table=e.presentation.csv_table)


# -- one canonical Python value per cell, whatever the reader
# ---------------------------------------------------
def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _canon(value: Any, kind: str) -> Any:
    """A cell as plain Python: durations in microseconds, dates as ISO text, date-times as epoch µs."""
    if _missing(value):
        return None
    if kind == "duration":
        delta = durations.interval(value) if isinstance(value, str) else pd.Timedelta(value).to_pytimedelta()
        return delta // dt.timedelta(microseconds=1)
    if kind == "date":
        return value.strftime("%Y-%m-%d") if hasattr(value, "strftime") else str(value)
    if kind == "datetime":
        stamp = pd.Timestamp(value.replace("Z", "+00:00") if isinstance(value, str) else value)
        return stamp.value // 1000
    if kind == "integer":
        assert float(value).is_integer(), value
        return int(value)
    if kind == "number":
        return float(value)
    if kind == "boolean":
        return bool(value)
    assert isinstance(value, str), (kind, type(value), value)  # never bytes
    return value


def _expected(bundled, table: str, rows: list[dict]) -> list[dict]:
    """``to_pandas(table)``'s rows for the keys ``rows`` hold, in their order, as canonical values."""
    frame = bundled.to_pandas(table)
    spec = TABLES[table]
    keys = [tuple(r[k] for k in spec.primary_key) for r in rows]
    by_key = {tuple(rec[k] for k in spec.primary_key): rec for rec in frame.to_dict("records")}
    return [{c.name: _canon(by_key[key][c.name], c.type) for c in spec.columns} for key in keys]


def _rows_of(records: list[dict], table: str, text_nulls: bool = False) -> list[dict]:
    out = []
    for record in records:
        row = {}
        for c in TABLES[table].columns:
            value = _canon(record[c.name], c.type)
            if text_nulls and c.type == "string" and value in ("", "\\N"):
                value = None  # a CSV reader without the descriptor cannot tell "" from null
            row[c.name] = value
        out.append(row)
    return out


# -- what each reader gives a column of each declared type
# -------------------------------------------------------
def _arrow_type_ok(kind: str, t) -> bool:
    return {
        "integer": pa.types.is_int64(t),
        "number": pa.types.is_float64(t),
        "boolean": pa.types.is_boolean(t),
        "string": pa.types.is_string(t) or pa.types.is_large_string(t),
        "duration": pa.types.is_string(t) or pa.types.is_large_string(t),
        "date": pa.types.is_date32(t),
        "datetime": pa.types.is_timestamp(t) and t.tz is not None,
    }[kind]


PANDAS_PARQUET_DTYPES = {
    "integer": "Int64",
    "number": "Float64",
    "boolean": "boolean",
    "string": "string",
    "duration": "string",
    "date": "object",
}
POLARS_TYPES = {
    "integer": "Int64",
    "number": "Float64",
    "boolean": "Boolean",
    "string": "String",
    "duration": "String",
    "date": "Date",
}
DUCKDB_NAMES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
    "duration": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMP WITH TIME ZONE",
}


def _read_parquet(reader: str, path: Path, table: str) -> list[dict]:
    """Open ``path`` with ``reader``, check every column's type, return the rows."""
    spec = TABLES[table]
    if reader == "pyarrow":
        arrow = pq.read_table(path)
        for c in spec.columns:
            assert _arrow_type_ok(c.type, arrow.schema.field(c.name).type), (
                table,
                c.name,
                arrow.schema.field(c.name),
            )
        return arrow.to_pylist()
    if reader == "pandas":
        frame = pd.read_parquet(path)
        for c in spec.columns:
            got = str(frame[c.name].dtype)
            assert (
                got.startswith("datetime64") and got.endswith("UTC]")
                if c.type == "datetime"
                else got == PANDAS_PARQUET_DTYPES[c.type]
            ), (table, c.name, got)
        return frame.astype(object).to_dict("records")
    if reader == "polars":
        frame = pl.read_parquet(path)
        for c in spec.columns:
            got = frame.schema[c.name]
            assert (
                isinstance(got, pl.Datetime) and got.time_zone == "UTC"
                if c.type == "datetime"
                else str(got) == POLARS_TYPES[c.type]
            ), (table, c.name, got)
        return frame.to_dicts()
    con = duckdb.connect()
    described = {
        row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM '{path.as_posix()}'").fetchall()
    }
    assert described == {c.name: DUCKDB_NAMES[c.type] for c in spec.columns}, table
    cursor = con.execute(f"SELECT * FROM read_parquet('{path.as_posix()}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("endpoint", TABLE_ENDPOINTS)
def test_every_parquet_export_opens_typed_and_equal_to_to_pandas(bundled, exported, endpoint, reader):
    folder = exported(endpoint, "parquet")
    tables = _tables(bundled, endpoint)
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.parquet" for t in tables)
    for table, rows in tables.items():
        got = _rows_of(_read_parquet(reader, folder / f"{table}.parquet", table), table)
        assert got == _expected(bundled, table, rows), (reader, table)


def test_polars_opens_a_parquet_file_selecting_one_column_and_durations_come_as_integer_seconds(
    bundled, exported
):
    path = exported("spacecraft", "parquet") / "spacecraft.parquet"
    seconds = pl.read_parquet(path, columns=["time_in_space_seconds"])["time_in_space_seconds"]
    assert seconds.dtype == pl.Int64
    ours = bundled.to_pandas("spacecraft")["time_in_space"]
    assert seconds.to_list() == [int(t.total_seconds()) for t in ours]
    # and into polars' own duration type in one expression
    frame = pl.read_parquet(path).with_columns(pl.duration(seconds="time_in_space_seconds").alias("d"))
    assert frame.schema["d"] == pl.Duration("us")


def _read_csv(reader: str, path: Path, table: str, descriptor: Path) -> list[dict]:
    spec = TABLES[table]
    if reader == "pandas":  # the documented line: exact nulls and types from datapackage.json
        frame = pd.read_csv(path, **pandas_csv_options(descriptor, table))
        return frame.astype(object).to_dict("records")
    if reader == "duckdb":
        cursor = duckdb.connect().execute(
            f"SELECT * FROM read_csv('{path.as_posix()}', columns={duckdb_columns(table)})"
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]
    if reader == "polars":
        types = {
            "integer": pl.Int64,
            "number": pl.Float64,
            "boolean": pl.Boolean,
            "string": pl.String,
            "duration": pl.String,
            "date": pl.Date,
            "datetime": pl.Datetime("us", "UTC"),
        }
        return pl.read_csv(path, schema_overrides={c.name: types[c.type] for c in spec.columns}).to_dicts()
    types = {
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "string": pa.string(),
        "duration": pa.string(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", "UTC"),
    }
    return pa_csv.read_csv(
        path,
        convert_options=pa_csv.ConvertOptions(
            column_types={c.name: types[c.type] for c in spec.columns}, strings_can_be_null=True
        ),
    ).to_pylist()


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("endpoint", TABLE_ENDPOINTS)
def test_every_csv_export_opens_typed_and_equal_to_to_pandas(bundled, exported, endpoint, reader):
    folder = exported(endpoint, "csv")
    for table, rows in _tables(bundled, endpoint).items():
        records = _read_csv(reader, folder / f"{table}.csv", table, folder / "datapackage.json")
        exact = reader == "pandas"
        want = _expected(bundled, table, rows)
        if not exact:
            want = [
                {
                    k: (None if v in ("", "\\N") and TABLES[table].columns[i].type == "string" else v)
                    for i, (k, v) in enumerate(row.items())
                }
                for row in want
            ]
        assert _rows_of(records, table, text_nulls=not exact) == want, (reader, table)


def test_pandas_csv_options_give_the_dtypes_of_to_pandas(bundled, exported):
    folder = exported("spacecraft", "csv")
    for table in _tables(bundled, "spacecraft"):
        frame = pd.read_csv(folder / f"{table}.csv", **pandas_csv_options(folder / "datapackage.json", table))
        ours = bundled.to_pandas(table)
        for column in ours.columns:
            want, got = str(ours[column].dtype), str(frame[column].dtype)
            if want.startswith("timedelta64"):
                assert got.startswith("timedelta64"), (table, column, got)
            else:
                assert got == want, (table, column, got)
    craft = pd.read_csv(
        "data/tables/spacecraft_configurations.csv",
        **pandas_csv_options("datapackage.json", "spacecraft_configurations"),
    )
    assert str(craft["crew_capacity"].dtype) == "Int64" and craft["crew_capacity"].isna().any()
    assert str(pd.read_csv("data/tables/spacecraft_configurations.csv")["crew_capacity"].dtype) == "float64"


def test_pandas_csv_options_name_a_table_the_package_lacks(tmp_path):
    from spacecraft_data.tables import TableError

    with pytest.raises(TableError, match="no CSV table 'nope'"):
        pandas_csv_options("datapackage.json", "nope")
    with pytest.raises(TableError, match="cannot read the data package descriptor"):
        pandas_csv_options(tmp_path / "missing.json", "spacecraft")


def _read_ndjson(reader: str, path: Path) -> list[dict]:
    if reader == "pyarrow":
        return pa_json.read_json(path).to_pylist()
    if reader == "pandas":
        return (
            pd.read_json(path, lines=True, dtype_backend="numpy_nullable", precise_float=True)
            .astype(object)
            .to_dict("records")
        )
    if reader == "polars":
        return pl.read_ndjson(path, infer_schema_length=None).to_dicts()
    cursor = duckdb.connect().execute(f"SELECT * FROM read_json_auto('{path.as_posix()}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_ndjson_export_opens_with_each_records_scalar_fields(bundled, exported, endpoint, reader):
    e = endpoints()[endpoint]
    records = list(bundled.tables[e.storage.table])
    got = _read_ndjson(reader, exported(endpoint, "ndjson") / f"{e.storage.table}.ndjson")
    assert len(got) == len(records)
    scalar = [k for k in records[0] if all(not isinstance(r.get(k), (dict, list)) for r in records)]
    for record, row in zip(records, got):
        for key in scalar:
            value = row[key]
            assert not isinstance(value, bytes), (reader, key)
            if isinstance(value, (dt.date, pd.Timestamp)) and isinstance(record[key], str):
                value = value.isoformat()[
                    : len(record[key])
                ]  # the reader took an ISO date for a date: its choice
            assert (None if _missing(value) else value) == record[key], (reader, endpoint, record["id"], key)
