"""Validate LL2 records, pages and snapshot folders against the bundled JSON Schemas
(``spacecraft_data.validate("page.json")``: a folder, a record or a list of records too).

The package's entries and its only registry lookups: each resolves its API version and hands the Registry
down. Inputs, schemas and limits: docs/validating.md; modules: docs/architecture.md#tables-validation-harvest
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping

from ..endpoints import ENDPOINTS, registry
from ..typecheck import TYPE_CHECKING
from .inputs import validate_input
from .records import check_records, schema_name_of, table_schema_name
from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS, Problem, Report, ValidationFailed
from .schemas import find_schema, format_checker, schema_dir, schema_document, schema_validator, schemas_of

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ..endpoints import Endpoint, Registry, Schema

__all__ = [
    "MAX_PROBLEMS",
    "MAX_RECORD_PROBLEMS",
    "SCHEMA_NAMES",
    "Problem",
    "Report",
    "ValidationFailed",
    "schema",
    "schema_dir",
    "format_checker",
    "validator",
    "record_schema_name",
    "validate",
    "validate_records",
    "problems_for_table",
]


def declared_schemas(api_version: str | Registry | None = None) -> dict[str, Schema]:
    """Short name -> :class:`~spacecraft_data.endpoints.Schema` of every endpoint of ``api_version`` (a
    version or its :class:`~spacecraft_data.endpoints.Registry`; None: the default version's), in registry
    order."""
    return schemas_of(registry(api_version))


class SchemaNames(Mapping[str, str]):
    """Short schema name (``validate --schema``) -> document stem, read from the registry at each use."""

    def __init__(self, api_version: str | Registry | None = None) -> None:
        self.api_version = api_version

    def __getitem__(self, name: str) -> str:
        return declared_schemas(self.api_version)[name].stem

    def __iter__(self) -> Iterator[str]:
        return iter(declared_schemas(self.api_version))

    def __len__(self) -> int:
        return len(declared_schemas(self.api_version))

    def __repr__(self) -> str:
        return f"SchemaNames({dict(self)!r})"


#: short name -> schema document stem (file ``schema/<stem>.schema.json``), of the default API version's
#: endpoints
SCHEMA_NAMES = SchemaNames()


def schema(name: str = "normal") -> dict[str, Any]:
    """The JSON Schema ``name`` as a new dict.

    ``name`` is a short name (``normal``, ``detailed``, ``list``,
    ``configuration.normal``, ``configuration.detailed``, ``configuration.list``,
    ``status``, or that of another declared endpoint's schema), a file name
    (``spacecraft.normal.schema.json``) or a ``$id``.
    """
    return json.loads(json.dumps(dict(schema_document(find_schema(name, declared_schemas())))))


def validator(name: str, api_version: str | Registry | None = None) -> Any:
    """A ready jsonschema validator (draft 2020-12, formats checked, ``$ref``s resolved offline) for ``name``.

    ``$ref``s to another declared schema's ``$id`` resolve to that schema, offline; one validator is
    made per schema and set of declared schemas, then reused.
    """
    return schema_validator(name, declared_schemas(api_version))


def record_schema_name(
    record: Any,
    endpoint: Endpoint | str | None = None,
    mode: str | None = None,
    api_version: str | Registry | None = None,
) -> str:
    """The short schema name for ``record`` (``normal``, ``configuration.detailed``, ``status``, …).

    ``endpoint`` (a declaration or an endpoint's name) is used when the caller knows it;
    otherwise it is read from the record (:func:`~spacecraft_data.validation.records.endpoint_of_record`).
    ``mode`` (``normal``/``detailed``, e.g. the ``mode`` a page's request sent) holds the record
    to that mode's schema instead of the one its ``response_mode`` names. ``api_version``: a version or its
    :class:`~spacecraft_data.endpoints.Registry` (default: the default version's), as everywhere here.
    """
    return schema_name_of(record, registry(api_version), endpoint, mode)


def validate_records(
    records: Iterable[Any],
    source: str = "<records>",
    endpoint: Endpoint | str | None = None,
    lines: list[int] | None = None,
    schema_name: str | None = None,
    mode: str | None = None,
    chosen_by: str | None = None,
    api_version: str | Registry | None = None,
    *,
    max_problems: int | None = None,
    max_record_problems: int | None = None,
) -> Report:
    """Validate each record of ``records`` (:mod:`~spacecraft_data.validation.records` says which schema
    each gets).

    ``endpoint`` (a declaration or an endpoint's name) says whose records they are (None: read
    from each record). ``schema_name`` (a key of :data:`SCHEMA_NAMES`) holds every record to that
    one schema instead; ``mode`` holds each to that mode's schema of its endpoint. A repeated id is
    a problem naming both positions. The report records which schemas checked ``source`` and
    ``chosen_by`` (how they were chosen). ``api_version`` names whose declarations apply (a version or its
    :class:`~spacecraft_data.endpoints.Registry`; default: the default version's). ``max_problems`` (per
    call) and ``max_record_problems`` cap the problems listed; the rest are counted in
    :attr:`Report.unlisted` (None: no cap).
    """
    return check_records(
        records,
        source,
        registry(api_version),
        endpoint,
        lines,
        schema_name=schema_name,
        mode=mode,
        chosen_by=chosen_by,
        max_problems=max_problems,
        max_record_problems=max_record_problems,
    )


def problems_for_table(
    table: str, records: list[dict[str, Any]], api_version: str | Registry | None = None
) -> list[str]:
    """Problems of a snapshot table's records as strings naming the table, record id and JSON path.

    Used by the snapshot build: any problem stops it before anything is written. A table of an
    endpoint that declares no schema has none to meet (as :func:`validate` leaves it unchecked in a
    snapshot folder). ``KeyError`` when no endpoint keeps ``table``.
    """
    declared = registry(api_version)
    found = declared.by_table(table)
    if found is None:
        raise KeyError(f"no endpoint keeps a table {table!r}")
    if not found.validation.schemas:
        return []
    report = check_records(records, table, declared, found, schema_name=table_schema_name(found, table))
    return [str(p) for p in report.problems]


def validate(
    obj_or_path: Any,
    schema: str | None = None,
    *,
    max_problems: int | None = MAX_PROBLEMS,
    max_record_problems: int | None = MAX_RECORD_PROBLEMS,
) -> Report:
    """Validate a path (snapshot folder, page, record, array or NDJSON file) or an object in memory.

    Objects: a record (dict), a list page body (dict with ``count`` and
    ``results``), a list of records, a :class:`~spacecraft_data.pages.Page`, a
    :class:`~spacecraft_data.snapshot.Snapshot` (its folder is validated), or
    ``None`` for the snapshot :func:`~spacecraft_data.load` would use. Returns a :class:`Report`; nothing is
    raised for invalid data (call :meth:`Report.raise_for_problems` for that).

    ``schema`` (a name of :data:`SCHEMA_NAMES`) checks every record of a page,
    record, array or NDJSON input against that schema (and an envelope against its
    endpoint's list schema) instead of the one where the record stands would pick;
    snapshot tables always get their table's schema.

    ``max_problems`` (per input: a file, a table file, an object) and ``max_record_problems`` cap the
    problems listed in :attr:`Report.problems`; the rest are counted in :attr:`Report.unlisted`, and the
    report is invalid all the same (None: list every one). A JSON array or NDJSON file is read as a
    stream, in bounded memory whatever its size.
    """
    if schema is not None and schema not in SCHEMA_NAMES:
        from ..errors import SpacecraftDataError

        raise SpacecraftDataError(f"unknown schema {schema!r}; known: {', '.join(SCHEMA_NAMES)}")
    for name, cap in (("max_problems", max_problems), ("max_record_problems", max_record_problems)):
        if cap is not None and (type(cap) is not int or cap < 0):  # a str failed deep inside, -1 listed all
            raise ValueError(
                f"validate({name}=...): {cap!r} is not a number of problems (an int, 0 or more; None: all)"
            )
    # Each declared version's registry, resolved once per call: a page or a manifest may name any of them.
    registries = {version: registry(version) for version in ENDPOINTS}
    return validate_input(obj_or_path, registries, schema, max_problems, max_record_problems)
