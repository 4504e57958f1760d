"""Normalised tables of a snapshot: CSV files, a Frictionless Data Package, pandas.

A snapshot holds nested JSON records. Researchers want flat tables, so this
module splits every nested object into a table of its own, keyed by its LL2
``id``, and puts list members into link tables with a ``position`` column:

============================================  =====================================================
table                                         one row per
============================================  =====================================================
``spacecraft``                                spacecraft record (durations as ISO string + whole seconds)
``spacecraft_statuses``                       spacecraft status
``spacecraft_configurations``                 configuration (normal or detailed, see ``held_as``)
``spacecraft_configuration_types``            configuration type
``spacecraft_configuration_families``         (configuration, position) -> family  (link table)
``spacecraft_families``                       configuration family
``agencies``                                  agency
``agency_types``                              agency type
``agency_countries``                          (agency, position) -> country       (link table)
``countries``                                 country
``images``                                    image, with its licence's id, name and link
``image_licenses``                            image licence
``image_variants``                            (image, position) -> variant
``spacecraft_flights``                        flight of a spacecraft held in detailed mode (only then)
============================================  =====================================================

Key names. One rule for every table: a table's own key is ``id`` (LL2's);
a column holding the id of a nested object is named after the LL2 field that
holds the object, plus ``_id`` (``spacecraft_config`` -> ``spacecraft_config_id``,
``status`` -> ``status_id``, ``agency`` -> ``agency_id``, ``type`` -> ``type_id``);
a list table names its parent's key as that key is named everywhere else
(``spacecraft_config_id``, ``agency_id``, ``image_id``, ``spacecraft_id``) and
the member's after the list field (``family`` -> ``family_id``, ``country`` ->
``country_id``), beside a 0-based ``position``.

Types. Every column declares its Table Schema type, so no reader guesses (an
all-empty column is still ``integer``): durations come as LL2's ISO 8601 string
(type ``duration``) and as whole seconds (``…_seconds``, type ``integer``,
truncated toward zero; never a float). :mod:`.parquet` gives the DuckDB type of
every column and writes typed Parquet files that pyarrow, pandas, polars and DuckDB
all read (a duration is its ISO text there too: Parquet's ``INTERVAL`` is not read
by the others); :func:`to_pandas` gives ``timedelta64`` durations and ``Int64``
integers, and :func:`pandas_csv_options` the same types to ``pandas.read_csv``.

Text. A CSV cell holding the delimiter, a quote, CR or LF is quoted, with the same
bytes on every Python; nothing is prefixed or escaped, so a cell that begins with
``=``, ``+``, ``-``, ``@`` or a tab is written as LL2 gave it (the package
description in ``datapackage.json`` says so).

How copies of one object are merged. The same agency, family, image, … is
seen many times, and in LL2 serializers of different widths: an agency is an
``AgencyMini`` inside a normal-mode spacecraft record but an ``AgencyNormal``
inside a detailed configuration. Every copy is checked against the shape the
OpenAPI document gives for its place (keys and key order), projected to the
columns that shape has, and merged by id: a column seen in two copies must
hold the same value, or the build stops with a :class:`TableError` naming
the table, the id, the column and both places. The row keeps the union of the
columns, and ``held_as`` says which is the widest shape seen (``mini`` <
``normal`` < ``detailed``); columns beyond it are empty.

API links (``url``). DRF copies the request's ``?format=`` onto every link of a
response, so the same agency has ``…/agencies/63/?format=json`` in one source
and ``…/agencies/63/?format=api`` in another. Reference tables therefore keep
the link without its query; the ``spacecraft`` table keeps each record's own
``url`` exactly as captured, and rebuilding a record gives its nested links the
query of the record's own ``url``.

Empty cells. A CSV cell cannot tell ``null`` from ``""``. An empty cell is
``null`` by default. A text column that holds no ``null`` declares
``missingValues: []`` (an empty cell is the empty string); a text column that
holds both ``null`` and ``""`` writes ``null`` as ``\\N`` and declares
``missingValues: ["\\N"]``. The Table Schema of each table states which rule
applies, so Frictionless readers (and :func:`read_package`) read back exactly
what was written.

The package is split by direction: ``columns`` (what the tables are), ``shapes`` (the LL2
objects they are filled from), ``rows`` (snapshot -> rows), ``package`` (rows -> CSV and
``datapackage.json``), ``rebuild`` (CSV -> records), ``frames`` (pandas), ``parquet`` (rows ->
Parquet, DuckDB types), ``flat`` (the records of an endpoint with no normalised table, as CSV).

Which normalised table an endpoint's records are (its CSV, the table an export of its records
selects from) is the endpoint's ``csv_table`` in :mod:`spacecraft_data.endpoints`.

Nothing heavy is imported at module level: pandas, duckdb and isodate are
imported inside the functions that need them.
"""

from __future__ import annotations

from .columns import SPACECRAFT, SPACECRAFT_COLUMNS, TABLES, TableError, Column, Table, referenced_tables
from .rows import spacecraft_rows, duration_seconds, build_tables, snapshot_tables, rows_of, answer_rows, selectable
from .package import table_schema, csv_bytes, datapackage, package_files
from .rebuild import read_package, records_from_tables, configurations_from_tables
from .frames import to_pandas, pandas_csv_options
from .flat import flat_csv, flat_rows

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
    "records_from_tables",
    "configurations_from_tables",
    "to_pandas",
    "pandas_csv_options",
    "flat_rows",
    "flat_csv",
]
