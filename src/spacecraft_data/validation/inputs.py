"""What can be validated: objects, saved pages, NDJSON and other files, snapshot folders, and :func:`validate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import PageError
from ..pages import Page, parse_page
from ..store import MANIFEST, OPTIONAL_TABLE_FILES, TABLE_FILES, is_snapshot_version, sha256_bytes
from .messages import _short
from .records import TABLE_KINDS, TABLE_SCHEMAS, _kind_of, _record_problems, validate_records
from .report import Problem, Report

_NDJSON_SUFFIXES = {".ndjson", ".jsonl"}


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
    ``None`` for the snapshot :func:`~spacecraft_data.load` would use. Returns a :class:`Report`; nothing is
    raised for invalid data (call :meth:`Report.raise_for_problems` for that).
    """
    from ..snapshot import Snapshot

    if obj_or_path is None:
        from ..locate import resolve  # the snapshot load() would use (user store, then bundled)

        return validate(Path(str(resolve()[1])))
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
