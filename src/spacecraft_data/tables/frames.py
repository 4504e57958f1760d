"""Tables as pandas DataFrames (pandas is an optional extra, imported only here)."""

from __future__ import annotations

from typing import Any

from .columns import TABLES, TableError
from .rows import snapshot_tables

# -- pandas ---------------------------------------------------------------------------------------------------
_PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string",
                  "duration": "string"}


def to_pandas(snapshot: Any, table: str = "spacecraft") -> Any:
    """The table ``table`` of ``snapshot`` as a pandas DataFrame (needs the ``pandas`` extra).

    Columns get pandas' nullable dtypes (``Int64``, ``Float64``, ``boolean``,
    ``string``); dates become ``datetime64``. Raises :class:`TableError` for an
    unknown table and ``ImportError`` naming the extra when pandas is missing.
    """
    if table not in TABLES:
        raise TableError(f"unknown table {table!r}; the tables are: {', '.join(TABLES)}")
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "Snapshot.to_pandas() needs pandas, which is an optional extra: pip install 'spacecraft-data[pandas]'"
        ) from None
    spec = TABLES[table]
    rows = snapshot_tables(snapshot)[table]
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    for column in spec.columns:
        if column.type == "date":
            frame[column.name] = pd.to_datetime(frame[column.name], format="%Y-%m-%d")
        else:
            frame[column.name] = frame[column.name].astype(_PANDAS_DTYPES[column.type])
    return frame
