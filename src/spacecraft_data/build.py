"""Turn raw inputs (saved pages, JSON arrays) into a versioned snapshot folder, byte for byte reproducibly.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Sequence
from urllib.parse import urlsplit

from .embedded import EMBEDDED_KIND, Embedded, read_embedded
from .endpoints import DEFAULT_API_VERSION, DEFAULT_BASE_URL, Endpoint, Registry, registry, table_file
from .errors import BuildError, PageError
from .ids import id_problems
from .pages import Page, read_page
from .store import MANIFEST, dump_json, publish, sha256_bytes, sha256_file

__all__ = [
    "Source",
    "SnapshotInputs",
    "read_sources",
    "assemble",
    "build_snapshot",
]

Record = dict[str, Any]
Problems = list[str]

log = logging.getLogger(__name__)


@dataclass
class Source:
    """One raw input file and what is known of where it came from."""

    file: Path
    endpoint: str
    # "page": browsable text or JSON page; "array": bare JSON array of records; "embedded": any response
    # embedding records of the primary endpoint (a space station's docked vehicles, a launch's
    # spacecraft_stage;
    # see embedded.py)
    kind: str = "page"
    mode: str = "normal"
    request_url: str | None = None
    captured: str | None = None
    received: str | None = None
    complete: bool = False
    origin: str | None = None
    label: str | None = None  # how the manifest names the file (repo-relative path)

    def read(self, base_url: str) -> tuple[list[Record], int | None, str | None]:
        """Return (records, count reported, request URL) from the raw file."""
        if self.kind == "array":
            from .strictjson import StrictJSONError, decode, loads

            try:
                body = loads(decode(self.file.read_bytes()))
            except StrictJSONError as exc:
                line = f":{exc.line}" if exc.line is not None else ""
                raise BuildError(f"{self.file}{line}: invalid JSON: {exc}") from None
            if not isinstance(body, list):
                raise BuildError(
                    f"{self.file}: expected a JSON array of records, found {type(body).__name__}"
                )
            return body, None, self.request_url
        page: Page = read_page(self.file)
        if page.status != 200:
            raise BuildError(
                f"{self.file}: page answered HTTP {page.status} {page.reason}; only 200 pages hold records"
            )
        url = self.request_url or (page.request.url(base_url) if page.request else None)
        count = page.body.get("count") if page.is_list else None
        return page.records(), count, url


@dataclass
class SnapshotInputs:
    """Everything a snapshot is built from."""

    sources: list[Source]
    api_version: str = DEFAULT_API_VERSION
    base_url: str = DEFAULT_BASE_URL
    snapshot_version: str | None = None
    notes: list[str] = field(default_factory=list)
    #: lists whose count or ids still disagreed after re-fetching (recorded by a harvest, never hidden)
    discrepancy: list[dict[str, Any]] | None = None


def read_sources(
    raw_root: Path, sources_file: Path | None = None, repo_root: Path | None = None
) -> SnapshotInputs:
    """Read ``sources.json`` (the provenance list of the raw inputs) under ``raw_root``."""
    sources_file = sources_file or raw_root / "sources.json"
    try:
        spec = json.loads(sources_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BuildError(f"{sources_file}: missing (the list of raw inputs)") from None
    except json.JSONDecodeError as exc:
        raise BuildError(f"{sources_file}:{exc.lineno}: invalid JSON: {exc.msg}") from None
    repo_root = repo_root or raw_root.parent.parent
    sources = []
    for i, entry in enumerate(spec.get("sources", [])):
        try:
            file = raw_root / entry["file"]
            endpoint = entry["endpoint"]
        except KeyError as exc:
            raise BuildError(f"{sources_file}: sources[{i}] lacks {exc.args[0]!r}") from None
        sources.append(
            Source(
                file=file,
                endpoint=endpoint,
                kind=entry.get("kind", "page"),
                mode=entry.get("mode", "normal"),
                request_url=entry.get("request_url"),
                captured=entry.get("captured"),
                received=entry.get("received"),
                complete=bool(entry.get("complete", False)),
                origin=entry.get("origin"),
                label=_relative(file, repo_root),
            )
        )
    return SnapshotInputs(
        sources=sources,
        api_version=spec.get("api_version", DEFAULT_API_VERSION),
        base_url=spec.get("base_url", DEFAULT_BASE_URL),
        # Written by a harvest so that a rebuild gives the same version, notes and discrepancy.
        snapshot_version=spec.get("snapshot_version"),
        notes=list(spec.get("notes", [])),
        discrepancy=spec.get("discrepancy"),
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _merge(
    table: str, into: dict[int, Record], records: Sequence[Any], where: str, origin: dict[int, str]
) -> None:
    """Add ``records`` (read from ``where``) to ``into``; ``origin`` remembers which input gave each id.

    One input listing an id twice is refused (a page never does; a repeat means the input is broken), and so
    is the same id with different contents in two inputs. The same record in two inputs (overlapping pages)
    is kept once.
    """
    problems = id_problems(records, "records")  # paths as records[n], whatever the input (page or array)
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise BuildError(f"{where}: {table} records: {path}: {message}{more}")
    for record in records:
        old = into.get(record["id"])
        if old is not None and old != record:
            raise BuildError(
                f"{where}: {table} record id {record['id']} differs from the copy read from "
                f"{origin[record['id']]}; refusing to guess which is right"
            )
        into[record["id"]] = record
        origin.setdefault(record["id"], where)


def _read_embedded_source(
    source: Source, endpoint: Endpoint, main: Endpoint, api_version: str
) -> tuple[Source, list[Embedded], dict[str, Any]]:
    """The records a response of another endpoint embeds, and the manifest entry that says where each was;
    ``main`` is the primary endpoint, whose records they are."""
    if endpoint is not main:
        raise BuildError(
            f"{source.file}: an {EMBEDDED_KIND!r} source yields {main.storage.table} records; its endpoint "
            f"must be {main.name!r}, not {source.endpoint!r}"
        )
    try:
        found = read_embedded(source.file, main)
    except PageError as exc:
        raise BuildError(str(exc)) from None
    request_path = urlsplit(source.request_url).path if source.request_url else None
    entry: dict[str, Any] = {
        "file": source.label or source.file.name,
        "sha256": sha256_file(source.file),
        "endpoint": f"/{api_version}/{source.endpoint}/",
        "kind": EMBEDDED_KIND,
        "embedded_in": request_path,
        "mode": main.modes.default,
        "request_url": source.request_url,
        "captured": source.captured,
        "received": source.received,
        "records": len(found),
        "count_reported": None,
        "ids": sorted(e.id for e in found),
        "paths": {str(e.id): e.path for e in sorted(found, key=lambda e: e.id)},
    }
    if source.origin:
        entry["origin"] = source.origin
    return source, found, entry


def _merge_embedded(
    table: str,
    into: dict[int, Record],
    embedded: list[tuple[Source, list[Embedded], dict[str, Any]]],
    held_from: dict[int, str],
    notes: list[str],
) -> None:
    """Add embedded records to the primary ``table``: direct sources win, then the newest capture.

    Every id that two sources hold is a note (the manifest and the build output say it);
    two embedded copies of one capture date that differ are refused, never guessed between.
    """
    # Newest capture first (undated last); the listing order breaks ties.
    order = sorted(range(len(embedded)), key=lambda i: (embedded[i][0].captured or "", -i), reverse=True)
    taken: dict[int, tuple[str, str | None, Record]] = {}  # id -> (file label, captured, record)
    for i in order:
        source, found, entry = embedded[i]
        label = entry["file"]
        unused = []
        for item in found:
            where = f"{label} at {item.path} (captured {source.captured or 'unknown'})"
            if item.id in held_from:
                same = "an identical copy" if into[item.id] == item.record else "a different copy"
                notes.append(
                    f"{table} {item.id}: {held_from[item.id]} holds it, so {same} embedded in {where} "
                    "was not used (the endpoint's own pages win)"
                )
                unused.append(item.id)
            elif item.id in taken:
                other, captured, record = taken[item.id]
                if record == item.record:
                    notes.append(f"{table} {item.id}: embedded in both {other} and {where}, identical")
                elif captured == source.captured:
                    raise BuildError(
                        f"{where}: {table} {item.id} differs from the copy embedded in {other}, "
                        "captured the same day; refusing to guess which is right"
                    )
                else:
                    notes.append(
                        f"{table} {item.id}: the copy embedded in {other} (captured {captured}) is "
                        f"newer, so the one embedded in {where} was not used"
                    )
                unused.append(item.id)
            else:
                taken[item.id] = (label, source.captured, item.record)
                into[item.id] = item.record
        if unused:
            entry["not_used"] = sorted(unused)


def _default_version(sources: Sequence[Source]) -> str:
    dates = [d for s in sources for d in (s.captured, s.received) if d]
    if not dates:
        raise BuildError("no source carries a capture or received date; pass a snapshot version explicitly")
    return _dt.date.fromisoformat(max(dates)[:10]).strftime("%Y.%m.%d")


def assemble(
    inputs: SnapshotInputs,
    validate: Callable[[str, list[Record]], Problems] | None = None,
) -> dict[str, bytes]:
    """Build the files of a snapshot (name -> bytes) from ``inputs`` without writing anything.

    Every table is an endpoint's of the registry (:mod:`spacecraft_data.endpoints`) for
    ``inputs.api_version``: a source names its endpoint, whose declaration says which
    table its records go to. ``validate(table, records)`` may return a list of problems;
    any problem stops the build with a :class:`BuildError` listing them. Steps: plan, read, merge, manifest.
    """
    # The build's one registry lookup: every step below reads the plan's.
    plan = _plan(inputs.sources, registry(inputs.api_version))
    reads = _read_step(inputs, plan)  # lazy: each source is read as the merge reaches it
    merged = _merge_step(reads, plan, inputs.notes)
    if validate is not None:
        _check_tables(validate, plan, merged.held)
    return _manifest_step(inputs, plan, merged)


@dataclass
class _Plan:
    """What a build settles before reading anything: the declaration each endpoint name of the sources
    gives (None: unknown) and where each declared endpoint's records go, by mode (its
    :meth:`~spacecraft_data.endpoints.ModePlan.split` of the modes its sources hold)."""

    registry: Registry
    endpoint_of: dict[str, Endpoint | None]
    split: dict[str, tuple[dict[str, str], list[str]]]  # endpoint name -> (mode -> table apart, own modes)

    def apart(self, endpoint: Endpoint) -> dict[str, str]:
        """The modes of ``endpoint`` kept in a table of their own: mode -> table."""
        return self.split[endpoint.name][0]

    def own(self, endpoint: Endpoint) -> list[str]:
        """The modes the endpoint's own table keeps, sorted."""
        return self.split[endpoint.name][1]

    def table(self, endpoint: Endpoint, mode: str) -> str:
        """The table a record of ``endpoint`` in ``mode`` goes to."""
        return self.apart(endpoint).get(mode, endpoint.storage.table)


def _plan(sources: Sequence[Source], declared: Registry) -> _Plan:
    """The build's :class:`_Plan` of ``sources``; refuses sources holding no record of the primary one."""
    main = declared.primary
    endpoint_of = {s.endpoint: declared.get(s.endpoint) for s in sources}
    if not any(endpoint_of[s.endpoint] is main for s in sources):
        raise BuildError(
            f"no {main.storage.table} input: at least one source must hold /{main.name}/ records"
        )
    split = {
        e.name: e.modes.split({s.mode for s in sources if endpoint_of[s.endpoint] is e}) for e in declared
    }
    return _Plan(declared, endpoint_of, split)


@dataclass
class _DirectRead:
    """A page or array source as read: its records, the count its page reported and its manifest entry."""

    source: Source
    endpoint: Endpoint
    records: list[Record]
    count: int | None
    entry: dict[str, Any]


_EmbeddedRead = tuple[Source, list[Embedded], dict[str, Any]]


def _read_step(inputs: SnapshotInputs, plan: _Plan) -> Iterator[_DirectRead | _EmbeddedRead]:
    """The read step: each source in input order, its records and manifest entry; refuses an unknown endpoint.

    A generator, so a bad input stops the build as soon as it is reached, after the merge of those before.
    """
    version, main = inputs.api_version, plan.registry.primary
    for source in inputs.sources:
        endpoint = plan.endpoint_of[source.endpoint]
        if endpoint is None:
            raise BuildError(
                f"{source.file}: unknown endpoint {source.endpoint!r} (known: {plan.registry.names})"
            )
        if source.kind == EMBEDDED_KIND:
            embedded = _read_embedded_source(source, endpoint, main, version)
            log.debug("read %s: %d records embedded", embedded[2]["file"], len(embedded[1]))
            yield embedded
        else:
            direct = _read_direct_source(source, endpoint, inputs.base_url, version)
            log.debug("read %s: %d %s records", direct.entry["file"], len(direct.records), source.mode)
            yield direct


def _read_direct_source(source: Source, endpoint: Endpoint, base_url: str, version: str) -> _DirectRead:
    """The records of a page or array source, and the manifest entry that says where they came from."""
    try:
        records, count, url = source.read(base_url)
    except PageError as exc:
        raise BuildError(str(exc)) from None
    entry: dict[str, Any] = {
        "file": source.label or source.file.name,
        "sha256": sha256_file(source.file),
        "endpoint": f"/{version}/{source.endpoint}/",
        "mode": source.mode,
        "request_url": url,
        "captured": source.captured,
        "received": source.received,
        "records": len(records),
        "count_reported": count,
    }
    if source.origin:
        entry["origin"] = source.origin
    return _DirectRead(source, endpoint, records, count, entry)


@dataclass
class _Merged:
    """The merge step's result: every table's rows by id, and what the inputs said about them."""

    rows: dict[str, dict[int, Record]]  # table -> id -> record
    reported: dict[str, set[int]]  # table -> the counts its pages reported
    complete_tables: set[str] = field(default_factory=set)  # tables a source says it holds in full
    sources: list[dict[str, Any]] = field(default_factory=list)  # each source's manifest entry, input order
    derived_from: dict[str, str] = field(default_factory=dict)  # filled table -> where its rows came from
    held: dict[str, list[Record]] = field(default_factory=dict)  # table -> its rows in id order, once merged


def _merge_step(reads: Iterable[_DirectRead | _EmbeddedRead], plan: _Plan, notes: list[str]) -> _Merged:
    """The merge step: the sources read, into their tables by ``plan``: direct sources first, then embedded
    records; then the tables filled from others (:func:`_fill`), and every table's rows in id order.

    Refuses an id given twice by one input or with different contents by two (see :func:`_merge`); notes
    what the embedded records add (see :func:`_merge_embedded`). A primary source's entry gains its ids.
    """
    main = plan.registry.primary
    rows: dict[str, dict[int, Record]] = {t: {} for t in plan.registry.files}
    merged = _Merged(rows=rows, reported={t: set() for t in rows})
    origins: dict[str, dict[int, str]] = {}  # table -> id -> the input it was first read from
    embedded: list[_EmbeddedRead] = []
    held_from: dict[int, str] = {}  # primary record id -> the direct source it was read from
    for read in reads:
        if isinstance(read, tuple):
            # Merged after every direct source: a record a page of the endpoint itself holds wins.
            embedded.append(read)
            merged.sources.append(read[2])
            continue
        source, endpoint, records = read.source, read.endpoint, read.records
        table = plan.table(endpoint, source.mode)
        _merge(endpoint.storage.table, rows[table], records, str(source.file), origins.setdefault(table, {}))
        if read.count is not None:
            merged.reported[table].add(read.count)
        if source.complete:
            merged.complete_tables.add(endpoint.storage.table)
        if endpoint.storage.primary:
            read.entry["ids"] = sorted({r["id"] for r in records})
            for r in records:
                held_from.setdefault(r["id"], read.entry["file"])
        merged.sources.append(read.entry)
    _merge_embedded(main.storage.table, rows[main.storage.table], embedded, held_from, notes)
    merged.derived_from = _fill(plan.registry, rows)
    merged.held = {table: [by_id[i] for i in sorted(by_id)] for table, by_id in rows.items()}
    return merged


def _check_tables(
    validate: Callable[[str, list[Record]], Problems], plan: _Plan, held: dict[str, list[Record]]
) -> None:
    """Raise a :class:`BuildError` listing (the first 20 of) the problems ``validate`` finds in the tables."""
    # Endpoints without modes (statuses: an id and a name) are not schema-checked here, as they never were.
    checked = [e for e in plan.registry if e.modes.names]
    problems = [p for e in checked for p in validate(e.storage.table, held[e.storage.table])]
    problems += [
        p for e in checked for table in plan.apart(e).values() for p in validate(e.storage.table, held[table])
    ]
    if problems:
        shown = "\n  ".join(problems[:20])
        more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
        raise BuildError(f"{len(problems)} schema problem(s); nothing was published:\n  {shown}{more}")


def _manifest_step(inputs: SnapshotInputs, plan: _Plan, merged: _Merged) -> dict[str, bytes]:
    """The manifest step: every table's file (name -> bytes) and the manifest describing them all.

    Notes pages that reported different counts in ``inputs.notes``, which the manifest then lists.
    """
    declared, held = plan.registry, merged.held
    main = declared.primary
    counts = merged.reported[main.storage.table]
    if len(counts) > 1:
        inputs.notes.append(f"pages reported different counts: {sorted(counts)}")
    reported_count = max(counts) if counts else None
    complete = reported_count is not None and len(held[main.storage.table]) >= reported_count
    own_tables = [e.storage.table for e in declared]
    files = {table_file(t): dump_json(held[t]) for t in own_tables}
    tables = {e.storage.table: _table_entry(e, plan, merged, complete) for e in declared}
    modes = _held_modes(main, held[main.storage.table])
    for e in declared:
        for mode, table in plan.apart(e).items():
            files[table_file(table)] = dump_json(held[table])
            tables[table] = _mode_table_entry(mode, table, held[table], merged.reported[table], inputs.notes)
            if e.storage.primary:
                modes[mode] = _mode_held_apart(e, mode, table, plan.own(e))
    records = {"held": len(held[main.storage.table]), "reported": reported_count, "complete": complete}
    manifest = _manifest(inputs, main, records, modes, tables, merged.sources, files)
    files[MANIFEST] = dump_json(manifest)
    return files


def _table_entry(e: Endpoint, plan: _Plan, merged: _Merged, complete: bool) -> dict[str, Any]:
    """The manifest's entry of an endpoint's own table; ``complete`` is the primary table's completeness."""
    table = e.storage.table
    entry: dict[str, Any] = {"file": table_file(table), "rows": len(merged.held[table])}
    if e.storage.primary:
        entry["complete"] = complete
        if plan.apart(e):
            entry["modes"] = plan.own(e)
    else:
        if e.modes.names:
            entry["modes"] = plan.own(e)
        if table in merged.derived_from:
            entry["derived_from"] = merged.derived_from[table]
        entry["complete"] = table in merged.complete_tables
    return entry


def _mode_table_entry(
    mode: str, table: str, records: list[Record], reported: set[int], notes: list[str]
) -> dict[str, Any]:
    """The manifest's entry of a table holding one ``mode`` apart; notes pages reporting different counts."""
    count = max(reported) if reported else None
    if len(reported) > 1:
        notes.append(f"{mode} pages reported different counts: {sorted(reported)}")
    return {
        "file": table_file(table),
        "rows": len(records),
        "modes": [mode],
        "count_reported": count,
        "complete": count is not None and len(records) >= count,
    }


def _mode_held_apart(e: Endpoint, mode: str, table: str, own_modes: list[str]) -> dict[str, Any]:
    """The manifest's ``modes`` entry of a primary mode held in ``table``, apart from the endpoint's own."""
    answers = f"mode={mode} and the detail route answer" if mode == e.modes.detail else f"mode={mode} answers"
    return {
        "held": True,
        "file": table_file(table),
        "why": f"{mode} records are in {table_file(table)}, matched by id to the "
        f"{'/'.join(own_modes)} ones in {table_file(e.storage.table)}: {answers} from it",
    }


def _manifest(
    inputs: SnapshotInputs,
    main: Endpoint,
    records: dict[str, Any],
    modes: dict[str, dict[str, Any]],
    tables: dict[str, dict[str, Any]],
    sources: list[dict[str, Any]],
    files: dict[str, bytes],
) -> dict[str, Any]:
    """The snapshot's manifest: its version, origin, record counts, modes, tables, sources, notes and files.

    The version is ``inputs.snapshot_version``, else the day of the newest capture (:func:`_default_version`).
    """
    return {
        "snapshot_version": inputs.snapshot_version or _default_version(inputs.sources),
        "api_version": inputs.api_version,
        "endpoint": main.routing.list_path(inputs.api_version),
        "base_url": inputs.base_url,
        "attribution": "Data: The Space Devs, Launch Library 2 (https://thespacedevs.com). "
        "Free to use; attribution encouraged; accuracy not guaranteed; images carry their own licences.",
        "records": {**records, **({"discrepancy": inputs.discrepancy} if inputs.discrepancy else {})},
        "modes": modes,
        "tables": tables,
        "sources": sources,
        "notes": list(inputs.notes),
        "files": {
            name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())
        },
    }


def _fill(declared: Registry, rows: dict[str, dict[int, Record]]) -> dict[str, str]:
    """Fill each table declared ``filled_from`` that no source gave from the objects another table's records
    hold.

    Returns table -> where its rows came from (``source`` or ``records``), which the manifest says.
    """
    derived_from = {}
    for e in declared:
        table, filled_from = e.storage.table, e.storage.filled_from
        if filled_from is None:
            continue
        derived_from[table] = "source"
        if not rows[table]:
            derived_from[table] = "records"
            other, key = filled_from
            for record_id in sorted(rows[other]):
                obj = rows[other][record_id].get(key)
                if isinstance(obj, dict) and isinstance(obj.get("id"), int):
                    rows[table].setdefault(obj["id"], obj)
    return derived_from


def _held_modes(main: Endpoint, records: list[Record]) -> dict[str, dict[str, Any]]:
    """The manifest's ``modes``: which modes of the primary endpoint its table holds, and why one is missing.

    The table holds its default mode unless a record says it is in another. A mode neither held nor
    derivable from the held one (a :class:`~spacecraft_data.endpoints.Projection`) says what it would take.
    """
    plan = main.modes
    held = next(
        (m for m in plan.names if m != plan.default and any(r.get("response_mode") == m for r in records)),
        plan.default,
    )
    modes: dict[str, dict[str, Any]] = {}
    for mode in plan.names:
        modes[mode] = {"held": mode == held}
        if mode != held and mode not in plan.derived:
            contents = plan.contents.get(mode)
            modes[mode]["why"] = (
                f"only {held}-mode list pages were captured; {mode} records"
                + (f" ({contents})" if contents else "")
                + f" need 'spacecraft-data harvest --mode {mode}' on a networked machine"
            )
    return modes


def build_snapshot(
    inputs: SnapshotInputs,
    out_root: Path,
    replace: bool = False,
    validate: Callable[[str, list[Record]], Problems] | None = None,
) -> Path:
    """Assemble a snapshot from ``inputs`` and publish it atomically under ``out_root``.

    Returns the snapshot folder ``out_root/<api version>/<snapshot version>``.
    """
    files = assemble(inputs, validate=validate)
    manifest = json.loads(files[MANIFEST])
    target = publish(
        files, Path(out_root) / inputs.api_version / manifest["snapshot_version"], replace=replace
    )
    for table in manifest["tables"].values():
        log.info("wrote %s (%d rows)", target / table["file"], table["rows"])
    log.info("wrote %s (%d files)", target, len(files))
    return target
