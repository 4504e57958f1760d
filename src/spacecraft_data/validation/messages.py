"""jsonschema errors turned into (JSON path, readable message) findings."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Iterable, Iterator

__all__ = ["short", "leaves", "findings"]


def short(value: Any, limit: int = 80) -> str:
    """``value`` as a message quotes it: a string's repr, else its JSON, cut to ``limit`` characters."""
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: Any, nullable: bool = False) -> str:
    v, expected = error.validator, error.validator_value
    if v == "type":
        types = expected if isinstance(expected, list) else [expected]
        types = [*types, "null"] if nullable and "null" not in types else types
        return f"{short(error.instance)} is not of type {' or '.join(types)}"
    if v == "const":
        return f"{short(error.instance)} is not the expected {expected!r}"
    if v == "format":
        cause = f" ({error.cause})" if error.cause else ""
        return f"{short(error.instance)} is not a valid {expected}{cause}"
    if v == "pattern":
        return f"{short(error.instance)} does not match the pattern of this field"
    if v in ("anyOf", "oneOf"):
        return f"{short(error.instance)} matches none of the allowed shapes"
    message = error.message
    return message if len(message) <= 300 else message[:299] + "…"


def _null_like(branch: Any) -> bool:
    return branch in ({"type": "null"}, {"const": ""})


def leaves(error: Any, nullable: bool = False) -> Iterator[tuple[Any, bool]]:
    """The errors worth reporting, each with whether null was allowed at its place.

    A nullable field's failure is reported as its non-null alternative's failure.
    """
    if error.validator in ("anyOf", "oneOf") and error.context:
        branches = error.validator_value
        real = [i for i, b in enumerate(branches) if not _null_like(b)]
        if len(real) == 1:
            inner = [e for e in error.context if e.schema_path and e.schema_path[0] == real[0]]
            if inner:
                allows_null = {"type": "null"} in branches
                for e in inner:
                    yield from leaves(e, allows_null and list(e.absolute_path) == list(error.absolute_path))
                return
    yield error, nullable


def _json_path(parts: Iterable[Any]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else _member(part)
    return path


def _member(key: str) -> str:
    """``.key`` or ``['key']``; a hostile key may be megabytes long: it is named by its start."""
    return _key(key) if len(key) <= _LONGEST_KEY else f"[{key[:_LONGEST_KEY]!r}…]"


_LONGEST_KEY = 200


@lru_cache(maxsize=4096)  # a flood of records repeats the same few keys: format each once
def _key(part: str) -> str:
    return f".{part}" if re.fullmatch(r"\w+", part) else f"[{part!r}]"


def findings(error: Any, nullable: bool = False) -> list[tuple[str, str]]:
    """(JSON path, message) pairs of one error; a missing or extra key is named in the path itself."""
    at = _json_path(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        return [
            (at + _member(key), "required property is missing")
            for key in error.validator_value
            if key not in error.instance
        ]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        declared = error.schema.get("properties", {})
        return [
            (at + _member(key), "unexpected property: not in the schema (API drift?)")
            for key in error.instance
            if key not in declared
        ]
    return [(at, _message(error, nullable))]
