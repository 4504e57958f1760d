"""Spacecraft records that other LL2 responses embed, found by shape and brought to normal mode.

LL2 nests whole spacecraft records inside other endpoints' answers: a space
station's ``docking_location[].currently_docked.flight_vehicle_chaser.spacecraft``,
a launch's ``rocket.spacecraft_stage[].spacecraft``, a docking event's
``flight_vehicle_chaser.spacecraft``. The OpenAPI document types them as
``SpacecraftDetailed``: the top level of ``SpacecraftNormal`` (16 keys, in order)
with the configuration in detailed mode. A ``/spacecraft/`` detail answer
(``SpacecraftEndpointDetailed``) has the same keys plus ``flights``.

The walk is generic: any object with every ``SpacecraftNormal`` key, a
``/spacecraft/<id>/`` URL and an object under ``spacecraft_config`` is taken for a
spacecraft record, wherever it is, and is not searched further. Its normal-mode
form is :data:`~spacecraft_data.endpoints.v2_3_0.SPACECRAFT_NORMAL` applied to it: the
same keys, the configuration projected by ``CONFIGURATION_NORMAL``, which rebuilds
the 20 seed records' nested configurations exactly (``tests/test_embedded.py``).
The stored values are never changed, only narrowed; a build then validates each
record against the normal schema like any other.

Each record keeps its provenance: the file and the JSON path it was found at.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from .endpoints.v2_3_0 import SPACECRAFT_NORMAL
from .errors import BuildError, SnapshotError
from .pages import read_page

__all__ = ["EMBEDDED_KIND", "MAX_DEPTH", "Embedded", "looks_like_spacecraft", "find_embedded", "read_embedded",
           "import_embedded"]

#: the ``kind`` of a ``sources.json`` entry whose file embeds spacecraft records
EMBEDDED_KIND = "embedded"
#: deepest nesting walked; LL2 responses nest about ten levels, so deeper input is refused, not followed
MAX_DEPTH = 200

_SPACECRAFT_URL = re.compile(r"/spacecraft/(\d+)/")
_KEYS = frozenset(SPACECRAFT_NORMAL.keys)


@dataclass(frozen=True)
class Embedded:
    """One spacecraft record found in a response: its normal-mode form and every JSON path it was found at."""

    record: dict[str, Any]
    paths: tuple[str, ...]

    @property
    def id(self) -> int:
        """The record's id."""
        return int(self.record["id"])

    @property
    def path(self) -> str:
        """The first JSON path (document order) the record was found at."""
        return self.paths[0]


def looks_like_spacecraft(obj: Any) -> bool:
    """True when ``obj`` has the shape of a spacecraft record (every ``SpacecraftNormal`` key, its own URL)."""
    if not isinstance(obj, dict) or not _KEYS <= obj.keys():
        return False
    url, record_id = obj.get("url"), obj.get("id")
    match = _SPACECRAFT_URL.search(url) if isinstance(url, str) else None
    return (isinstance(record_id, int) and not isinstance(record_id, bool) and match is not None
            and int(match.group(1)) == record_id and isinstance(obj.get("spacecraft_config"), dict))


def find_embedded(body: Any, where: str = "<response>") -> list[Embedded]:
    """Every spacecraft record in ``body`` (parsed JSON), in normal mode, in document order, one per id.

    The same id found twice must be the same record once projected: two different
    copies are a :class:`BuildError` naming both paths (never a guess). A record of
    the right shape that lacks a nested field is an error naming its JSON path.
    """
    found: dict[int, tuple[dict[str, Any], list[str]]] = {}
    # An explicit stack, not recursion: a hostile file cannot exhaust the interpreter's stack.
    stack: list[tuple[str, Any, int]] = [("$", body, 0)]
    while stack:
        path, obj, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BuildError(f"{where}: {path}: nested deeper than {MAX_DEPTH} levels; not an LL2 response")
        if looks_like_spacecraft(obj):
            try:
                record = SPACECRAFT_NORMAL.apply(obj, path)
            except SnapshotError as exc:
                raise BuildError(f"{where}: {exc}") from None
            held = found.get(record["id"])
            if held is None:
                found[record["id"]] = (record, [path])
            elif held[0] != record:
                raise BuildError(f"{where}: spacecraft {record['id']} at {path} differs from the copy at "
                                 f"{held[1][0]}; refusing to guess which is right")
            else:
                held[1].append(path)
            continue
        # Children are pushed in reverse so that they are visited in document order.
        if isinstance(obj, dict):
            stack.extend((f"{path}.{key}", value, depth + 1) for key, value in reversed(list(obj.items())))
        elif isinstance(obj, list):
            stack.extend((f"{path}[{i}]", value, depth + 1) for i, value in reversed(list(enumerate(obj))))
    return [Embedded(record, tuple(paths)) for record, paths in found.values()]


def read_embedded(file: Path) -> list[Embedded]:
    """The spacecraft records embedded in a saved response (a JSON body or a browsable-API page)."""
    try:
        page = read_page(file)  # a PageError (unreadable, not JSON) keeps its own class and exit code
    except RecursionError:
        raise BuildError(f"{file}: JSON nested too deeply to parse; not an LL2 response") from None
    if page.status != 200:
        raise BuildError(f"{file}: page answered HTTP {page.status} {page.reason}; only 200 pages hold records")
    return find_embedded(page.body, str(file))


def import_embedded(
    files: list[Path],
    output: Path,
    raw_dir: Path,
    changelog: Path | None,
    captured: str | None = None,
    request_url: str | None = None,
    api_version: str = "2.3.0",
    base_url: str | None = None,
    validate: Callable[[str, list[dict[str, Any]]], list[str]] | None = None,
    now: Callable[[], _dt.datetime] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Path:
    """Publish a snapshot of the spacecraft records embedded in saved responses of other endpoints.

    Each file is copied byte for byte into a new run folder under ``raw_dir`` with a
    ``sources.json`` whose entries have kind :data:`EMBEDDED_KIND`, so
    ``scripts/build_snapshot.py`` rebuilds the snapshot. ``captured`` (YYYY-MM-DD) is
    the date the responses were saved, when known; ``request_url`` the request of a
    response that does not record it (a browsable page's ``GET`` line wins). A file
    embedding no spacecraft record is an error: nothing is published, the copies are removed.
    """
    import shutil

    from .build import DEFAULT_BASE_URL
    from .harvest.options import SOURCES, _stderr, _utcnow, default_validator
    from .harvest.publish import label_root, publish_sources
    from .harvest.runs import _fresh_dir
    from .store import write_atomic

    now = now or _utcnow
    progress = progress or _stderr
    base_url = base_url or DEFAULT_BASE_URL
    if captured is not None:
        try:
            captured = _dt.date.fromisoformat(captured).isoformat()
        except ValueError:
            raise BuildError(f"--captured {captured!r}: not a date (YYYY-MM-DD)") from None
    run_dir = _fresh_dir(Path(raw_dir), f"{now().strftime('%Y%m%dT%H%M%SZ')}_embedded")
    entries = []
    try:
        for n, file in enumerate(map(Path, files)):
            found = read_embedded(file)
            if not found:
                raise BuildError(f"{file}: no spacecraft record is embedded in it (nothing has every "
                                 "SpacecraftNormal field and a /spacecraft/<id>/ url)")
            page = read_page(file)
            url = page.request.url(base_url) if page.request is not None else request_url
            copy = run_dir / f"{n:03d}_{file.name}"
            write_atomic(copy, file.read_bytes())
            entries.append({
                "file": copy.name, "kind": EMBEDDED_KIND, "endpoint": "spacecraft", "mode": "normal",
                "request_url": url, "captured": captured, "received": now().date().isoformat(), "complete": False,
                "origin": f"imported by spacecraft-data import-embedded from {file.name}",
            })
            progress(f"{file}: {len(found)} embedded spacecraft record(s): "
                     + ", ".join(str(e.id) for e in sorted(found, key=lambda e: e.id)))
        spec = {"comment": "Written by spacecraft-data import-embedded; scripts/build_snapshot.py rebuilds the "
                           "snapshot from it.",
                "api_version": api_version, "base_url": base_url, "sources": entries, "notes": []}
        return publish_sources(run_dir, spec, Path(output), validate or default_validator(), changelog,
                               now().date(), label_root(run_dir), progress)
    except BaseException:
        if not (run_dir / SOURCES).is_file():
            shutil.rmtree(run_dir, ignore_errors=True)  # only copies; the user's files are untouched
        raise
