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


def record_schema_name(record: Any, kind: str | None = None) -> str:
    """The short schema name for ``record`` (``normal``, ``configuration.detailed``, ``status``, …).

    ``kind`` (``spacecraft``, ``configuration``, ``status``) is used when the
    caller knows it; otherwise it is read from the record (see the module docstring).
    """
    kind = kind or _kind_of(record)
    if kind == "status":
        return "status"
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
                     lines: list[int] | None = None, schema_name: str | None = None) -> Report:
    """Validate each record of ``records`` (see the module docstring for which schema each gets).

    ``schema_name`` (a key of :data:`SCHEMA_NAMES`) holds every record to that one schema instead.
    """
    report = Report(inputs=[source])
    for i, record in enumerate(records):
        line = lines[i] if lines else None
        report.records_checked += 1
        name = schema_name or record_schema_name(record, kind)
        report.problems.extend(_record_problems(record, name, source, _label(record, i), line))
    return report


def problems_for_table(table: str, records: list[Record]) -> list[str]:
    """Problems of a snapshot table's records as strings naming the table, record id and JSON path.

    Used by the snapshot build: any problem stops it before anything is written.
    """
    report = validate_records(records, source=table, kind=TABLE_KINDS[table], schema_name=TABLE_SCHEMAS.get(table))
    return [str(p) for p in report.problems]
