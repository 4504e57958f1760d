"""Normalised tables of a snapshot: CSV files, a Frictionless Data Package, Parquet, pandas.

Keys, types, durations, empty cells and merging: docs/researchers.md; every table and column:
docs/data-dictionary.md. Modules: docs/architecture.md#tables-validation-harvest
"""

from __future__ import annotations

from .columns import SPACECRAFT, SPACECRAFT_COLUMNS, TABLES, Column, Table, TableError, referenced_tables
from .flat import flat_csv, flat_rows
from .frames import pandas_csv_options, to_pandas
from .package import csv_bytes, datapackage, package_files, table_schema
from .rebuild import read_package
from .rows import (
    answer_rows,
    build_tables,
    duration_seconds,
    rows_of,
    selectable,
    snapshot_tables,
    spacecraft_rows,
)

__all__ = [
    "SPACECRAFT",
    "SPACECRAFT_COLUMNS",
    "TABLES",
    "TableError",
    "Column",
    "Table",
    "referenced_tables",
    "spacecraft_rows",
    "duration_seconds",
    "build_tables",
    "snapshot_tables",
    "rows_of",
    "answer_rows",
    "selectable",
    "table_schema",
    "csv_bytes",
    "datapackage",
    "package_files",
    "read_package",
    "to_pandas",
    "pandas_csv_options",
    "flat_rows",
    "flat_csv",
]
