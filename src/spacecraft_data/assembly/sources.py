"""What a snapshot is built from: the raw input files (``Source``), their provenance list ``sources.json``
(``read_sources``) and the build's settings (``SnapshotInputs``).

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..endpoints import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from ..errors import BuildError
from ..pages import Page, read_page

Record = dict[str, Any]


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
            from ..strictjson import StrictJSONError, decode, loads

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
