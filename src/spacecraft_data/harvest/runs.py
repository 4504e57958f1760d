"""Run folders of raw pages: where a run's pages are saved, reading them back, and resuming a run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..errors import PageError
from ..pages import read_page
from ..query.pagination import MAX_LIMIT
from ..store import write_atomic
from .envelope import envelope_problem
from .options import IN_PROGRESS, HarvestOptions, Record, iso_utc


@dataclass
class SavedPage:
    """A saved page: its file and what it says."""

    file: Path
    url: str
    fetched: str
    count: int
    records: list[Record]
    links: tuple[str | None, ...] = ()  # the page's next and previous URLs


def page_file(run_dir: Path, endpoint: str, mode: str | None, pass_no: int, offset: int) -> Path:
    """Where the page at ``offset`` of one list (endpoint, mode) in pass ``pass_no`` is saved in
    ``run_dir``."""
    return run_dir / f"{endpoint.replace('/', '_')}_{mode or 'default'}_pass{pass_no}_offset{offset:06d}.txt"


def read_saved(file: Path, options: HarvestOptions) -> SavedPage | None:
    """A previously saved page, or None when it is missing, unreadable or of the wrong shape (then it is
    fetched again and overwritten: a bad page saved by an earlier run must not poison the resume)."""
    if not file.is_file() or file.is_symlink():
        return None
    try:
        page = read_page(file)
    except PageError:
        return None
    meta = dict(line.split(": ", 1) for line in page.description.splitlines() if ": " in line)
    if page.status != 200 or "URL" not in meta or "Fetched" not in meta:
        return None
    if envelope_problem(page.body, options.page_size, options.max_count):
        return None
    return SavedPage(
        file,
        meta["URL"],
        meta["Fetched"],
        page.body["count"],
        page.records(),
        (page.body["next"], page.body["previous"]),
    )


def _run_key(options: HarvestOptions) -> str:
    # Never the user:password@ part (check_base_url refuses it anyway): the name is published with the pages.
    host = (urlsplit(options.base_url).netloc.rpartition("@")[2] or "server").replace(":", "-")
    # Saved pages are keyed by offset, so pages of another size belong to another run.
    size = "" if options.page_size == MAX_LIMIT else f"_limit{options.page_size}"
    return f"{host}_{options.api_version}_{'+'.join(options.modes)}{size}"


def fresh_dir(parent: Path, name: str) -> Path:
    """``parent/name.<8 random hex digits>``, created by this call and no other: a run folder of its own.

    The suffix is random, not a counter: two runs started in the same second (in two processes) never
    share a folder, whatever the other has created or is about to create.
    """
    import secrets

    parent.mkdir(parents=True, exist_ok=True)
    while True:
        candidate = parent / f"{name}.{secrets.token_hex(4)}"
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            continue


def open_run(options: HarvestOptions) -> tuple[Path, bool]:
    """The run folder to use: the newest unfinished one for this server/version/modes, or a new one."""
    key = _run_key(options)
    raw_dir = Path(options.raw_dir)
    if raw_dir.is_dir():
        # The suffix: 8 hex digits (fresh_dir), or .N from earlier versions, or none.
        name = re.compile(rf"^\d{{8}}T\d{{6}}Z_{re.escape(key)}(\.[0-9a-f]+)?$")
        unfinished = sorted(
            d for d in raw_dir.iterdir() if d.is_dir() and name.match(d.name) and (d / IN_PROGRESS).is_file()
        )
        if unfinished:
            return unfinished[-1], True
    run_dir = fresh_dir(raw_dir, f"{options.now().strftime('%Y%m%dT%H%M%SZ')}_{key}")
    marker = {
        "base_url": options.base_url,
        "api_version": options.api_version,
        "modes": list(options.modes),
        "started": iso_utc(options.now()),
        "note": "harvest in progress: pages here are reused by a rerun; removed when the snapshot is "
        "published",
    }
    write_atomic(run_dir / IN_PROGRESS, (json.dumps(marker, indent=2) + "\n").encode("utf-8"))
    return run_dir, False
