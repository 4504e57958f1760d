"""The bundled JSON Schema files and ready validators (formats checked, ``$ref``s resolved offline)."""

from __future__ import annotations

import datetime as _dt
import json
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import SpacecraftDataError
from ..schemagen import DURATION_PATTERN, file_name

if TYPE_CHECKING:  # importlib.resources.abc is new in Python 3.11; 3.10 has only importlib.abc
    from importlib.resources.abc import Traversable

#: the LL2 API version the schemas describe
SCHEMA_API_VERSION = "2.3.0"

#: short name -> schema document stem (file ``schema/<stem>.schema.json``)
SCHEMA_NAMES = {
    "normal": "spacecraft.normal",
    "detailed": "spacecraft.detailed",
    "list": "spacecraft.list",
    "configuration.normal": "spacecraft_configuration.normal",
    "configuration.detailed": "spacecraft_configuration.detailed",
    "configuration.list": "spacecraft_configuration.list",
    "status": "spacecraft_status",
}


def schema_dir() -> Path | Traversable:
    """The folder of schema files: the wheel's ``spacecraft_data/_bundled/schema``, or the checkout's ``schema/``."""
    packaged = resources.files("spacecraft_data").joinpath("_bundled", "schema")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "schema"
    if checkout.is_dir():
        return checkout
    raise SpacecraftDataError(f"no JSON Schema files found (looked in {packaged} and {checkout})")


@lru_cache(maxsize=1)
def _documents() -> dict[str, dict[str, Any]]:
    folder = schema_dir()
    docs = {}
    for stem in SCHEMA_NAMES.values():
        path = folder.joinpath(file_name(stem))
        try:
            docs[stem] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise SpacecraftDataError(f"{path}: schema file missing (run scripts/build_schema.py)") from None
        except json.JSONDecodeError as exc:
            raise SpacecraftDataError(f"{path}:{exc.lineno}: invalid JSON in a schema file: {exc.msg}") from None
    return docs


def _stem(name: str) -> str:
    docs = _documents()
    if name in SCHEMA_NAMES:
        return SCHEMA_NAMES[name]
    for stem, doc in docs.items():
        if name in (stem, file_name(stem), doc.get("$id")):
            return stem
    known = ", ".join(SCHEMA_NAMES)
    raise SpacecraftDataError(f"unknown schema {name!r}; known: {known} (or a file name or $id)")


def schema(name: str = "normal") -> dict[str, Any]:
    """The JSON Schema ``name`` as a new dict.

    ``name`` is a short name (``normal``, ``detailed``, ``list``,
    ``configuration.normal``, ``configuration.detailed``, ``configuration.list``,
    ``status``), a file name (``spacecraft.normal.schema.json``) or a ``$id``.
    """
    return json.loads(json.dumps(_documents()[_stem(name)]))


@lru_cache(maxsize=1)
def _registry() -> Any:
    from referencing import Registry, Resource

    return Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in _documents().values()
    )


def format_checker() -> Any:
    """A jsonschema ``FormatChecker`` with ``duration``, ``uri``, ``date`` and ``date-time`` really checked.

    ``duration`` is the compact ISO 8601 form LL2 writes (parsed by isodate, shape
    by the schema's pattern); ``uri`` needs rfc3986-validator, a declared
    dependency: without it this raises rather than let URIs pass unchecked.
    """
    from jsonschema import FormatChecker

    checker = FormatChecker()
    checker.checks("duration", raises=ValueError)(_is_duration)
    if "date-time" not in checker.checkers:  # jsonschema's own needs rfc3339-validator
        checker.checks("date-time", raises=ValueError)(_is_date_time)
    missing = {"uri", "date"} - set(checker.checkers)
    if missing:
        raise SpacecraftDataError(f"jsonschema cannot check format(s) {sorted(missing)}: "
                                  "install rfc3986-validator (a dependency of spacecraft-data)")
    return checker


def _is_duration(value: object) -> bool:
    if not isinstance(value, str):
        return True
    import isodate

    try:
        parsed = isodate.parse_duration(value)
    except isodate.ISO8601Error as exc:
        raise ValueError(str(exc)) from None
    except OverflowError:  # past timedelta.max: no duration Python (or the query engine) can hold
        raise ValueError("too large for a duration: the longest is 999999999 days") from None
    if not isinstance(parsed, _dt.timedelta):
        raise ValueError("years or months are not used by LL2 durations")
    if not re.match(DURATION_PATTERN, value):
        raise ValueError("not the compact form isodate.duration_isoformat writes")
    return True


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    match = _RFC3339.match(value)
    if not match:
        raise ValueError("not an RFC 3339 date-time")
    # Python 3.10's fromisoformat takes only 3 or 6 fraction digits (3.11 any): six, as 3.11 reads them.
    fraction = match.group(1) or ""
    text = value[: match.start(1)] + fraction[:7].ljust(7, "0") + value[match.end(1):] if fraction else value
    _dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return True


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A ready jsonschema validator (draft 2020-12, formats checked, ``$ref``s resolved offline) for ``name``."""
    from jsonschema import Draft202012Validator

    doc = _documents()[_stem(name)]
    return Draft202012Validator(doc, registry=_registry(), format_checker=format_checker())
