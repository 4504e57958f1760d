"""The records of an endpoint with no normalised table, as CSV: one flat row per record, by one generic rule.

Rule: docs/researchers.md
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from .columns import Column, Row, Table

__all__ = ["flat_rows", "flat_csv"]


def _flat(record: Mapping[str, Any], nested: set[str]) -> Row:
    """One record's row: ``nested`` are the keys that hold an object in some record."""
    row: Row = {}
    for key, value in record.items():
        if isinstance(value, list):
            continue
        if key in nested:
            row[f"{key}_id"] = value.get("id") if isinstance(value, dict) else value
        else:
            row[key] = value
    return row


def _type(values: list[Any]) -> str:
    """The Table Schema type of a column's values (null left out): boolean, integer, number or string."""
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, bool) for v in present):
        return "boolean"
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return "integer"
    if present and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
        return "number"
    return "string"


def flat_rows(records: Iterable[Mapping[str, Any]], name: str = "records") -> tuple[Table, list[Row]]:
    """``records`` flattened by the module's rule: a :class:`Table` named ``name`` (its columns) and its
    rows."""
    records = list(records)
    nested = {key for record in records for key, value in record.items() if isinstance(value, dict)}
    flat = [_flat(record, nested) for record in records]
    names: dict[str, None] = {}
    for row in flat:
        names.update(dict.fromkeys(row))
    rows = [{column: row.get(column) for column in names} for row in flat]
    columns = tuple(
        Column(column, _type([row[column] for row in rows]), column, nullable=True) for column in names
    )
    return Table(name, name, f"The {name} records, flattened", columns, primary_key=()), rows


def flat_csv(records: Iterable[Mapping[str, Any]], name: str = "records") -> bytes:
    """``records`` as one CSV file by the module's rule (UTF-8, a header row, ``\\n`` line ends)."""
    from .package import csv_bytes

    table, rows = flat_rows(records, name)
    return csv_bytes(table, rows)
