"""``import_pages``: publish a snapshot from pages saved elsewhere, copied into a run folder of their own."""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Callable

from ..build import DEFAULT_BASE_URL
from ..pages import read_page
from ..store import write_atomic
from .options import MODES, SOURCES, HarvestError, Validator, _stderr, _utcnow, default_validator
from .publish import label_root, publish_sources
from .runs import _fresh_dir


def import_pages(
    files: list[Path],
    output: Path = Path("data/snapshots"),
    raw_dir: Path = Path("data/raw/imports"),
    changelog: Path | None = Path("DATA_CHANGES.md"),
    api_version: str = "2.3.0",
    base_url: str = DEFAULT_BASE_URL,
    endpoint: str | None = None,
    validate: Validator | None = None,
    now: Callable[[], _dt.datetime] = _utcnow,
    progress: Callable[[str], None] = _stderr,
) -> Path:
    """Publish a snapshot from saved pages (browsable text or JSON), like the seeds.

    Each page is copied byte for byte into a new folder under ``raw_dir`` with a
    ``sources.json``, so the snapshot can be rebuilt from ``data/raw`` like any other.
    A page's endpoint comes from its ``GET`` line, else from ``endpoint``
    (default ``spacecraft``); its mode from the ``mode`` parameter, else from its
    records' ``response_mode``. On failure nothing is published and the copies are removed.
    """
    import shutil

    from ..build import ENDPOINT_TABLES

    validate = validate or default_validator()
    prefix = f"/{api_version}/"
    run_dir = _fresh_dir(Path(raw_dir), f"{now().strftime('%Y%m%dT%H%M%SZ')}_import")
    entries = []
    try:
        for n, file in enumerate(map(Path, files)):
            page = read_page(file)
            request = page.request
            name = endpoint
            if request is not None and request.path.startswith(prefix):
                name = request.path[len(prefix):].strip("/")
            name = name or "spacecraft"
            if name not in ENDPOINT_TABLES:
                raise HarvestError(f"{file}: endpoint {name!r} is not one a snapshot holds "
                                   f"(known: {', '.join(sorted(ENDPOINT_TABLES))})")
            records = page.records()
            mode = dict(request.params).get("mode") if request is not None else None
            mode = mode or next((r.get("response_mode") for r in records if isinstance(r, dict)
                                 and r.get("response_mode") in MODES), "normal")
            copy = run_dir / f"{n:03d}_{file.name}"
            write_atomic(copy, file.read_bytes())
            entries.append({
                "file": copy.name,
                "kind": "page",  # read_page takes envelopes, bare arrays and single records alike
                "endpoint": name,
                "mode": mode,
                "request_url": request.url(base_url) if request is not None else None,
                "captured": None,
                "received": now().date().isoformat(),
                "complete": False,
                "origin": f"imported by spacecraft-data import-pages from {file.name}",
            })
            progress(f"{file}: {len(records)} {name} record(s), mode {mode}")
        spec = {"comment": "Written by spacecraft-data import-pages; scripts/build_snapshot.py rebuilds the "
                           "snapshot from it.",
                "api_version": api_version, "base_url": base_url, "sources": entries, "notes": []}
        return publish_sources(run_dir, spec, Path(output), validate, changelog, now().date(),
                               label_root(run_dir), progress)
    except BaseException:
        if not (run_dir / SOURCES).is_file():
            shutil.rmtree(run_dir, ignore_errors=True)  # only copies; the user's files are untouched
        raise
