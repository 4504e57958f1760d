"""What every harvest step shares: options, result, errors, constants and time formatting."""

from __future__ import annotations

import datetime as _dt
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..build import DEFAULT_BASE_URL
from ..errors import SpacecraftDataError

API_KEY_ENV = "SPACECRAFT_DATA_API_KEY"
MODES = ("normal", "detailed")
IN_PROGRESS = "IN_PROGRESS"
SOURCES = "sources.json"
#: reference tables fetched with every harvest: (endpoint, mode sent or None)
REFERENCE_TABLES = (("spacecraft_configurations", "detailed"), ("config/spacecraft_statuses", None))

Record = dict[str, Any]
Validator = Callable[[str, list[Record]], list[str]]


class HarvestError(SpacecraftDataError):
    """A harvest failed; the message says what failed and what was kept."""


def _utcnow() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc)


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class HarvestOptions:
    """What to harvest, from where, into where, and how patiently.

    ``sleep``, ``now`` and ``progress`` are injectable so that tests run without
    waiting; ``validate(table, records) -> problems`` defaults to the package's
    JSON Schema check (:func:`default_validator`).
    """

    base_url: str = DEFAULT_BASE_URL
    api_version: str = "2.3.0"
    modes: tuple[str, ...] = ("normal",)
    output: Path = Path("data/snapshots")
    raw_dir: Path = Path("data/raw/harvest")
    changelog: Path | None = Path("DATA_CHANGES.md")
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
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], _dt.datetime] = _utcnow
    progress: Callable[[str], None] = _stderr
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


def _iso(moment: _dt.datetime) -> str:
    return moment.astimezone(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _duration(seconds: float) -> str:
    seconds = int(math.ceil(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, sec = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"
