"""Record identity: every record is a JSON object with an integer ``id``, and no id appears twice in a table.

Details: docs/architecture.md#caches-durations-strict-json
"""

from __future__ import annotations

from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["id_problems"]


def id_problems(records: Sequence[Any], prefix: str = "$") -> list[tuple[str, str]]:
    """``(JSON path, message)`` for each record of ``records`` that is not an object with a unique integer
    ``id``.

    ``prefix`` is the JSON path of the array (``$`` for a table file, ``$.results``
    for a page). A repeated id is reported once per repeat, naming both positions.
    """
    problems: list[tuple[str, str]] = []
    first: dict[int, int] = {}
    for n, record in enumerate(records):
        if type(record) is not dict:
            problems.append((f"{prefix}[{n}]", f"a record must be a JSON object; found {_json_type(record)}"))
            continue
        if "id" not in record:
            problems.append((f"{prefix}[{n}].id", "the record has no 'id'"))
            continue
        rid = record["id"]
        if type(rid) is not int:
            problems.append(
                (f"{prefix}[{n}].id", f"id {_show(rid)} is {_json_type(rid)}; an id must be an integer")
            )
            continue
        seen = first.setdefault(rid, n)
        if seen != n:
            problems.append((f"{prefix}[{n}].id", f"duplicate id {rid}: also at {prefix}[{seen}]"))
    return problems


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number" if isinstance(value, float) else "an integer"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _show(value: object) -> str:
    text = repr(value) if not isinstance(value, bool) else str(value).lower()
    return text if len(text) <= 40 else text[:39] + "…"
