"""Tables as pandas DataFrames (pandas is an optional extra, imported only here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from .columns import NULL_MARKER, TABLES, TableError
from .rows import snapshot_tables

# -- pandas
# ---------------------------------------------------------------------------------------------------
_PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string"}


def to_pandas(snapshot: Any, table: str = "spacecraft") -> Any:
    """The table ``table`` of ``snapshot`` as a pandas DataFrame (needs the ``pandas`` extra).

    Columns get pandas' nullable dtypes (``Int64``, ``Float64``, ``boolean``,
    ``string``): integer columns, the ``…_seconds`` of durations among them, are
    ``Int64``. Durations become ``timedelta64[ns]`` (``NaT`` when empty), dates
    ``datetime64``, date-times ``datetime64`` in UTC. Raises :class:`TableError`
    for an unknown table (or one the snapshot has no records for, such as
    ``spacecraft_flights`` without detailed records) and
    :class:`~spacecraft_data.extras.MissingExtra` (an ``ImportError``) naming the
    extra when pandas is missing.
    """
    if table not in TABLES:
        raise TableError(f"unknown table {table!r}; the tables are: {', '.join(TABLES)}")
    from ..extras import require

    pd = require("pandas", "pandas", "Snapshot.to_pandas()")
    tables = snapshot_tables(snapshot)
    if table not in tables:
        raise TableError(
            f"snapshot {snapshot.version} has no {table} table: it holds no "
            f"{TABLES[table].needs_mode}-mode records"
        )
    from .. import durations

    spec = TABLES[table]
    rows = tables[table]
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    for column in spec.columns:
        values = frame[column.name]
        if column.type == "date":
            frame[column.name] = pd.to_datetime(values, format="%Y-%m-%d")
        elif column.type == "datetime":
            frame[column.name] = pd.to_datetime(values, utc=True, format="ISO8601")
        elif column.type == "duration":
            frame[column.name] = pd.Series(
                [None if r[column.name] is None else durations.interval(r[column.name]) for r in rows],
                index=frame.index,
                dtype="timedelta64[ns]",
            )
        else:
            frame[column.name] = values.astype(_PANDAS_DTYPES[column.type])
    return frame


def _duration_cell(text: str) -> Any:
    """A CSV duration cell as a ``datetime.timedelta`` (``None`` when empty), for ``read_csv``'s
    converters."""
    if text in ("", NULL_MARKER):
        return None
    from .. import durations

    try:
        return durations.interval(text)
    except durations.DurationError as exc:
        raise TableError(f"{text!r} is not an ISO 8601 duration ({exc})") from None


def pandas_csv_options(descriptor: str | Path | Mapping[str, Any], table: str) -> dict[str, Any]:
    """Keyword arguments for ``pandas.read_csv`` that read ``table``'s CSV as its Table Schema declares.

    ``descriptor`` is the ``datapackage.json`` beside the CSVs (a path, or the parsed descriptor):
    ``pd.read_csv("data/tables/spacecraft.csv", **pandas_csv_options("datapackage.json", "spacecraft"))``.
    Integers are ``Int64`` (nullable: ``crew_capacity``, ``parent_id``, ``…_seconds`` stay integers
    with gaps), numbers ``Float64``, booleans ``boolean``, text ``string``, dates and date-times
    ``datetime64`` (date-times in UTC), durations ``timedelta64`` (read by a converter). A cell is null
    exactly when the
    field's ``missingValues`` says so: an empty cell of a text column that declares none is the empty
    string, and pandas' own guesses (``NA``, ``null``, ``nan``, …) are never applied. pandas itself
    is not imported here. Raises :class:`TableError` when the descriptor has no such table.
    """
    import json

    if isinstance(descriptor, Mapping):
        package: Mapping[str, Any] = descriptor
    else:
        try:
            package = json.loads(Path(descriptor).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise TableError(f"{descriptor}: cannot read the data package descriptor: {exc}") from None
    resources = {r.get("name"): r for r in package.get("resources", []) if r.get("format") == "csv"}
    if table not in resources:
        raise TableError(
            f"{descriptor if not isinstance(descriptor, Mapping) else 'the descriptor'} has no "
            f"CSV table {table!r}; it has: {', '.join(resources)}"
        )
    schema = resources[table]["schema"]
    dtype: dict[str, str] = {}
    na_values: dict[str, list[str]] = {}
    dates: list[str] = []
    converters: dict[str, Any] = {}
    for field in schema["fields"]:
        name, kind = field["name"], field["type"]
        if kind in ("date", "datetime"):
            dates.append(name)
        elif kind == "duration":
            converters[name] = _duration_cell
        else:
            dtype[name] = _PANDAS_DTYPES.get(kind, "string")
        missing = field.get("missingValues", schema.get("missingValues", [""]))
        if missing:
            na_values[name] = list(missing)
    return {
        "dtype": dtype,
        "parse_dates": dates,
        "converters": converters,
        "keep_default_na": False,
        "na_values": na_values,
        "true_values": ["true"],
        "false_values": ["false"],
        "encoding": "utf-8",
    }
