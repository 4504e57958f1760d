"""Turn raw inputs (saved pages, JSON arrays) into a versioned snapshot folder.

The build is a pure function of its inputs: the same raw files give the same
bytes, so a rebuild can be checked byte for byte. Records are kept exactly as
the API returned them; the build only sorts them by id, de-duplicates them and
refuses inputs that disagree.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence
from urllib.parse import urlsplit

from .endpoints import DEFAULT_BASE_URL
from .embedded import EMBEDDED_KIND, Embedded, read_embedded
from .errors import BuildError, PageError
from .ids import id_problems
from .pages import Page, read_page
from .store import MANIFEST, TABLE_FILES, dump_json, publish, sha256_bytes, sha256_file

__all__ = [
    "Source", "SnapshotInputs", "read_sources", "assemble", "build_snapshot", "DEFAULT_BASE_URL", "DETAILED_FILE",
]

ENDPOINT_TABLES = {
    "spacecraft": "spacecraft",
    "spacecraft_configurations": "spacecraft_configurations",
    "spacecraft_statuses": "spacecraft_statuses",
    "config/spacecraft_statuses": "spacecraft_statuses",
}

Record = dict[str, Any]
Problems = list[str]
#: where a snapshot holding both modes keeps its detailed spacecraft records (spacecraft.json keeps the normal ones)
DETAILED_FILE = "spacecraft_detailed.json"


@dataclass
class Source:
    """One raw input file and what is known of where it came from."""

    file: Path
    endpoint: str
    # "page": browsable text or JSON page; "array": bare JSON array of records; "embedded": any response
    # embedding spacecraft records (a space station's docked vehicles, a launch's spacecraft_stage; see embedded.py)
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
                raise BuildError(f"{self.file}: expected a JSON array of records, found {type(body).__name__}")
            return body, None, self.request_url
        page: Page = read_page(self.file)
        if page.status != 200:
            raise BuildError(f"{self.file}: page answered HTTP {page.status} {page.reason}; only 200 pages hold records")
        url = self.request_url or (page.request.url(base_url) if page.request else None)
        count = page.body.get("count") if page.is_list else None
        return page.records(), count, url


@dataclass
class SnapshotInputs:
    """Everything a snapshot is built from."""

    sources: list[Source]
    api_version: str = "2.3.0"
    base_url: str = DEFAULT_BASE_URL
    snapshot_version: str | None = None
    notes: list[str] = field(default_factory=list)
    #: lists whose count or ids still disagreed after re-fetching (recorded by a harvest, never hidden)
    discrepancy: list[dict[str, Any]] | None = None


def read_sources(raw_root: Path, sources_file: Path | None = None, repo_root: Path | None = None) -> SnapshotInputs:
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
        sources.append(Source(
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
        ))
    return SnapshotInputs(
        sources=sources,
        api_version=spec.get("api_version", "2.3.0"),
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


def _merge(table: str, into: dict[int, Record], records: Sequence[Any], where: str,
           origin: dict[int, str]) -> None:
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
                f"{where}: {table} record id {record['id']} differs from the copy read from {origin[record['id']]}; "
                "refusing to guess which is right"
            )
        into[record["id"]] = record
        origin.setdefault(record["id"], where)


def _read_embedded_source(source: Source, table: str, api_version: str
                          ) -> tuple[Source, list[Embedded], dict[str, Any]]:
    """The records a response of another endpoint embeds, and the manifest entry that says where each was."""
    if table != "spacecraft":
        raise BuildError(f"{source.file}: an {EMBEDDED_KIND!r} source yields spacecraft records; its endpoint must be "
                         f"'spacecraft', not {source.endpoint!r}")
    try:
        found = read_embedded(source.file)
    except PageError as exc:
        raise BuildError(str(exc)) from None
    request_path = urlsplit(source.request_url).path if source.request_url else None
    entry: dict[str, Any] = {
        "file": source.label or source.file.name,
        "sha256": sha256_file(source.file),
        "endpoint": f"/{api_version}/{source.endpoint}/",
        "kind": EMBEDDED_KIND,
        "embedded_in": request_path,
        "mode": "normal",
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


def _merge_embedded(into: dict[int, Record], embedded: list[tuple[Source, list[Embedded], dict[str, Any]]],
                    held_from: dict[int, str], notes: list[str]) -> None:
    """Add embedded records to the spacecraft table: direct sources win, then the newest capture.

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
                notes.append(f"spacecraft {item.id}: {held_from[item.id]} holds it, so {same} embedded in {where} "
                             "was not used (the endpoint's own pages win)")
                unused.append(item.id)
            elif item.id in taken:
                other, captured, record = taken[item.id]
                if record == item.record:
                    notes.append(f"spacecraft {item.id}: embedded in both {other} and {where}, identical")
                elif captured == source.captured:
                    raise BuildError(f"{where}: spacecraft {item.id} differs from the copy embedded in {other}, "
                                     "captured the same day; refusing to guess which is right")
                else:
                    notes.append(f"spacecraft {item.id}: the copy embedded in {other} (captured {captured}) is "
                                 f"newer, so the one embedded in {where} was not used")
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

    ``validate(table, records)`` may return a list of problems; any problem stops
    the build with a :class:`BuildError` listing them.
    """
    if not any(ENDPOINT_TABLES.get(s.endpoint) == "spacecraft" for s in inputs.sources):
        raise BuildError("no spacecraft input: at least one source must hold /spacecraft/ records")
    tables: dict[str, dict[int, Record]] = {t: {} for t in TABLE_FILES}
    reported: set[int] = set()
    # Normal and detailed records of one id differ, so a harvest of both modes keeps them apart:
    # normal ones in spacecraft.json (the table queries serve), detailed ones in DETAILED_FILE.
    spacecraft_modes = {s.mode for s in inputs.sources if ENDPOINT_TABLES.get(s.endpoint) == "spacecraft"}
    split = "detailed" in spacecraft_modes and len(spacecraft_modes) > 1
    detailed_by_id: dict[int, Record] = {}
    reported_detailed: set[int] = set()
    manifest_sources = []
    complete_tables: set[str] = set()
    origins: dict[str, dict[int, str]] = {}  # table -> id -> the input it was first read from
    embedded: list[tuple[Source, list[Embedded], dict[str, Any]]] = []
    held_from: dict[int, str] = {}  # spacecraft id -> the direct source it was read from
    for source in inputs.sources:
        table = ENDPOINT_TABLES.get(source.endpoint)
        if table is None:
            raise BuildError(f"{source.file}: unknown endpoint {source.endpoint!r} (known: {sorted(ENDPOINT_TABLES)})")
        if source.kind == EMBEDDED_KIND:
            # Merged after every direct source: a record a page of the endpoint itself holds wins.
            embedded.append(_read_embedded_source(source, table, inputs.api_version))
            manifest_sources.append(embedded[-1][2])
            continue
        try:
            records, count, url = source.read(inputs.base_url)
        except PageError as exc:
            raise BuildError(str(exc)) from None
        to_detailed = split and table == "spacecraft" and source.mode == "detailed"
        key = "spacecraft_detailed" if to_detailed else table
        _merge(table, detailed_by_id if to_detailed else tables[table], records, str(source.file),
               origins.setdefault(key, {}))
        if table == "spacecraft" and count is not None:
            (reported_detailed if to_detailed else reported).add(count)
        if source.complete:
            complete_tables.add(table)
        entry: dict[str, Any] = {
            "file": source.label or source.file.name,
            "sha256": sha256_file(source.file),
            "endpoint": f"/{inputs.api_version}/{source.endpoint}/",
            "mode": source.mode,
            "request_url": url,
            "captured": source.captured,
            "received": source.received,
            "records": len(records),
            "count_reported": count,
        }
        if source.origin:
            entry["origin"] = source.origin
        if table == "spacecraft":
            entry["ids"] = sorted({r["id"] for r in records})
            for r in records:
                held_from.setdefault(r["id"], entry["file"])
        manifest_sources.append(entry)
    _merge_embedded(tables["spacecraft"], embedded, held_from, inputs.notes)

    spacecraft = [tables["spacecraft"][i] for i in sorted(tables["spacecraft"])]
    configurations = [tables["spacecraft_configurations"][i] for i in sorted(tables["spacecraft_configurations"])]
    statuses_from = "source"
    if not tables["spacecraft_statuses"]:
        # No status table was fetched: derive the statuses the records show, and say so.
        statuses_from = "records"
        for record in spacecraft:
            status = record.get("status")
            if isinstance(status, dict) and isinstance(status.get("id"), int):
                tables["spacecraft_statuses"].setdefault(status["id"], status)
    statuses = [tables["spacecraft_statuses"][i] for i in sorted(tables["spacecraft_statuses"])]

    if validate is not None:
        problems = validate("spacecraft", spacecraft) + validate("spacecraft_configurations", configurations)
        if split:
            problems += validate("spacecraft", [detailed_by_id[i] for i in sorted(detailed_by_id)])
        if problems:
            shown = "\n  ".join(problems[:20])
            more = f"\n  … and {len(problems) - 20} more" if len(problems) > 20 else ""
            raise BuildError(f"{len(problems)} schema problem(s); nothing was published:\n  {shown}{more}")

    if len(reported) > 1:
        inputs.notes.append(f"pages reported different counts: {sorted(reported)}")
    reported_count = max(reported) if reported else None
    config_modes = sorted({s.mode for s in inputs.sources if ENDPOINT_TABLES[s.endpoint] == "spacecraft_configurations"})
    files = {
        TABLE_FILES["spacecraft"]: dump_json(spacecraft),
        TABLE_FILES["spacecraft_configurations"]: dump_json(configurations),
        TABLE_FILES["spacecraft_statuses"]: dump_json(statuses),
    }
    if split:
        files[DETAILED_FILE] = dump_json([detailed_by_id[i] for i in sorted(detailed_by_id)])
    detailed_held = any(r.get("response_mode") == "detailed" for r in spacecraft)
    manifest = {
        "snapshot_version": inputs.snapshot_version or _default_version(inputs.sources),
        "api_version": inputs.api_version,
        "endpoint": f"/{inputs.api_version}/spacecraft/",
        "base_url": inputs.base_url,
        "attribution": "Data: The Space Devs, Launch Library 2 (https://thespacedevs.com). "
                       "Free to use; attribution encouraged; accuracy not guaranteed; images carry their own licences.",
        "records": {
            "held": len(spacecraft),
            "reported": reported_count,
            "complete": reported_count is not None and len(spacecraft) >= reported_count,
            **({"discrepancy": inputs.discrepancy} if inputs.discrepancy else {}),
        },
        "modes": {
            "normal": {"held": not detailed_held},
            "detailed": {
                "held": detailed_held,
                **({} if detailed_held else {"why": "only normal-mode list pages were captured; detailed records "
                                                    "(flights, full configuration and agency objects) need "
                                                    "'spacecraft-data harvest --mode detailed' on a networked machine"}),
            },
        },
        "tables": {
            "spacecraft": {"file": TABLE_FILES["spacecraft"], "rows": len(spacecraft),
                            "complete": reported_count is not None and len(spacecraft) >= reported_count},
            "spacecraft_configurations": {"file": TABLE_FILES["spacecraft_configurations"], "rows": len(configurations),
                                          "modes": config_modes,
                                          "complete": "spacecraft_configurations" in complete_tables},
            "spacecraft_statuses": {"file": TABLE_FILES["spacecraft_statuses"], "rows": len(statuses),
                                    "derived_from": statuses_from,
                                    "complete": "spacecraft_statuses" in complete_tables},
        },
        "sources": manifest_sources,
        "notes": list(inputs.notes),
        "files": {name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())},
    }
    if split:
        _describe_split(manifest, len(detailed_by_id), reported_detailed, inputs.notes)
    files[MANIFEST] = dump_json(manifest)
    return files


def _describe_split(manifest: dict[str, Any], held: int, reported: set[int], notes: list[str]) -> None:
    """Manifest entries of a snapshot holding both modes (normal in spacecraft.json, detailed in DETAILED_FILE)."""
    count = max(reported) if reported else None
    if len(reported) > 1:
        notes.append(f"detailed pages reported different counts: {sorted(reported)}")
        manifest["notes"] = list(notes)
    manifest["modes"]["detailed"] = {
        "held": True,
        "file": DETAILED_FILE,
        "why": f"detailed records are in {DETAILED_FILE}, matched by id to the normal ones in "
               f"{TABLE_FILES['spacecraft']}: mode=detailed and the detail route answer from it",
    }
    manifest["tables"]["spacecraft"]["modes"] = ["normal"]
    manifest["tables"]["spacecraft_detailed"] = {"file": DETAILED_FILE, "rows": held, "modes": ["detailed"],
                                                 "count_reported": count,
                                                 "complete": count is not None and held >= count}


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
    version = json.loads(files[MANIFEST])["snapshot_version"]
    return publish(files, Path(out_root) / inputs.api_version / version, replace=replace)
