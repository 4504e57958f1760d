"""JSON as RFC 8259 defines it, read from hostile bytes without a traceback.

Details: docs/architecture.md#caches-durations-strict-json
"""

from __future__ import annotations

import json

from .errors import SpacecraftDataError
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = ["StrictJSONError", "decode", "loads", "json_path"]

_BOM = "\ufeff"
_INFINITIES = (float("inf"), float("-inf"))


class StrictJSONError(SpacecraftDataError, ValueError):
    """Bytes or text that are not standard JSON; ``reason`` says why, the other fields where.

    ``line``/``column`` are 1-based positions in the text when the parser knows
    them; ``path`` is the JSON path of the offending value (``$[3].status``) when
    the text parsed but holds something JSON has no place for; ``record`` is the
    id of the record at the top of that path (an element of a top-level array or
    of an envelope's ``results``) when it has one.
    """

    def __init__(
        self,
        reason: str,
        line: int | None = None,
        column: int | None = None,
        path: str | None = None,
        record: Any = None,
    ) -> None:
        self.reason = reason
        self.line = line
        self.column = column
        self.path = path
        self.record = record
        super().__init__(self.where() + reason)

    def where(self) -> str:
        """``record <id>: <path>: `` or ``<path>: `` (empty when the error has no JSON path)."""
        if self.path is None:
            return ""
        return (f"record {self.record}: " if self.record is not None else "") + f"{self.path}: "


def decode(data: bytes, allow_bom: bool = False) -> str:
    """``data`` as UTF-8 text; a byte order mark is refused unless ``allow_bom`` (then it is dropped)."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise StrictJSONError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", line=line) from None
    if text.startswith(_BOM):
        if not allow_bom:
            raise StrictJSONError(
                "starts with a UTF-8 byte order mark, which JSON text must not have", line=1
            )
        text = text[1:]
    return text


class _NonFinite:
    """Stands in for a NaN/Infinity while parsing, so that its JSON path can be found afterwards."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name


def loads(text: str) -> Any:
    """Parse ``text`` as standard JSON; raises :class:`StrictJSONError` naming where it is not."""
    seen: list[_NonFinite] = []

    def constant(name: str) -> _NonFinite:
        marker = _NonFinite(name)
        seen.append(marker)
        return marker

    def number(literal: str) -> Any:
        value = float(literal)
        # A literal past the largest double (1e999) reads as an infinity, which no JSON text can stand for.
        return constant(literal) if value in _INFINITIES else value

    try:
        value = json.loads(text, parse_constant=constant, parse_float=number)
    except json.JSONDecodeError as exc:
        raise StrictJSONError(f"{exc.msg} (column {exc.colno})", line=exc.lineno, column=exc.colno) from None
    except RecursionError:
        raise StrictJSONError(
            "nested too deeply to parse (arrays or objects inside each other past Python's recursion limit)"
        ) from None
    except ValueError as exc:  # e.g. an integer past sys.get_int_max_str_digits()
        raise StrictJSONError(str(exc).split(";")[0]) from None
    if seen:
        path, record = _locate(value, seen[0])
        raise StrictJSONError(_non_finite_reason(seen[0].name), path=path, record=record)
    return value


def _non_finite_reason(name: str) -> str:
    if name in ("NaN", "Infinity", "-Infinity"):
        return f"{name} is not a JSON value (JSON has no NaN or Infinity)"
    shown = name if len(name) <= 40 else f"{name[:20]}…{name[-10:]} ({len(name)} characters)"
    return f"{shown} is too large a number: it reads as Infinity (JSON has no NaN or Infinity)"


def json_path(parts: list[str | int]) -> str:
    """``$`` followed by ``.key`` / ``[index]`` for each part (keys that are not identifiers quoted)."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part.isidentifier():
            out += f".{part}"
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


def _locate(value: Any, target: object) -> tuple[str, Any]:
    # Iterative: the value may be nested nearly as deep as the parser allows.
    stack: list[tuple[Any, list[str | int]]] = [(value, [])]
    while stack:
        node, parts = stack.pop()
        if node is target:
            return json_path(parts), _record_id(value, parts)
        if isinstance(node, dict):
            stack.extend((child, [*parts, key]) for key, child in reversed(list(node.items())))
        elif isinstance(node, list):
            stack.extend((child, [*parts, i]) for i, child in reversed(list(enumerate(node))))
    return "$", None  # not reached: the marker is in the value


def _record_id(value: Any, parts: list[str | int]) -> Any:
    if isinstance(value, dict) and parts[:1] == ["results"] and isinstance(value.get("results"), list):
        value, parts = value["results"], parts[1:]
    if isinstance(value, list) and len(parts) > 1 and isinstance(parts[0], int):
        record = value[parts[0]]
        if isinstance(record, dict):
            rid = record.get("id")
            return rid if isinstance(rid, int) and not isinstance(rid, bool) else None
    return None
