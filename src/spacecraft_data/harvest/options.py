"""What every harvest step shares: options (the registry among them), result, errors, constants and time
formatting."""

from __future__ import annotations

import datetime as _dt
import math
import os
import stat
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlsplit

from ..endpoints import DEFAULT_API_VERSION, DEFAULT_BASE_URL, Registry, registry
from ..errors import EXIT_USAGE, InputError, SpacecraftDataError
from ..locate import user_changelog, user_raw_dir, user_snapshots
from ..pages import MAX_PAGE_BYTES
from ..query.pagination import MAX_LIMIT
from ..routes import API_VERSION
from ..store_lock import LOCK_WAIT

API_KEY_ENV = "SPACECRAFT_DATA_API_KEY"
MODES = ("normal", "detailed")
IN_PROGRESS = "IN_PROGRESS"
SOURCES = "sources.json"

# Limits. Each is a HarvestOptions field (the ones a user may need to change are also CLI options);
# the module named after each enforces it.
#: a response body's size in bytes, decoded (gzip/deflate) size included: client.py, while streaming
#: (--max-body-mb)
MAX_BODY_BYTES = 32 * 1024 * 1024
#: seconds one whole request may take, connection to last body byte, however the bytes trickle: client.py
#: (--deadline)
REQUEST_DEADLINE = 120.0
#: seconds any single wait may last (Retry-After, /api-throttle/, backoff) before the run stops: client.py,
#: pacing.py (--max-wait). One window of LL2's anonymous throttle (15 requests an hour), so a keyless harvest
#: still completes.
MAX_WAIT = 3600.0
#: the largest list ``count`` believed; LL2 holds a few thousand spacecraft: harvester.py
MAX_COUNT = 100_000
#: the most pages one pass over one list may take: harvester.py
MAX_PAGES = 5_000
#: retries of a connection that could not be made (refused, timed out); a failed DNS lookup is never retried:
#: client.py
CONNECT_RETRIES = 1
#: same-origin redirects followed per request; one to another origin is refused at once: client.py
MAX_REDIRECTS = 5
#: the longest a timeout, --max-wait or --deadline may be: a timer or a sleep past it overflows the
#: platform's clock types (threading.TIMEOUT_MAX is about 9.2e9 s), a traceback in a thread
MAX_SECONDS = 1e9

Record = dict[str, Any]
Validator = Callable[[str, list[Record]], list[str]]


class HarvestError(SpacecraftDataError):
    """A harvest failed; the message says what failed and what was kept.

    Exit status 1 (the server answered something wrong: an error status, a bad page, invalid records),
    unless a subclass says otherwise.
    """


class HarvestUsageError(HarvestError, InputError):
    """An option the harvest (or an import) cannot use, refused before anything is fetched or written (exit
    2)."""


class HarvestNetworkError(HarvestError):
    """No answer came: the connection could not be made or broke, or the answer did not come in time (exit 2,
    an environment failure, as opposed to a server answering wrongly)."""

    exit_code = EXIT_USAGE


def utc_now() -> _dt.datetime:
    """Now, in UTC (the default clock of every harvest step; tests inject their own)."""
    return _dt.datetime.now(_dt.timezone.utc)


def harvest_registry(api_version: str | Registry | None = None) -> Registry:
    """The :class:`Registry` a harvest or an import works with: ``api_version``'s (default
    :data:`~spacecraft_data.endpoints.DEFAULT_API_VERSION`), or the registry given as it is (a caller that
    has resolved one already, as the CLI has)."""
    return api_version if isinstance(api_version, Registry) else registry(api_version)


@dataclass
class HarvestOptions:
    """What to harvest, from where, into where, and how patiently.

    ``sleep`` and ``now`` are injectable so that tests run without waiting; ``validate(table, records) ->
    problems`` defaults to the package's JSON Schema check (:func:`default_validator`). Progress is logged
    (``logging``, loggers under ``spacecraft_data.harvest``), never printed.
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
    page_size: int = MAX_LIMIT
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    retries: int = 5  # urllib3 retries per request (HTTP status, reset, timeout)
    body_tries: int = 3  # fetches of one page whose body is not a complete JSON envelope
    passes: int = 2  # full re-fetches of a list whose count or ids disagree
    backoff_factor: float = 2.0
    backoff_jitter: float = 1.0
    max_throttle_waits: int = 24
    max_body_bytes: int = MAX_BODY_BYTES
    deadline: float = REQUEST_DEADLINE
    max_wait: float = MAX_WAIT
    max_count: int = MAX_COUNT
    max_pages: int = MAX_PAGES
    connect_retries: int = CONNECT_RETRIES
    lock_wait: float = LOCK_WAIT  # seconds to wait for another run's lock on the same store (--lock-wait)
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], _dt.datetime] = utc_now
    validate: Validator | None = None

    _registry: Registry | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def registry(self) -> Registry:
        """The declarations of ``api_version``: what is harvested and where its records go (resolved once)."""
        found = self._registry
        if found is None or found.api_version != self.api_version:
            found = self._registry = harvest_registry(self.api_version)
        return found


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
        raise HarvestError(
            f"cannot validate records: spacecraft_data.validation is unavailable ({exc})"
        ) from None
    return problems_for_table


def check_base_url(url: str, what: str = "--base-url") -> None:
    """Refuse (:class:`HarvestUsageError`) a server URL that is not ``http(s)://host[:port][/path]``.

    A user name or password, a query or a fragment is refused rather than used: the harvester builds each
    request as ``<base url>/<api>/<endpoint>/?...``, and the base URL is written into run folder names,
    saved pages, ``sources.json``, manifests and the changelog, so a secret in it would be published. The
    message never shows those parts (an API key goes in ``$SPACECRAFT_DATA_API_KEY``).
    """
    parts = urlsplit(url)
    key_hint = f"; an API key goes in ${API_KEY_ENV} (sent as 'Authorization: Token <key>', never saved)"
    web = parts.scheme.lower() in ("http", "https") and bool(parts.netloc)
    if web:
        shown = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"
    elif any(c in url for c in "@?#"):
        shown = "(not shown: it may hold a secret)"
    else:
        shown = repr(url)
    if web and "@" in parts.netloc:
        raise HarvestUsageError(
            f"{what} {shown}: a user name or password in the URL (user:...@host) is refused: "
            "it would be saved in run folder names, manifests and the changelog" + key_hint
        )
    if web and ("?" in url or "#" in url):
        part = "a query (?...)" if "?" in url.split("#", 1)[0] else "a fragment (#...)"
        raise HarvestUsageError(
            f"{what} {shown}: {part} is refused: requests are built as <base url>/<api>/"
            "<endpoint>/?..., so it would break them and be saved with every page" + key_hint
        )
    if not web or not parts.hostname:
        raise HarvestUsageError(
            f"{what} {shown}: not an http:// or https:// URL with a host (e.g. https://ll.thespacedevs.com)"
        )
    try:
        parts.port
    except ValueError:
        raise HarvestUsageError(f"{what} {shown}: the port is not a number from 0 to 65535") from None


def check_options(options: HarvestOptions) -> None:
    """Raise :class:`HarvestUsageError` naming the first option that cannot be used."""
    check_base_url(options.base_url)
    if not API_VERSION.fullmatch(options.api_version):  # a path component of --output
        raise HarvestUsageError(f"API version {options.api_version!r} does not look like N.N.N (e.g. 2.3.0)")
    if not 1 <= options.page_size <= MAX_LIMIT:
        raise HarvestUsageError(
            f"page size {options.page_size} is outside 1..{MAX_LIMIT} (LL2 clamps limit to {MAX_LIMIT})"
        )
    for name in ("max_body_bytes", "deadline", "max_count", "max_pages", "read_timeout", "connect_timeout"):
        if not getattr(options, name) > 0:
            raise HarvestUsageError(f"{name} must be positive, not {getattr(options, name)!r}")
    if options.max_body_bytes > MAX_PAGE_BYTES:  # a page it lets in could never be saved, nor published
        raise HarvestUsageError(
            f"max_body_bytes must be at most {MAX_PAGE_BYTES >> 20} MiB, the most a saved page may hold "
            f"(pages.MAX_PAGE_BYTES), not {options.max_body_bytes!r}"
        )
    for name in ("max_wait", "lock_wait"):
        if not getattr(options, name) >= 0:
            raise HarvestUsageError(f"{name} must be 0 or more seconds, not {getattr(options, name)!r}")
    for name in ("deadline", "read_timeout", "connect_timeout", "max_wait"):
        if getattr(options, name) > MAX_SECONDS:
            raise HarvestUsageError(
                f"{name} must be at most {MAX_SECONDS:g} seconds, not {getattr(options, name)!r}"
            )
    check_changelog(options.changelog)


def check_changelog(changelog: Path | None) -> None:
    """Raise :class:`HarvestUsageError` when ``changelog`` is there but is no regular file (a folder, a FIFO):
    its entry is written once the snapshot is published, too late to fail, and would replace a FIFO."""
    if changelog is None:
        return
    try:
        regular = stat.S_ISREG(os.stat(changelog).st_mode)
    except FileNotFoundError:
        return
    except OSError as exc:  # a file where a folder of the path should be, ...
        raise HarvestUsageError(f"{changelog}: cannot be the data changelog: {exc.strerror or exc}") from None
    if not regular:
        raise HarvestUsageError(
            f"{changelog}: not a regular file, so it cannot be the data changelog (name a file, or pass "
            "--no-changelog)"
        )


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
