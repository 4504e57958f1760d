"""Validate LL2 records, pages and snapshot folders against the bundled JSON Schemas.

>>> import spacecraft_data
>>> report = spacecraft_data.validate("page.json")   # or a folder, a record, a list of records
>>> report.valid, report.records_checked
>>> report.raise_for_problems()                      # ValidationFailed listing every problem

What is accepted (a path, or the same thing already in memory):

* a **snapshot folder** (holding ``manifest.json``): every table file against its
  schema (``spacecraft_detailed.json``, of a snapshot harvested in both modes,
  against the detailed one), and every ``sha256`` of the manifest's ``files``; a folder of
  snapshots (``<api version>/<snapshot version>/``): each snapshot in it;
* a **saved page**, browsable-API text or a JSON list page (envelope and records);
* a **single record**, a **JSON array** of records, or **NDJSON** (one record a
  line; problems name the line). A file is read as NDJSON when it is named
  ``*.ndjson``/``*.jsonl``, or when it is not one JSON document but every line is.

Which schema a record gets (one rule, used everywhere):

* its **kind** comes from where it was found (a snapshot table file, the path of
  a page's ``GET`` line); otherwise from its ``url`` (``/spacecraft_configurations/``
  or ``/spacecraft/``); otherwise from its keys (``spacecraft_config`` means a
  spacecraft, ``agency`` a configuration, exactly ``id`` and ``name`` a status);
  otherwise it is taken for a spacecraft;
* its **mode** is its ``response_mode`` when that is ``normal`` or ``detailed``;
  otherwise detailed when it carries a detailed-only key (``flights`` /
  ``capability``), else normal, and the schema then reports the bad ``response_mode``.

jsonschema and referencing are imported inside functions only: ``import
spacecraft_data`` and ``load()`` never pay for them.
"""

from __future__ import annotations

import datetime as _dt
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Iterable, Iterator
from urllib.parse import urlsplit

from .errors import PageError, SpacecraftDataError
from .pages import Page, parse_page
from .schemagen import DURATION_PATTERN, file_name
from .store import MANIFEST, OPTIONAL_TABLE_FILES, TABLE_FILES, is_snapshot_version, sha256_bytes

__all__ = [
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

#: snapshot table -> record kind
TABLE_KINDS = {"spacecraft": "spacecraft", "spacecraft_configurations": "configuration",
               "spacecraft_statuses": "status", "spacecraft_detailed": "spacecraft"}
#: snapshot table -> the one schema every record of it must meet, whatever its response_mode says
TABLE_SCHEMAS = {"spacecraft_detailed": "detailed"}
_DETAILED_ONLY = {"spacecraft": "flights", "configuration": "capability"}
_NDJSON_SUFFIXES = {".ndjson", ".jsonl"}

Record = dict[str, Any]


class ValidationFailed(SpacecraftDataError):
    """Raised by :meth:`Report.raise_for_problems` when anything was invalid; ``report`` holds every problem."""

    def __init__(self, report: Report) -> None:
        self.report = report
        shown = "\n  ".join(str(p) for p in report.problems[:20])
        more = f"\n  … and {len(report.problems) - 20} more" if len(report.problems) > 20 else ""
        super().__init__(f"{len(report.problems)} problem(s) in {report.records_checked} record(s) checked:\n"
                         f"  {shown}{more}")


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (file, line, record id, JSON path inside the record) and what.

    ``record`` is the record's id, or ``#<n>`` (its 0-based position) when it has
    no integer id, or ``None`` for a problem of a whole file (checksum, unreadable).
    """

    source: str
    record: int | str | None
    path: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        if self.record is None:
            return f"{where}: {self.message}" if not self.path else f"{where}: {self.path}: {self.message}"
        return f"{where}: record {self.record}: {self.path}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        """The problem as a JSON-ready dict."""
        return {"source": self.source, "line": self.line, "record": self.record, "path": self.path,
                "message": self.message}


@dataclass
class Report:
    """The outcome of :func:`validate`: every problem found and how much was checked."""

    problems: list[Problem] = field(default_factory=list)
    records_checked: int = 0
    inputs: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when nothing was wrong."""
        return not self.problems

    def raise_for_problems(self) -> Report:
        """Raise :class:`ValidationFailed` when anything was invalid; return the report otherwise."""
        if self.problems:
            raise ValidationFailed(self)
        return self

    def extend(self, other: Report) -> None:
        """Add the problems and counts of ``other`` to this report."""
        self.problems.extend(other.problems)
        self.records_checked += other.records_checked
        self.inputs.extend(other.inputs)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict (the CLI's ``--format json``)."""
        return {"valid": self.valid, "records_checked": self.records_checked, "inputs": list(self.inputs),
                "problem_count": len(self.problems), "problems": [p.to_dict() for p in self.problems]}

    def __str__(self) -> str:
        lines = [str(p) for p in self.problems]
        verdict = "valid" if self.valid else f"INVALID: {len(self.problems)} problem(s)"
        lines.append(f"{self.records_checked} record(s) in {len(self.inputs)} input(s) checked: {verdict}")
        return "\n".join(lines)


# -- schemas ----------------------------------------------------------------------------

def schema_dir() -> Path | Traversable:
    """The folder of schema files: the wheel's ``spacecraft_data/_bundled/schema``, or the checkout's ``schema/``."""
    packaged = resources.files("spacecraft_data").joinpath("_bundled", "schema")
    if packaged.is_dir():
        return packaged
    checkout = Path(__file__).resolve().parents[2] / "schema"
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
    if not isinstance(parsed, _dt.timedelta):
        raise ValueError("years or months are not used by LL2 durations")
    if not re.match(DURATION_PATTERN, value):
        raise ValueError("not the compact form isodate.duration_isoformat writes")
    return True


_RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$")


def _is_date_time(value: object) -> bool:
    if not isinstance(value, str):
        return True
    if not _RFC3339.match(value):
        raise ValueError("not an RFC 3339 date-time")
    _dt.datetime.fromisoformat(value.upper().replace("Z", "+00:00"))
    return True


@lru_cache(maxsize=None)
def validator(name: str) -> Any:
    """A ready jsonschema validator (draft 2020-12, formats checked, ``$ref``s resolved offline) for ``name``."""
    from jsonschema import Draft202012Validator

    doc = _documents()[_stem(name)]
    return Draft202012Validator(doc, registry=_registry(), format_checker=format_checker())


# -- records ------------------------------------------------------------------------------

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


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _message(error: Any, nullable: bool = False) -> str:
    v, expected = error.validator, error.validator_value
    if v == "type":
        types = expected if isinstance(expected, list) else [expected]
        types = [*types, "null"] if nullable and "null" not in types else types
        return f"{_short(error.instance)} is not of type {' or '.join(types)}"
    if v == "const":
        return f"{_short(error.instance)} is not the expected {expected!r}"
    if v == "format":
        cause = f" ({error.cause})" if error.cause else ""
        return f"{_short(error.instance)} is not a valid {expected}{cause}"
    if v == "pattern":
        return f"{_short(error.instance)} does not match the pattern of this field"
    if v in ("anyOf", "oneOf"):
        return f"{_short(error.instance)} matches none of the allowed shapes"
    message = error.message
    return message if len(message) <= 300 else message[:299] + "…"


def _null_like(branch: Any) -> bool:
    return branch in ({"type": "null"}, {"const": ""})


def _leaves(error: Any, nullable: bool = False) -> Iterator[tuple[Any, bool]]:
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
                    yield from _leaves(e, allows_null and list(e.absolute_path) == list(error.absolute_path))
                return
    yield error, nullable


def _json_path(parts: Iterable[Any]) -> str:
    path = "$"
    for part in parts:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"\w+", part) else f"[{part!r}]")
    return path


def _findings(error: Any, nullable: bool = False) -> list[tuple[str, str]]:
    """(JSON path, message) pairs of one error; a missing or extra key is named in the path itself."""
    parts = list(error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        return [(_json_path([*parts, key]), "required property is missing")
                for key in error.validator_value if key not in error.instance]
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        declared = error.schema.get("properties", {})
        return [(_json_path([*parts, key]), "unexpected property: not in the schema (API drift?)")
                for key in error.instance if key not in declared]
    return [(_json_path(parts), _message(error, nullable))]


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


# -- inputs ---------------------------------------------------------------------------------

def _is_envelope(body: Any) -> bool:
    return isinstance(body, dict) and "results" in body and "count" in body


def _validate_body(body: Any, source: str, kind: str | None = None, line: int | None = None) -> Report:
    if _is_envelope(body):
        results = body["results"]
        records = results if isinstance(results, list) else []
        if kind is None and records and all(_kind_of(r) == "configuration" for r in records):
            kind = "configuration"
        list_name = "configuration.list" if kind == "configuration" else "list"
        shell = {**body, "results": []} if isinstance(results, list) else body
        report = Report(inputs=[source])
        report.problems.extend(Problem(source, None, p.path, p.message, line)  # the envelope is no record
                               for p in _record_problems(shell, list_name, source, "envelope", line))
        inner = validate_records(records, source, kind)
        report.problems.extend(Problem(p.source, p.record, p.path, p.message, line) for p in inner.problems)
        report.records_checked += inner.records_checked
        return report
    if isinstance(body, list):
        return validate_records(body, source, kind)
    if isinstance(body, dict) and set(body) == {"detail"}:
        return Report([Problem(source, None, "$", f"an API error body ({_short(body['detail'])}), not a record",
                               line)], 0, [source])
    if isinstance(body, dict):
        return validate_records([body], source, kind, [line] if line else None)
    return Report([Problem(source, None, "$", f"expected a record, a list of records or a list page; "
                                              f"found {type(body).__name__}", line)], 0, [source])


def _page_kind(page: Page) -> str | None:
    if page.request is None:
        return None
    segments = [s for s in page.request.path.split("/") if s]
    if "spacecraft_configurations" in segments:
        return "configuration"
    if "spacecraft" in segments:
        return "spacecraft"
    return None


def _validate_page(page: Page) -> Report:
    if page.status != 200:
        return Report([Problem(page.source, None, "", f"the page answered HTTP {page.status} {page.reason}; "
                                                      "only a 200 page holds records")], 0, [page.source])
    return _validate_body(page.body, page.source, _page_kind(page))


def _validate_ndjson(text: str, source: str) -> Report:
    records, lines = [], []
    for n, raw in enumerate(text.split("\n"), start=1):
        if not raw.strip():
            continue
        try:
            records.append(json.loads(raw))
        except json.JSONDecodeError as exc:
            raise PageError(source, n, f"expected one JSON record on this line (NDJSON): {exc.msg} "
                                       f"(column {exc.colno})") from None
        lines.append(n)
    return validate_records(records, source, None, lines)


def _validate_file(path: Path) -> Report:
    source = str(path)
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        return _unreadable(PageError(source, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})"))
    except OSError as exc:
        return _unreadable(PageError(source, None, f"cannot read: {exc.strerror or exc}"))
    try:
        if path.suffix.lower() in _NDJSON_SUFFIXES:
            return _validate_ndjson(text, source)
        try:
            page = parse_page(text, source)
        except PageError as exc:
            if "Extra data" in exc.reason and text.lstrip("\ufeff \t\r\n").startswith("{"):
                try:
                    return _validate_ndjson(text, source)
                except PageError:
                    pass
            raise
        return _validate_page(page)
    except PageError as exc:
        return _unreadable(exc)


def _unreadable(exc: PageError) -> Report:
    return Report([Problem(exc.source, None, "", exc.reason, exc.line)], 0, [exc.source])


def _read_json(path: Path) -> tuple[Any, Problem | None]:
    try:
        return json.loads(path.read_text(encoding="utf-8")), None
    except FileNotFoundError:
        return None, Problem(str(path), None, "", "missing")
    except (UnicodeDecodeError, OSError) as exc:
        return None, Problem(str(path), None, "", f"cannot read: {exc}")
    except json.JSONDecodeError as exc:
        return None, Problem(str(path), None, "", f"invalid JSON: {exc.msg} (column {exc.colno})", exc.lineno)


def _validate_snapshot(folder: Path) -> Report:
    report = Report(inputs=[str(folder)])
    manifest_path = folder / MANIFEST
    manifest, problem = _read_json(manifest_path)
    if problem:
        report.problems.append(problem)
        return report
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict) or not files:
        report.problems.append(Problem(str(manifest_path), None, "$.files",
                                       "not a spacecraft-data manifest: no 'files' with checksums"))
        return report
    for name, entry in sorted(files.items()):
        path = folder / name
        if not path.is_file():
            report.problems.append(Problem(str(path), None, "", f"missing, but listed in {MANIFEST}"))
            continue
        expected = entry.get("sha256") if isinstance(entry, dict) else None
        actual = sha256_bytes(path.read_bytes())
        if actual != expected:
            report.problems.append(Problem(
                str(path), None, "",
                f"sha256 {actual} differs from {MANIFEST} ({expected}): the file changed after the snapshot was built"))
    tables = manifest.get("tables", {}) if isinstance(manifest.get("tables"), dict) else {}
    for table, name in {**TABLE_FILES, **OPTIONAL_TABLE_FILES}.items():
        path = folder / name
        if not path.is_file():
            if table == "spacecraft":
                report.problems.append(Problem(str(path), None, "", "missing: every snapshot holds the spacecraft table"))
            continue
        rows, problem = _read_json(path)
        if problem:
            report.problems.append(problem)
            continue
        if not isinstance(rows, list):
            report.problems.append(Problem(str(path), None, "$", f"expected a JSON array of records, "
                                                                 f"found {type(rows).__name__}"))
            continue
        declared = tables.get(table, {}).get("rows") if isinstance(tables.get(table), dict) else None
        if declared is not None and declared != len(rows):
            report.problems.append(Problem(str(path), None, "", f"holds {len(rows)} records; {MANIFEST} says {declared}"))
        inner = validate_records(rows, str(path), TABLE_KINDS[table], schema_name=TABLE_SCHEMAS.get(table))
        report.problems.extend(inner.problems)
        report.records_checked += inner.records_checked
    return report


def _snapshot_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}") if is_snapshot_version(p.parent.name))


def _validate_path(path: Path) -> Report:
    if path.is_dir():
        if (path / MANIFEST).is_file():
            return _validate_snapshot(path)
        folders = _snapshot_folders(path)
        if not folders:
            return Report([Problem(str(path), None, "", f"a folder, but neither a snapshot (no {MANIFEST}) "
                                                        "nor a folder of snapshots")], 0, [str(path)])
        report = Report()
        for folder in folders:
            report.extend(_validate_snapshot(folder))
        return report
    if not path.exists():
        return Report([Problem(str(path), None, "", "no such file or folder")], 0, [str(path)])
    return _validate_file(path)


def validate(obj_or_path: Any) -> Report:
    """Validate a path (snapshot folder, page, record, array or NDJSON file) or an object in memory.

    Objects: a record (dict), a list page body (dict with ``count`` and
    ``results``), a list of records, a :class:`~spacecraft_data.pages.Page`, a
    :class:`~spacecraft_data.snapshot.Snapshot` (its folder is validated), or
    ``None`` for the bundled snapshot. Returns a :class:`Report`; nothing is
    raised for invalid data (call :meth:`Report.raise_for_problems` for that).
    """
    from .snapshot import Snapshot

    if obj_or_path is None:
        from .store import bundled_root, latest_snapshot_dir

        return validate(Path(str(latest_snapshot_dir(bundled_root()))))
    if isinstance(obj_or_path, (str, Path)):
        return _validate_path(Path(obj_or_path))
    if isinstance(obj_or_path, Snapshot):
        return _validate_path(Path(str(obj_or_path.path)))
    if isinstance(obj_or_path, Page):
        return _validate_page(obj_or_path)
    if isinstance(obj_or_path, (dict, list)):
        return _validate_body(obj_or_path, "<object>")
    raise TypeError(f"validate() takes a path, a record, a list of records, a page body, a Page or a Snapshot; "
                    f"got {type(obj_or_path).__name__}")
