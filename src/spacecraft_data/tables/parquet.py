"""Rows -> Parquet files with typed columns (written by DuckDB), and the DuckDB types of every column.

Durations in Parquet: docs/researchers.md
"""

from __future__ import annotations

import errno
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any, Mapping, Sequence

from .columns import TABLES, Row, Table, TableError

__all__ = [
    "DUCKDB_TYPES",
    "CSV_DUCKDB_TYPES",
    "DUCKDB_INTERVAL_MACRO",
    "duckdb_columns",
    "parquet_files",
    "check_parquet_files",
]

log = logging.getLogger(__name__)

#: Table Schema type -> DuckDB type of the column in a Parquet file. A duration is its ISO 8601 text
#: (see the module docstring: Parquet's ``INTERVAL`` is not read by polars, pyarrow or pandas).
DUCKDB_TYPES = {
    "integer": "BIGINT",
    "number": "DOUBLE",
    "boolean": "BOOLEAN",
    "string": "VARCHAR",
    "date": "DATE",
    "datetime": "TIMESTAMPTZ",
    "duration": "VARCHAR",
}
#: Table Schema type -> DuckDB type to read the CSV column with. DuckDB cannot cast an ISO 8601
#: duration ('P309DT20H20M49S') to INTERVAL, so a duration is read as text; the ``ll2_interval``
#: macro (:data:`DUCKDB_INTERVAL_MACRO`) or ``to_seconds(time_in_space_seconds)`` gives the INTERVAL.
CSV_DUCKDB_TYPES = dict(DUCKDB_TYPES)

#: A DuckDB macro reading LL2's compact ISO 8601 durations (``[-]P[nD][T[nH][nM][n[.n]S]]``, the form
#: the schemas allow) as INTERVAL: ``ll2_interval(time_in_space)`` in CSV or NDJSON data; anything
#: else (another duration form, text) gives NULL. Run it once per connection: ``con.execute(...)``.
DUCKDB_INTERVAL_MACRO = (
    # long SQL lines are split across raw literals (implicit concatenation); the text is unchanged
    r"""CREATE OR REPLACE MACRO ll2_interval(d) AS
    CASE WHEN regexp_full_match(d, '-?P(\d+D)?(T(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?')"""
    r""" AND d NOT IN ('P', '-P') THEN
        (CASE WHEN starts_with(d, '-') THEN -1 ELSE 1 END) * (
            to_days(coalesce(try_cast(nullif(regexp_extract(d, '(\d+)D', 1), '') AS BIGINT), 0))
            + to_hours(coalesce(try_cast(nullif(regexp_extract(d, 'T(\d+)H', 1), '') AS BIGINT), 0))
            + to_minutes(coalesce(try_cast(nullif(regexp_extract(d, 'T(?:\d+H)?(\d+)M', 1),"""
    r""" '') AS BIGINT), 0))
            + to_microseconds(coalesce(round(try_cast(nullif(
                regexp_extract(d, 'T(?:\d+H)?(?:\d+M)?(\d+(?:\.\d+)?)S', 1), '') AS DOUBLE)"""
    r""" * 1000000)::BIGINT, 0))
        )
    END"""
)


def duckdb_columns(table: str, csv: bool = True) -> dict[str, str]:
    """Column -> DuckDB type of table ``table`` (for ``read_csv(..., columns=...)`` when ``csv``, else
    Parquet's).

    Every column is declared, so DuckDB does not guess: an all-empty column is still
    ``BIGINT`` (or whatever its Table Schema type says), not ``VARCHAR``.
    """
    if table not in TABLES:
        raise TableError(f"unknown table {table!r}; the tables are: {', '.join(TABLES)}")
    types = CSV_DUCKDB_TYPES if csv else DUCKDB_TYPES
    return {c.name: types[c.type] for c in TABLES[table].columns}


def _load(con: Any, table: Table, rows: Sequence[Row]) -> str:
    """Create DuckDB table ``t_<table>`` holding ``rows`` with the declared types; returns its name."""
    name = f"t_{table.name}"
    columns = ", ".join(f'"{c.name}" {DUCKDB_TYPES[c.type]}' for c in table.columns)
    con.execute(f'CREATE OR REPLACE TABLE "{name}" ({columns})')
    if rows:
        _check_integers(table, rows)
        marks = ", ".join("?" for _ in table.columns)
        con.executemany(
            f'INSERT INTO "{name}" VALUES ({marks})', [[row[c.name] for c in table.columns] for row in rows]
        )
    return name


#: what a BIGINT column holds
_INT64 = range(-(1 << 63), 1 << 63)


def _check_integers(table: Table, rows: Sequence[Row]) -> None:
    """Raise :class:`TableError` naming the row and column of an integer no BIGINT holds.

    JSON integers have no bound and the schemas set none, so a record with ``"id": 1e30`` written as an
    integer is valid and published; DuckDB's ``ConversionException`` for it was a traceback.
    """
    integers = [c.name for c in table.columns if c.type == "integer"]
    for n, row in enumerate(rows, start=1):
        for column in integers:
            value = row[column]
            if value is not None and value not in _INT64:
                key = ", ".join(f"{k} {str(row[k])[:40]}" for k in table.primary_key)
                raise TableError(
                    f"{table.name}: row {n} ({key}), column {column}: {str(value)[:40]} is beyond a 64-bit "
                    "integer, which is what Parquet holds; nothing was written"
                )


#: Table Schema type -> the pandas dtype :func:`~spacecraft_data.tables.to_pandas` gives, which
#: ``pandas.read_parquet`` then gives too (a nullable integer stays ``Int64``, not ``float64``)
_PANDAS_NUMPY_TYPES = {
    "integer": ("int64", "Int64"),
    "number": ("float64", "Float64"),
    "boolean": ("bool", "boolean"),
    "string": ("unicode", "string"),
    "duration": ("unicode", "string"),
}


def _pandas_metadata(table: Table) -> dict[str, Any]:
    """The ``pandas`` key of the file's metadata, as pyarrow writes it for a DataFrame: pyarrow (so
    ``pandas.read_parquet``) reads it and gives each column the pandas dtype named; other readers ignore it.
    Dates and date-times are left to the reader (``object`` dates, ``datetime64`` in UTC)."""
    columns = []
    for column in table.columns:
        pandas_type, numpy_type = _PANDAS_NUMPY_TYPES.get(column.type, (None, None))
        if pandas_type is not None:
            columns.append(
                {
                    "name": column.name,
                    "field_name": column.name,
                    "pandas_type": pandas_type,
                    "numpy_type": numpy_type,
                    "metadata": None,
                }
            )
    return {
        "index_columns": [],
        "column_indexes": [],
        "columns": columns,
        "creator": {"library": "spacecraft-data"},
        "pandas_version": "2.0.0",
    }


def _write(con: Any, table: Table, rows: Sequence[Row], path: Path) -> None:
    name = _load(con, table, rows)
    # Row order is the CSV's (primary key order); DuckDB keeps insertion order on COPY.
    metadata = json.dumps(_pandas_metadata(table), separators=(",", ":")).replace("'", "''")
    con.execute(
        f"COPY \"{name}\" TO '{path.as_posix()}' (FORMAT parquet, KV_METADATA {{pandas: '{metadata}'}})"
    )


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
                try:
                    _write(con, TABLES[name], tables[name], path)
                except duckdb.IOException as exc:  # a full disk, a file-size limit: the environment's failure
                    reason = str(exc).splitlines()[0]
                    raise OSError(
                        errno.EIO,
                        f"DuckDB could not write it in a temporary folder ({reason}); nothing was written",
                        path.name,
                    ) from None
                out[path.name] = path.read_bytes()
                os.unlink(path)
                log.info("made %s (%d rows)", path.name, len(tables[name]))
        finally:
            con.close()
    return out


def _comparable(table: Table, source: str) -> str:
    """A SELECT of every column of ``source`` as plain Python values (dates as text, timestamps as epoch
    µs)."""

    def expr(column: Any) -> str:
        quoted = f'"{column.name}"'
        if column.type == "date":
            return f"CAST({quoted} AS VARCHAR)"
        if column.type == "datetime":
            return f"epoch_us({quoted})"
        return quoted

    return f"SELECT {', '.join(expr(c) for c in table.columns)} FROM {source}"


def check_parquet_files(folder: Path, tables: Mapping[str, Sequence[Row]]) -> None:
    """Read every ``<table>.parquet`` in ``folder`` back and compare it, row by row and in order, with
    ``tables``.

    Raises :class:`TableError` naming the file, the row and the column of the first difference,
    or the column whose declared type the file does not have.
    """
    from ..extras import require

    duckdb = require("duckdb", "parquet", "Parquet export")
    con = duckdb.connect(":memory:")
    try:
        for name in (n for n in TABLES if n in tables):
            table, path = TABLES[name], folder / f"{name}.parquet"
            source = f"read_parquet('{path.as_posix().replace(chr(39), chr(39) * 2)}')"
            declared = {
                c.name: DUCKDB_TYPES[c.type].replace("TIMESTAMPTZ", "TIMESTAMP WITH TIME ZONE")
                for c in table.columns
            }
            found = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()}
            if found != declared:
                raise TableError(f"{path}: read back with columns {found}, expected {declared}")
            expected = con.execute(_comparable(table, f'"{_load(con, table, tables[name])}"')).fetchall()
            read = con.execute(_comparable(table, source)).fetchall()
            if len(read) != len(expected):
                raise TableError(f"{path}: read back {len(read)} rows, expected {len(expected)}")
            for n, (got, want) in enumerate(zip(read, expected)):
                for column, a, b in zip(table.columns, got, want):
                    if a != b or type(a) is not type(b):
                        raise TableError(
                            f"{path}: row {n + 1}, column {column.name}: read back {a!r}, wrote {b!r}"
                        )
    finally:
        con.close()
