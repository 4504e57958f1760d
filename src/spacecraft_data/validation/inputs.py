"""What can be validated: objects, saved pages, NDJSON and other files, snapshot folders
(:func:`validate_input`, behind :func:`spacecraft_data.validation.validate`)."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO, TypedDict

from ..endpoints import DEFAULT_API_VERSION, ENDPOINTS, table_file
from ..errors import PageError, SnapshotError
from ..manifest import file_name_problem, inside, manifest_problems
from ..pages import Page, parse_page
from ..routes import route_of, route_of_url
from ..store import MANIFEST, is_snapshot_version, read_file_bytes, read_json, sha256_bytes
from ..strictjson import StrictJSONError, decode, loads
from ..typecheck import TYPE_CHECKING
from .messages import short
from .records import (
    check_records,
    endpoint_of_record,
    endpoint_of_route,
    endpoint_of_schema,
    record_problems,
    table_schema_name,
    validate_stream,
)
from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS, Problem, Report
from .stream import CHUNK, Stream, StreamError, array_elements, first_text, ndjson_lines

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..endpoints import Endpoint, Registry

_NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
#: the largest input checked as one document (a page, envelope or record): arrays and NDJSON are streamed
MAX_DOCUMENT_BYTES = 64 << 20


@dataclass(frozen=True)
class _Limits:
    """How many problems are listed per input and per record (None: all of them)."""

    problems: int | None = MAX_PROBLEMS
    per_record: int | None = MAX_RECORD_PROBLEMS


class _Caps(TypedDict):
    max_problems: int | None
    max_record_problems: int | None


def _caps(limits: _Limits | None) -> _Caps:
    limits = limits or _Limits(None, None)
    return {"max_problems": limits.problems, "max_record_problems": limits.per_record}


def _is_envelope(body: Any) -> bool:
    return isinstance(body, dict) and "results" in body and "count" in body


@dataclass
class _Context:
    """Which schemas the records of one input get, and why (see the package docstring)."""

    registry: Registry  # whose declarations apply: the named version's, else the default version's
    endpoint: Endpoint | None = None  # None: per record, the one its url names, else the primary one
    mode: str | None = None  # None: from each record's response_mode
    schema_name: str | None = None
    chosen_by: str | None = (
        None  # None: nothing names the endpoint; each record's own url, else the primary one
    )
    problems: list[Problem] = field(default_factory=list)
    skip_records: bool = False  # the endpoint has no schema here: checking against another would be a guess


def _named_routes(body: Any, request: Any) -> list[tuple[str | None, str, bool, str]]:
    """(API version, route, detail?, where) of each route a page's request line and envelope links name."""
    named: list[tuple[str | None, str, bool, str]] = []
    if request is not None:
        r = route_of(request.path)
        named.append(
            (r.version, r.endpoint, r.detail, f"the request line 'GET {short(request.full_path)[1:-1]}'")
        )
    if _is_envelope(body):
        for key in ("next", "previous"):
            link = route_of_url(body.get(key))
            if link is not None:  # a link that is no API URL names nothing (its schema reports it)
                named.append((link.version, link.endpoint, link.detail, f"the envelope's {key!r} link"))
    return named


def _naming_problems(
    named: list[tuple[str | None, str, bool, str]], source: str, line: int | None
) -> list[Problem]:
    """Problems of the routes a page names: more than one endpoint, or an API version with no schemas."""
    problems: list[Problem] = []
    routes = {route for _, route, _, _ in named}
    if len(routes) > 1:
        problems.append(
            Problem(
                source,
                None,
                "",
                "the page names more than one endpoint: "
                + "; ".join(f"/{route}/ by {where}" for _, route, _, where in named),
                line,
            )
        )
    for version, route, _, where in named:
        if version is not None and version not in ENDPOINTS:
            problems.append(
                Problem(
                    source,
                    None,
                    "",
                    f"{where} is of LL2 API {version}; the schemas are of {', '.join(ENDPOINTS)}",
                    line,
                )
            )
            break
    return problems


def _context(
    body: Any,
    source: str,
    registries: Mapping[str, Registry],
    request: Any = None,
    schema_name: str | None = None,
    line: int | None = None,
) -> _Context:
    """The schema context of a page body: ``--schema``, else the endpoint its request line or envelope links
    name (``registries``: each declared API version's, as :func:`validate_input` takes them)."""
    named = _named_routes(body, request)
    ctx = _Context(registries[DEFAULT_API_VERSION])
    ctx.problems.extend(_naming_problems(named, source, line))
    if schema_name is not None:
        ctx.endpoint, key = endpoint_of_schema(schema_name, ctx.registry)
        ctx.schema_name = None if key == "list" else schema_name
        ctx.chosen_by = f"--schema {schema_name}"
        return ctx
    if not named:
        return ctx
    version, route, detail, where = named[0]
    if version is not None and version in registries:
        ctx.registry = registries[version]
    ctx.endpoint = endpoint_of_route(route, ctx.registry)
    if ctx.endpoint is None or not ctx.endpoint.validation.schemas:
        _skip_records(ctx, route, where, source, line)
        return ctx
    params = dict(request.params) if request is not None else {}
    if detail:
        ctx.mode = ctx.endpoint.modes.detail  # LL2's detail route always answers in its detail mode
    elif params.get("mode") in ctx.endpoint.modes.names:
        ctx.mode = params["mode"]
    shown = f"/{version or DEFAULT_API_VERSION}/{route}/" + ("<id>/" if detail else "")
    ctx.chosen_by = f"endpoint {shown} named by {where}" + (f", mode {ctx.mode}" if ctx.mode else "")
    return ctx


def _skip_records(ctx: _Context, route: str, where: str, source: str, line: int | None) -> None:
    """Leave the records of a page whose named endpoint has no schema unchecked, and say so."""
    ctx.endpoint = None
    ctx.skip_records = True
    checked = [e.name for e in ctx.registry if e.validation.schemas]
    ctx.chosen_by = f"no schema: endpoint /{route}/ named by {where}"
    ctx.problems.append(
        Problem(
            source,
            None,
            "",
            f"{where} names endpoint /{route}/, which has no schema here "
            f"(the schemas are of /{'/, /'.join(checked)}/); use "
            "--schema NAME to check its records anyway",
            line,
        )
    )


def _endpoint_of_results(records: list[Any], registry: Registry) -> Endpoint | None:
    """The endpoint every record of a page is taken for alike, when it has a list schema (None: they
    differ)."""
    taken = {endpoint_of_record(r, registry) for r in records}
    found = taken.pop() if len(taken) == 1 else None
    return found if found is not None and "list" in found.validation.schemas else None


def _validate_body(
    body: Any, source: str, ctx: _Context, line: int | None = None, limits: _Limits | None = None
) -> Report:
    report = Report(inputs=[source])
    report.problems.extend(ctx.problems)
    if ctx.skip_records:
        report.note_schemas(source, [], ctx.chosen_by or "")
        return report
    if _is_envelope(body):
        _validate_envelope(body, source, ctx, line, limits, report)
        return report
    if isinstance(body, list):
        report.extend(_validate_in_context(body, source, ctx, limits))
        report.inputs = [source]
        return report
    if isinstance(body, dict) and set(body) == {"detail"}:
        report.problems.append(
            Problem(source, None, "$", f"an API error body ({short(body['detail'])}), not a record", line)
        )
        return report
    if isinstance(body, dict):
        report.extend(_validate_in_context([body], source, ctx, limits, [line] if line else None))
        report.inputs = [source]
        return report
    report.problems.append(
        Problem(
            source,
            None,
            "$",
            f"expected a record, a list of records or a list page; found {type(body).__name__}",
            line,
        )
    )
    return report


def _validate_in_context(
    records: list[Any], source: str, ctx: _Context, limits: _Limits | None, lines: list[int] | None = None
) -> Report:
    """:func:`check_records` of ``records`` with the schemas ``ctx`` gives them."""
    return check_records(
        records,
        source,
        ctx.registry,
        ctx.endpoint,
        lines,
        schema_name=ctx.schema_name,
        mode=ctx.mode,
        chosen_by=ctx.chosen_by,
        **_caps(limits),
    )


def _validate_envelope(
    body: dict[str, Any], source: str, ctx: _Context, line: int | None, limits: _Limits | None, report: Report
) -> None:
    """Add to ``report`` the problems of a list page's envelope (against its list schema) and its results."""
    results = body["results"]
    records = results if isinstance(results, list) else []
    endpoint = ctx.endpoint or _endpoint_of_results(records, ctx.registry)
    listed = (endpoint or ctx.registry.primary).validation.schemas.get("list")
    list_name = listed.name if listed is not None else None
    shell = {**body, "results": []} if isinstance(results, list) else body
    if list_name is not None:
        report.problems.extend(
            Problem(source, None, p.path, p.message, line)  # the envelope is no record
            for p in record_problems(shell, list_name, source, "envelope", line, ctx.registry)
        )
    count = body.get("count")
    if type(count) is int and count < len(records):
        report.problems.append(
            Problem(
                source,
                None,
                "$.count",
                f"count {count} is smaller than the {len(records)} results the page holds",
                line,
            )
        )
    inner = _validate_in_context(records, source, ctx, limits)
    report.problems.extend(Problem(p.source, p.record, p.path, p.message, line) for p in inner.problems)
    report.records_checked += inner.records_checked
    for n, m in inner.unlisted.values():
        report.note_unlisted(source, n, m)
    names, chosen_by = inner.schemas.get(source, ([], ctx.chosen_by or ""))
    report.note_schemas(source, [*names, *([list_name] if list_name else [])], chosen_by)


def _validate_page(
    page: Page,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: _Limits | None = None,
) -> Report:
    if page.status != 200:
        return Report(
            [
                Problem(
                    page.source,
                    None,
                    "",
                    f"the page answered HTTP {page.status} {page.reason}; only a 200 page holds records",
                )
            ],
            0,
            [page.source],
        )
    ctx = _context(page.body, page.source, registries, page.request, schema_name)
    return _validate_body(page.body, page.source, ctx, limits=limits)


def _validate_ndjson(
    text: str,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: _Limits | None = None,
) -> Report:
    """NDJSON already in memory (a file first read whole); see :func:`_stream_ndjson` for the streamed
    kind."""
    import io

    return _stream_ndjson(io.BytesIO(text.encode("utf-8")), source, registries, schema_name, limits)


def _stream_ndjson(
    fh: BinaryIO,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None,
    limits: _Limits | None,
) -> Report:
    errors: list[StreamError] = []
    ctx = _context(None, source, registries, schema_name=schema_name)
    report = validate_stream(
        ndjson_lines(fh, errors),
        source,
        ctx.registry,
        ctx.endpoint,
        schema_name=ctx.schema_name,
        chosen_by=ctx.chosen_by,
        **_caps(limits),
    )
    report.problems.extend(Problem(source, None, "", e.reason, e.line) for e in errors)
    return report


def _stream_array(
    stream: Stream,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None,
    limits: _Limits | None,
) -> Report:
    errors: list[StreamError] = []
    ctx = _context([], source, registries, schema_name=schema_name)
    report = validate_stream(
        ((record, None) for record, _ in array_elements(stream, errors)),
        source,
        ctx.registry,
        ctx.endpoint,
        schema_name=ctx.schema_name,
        mode=ctx.mode,
        chosen_by=ctx.chosen_by,
        **_caps(limits),
    )
    report.problems.extend(Problem(source, None, "", e.reason, e.line) for e in errors)
    return report


def _open_input(path: Path) -> BinaryIO:
    """The regular file at ``path``, opened for reading (a FIFO is refused at once, never waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise PageError(str(path), None, "missing (input)") from None
    except OSError as exc:
        raise PageError(str(path), None, f"cannot read input: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kinds = (
            (stat.S_ISDIR, "a folder"),
            (stat.S_ISFIFO, "a FIFO (named pipe)"),
            (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"),
        )
        kind = next((name for test, name in kinds if test(mode)), "not a regular file")
        raise PageError(str(path), None, f"{kind} where the input file should be")
    return os.fdopen(fd, "rb")


def _every_line_parses(text: str) -> bool:
    try:
        for line in text.split("\n"):
            if line.strip():
                loads(line)
    except StrictJSONError:
        return False
    return True


def _starts_ndjson(head: bytes) -> bool:
    """True when ``head`` opens with a whole JSON value on its first line and has more after it: NDJSON."""
    first, newline, rest = head.partition(b"\n")
    if not newline or not rest.strip():
        return False
    try:
        loads(first.decode("utf-8").lstrip("\ufeff"))
    except (UnicodeDecodeError, StrictJSONError):
        return False
    return True


def _validate_file(
    path: Path,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: _Limits | None = None,
) -> Report:
    source = str(path)
    try:
        fh = _open_input(path)
    except PageError as exc:
        return _unreadable(exc)
    with fh:
        try:
            head = fh.read(CHUNK)
        except OSError as exc:
            return _unreadable(PageError(source, None, f"cannot read input: {exc.strerror or exc}"))
        # A JSON array or NDJSON, of any length, is read as a stream; anything else is one document
        if path.suffix.lower() in _NDJSON_SUFFIXES or (first_text(head) == "{" and _starts_ndjson(head)):
            fh.seek(0)
            return _stream_ndjson(fh, source, registries, schema_name, limits)
        if first_text(head) == "[":
            return _stream_array(Stream(fh, head), source, registries, schema_name, limits)
        data = head + fh.read(MAX_DOCUMENT_BYTES + 1 - len(head))
    if len(data) > MAX_DOCUMENT_BYTES:
        return _unreadable(
            PageError(
                source,
                None,
                f"more than {MAX_DOCUMENT_BYTES >> 20} MiB in one document "
                "(a page, an envelope or a record), the most checked whole; a "
                "JSON array or NDJSON of any size is read as a stream",
            )
        )
    try:
        text = decode(data, allow_bom=True)  # a page saved by a browser may carry a BOM: harmless here
    except StrictJSONError as exc:
        return _unreadable(PageError(source, exc.line, exc.reason))
    try:
        try:
            page = parse_page(text, source)
        except PageError as exc:
            if (
                "Extra data" in exc.reason
                and text.lstrip("\ufeff \t\r\n").startswith("{")
                and _every_line_parses(text)
            ):
                return _validate_ndjson(text, source, registries, schema_name, limits)
            raise
        return _validate_page(page, registries, schema_name, limits)
    except PageError as exc:
        return _unreadable(exc)


def _unreadable(exc: PageError) -> Report:
    return Report([Problem(exc.source, None, "", exc.reason, exc.line)], 0, [exc.source])


def _read_json(path: Path, folder: Path) -> tuple[Any, Problem | None]:
    if os.path.lexists(path) and inside(folder, path.name) is None:
        return None, Problem(str(path), None, "", "a symlink that leads out of the snapshot folder: not read")
    try:
        return read_json(path, path.name), None
    except SnapshotError as exc:
        message = str(exc)
        line = None
        if message.startswith(f"{path}:"):
            message = message[len(str(path)) + 1 :]
            head, _, rest = message.partition(":")
            if head.isdigit():
                line, message = int(head), rest
        return None, Problem(str(path), None, "", message.strip(), line)


def _validate_snapshot(
    folder: Path, registries: Mapping[str, Registry], limits: _Limits | None = None
) -> Report:
    report = Report(inputs=[str(folder)])
    manifest_path = folder / MANIFEST
    manifest, problem = _read_json(manifest_path, folder)
    if problem:
        report.problems.append(problem)
        return report
    shape = manifest_problems(manifest)
    report.problems.extend(Problem(str(manifest_path), None, where, message) for where, message in shape)
    if not isinstance(manifest, dict):
        return report
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        report.problems.append(
            Problem(
                str(manifest_path),
                None,
                "$.files",
                "not a spacecraft-data manifest: no 'files' with checksums",
            )
        )
        return report
    for name, entry in sorted(files.items()):
        if not file_name_problem(name):  # a bad name is reported with the manifest's shape; never read
            report.problems.extend(_checksum_problems(folder, name, entry))
    tables = manifest.get("tables", {}) if isinstance(manifest.get("tables"), dict) else {}
    version: Any = manifest.get("api_version")  # whatever the manifest holds: its shape is reported above
    declared = registries[version if version in registries else DEFAULT_API_VERSION]
    for endpoint, table in _snapshot_tables(declared):
        _validate_table(folder, endpoint, table, tables, declared, limits, report)
    return report


def _checksum_problems(folder: Path, name: str, entry: Any) -> list[Problem]:
    """The problem of the file ``name`` the manifest lists with ``entry``: out of the folder, missing, or
    not of its checksum (none when it matches)."""
    path = folder / name
    if os.path.lexists(path) and inside(folder, name) is None:
        return [
            Problem(
                str(path),
                None,
                "",
                f"listed in {MANIFEST}, but a symlink that leads out of the snapshot folder: not read",
            )
        ]
    if not os.path.lexists(path):
        return [Problem(str(path), None, "", f"missing, but listed in {MANIFEST}")]
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    try:
        actual = sha256_bytes(read_file_bytes(path, name))
    except SnapshotError as exc:
        return [Problem(str(path), None, "", str(exc)[len(str(path)) + 2 :])]
    if actual != expected:
        return [
            Problem(
                str(path),
                None,
                "",
                f"sha256 {actual} differs from {MANIFEST} ({expected}): the file changed "
                "after the snapshot was built",
            )
        ]
    return []


def _validate_table(
    folder: Path,
    endpoint: Endpoint,
    table: str,
    tables: dict[str, Any],
    registry: Registry,
    limits: _Limits | None,
    report: Report,
) -> None:
    """Add to ``report`` the problems of a snapshot's ``table`` file: unreadable, not an array, a row count
    other than the manifest's ``tables`` says, and each record's against the table's schema."""
    path = folder / table_file(table)
    if not os.path.lexists(path):
        if endpoint.storage.primary and table == endpoint.storage.table:
            report.problems.append(
                Problem(str(path), None, "", f"missing: every snapshot holds the {table} table")
            )
        return
    rows, problem = _read_json(path, folder)
    if problem:
        if problem not in report.problems:
            report.problems.append(problem)
        return
    if not isinstance(rows, list):
        report.problems.append(
            Problem(str(path), None, "$", f"expected a JSON array of records, found {type(rows).__name__}")
        )
        return
    if not endpoint.validation.schemas:  # a declaration with no schema: nothing to check its records against
        report.note_schemas(str(path), [], f"snapshot table {table}, whose endpoint declares no schema")
        return
    declared = tables.get(table, {}).get("rows") if isinstance(tables.get(table), dict) else None
    if declared is not None and declared != len(rows):
        report.problems.append(
            Problem(str(path), None, "", f"holds {len(rows)} records; {MANIFEST} says {declared}")
        )
    inner = check_records(
        rows,
        str(path),
        registry,
        endpoint,
        schema_name=table_schema_name(endpoint, table),
        chosen_by=f"snapshot table {table}",
        **_caps(limits),
    )
    report.problems.extend(inner.problems)
    report.records_checked += inner.records_checked
    for source, (names, chosen_by) in inner.schemas.items():
        report.note_schemas(source, names, chosen_by)


def _snapshot_tables(registry: Registry) -> list[tuple[Endpoint, str]]:
    """Every table a snapshot may hold and its endpoint: each endpoint's own, then the tables of modes kept
    apart."""
    declared = list(registry)
    return [(e, e.storage.table) for e in declared] + [
        (e, t) for e in declared for t in e.modes.tables.values()
    ]


def _snapshot_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}") if is_snapshot_version(p.parent.name))


def _validate_path(
    path: Path,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: _Limits | None = None,
) -> Report:
    if path.is_dir():
        if os.path.lexists(
            path / MANIFEST
        ):  # whatever it is (a FIFO, a folder), it is the snapshot's to report
            return _validate_snapshot(path, registries, limits)
        folders = _snapshot_folders(path)
        if not folders:
            return Report(
                [
                    Problem(
                        str(path),
                        None,
                        "",
                        f"a folder, but neither a snapshot (no {MANIFEST}) nor a folder of snapshots",
                    )
                ],
                0,
                [str(path)],
            )
        report = Report()
        for folder in folders:
            report.extend(_validate_snapshot(folder, registries, limits))
        return report
    if not path.exists():
        return Report([Problem(str(path), None, "", "no such file or folder")], 0, [str(path)])
    return _validate_file(path, registries, schema_name, limits)


def validate_input(
    obj_or_path: Any,
    registries: Mapping[str, Registry],
    schema: str | None = None,
    max_problems: int | None = MAX_PROBLEMS,
    max_record_problems: int | None = MAX_RECORD_PROBLEMS,
) -> Report:
    """:func:`spacecraft_data.validation.validate` of one path or object, ``schema`` already known, with
    ``registries``: the :class:`~spacecraft_data.endpoints.Registry` of each declared API version, by
    version (an input is checked with the one its page or manifest names, else the default version's)."""
    limits = _Limits(max_problems, max_record_problems)
    from ..snapshot import Snapshot

    if obj_or_path is None:
        from ..locate import resolve  # the snapshot load() would use (user store, then bundled)

        return _validate_path(Path(str(resolve()[1])), registries, None, limits)
    if isinstance(obj_or_path, (str, Path)):
        return _validate_path(Path(obj_or_path), registries, schema, limits)
    if isinstance(obj_or_path, Snapshot):
        return _validate_path(Path(str(obj_or_path.path)), registries, None, limits)
    if isinstance(obj_or_path, Page):
        return _validate_page(obj_or_path, registries, schema, limits)
    if isinstance(obj_or_path, (dict, list)):
        ctx = _context(obj_or_path, "<object>", registries, schema_name=schema)
        return _validate_body(obj_or_path, "<object>", ctx, limits=limits)
    raise TypeError(
        f"validate() takes a path, a record, a list of records, a page body, a Page or a Snapshot; "
        f"got {type(obj_or_path).__name__}"
    )
