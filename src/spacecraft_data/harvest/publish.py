"""Publishing a run folder: its ``sources.json``, the next snapshot version, validation and the changelog."""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from pathlib import Path
from typing import Any, Iterable

from ..build import assemble, read_sources
from ..endpoints import DEFAULT_API_VERSION
from ..errors import SpacecraftDataError
from ..store import MANIFEST, latest_snapshot_dir, publish, snapshot_versions, write_atomic
from .options import IN_PROGRESS, SOURCES, HarvestOptions, Validator, check_changelog
from .runs import SavedPage

log = logging.getLogger(__name__)


def next_version(output: Path, api_version: str, day: _dt.date) -> str:
    """The snapshot version for ``day``: ``YYYY.MM.DD``, or ``.1``, ``.2``… if taken."""
    base = day.strftime("%Y.%m.%d")
    taken = set(snapshot_versions(Path(output), api_version))
    if base not in taken:
        return base
    n = 1
    while f"{base}.{n}" in taken:
        n += 1
    return f"{base}.{n}"


def label_root(run_dir: Path) -> Path:
    """The folder the manifest's file labels are relative to, for the run folder ``run_dir``.

    The folder above ``data/raw`` when the run lies inside one (the repository root, as
    ``scripts/build_snapshot.py`` uses, wherever the command runs from); else the run
    folder's parent. Publishing and rebuilding both call it with the run folder, so labels agree.
    """
    resolved = run_dir.resolve()
    for folder in (resolved, *resolved.parents):
        if folder.name == "raw" and folder.parent.name == "data":
            return folder.parent.parent
    return resolved.parent


def publish_sources(
    run_dir: Path,
    spec: dict[str, Any],
    output: Path,
    validate: Validator,
    changelog: Path | None,
    today: _dt.date,
    label_root: Path,
) -> Path:
    """Validate, publish and record the snapshot described by ``spec`` (a ``sources.json`` for ``run_dir``).

    The snapshot is assembled through :func:`~spacecraft_data.build.read_sources`, exactly
    as ``scripts/build_snapshot.py`` will rebuild it. ``sources.json`` is written only
    once the snapshot validates; the ``IN_PROGRESS`` marker is removed once it is published.
    Returns the snapshot folder.
    """
    check_changelog(None if changelog is None else Path(changelog))  # before anything is published
    output = Path(output)
    api_version = spec.get("api_version", DEFAULT_API_VERSION)
    spec = {**spec, "snapshot_version": next_version(output, api_version, today)}
    pending = run_dir / f".{SOURCES}.pending"
    write_atomic(pending, (json.dumps(spec, indent=2, ensure_ascii=False) + "\n").encode("utf-8"))
    try:
        inputs = read_sources(run_dir, sources_file=pending, repo_root=label_root)
        files = assemble(inputs, validate=validate)
    except SpacecraftDataError:
        pending.unlink(missing_ok=True)
        raise
    try:
        previous: Path | None = Path(str(latest_snapshot_dir(output, api_version)))
    except SpacecraftDataError:
        previous = None
    target = output / api_version / spec["snapshot_version"]
    os.replace(pending, run_dir / SOURCES)
    try:
        publish(files, target)
    except BaseException:
        os.replace(run_dir / SOURCES, pending)
        raise
    (run_dir / IN_PROGRESS).unlink(missing_ok=True)
    log.info(f"published {target} ({json.loads(files[MANIFEST])['records']['held']} records)")
    if changelog is not None:
        from ..changelog import append_entry

        append_entry(Path(changelog), target, previous)
        log.info(f"appended the summary to {changelog}")
    return target


def sources_spec(
    options: HarvestOptions,
    pages: Iterable[tuple[str, str | None, SavedPage, bool]],
    notes: list[str],
    discrepancies: list[dict[str, Any]],
) -> dict[str, Any]:
    """The ``sources.json`` of a harvest's run folder: one entry per saved page (endpoint, mode, page,
    complete)."""
    sources = []
    for endpoint, mode, page, complete in pages:
        sources.append(
            {
                "file": page.file.name,
                "kind": "page",
                "endpoint": endpoint,
                "mode": mode or "normal",
                "request_url": page.url,
                "captured": page.fetched,
                "received": None,
                "complete": complete,
                "origin": f"spacecraft-data harvest of {options.base_url}",
            }
        )
    spec: dict[str, Any] = {
        "comment": "Written by spacecraft-data harvest when this run was published; "
        "scripts/build_snapshot.py rebuilds the snapshot from it.",
        "api_version": options.api_version,
        "base_url": options.base_url,
        "sources": sources,
        "notes": notes,
    }
    if discrepancies:
        spec["discrepancy"] = discrepancies
    return spec
