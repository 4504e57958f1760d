"""What every harvest step shares: options, result, errors, constants and time formatting."""

from __future__ import annotations

import datetime as _dt
import math
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..endpoints import DEFAULT_API_VERSION, DEFAULT_BASE_URL
from ..errors import SpacecraftDataError
from ..locate import user_changelog, user_raw_dir, user_snapshots

API_KEY_ENV = "SPACECRAFT_DATA_API_KEY"
MODES = ("normal", "detailed")
IN_PROGRESS = "IN_PROGRESS"
SOURCES = "sources.json"

# Limits. Each is a HarvestOptions field (the ones a user may need to change are also CLI options);
# the module named after each enforces it.
#: a response body's size in bytes, decoded (gzip/deflate) size included: client.py, while streaming (--max-body-mb)
MAX_BODY_BYTES = 32 * 1024 * 1024
#: seconds one whole request may take, connection to last body byte, however the bytes trickle: client.py (--deadline)
REQUEST_DEADLINE = 120.0
#: seconds any single wait may last (Retry-After, /api-throttle/, backoff) before the run stops: client.py, pacing.py
#: (--max-wait). One window of LL2's anonymous throttle (15 requests an hour), so a keyless harvest still completes.
MAX_WAIT = 3600.0
#: the largest list ``count`` believed; LL2 holds a few thousand spacecraft: harvester.py
MAX_COUNT = 100_000
#: the most pages one pass over one list may take: harvester.py
MAX_PAGES = 5_000
#: retries of a connection that could not be made (refused, timed out); a failed DNS lookup is never retried: client.py
CONNECT_RETRIES = 1
#: same-origin redirects followed per request; one to another origin is refused at once: client.py
MAX_REDIRECTS = 5
#: what --api-version must look like (it becomes a path component of --output and --raw-dir)
API_VERSION_PATTERN = re.compile(r"^[0-9]+\.[0-9]+\.[0-9]+$")

Record = dict[str, Any]
Validator = Callable[[str, list[Record]], list[str]]


class HarvestError(SpacecraftDataError):
    """A harvest failed; the message says what failed and what was kept."""


def utc_now() -> _dt.datetime:
    """Now, in UTC (the default clock of every harvest step; tests inject their own)."""
    return _dt.datetime.now(_dt.timezone.utc)


def to_stderr(message: str) -> None:
    """Print a progress line on stderr at once (the default ``progress`` of a harvest or an import)."""
    print(message, file=sys.stderr, flush=True)


@dataclass
class HarvestOptions:
    """What to harvest, from where, into where, and how patiently.

    ``sleep``, ``now`` and ``progress`` are injectable so that tests run without
    waiting; ``validate(table, records) -> problems`` defaults to the package's
    JSON Schema check (:func:`default_validator`).
    """

    base_url: str = DEFAULT_BASE_URL
    api_version: str = DEFAULT_API_VERSION
    modes: tuple[str, ...] = ("normal",)
    # The user store, never the current folder (a pip user's cwd is not a data folder); the
    # repository's own scripts pass the repository's paths.
    output: Path = field(default_factory=user_snapshots)
    raw_dir: Path = field(default_factory=lambda: user_raw_dir("harvest"))
    changelog: Path | None = field(default_factory=user_changelog)
    api_key: str | None = None
    page_size: int = 100
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5          # urllib3 retries per request (HTTP status, reset, timeout)
    body_tries: int = 3       # fetches of one page whose body is not a complete JSON envelope
    passes: int = 2           # full re-fetches of a list whose count or ids disagree
    backoff_factor: float = 2.0
    backoff_jitter: float = 1.0
    max_throttle_waits: int = 24
    max_body_bytes: int = MAX_BODY_BYTES
    deadline: float = REQUEST_DEADLINE
    max_wait: float = MAX_WAIT
    max_count: int = MAX_COUNT
    max_pages: int = MAX_PAGES
    connect_retries: int = CONNECT_RETRIES
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], _dt.datetime] = utc_now
    progress: Callable[[str], None] = to_stderr
    validate: Validator | None = None


@dataclass
class HarvestResult:
    """A published harvest: the snapshot folder, the run folder and what it took."""

    snapshot: Path
    run_dir: Path
    requests: int
    pages_fetched: int
    pages_reused: int
    notes: list[str] = field(default_factory=list)


def default_validator() -> Validator:
    """The JSON Schema check of :mod:`spacecraft_data.validation` (jsonschema is imported there)."""
    try:
        from ..validation import problems_for_table
    except ImportError as exc:
        raise HarvestError(f"cannot validate records: spacecraft_data.validation is unavailable ({exc})") from None
    return problems_for_table


def check_options(options: HarvestOptions) -> None:
    """Raise :class:`HarvestError` naming the first option that is out of range."""
    if not API_VERSION_PATTERN.match(options.api_version):
        raise HarvestError(f"API version {options.api_version!r} does not look like N.N.N (e.g. 2.3.0)")
    if not 1 <= options.page_size <= 100:
        raise HarvestError(f"page size {options.page_size} is outside 1..100 (LL2 clamps limit to 100)")
    for name in ("max_body_bytes", "deadline", "max_count", "max_pages"):
        if not getattr(options, name) > 0:
            raise HarvestError(f"{name} must be positive, not {getattr(options, name)!r}")
    if not options.max_wait >= 0:
        raise HarvestError(f"max_wait must be 0 or more seconds, not {options.max_wait!r}")


def rerun_at(options: HarvestOptions, wait: float) -> str:
    """When a wait of ``wait`` seconds starting now ends, for a 'rerun after' message (UTC)."""
    try:
        moment = options.now() + _dt.timedelta(seconds=wait)
    except OverflowError:
        return "a date too far away to name"
    return iso_utc(moment).replace("T", " ").replace("Z", " UTC")


def iso_utc(moment: _dt.datetime) -> str:
    """``moment`` as ``YYYY-MM-DDTHH:MM:SSZ`` in UTC: how saved pages and run markers write a time."""
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def duration_text(seconds: float) -> str:
    """A wait for a person to read: ``42 s``, ``3 min 05 s``, ``1 h 02 min`` (rounded up to the second)."""
    seconds = int(math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
