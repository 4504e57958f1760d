"""Tables as pandas DataFrames (pandas is an optional extra, imported only here)."""

from __future__ import annotations

from typing import Any

from .columns import TABLES, TableError
from .rows import snapshot_tables

# -- pandas ---------------------------------------------------------------------------------------------------
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
        raise TableError(f"snapshot {snapshot.version} has no {table} table: it holds no "
                         f"{TABLES[table].needs_mode}-mode records")
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
                index=frame.index, dtype="timedelta64[ns]")
        else:
            frame[column.name] = values.astype(_PANDAS_DTYPES[column.type])
    return frame
