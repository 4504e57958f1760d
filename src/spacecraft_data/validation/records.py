"""Which schema a record gets (the rule in the package docstring) and the check of records against it."""

from __future__ import annotations

from typing import Any, Iterable
from urllib.parse import urlsplit

from .messages import _findings, _leaves
from .report import Problem, Report
from .schemas import validator

#: snapshot table -> record kind
TABLE_KINDS = {"spacecraft": "spacecraft", "spacecraft_configurations": "configuration",
               "spacecraft_statuses": "status", "spacecraft_detailed": "spacecraft"}
#: snapshot table -> the one schema every record of it must meet, whatever its response_mode says
TABLE_SCHEMAS = {"spacecraft_detailed": "detailed"}
_DETAILED_ONLY = {"spacecraft": "flights", "configuration": "capability"}
#: record kind -> the list (envelope) schema of its endpoint, where it has one
LIST_SCHEMAS = {"spacecraft": "list", "configuration": "configuration.list"}

Record = dict[str, Any]


def _kind_of(record: Any) -> str:
    if not isinstance(record, dict):
        return "spacecraft"
    url = record.get("url")
    if isinstance(url, str):
        segments = [s for s in urlsplit(url).path.split("/") if s]
        if "spacecraft_configurations" in segments:
            return "configuration"
        if "spacecraft" in segments:
            return "spacecraft"
    if "spacecraft_config" in record:
        return "spacecraft"
    if "agency" in record:
        return "configuration"
    if set(record) == {"id", "name"}:
        return "status"
    return "spacecraft"


def kind_of_endpoint(name: str) -> str | None:
    """The record kind of the endpoint ``name`` (``spacecraft``, ``config/spacecraft_statuses``…), None if unknown."""
    from ..endpoints.v2_3_0 import ENDPOINTS

    endpoint = ENDPOINTS.get(name) or next((e for e in ENDPOINTS.values() if e.table == name), None)
    return TABLE_KINDS.get(endpoint.table) if endpoint is not None else None


def kind_of_schema(name: str) -> str:
    """The record kind a schema name (``normal``, ``configuration.list``, ``status``…) checks."""
    if name == "status":
        return "status"
    return "configuration" if name.startswith("configuration.") else "spacecraft"


def record_schema_name(record: Any, kind: str | None = None, mode: str | None = None) -> str:
    """The short schema name for ``record`` (``normal``, ``configuration.detailed``, ``status``, …).

    ``kind`` (``spacecraft``, ``configuration``, ``status``) is used when the
    caller knows it; otherwise it is read from the record (see the module docstring).
    ``mode`` (``normal``/``detailed``, e.g. the ``mode`` a page's request sent) holds
    the record to that mode's schema instead of the one its ``response_mode`` names.
    """
    kind = kind or _kind_of(record)
    if kind == "status":
        return "status"
    if mode in ("normal", "detailed"):
        return mode if kind == "spacecraft" else f"configuration.{mode}"
    mode = record.get("response_mode") if isinstance(record, dict) else None
    if mode not in ("normal", "detailed"):
        mode = "detailed" if isinstance(record, dict) and _DETAILED_ONLY[kind] in record else "normal"
    return mode if kind == "spacecraft" else f"configuration.{mode}"


def _label(record: Any, index: int) -> int | str:
    rid = record.get("id") if isinstance(record, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else f"#{index}"


def _record_problems(record: Any, name: str, source: str, label: int | str, line: int | None) -> list[Problem]:
    leaves = [leaf for e in validator(name).iter_errors(record) for leaf in _leaves(e)]
    errors = [e for e, _ in leaves]
    found = {f for e, nullable in leaves for f in _findings(e, nullable)}
    # A duration failing its format also fails the pattern that says the same to
    # tools without format checks: report the more telling format message only.
    format_paths = {path for e in errors if e.validator == "format" for path, _ in _findings(e)}
    found = {(path, msg) for path, msg in found
             if not (path in format_paths and msg.endswith("does not match the pattern of this field"))}
    return [Problem(source, label, path, message, line) for path, message in sorted(found)]


def validate_records(records: Iterable[Any], source: str = "<records>", kind: str | None = None,
                     lines: list[int] | None = None, schema_name: str | None = None, mode: str | None = None,
                     chosen_by: str | None = None) -> Report:
    """Validate each record of ``records`` (see the module docstring for which schema each gets).

    ``schema_name`` (a key of :data:`SCHEMA_NAMES`) holds every record to that one schema instead;
    ``mode`` holds each to that mode's schema of its kind. A repeated id is a problem naming both
    positions. The report records which schemas checked ``source`` and ``chosen_by`` (how they were chosen).
    """
    records = list(records)
    report = Report(inputs=[source])
    used: set[str] = set()
    for i, record in enumerate(records):
        line = lines[i] if lines else None
        report.records_checked += 1
        name = schema_name or record_schema_name(record, kind, mode)
        used.add(name)
        try:
            report.problems.extend(_record_problems(record, name, source, _label(record, i), line))
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
    report.note_schemas(source, used, chosen_by or _default_basis(kind, schema_name, mode))
    return report


def _default_basis(kind: str | None, schema_name: str | None, mode: str | None) -> str:
    if schema_name:
        return "given"
    if kind:
        return f"{kind} records" + (f", mode {mode}" if mode else "")
    return "guessed from each record's url or keys"


def problems_for_table(table: str, records: list[Record]) -> list[str]:
    """Problems of a snapshot table's records as strings naming the table, record id and JSON path.

    Used by the snapshot build: any problem stops it before anything is written.
    """
    report = validate_records(records, source=table, kind=TABLE_KINDS[table], schema_name=TABLE_SCHEMAS.get(table))
    return [str(p) for p in report.problems]
