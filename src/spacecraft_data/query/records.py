"""Reading a value out of a record, as the filters, the search and the ordering all do."""

from __future__ import annotations

from collections.abc import Mapping

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = ["Record", "pluck"]

Record = dict  # dict[str, Any]: a record as the API returned it


def pluck(record: Mapping[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` of ``record`` (``spacecraft_config.name``), None when absent."""
    value: Any = record
    for key in path.split("."):
        # dict first: isinstance stops at the first match, and the Mapping ABC check costs ~10x more
        if not isinstance(value, (dict, Mapping)):
            return None
        value = value.get(key)
    return value
