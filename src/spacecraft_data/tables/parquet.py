"""Rows -> Parquet files with typed columns, and the DuckDB types of every column.

DuckDB writes the files (the ``parquet`` extra): of the two writers that could,
it costs less to install (README, "Installing") and it writes a duration as
Parquet's own ``INTERVAL`` logical type, which DuckDB reads back as ``INTERVAL``
and ``duckdb.read_parquet(...).df()`` as ``timedelta64``. (pyarrow's duration is an
``INT64`` that only Arrow readers recognise, through Arrow's own metadata.)

In Parquet a duration column (``time_in_space``) holds the duration itself; the
``…_seconds`` column beside it holds whole seconds as ``BIGINT``, as in the CSV.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

from .columns import Row, TABLES, Table, TableError

__all__ = ["DUCKDB_TYPES", "CSV_DUCKDB_TYPES", "DUCKDB_INTERVAL_MACRO", "duckdb_columns", "parquet_bytes",
           "parquet_files"]

#: Table Schema type -> DuckDB type of the column in a Parquet file
DUCKDB_TYPES = {"integer": "BIGINT", "number": "DOUBLE", "boolean": "BOOLEAN", "string": "VARCHAR",
                "date": "DATE", "datetime": "TIMESTAMPTZ", "duration": "INTERVAL"}
#: Table Schema type -> DuckDB type to read the CSV column with. DuckDB cannot cast an ISO 8601
#: duration ('P309DT20H20M49S') to INTERVAL, so a CSV duration is read as text; the ``ll2_interval``
#: macro (:data:`DUCKDB_INTERVAL_MACRO`) or ``to_seconds(time_in_space_seconds)`` gives the INTERVAL.
CSV_DUCKDB_TYPES = {**DUCKDB_TYPES, "duration": "VARCHAR"}

#: A DuckDB macro reading LL2's compact ISO 8601 durations (``[-]P[nD][T[nH][nM][n[.n]S]]``, the form
#: the schemas allow) as INTERVAL: ``ll2_interval(time_in_space)`` in CSV or NDJSON data; anything
#: else (another duration form, text) gives NULL. Run it once per connection: ``con.execute(...)``.
DUCKDB_INTERVAL_MACRO = r"""CREATE OR REPLACE MACRO ll2_interval(d) AS
    CASE WHEN regexp_full_match(d, '-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?') AND d NOT IN ('P', '-P') THEN
        (CASE WHEN starts_with(d, '-') THEN -1 ELSE 1 END) * (
            to_days(coalesce(try_cast(nullif(regexp_extract(d, '(\d+)D', 1), '') AS BIGINT), 0))
            + to_hours(coalesce(try_cast(nullif(regexp_extract(d, 'T(\d+)H', 1), '') AS BIGINT), 0))
            + to_minutes(coalesce(try_cast(nullif(regexp_extract(d, 'T(?:\d+H)?(\d+)M', 1), '') AS BIGINT), 0))
            + to_microseconds(coalesce(round(try_cast(nullif(
                regexp_extract(d, 'T(?:\d+H)?(?:\d+M)?(\d+(?:\.\d+)?)S', 1), '') AS DOUBLE) * 1000000)::BIGINT, 0))
        )
    END"""


def duckdb_columns(table: str, csv: bool = True) -> dict[str, str]:
    """Column -> DuckDB type of table ``table`` (for ``read_csv(..., columns=...)`` when ``csv``, else Parquet's).

    Every column is declared, so DuckDB does not guess: an all-empty column is still
    ``BIGINT`` (or whatever its Table Schema type says), not ``VARCHAR``.
    """
    if table not in TABLES:
        raise TableError(f"unknown table {table!r}; the tables are: {', '.join(TABLES)}")
    types = CSV_DUCKDB_TYPES if csv else DUCKDB_TYPES
    return {c.name: types[c.type] for c in TABLES[table].columns}


def _value(column: Any, value: Any, where: str) -> Any:
    if value is None or column.type != "duration":
        return value
    from .. import durations

    try:
        return durations.parse(value)
    except durations.DurationError as exc:
        raise TableError(f"{where}: {value!r} is not an ISO 8601 duration ({exc})") from None


def _write(con: Any, table: Table, rows: Sequence[Row], path: Path) -> None:
    name = f"t_{table.name}"
    columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in table.columns)
    con.execute(f'CREATE TABLE "{name}" ({columns})')
    if rows:
        marks = ", ".join("?" for _ in table.columns)
        con.executemany(f'INSERT INTO "{name}" VALUES ({marks})', [
            [_value(c, row[c.name], f"table {table.name}, row {n}, column {c.name}") for c in table.columns]
            for n, row in enumerate(rows)
        ])
    # Row order is the CSV's (primary key order); DuckDB keeps insertion order on COPY.
    con.execute(f"COPY \"{name}\" TO '{path.as_posix()}' (FORMAT parquet)")


def parquet_files(tables: Mapping[str, Sequence[Row]]) -> dict[str, bytes]:
    """``{table name + '.parquet': bytes}`` for every table in ``tables`` (needs the ``parquet`` extra)."""
    from ..extras import require

    duckdb = require("duckdb", "parquet", "Parquet export")
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory(prefix="spacecraft-data-parquet-") as tmp:
        con = duckdb.connect(":memory:")
        try:
            for name in (n for n in TABLES if n in tables):
                path = Path(tmp) / f"{name}.parquet"
                _write(con, TABLES[name], tables[name], path)
                out[path.name] = path.read_bytes()
                os.unlink(path)
        finally:
            con.close()
    return out


def parquet_bytes(table: str, rows: Sequence[Row]) -> bytes:
    """One table's rows as a Parquet file (needs the ``parquet`` extra)."""
    return parquet_files({table: rows})[f"{table}.parquet"]
