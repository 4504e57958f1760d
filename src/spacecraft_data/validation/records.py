"""Which schema a record gets (the rule in the package docstring) and the check of records against it.

Every rule reads the endpoint declarations (:mod:`spacecraft_data.endpoints`) at call time: a
record's endpoint is recognised by what each declaration says of itself (its name in the record's
``url``, its ``marker_keys``, its ``only_keys``), and its mode by the declaration's modes and
``detailed_only`` key.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..endpoints import by_table, endpoint as endpoint_named, endpoints, primary
from ..routes import route_of_url
from .messages import findings, leaves
from .report import Problem, Report
from .schemas import validator

from ..typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ..endpoints import Endpoint, Schema

__all__ = ["endpoint_of_record", "endpoint_of_route", "endpoint_of_schema", "record_schema", "record_schema_name",
           "table_schema_name", "record_problems", "validate_records", "problems_for_table"]

def _checked(api_version: str | None) -> list[Endpoint]:
    """The endpoints whose records can be checked (those that declare a schema), in registry order."""
    return [e for e in endpoints(api_version).values() if e.schemas]


def _named(name: str, declared: list[Endpoint]) -> Endpoint | None:
    return next((e for e in declared if name == e.name or name in e.aliases), None)


def _endpoint_of_url(url: object, declared: list[Endpoint]) -> Endpoint | None:
    route = route_of_url(url)
    if route is not None:
        found = _named(route.endpoint, declared)
        if found is not None:
            return found
    if not isinstance(url, str):
        return None
    # A URL without an API version segment (behind a proxy's prefix, or written by hand) still names its
    # endpoint by its path segments: the declaration whose name ends nearest the end of the path.
    try:
        segments = [s for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    best: tuple[int, int, Endpoint] | None = None
    for e in declared:
        parts = e.name.split("/")
        ends = [i + len(parts) for i in range(len(segments) - len(parts) + 1) if segments[i:i + len(parts)] == parts]
        if ends and (best is None or (ends[-1], len(parts)) > best[:2]):
            best = (ends[-1], len(parts), e)
    return best[2] if best else None


def endpoint_of_record(record: Any, api_version: str | None = None) -> Endpoint:
    """The endpoint a record is taken for when nothing around it names one.

    Its ``url``'s path names it; else any declaration's ``marker_keys`` it carries, or the
    ``only_keys`` it has exactly (declarations in registry order); else the primary endpoint.
    """
    declared = _checked(api_version)
    if isinstance(record, dict):
        found = _endpoint_of_url(record.get("url"), declared)
        if found is not None:
            return found
        for e in declared:
            if any(key in record for key in e.marker_keys):
                return e
        for e in declared:
            if e.only_keys is not None and set(record) == e.only_keys:
                return e
    return primary(api_version)


def endpoint_of_route(name: str, api_version: str | None = None) -> Endpoint | None:
    """The endpoint a route (``spacecraft``, ``config/spacecraft_statuses``), alias or table names, None if none."""
    try:
        return endpoint_named(name, api_version)
    except KeyError:
        return by_table(name, api_version)


def endpoint_of_schema(name: str, api_version: str | None = None) -> tuple[Endpoint, str]:
    """The endpoint declaring the schema short name ``name``, and under which key (a mode, ``list``, ``record``).

    ``KeyError`` when no endpoint declares it.
    """
    for e in endpoints(api_version).values():
        for key, declared in e.schemas.items():
            if declared.name == name:
                return e, key
    raise KeyError(name)


def _mode_of(record: Any, endpoint: Endpoint, mode: str | None) -> str | None:
    if not endpoint.modes:
        return None
    if mode in endpoint.modes:
        return mode
    mode = record.get("response_mode") if isinstance(record, dict) else None
    if mode in endpoint.modes:
        return mode
    detailed = isinstance(record, dict) and endpoint.detailed_only is not None and endpoint.detailed_only in record
    return endpoint.detail_mode if detailed else endpoint.default_mode


def record_schema(record: Any, endpoint: Endpoint, mode: str | None = None) -> Schema:
    """The schema a record of ``endpoint`` meets: that of ``mode`` when it is one of the endpoint's, else
    that of its ``response_mode``, else detailed when it has the detailed-only key, else the default mode's."""
    chosen = _mode_of(record, endpoint, mode)
    found = (endpoint.schemas.get(chosen) if chosen is not None else None) or endpoint.schemas.get("record")
    if found is None:
        from ..errors import SpacecraftDataError

        raise SpacecraftDataError(f"endpoint /{endpoint.name}/ declares no schema for {chosen or 'its'} records")
    return found


def _endpoint(given: Endpoint | str | None, api_version: str | None) -> Endpoint | None:
    return endpoint_named(given, api_version) if isinstance(given, str) else given


def record_schema_name(record: Any, endpoint: Endpoint | str | None = None, mode: str | None = None,
                       api_version: str | None = None) -> str:
    """The short schema name for ``record`` (``normal``, ``configuration.detailed``, ``status``, …).

    ``endpoint`` (a declaration or an endpoint's name) is used when the caller knows it;
    otherwise it is read from the record (:func:`endpoint_of_record`). ``mode``
    (``normal``/``detailed``, e.g. the ``mode`` a page's request sent) holds the record
    to that mode's schema instead of the one its ``response_mode`` names.
    """
    found = _endpoint(endpoint, api_version) or endpoint_of_record(record, api_version)
    return record_schema(record, found, mode).name


def table_schema_name(endpoint: Endpoint, table: str) -> str | None:
    """The one schema every record of ``table`` must meet whatever its response_mode says (a table kept
    for one mode, e.g. ``spacecraft_detailed``), or None: each record's own mode decides."""
    return next((endpoint.schemas[mode].name for mode, kept in endpoint.mode_tables.items()
                 if kept == table and mode in endpoint.schemas), None)


def _label(record: Any, index: int) -> int | str:
    rid = record.get("id") if isinstance(record, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else f"#{index}"


def record_problems(record: Any, name: str, source: str, label: int | str, line: int | None,
                    api_version: str | None = None) -> list[Problem]:
    """The problems of one record (or envelope) against the schema ``name``, sorted by JSON path."""
    pairs = [leaf for e in validator(name, api_version).iter_errors(record) for leaf in leaves(e)]
    errors = [e for e, _ in pairs]
    found = {f for e, nullable in pairs for f in findings(e, nullable)}
    # A duration failing its format also fails the pattern that says the same to
    # tools without format checks: report the more telling format message only.
    format_paths = {path for e in errors if e.validator == "format" for path, _ in findings(e)}
    found = {(path, msg) for path, msg in found
             if not (path in format_paths and msg.endswith("does not match the pattern of this field"))}
    return [Problem(source, label, path, message, line) for path, message in sorted(found)]


def validate_records(records: Iterable[Any], source: str = "<records>", endpoint: Endpoint | str | None = None,
                     lines: list[int] | None = None, schema_name: str | None = None, mode: str | None = None,
                     chosen_by: str | None = None, api_version: str | None = None) -> Report:
    """Validate each record of ``records`` (see the module docstring for which schema each gets).

    ``endpoint`` (a declaration or an endpoint's name) says whose records they are (None: read
    from each record). ``schema_name`` (a key of :data:`SCHEMA_NAMES`) holds every record to that
    one schema instead; ``mode`` holds each to that mode's schema of its endpoint. A repeated id is
    a problem naming both positions. The report records which schemas checked ``source`` and
    ``chosen_by`` (how they were chosen). ``api_version`` names whose declarations apply (default: the
    registry's default version).
    """
    records = list(records)
    known = _endpoint(endpoint, api_version)
    report = Report(inputs=[source])
    used: set[str] = set()
    for i, record in enumerate(records):
        line = lines[i] if lines else None
        report.records_checked += 1
        name = schema_name or record_schema_name(record, known, mode, api_version)
        used.add(name)
        try:
            report.problems.extend(record_problems(record, name, source, _label(record, i), line, api_version))
        except RecursionError:
            report.problems.append(Problem(source, _label(record, i), "$", "nested too deeply to check", line))
    first: dict[int, int] = {}
    for i, record in enumerate(records):
        rid = record.get("id") if type(record) is dict else None
        if type(rid) is float:  # JSON Schema counts 5.0 as an integer; an id written 5.0 is not LL2's
            report.problems.append(Problem(source, f"#{i}", "$.id", f"id {rid!r} is a number; an id must be "
                                                                    "an integer", lines[i] if lines else None))
        if type(rid) is int and first.setdefault(rid, i) != i:
            j = first[rid]
            both = f"lines {lines[j]} and {lines[i]}" if lines else f"records #{j} and #{i} (0-based positions)"
            report.problems.append(Problem(source, rid, "$.id", f"duplicate id {rid}: {both} share it",
                                           lines[i] if lines else None))
    report.note_schemas(source, used, chosen_by or _default_basis(known, schema_name, mode))
    return report


def _default_basis(endpoint: Endpoint | None, schema_name: str | None, mode: str | None) -> str:
    if schema_name:
        return "given"
    if endpoint is not None:
        return f"/{endpoint.name}/ records" + (f", mode {mode}" if mode else "")
    return "guessed from each record's url or keys"


def problems_for_table(table: str, records: list[dict[str, Any]], api_version: str | None = None) -> list[str]:
    """Problems of a snapshot table's records as strings naming the table, record id and JSON path.

    Used by the snapshot build: any problem stops it before anything is written. A table of an
    endpoint that declares no schema has none to meet (as :func:`validate` leaves it unchecked in a
    snapshot folder). ``KeyError`` when no endpoint keeps ``table``.
    """
    found = by_table(table, api_version)
    if found is None:
        raise KeyError(f"no endpoint keeps a table {table!r}")
    if not found.schemas:
        return []
    report = validate_records(records, source=table, endpoint=found, schema_name=table_schema_name(found, table),
                              api_version=api_version)
    return [str(p) for p in report.problems]
