"""The declared endpoints' JSON Schemas and ready validators (formats checked, ``$ref``s resolved offline).

Each endpoint's declaration names its schemas (:class:`~spacecraft_data.endpoints.Schema`): a file of
the package's ``schema/`` folder, or a document given inline by a declaration made outside the package.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from collections.abc import Iterator
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import SpacecraftDataError
from ..schemagen import DURATION_PATTERN, file_name
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:  # importlib.resources.abc is new in Python 3.11; 3.10 has only importlib.abc
    from collections.abc import Mapping
    from importlib.resources.abc import Traversable
    from typing import Any

    from ..endpoints import Registry, Schema

__all__ = [
    "schemas_of",
    "find_schema",
    "schema_document",
    "schema_dir",
    "format_checker",
    "schema_validator",
    "record_validator",
]


def schemas_of(registry: Registry) -> dict[str, Schema]:
    """Short name -> :class:`~spacecraft_data.endpoints.Schema` of every endpoint of ``registry``, in
    registry order."""
    return {s.name: s for e in registry for s in e.validation.schemas.values()}


def schema_dir() -> Path | Traversable:
    """The folder of schema files: the wheel's ``spacecraft_data/_bundled/schema``, or the checkout's
    ``schema/``."""
    packaged = resources.files("spacecraft_data").joinpath("_bundled", "schema")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[3] / "schema"
    if checkout.is_dir():
        return checkout
    raise SpacecraftDataError(f"no JSON Schema files found (looked in {packaged} and {checkout})")


@lru_cache(maxsize=None)
def _file_document(stem: str) -> dict[str, Any]:
    path = schema_dir().joinpath(file_name(stem))
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise SpacecraftDataError(f"{path}: schema file missing (run scripts/build_schema.py)") from None
    except json.JSONDecodeError as exc:
        raise SpacecraftDataError(f"{path}:{exc.lineno}: invalid JSON in a schema file: {exc.msg}") from None


def schema_document(declared: Schema) -> Mapping[str, Any]:
    """The document of a declared schema: the one given inline, else its file's (read once)."""
    return declared.document if declared.document is not None else _file_document(declared.stem)


def find_schema(name: str, declared: Mapping[str, Schema]) -> Schema:
    """The schema of ``declared`` (:func:`schemas_of`) that ``name`` names: a short name, a file stem or
    name, or a ``$id``."""
    if name in declared:
        return declared[name]
    for found in declared.values():
        if name in (found.stem, file_name(found.stem)):
            return found
    for found in declared.values():
        if name == schema_document(found).get("$id"):
            return found
    raise SpacecraftDataError(
        f"unknown schema {name!r}; known: {', '.join(declared)} (or a file name or $id)"
    )


@lru_cache(maxsize=8)
def _registry(declared: tuple[Schema, ...]) -> Any:
    from referencing import Registry, Resource

    docs = [schema_document(s) for s in declared]
    return Registry().with_resources(
        (doc["$id"], Resource.from_contents(doc)) for doc in docs if "$id" in doc
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
        raise SpacecraftDataError(
            f"jsonschema cannot check format(s) {sorted(missing)}: "
            "install rfc3986-validator (a dependency of spacecraft-data)"
        )
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
    text = value[: match.start(1)] + fraction[:7].ljust(7, "0") + value[match.end(1) :] if fraction else value
    _dt.datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return True


def schema_validator(name: str, declared: Mapping[str, Schema]) -> Any:
    """A ready jsonschema validator (draft 2020-12, formats checked, ``$ref``s resolved offline) for the
    schema of ``declared`` (:func:`schemas_of`) that ``name`` names.

    ``$ref``s to another declared schema's ``$id`` resolve to that schema, offline; one validator is
    made per schema and set of declared schemas, then reused.
    """
    return _validator(find_schema(name, declared), tuple(declared.values()))


@lru_cache(maxsize=None)
def _validator(declared: Schema, every: tuple[Schema, ...]) -> Any:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(
        schema_document(declared), registry=_registry(every), format_checker=format_checker()
    )


def record_validator(name: str, declared: Mapping[str, Schema]) -> Any:
    """As :func:`schema_validator`, but ``required`` gives one error for all the keys an object lacks, not
    one per key.

    What validation reports is the same (each missing key is its own problem, read from the
    error's instance); a stripped record costs one error object instead of dozens, which is most
    of the time of checking a flood of them.
    """
    return _record_validator(find_schema(name, declared), tuple(declared.values()))


def _required(validator: Any, required: Any, instance: Any, schema: Any) -> Iterator[Any]:
    from jsonschema import ValidationError

    if not validator.is_type(instance, "object"):
        return
    missing = [key for key in required if key not in instance]
    if missing:
        yield ValidationError(f"missing required properties: {', '.join(map(repr, missing))}")


@lru_cache(maxsize=None)
def _record_validator(declared: Schema, every: tuple[Schema, ...]) -> Any:
    from jsonschema import Draft202012Validator, validators

    cls = validators.extend(Draft202012Validator, {"required": _required})
    document = schema_document(declared)
    checker = cls(document, registry=_registry(every), format_checker=format_checker())
    # A generated schema is a "$ref" to one of its own $defs: follow it once here, not once per record.
    # The errors are the same (their paths are paths in the record), and inner refs still resolve
    # against the document, whose resolver the evolved validator keeps.
    ref = document.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/") and not set(document) - _ANNOTATIONS:
        try:
            return checker.evolve(schema=checker._resolver.lookup(ref).contents)
        except Exception:  # a jsonschema without this (private) resolver: follow the ref per record instead
            return checker
    return checker


#: keys of a schema document that do not constrain the instance beside its "$ref"
_ANNOTATIONS = {"$schema", "$id", "$ref", "$defs", "title", "description", "$comment"}
