"""Harvest LL2 (or any LL2-compatible server) into a new versioned snapshot.

The flow is one way: fetch list pages -> save each raw page as it arrives ->
check the pages agree -> validate -> publish the snapshot atomically -> append
the data changelog. Nothing already published is modified: a failure leaves the
previous snapshots as they were and keeps every page fetched so far, so that
rerunning the same command resumes where it stopped.

Raw pages live in a *run folder*, ``<raw dir>/<started>_<host>_<api>_<modes>/``,
marked ``IN_PROGRESS`` until its snapshot is published. A rerun with the same
server, API version and modes picks the newest unfinished run folder up again and
reuses its pages. Each page is a browsable-API text page (see
:mod:`spacecraft_data.pages`) whose description block records the URL and the
fetch time; it holds the response headers, never the request's (the API key
is never written or printed). Once published, the run folder gets a
``sources.json`` in the format of ``data/raw/sources.json``, so
``scripts/build_snapshot.py`` rebuilds the snapshot byte for byte.

Requests: ``limit`` (100), ``format=json`` and ``ordering=id``, so a list of
``count`` records takes ceil(count/limit) requests per mode, plus one each for the
reference tables. The free ``/api-throttle/`` is read first to say how long the
harvest will take and to wait when the budget is used up instead of provoking
429s. Retries (429 with ``Retry-After``, 5xx, resets, timeouts) are urllib3's
``Retry`` behind a ``requests`` ``HTTPAdapter``; its sleep is injectable and
reported. ``requests`` is imported only when a harvest runs.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable
from urllib.parse import urlencode, urlsplit

from .build import DEFAULT_BASE_URL, assemble, read_sources
from .errors import PageError, SpacecraftDataError
from .pages import read_page, render_browsable
from .store import MANIFEST, latest_snapshot_dir, publish, snapshot_versions, write_atomic

__all__ = [
    "API_KEY_ENV",
    "HarvestError",
    "HarvestOptions",
    "HarvestResult",
    "harvest",
    "publish_sources",
    "next_version",
    "default_validator",
    "import_pages",
    "label_root",
]

API_KEY_ENV = "SPACECRAFT_DATA_API_KEY"
MODES = ("normal", "detailed")
IN_PROGRESS = "IN_PROGRESS"
SOURCES = "sources.json"
#: reference tables fetched with every harvest: (endpoint, mode sent or None)
REFERENCE_TABLES = (("spacecraft_configurations", "detailed"), ("config/spacecraft_statuses", None))
#: response headers not worth keeping in a saved page (hop-by-hop, or describing the wire form, not the body)
_DROP_HEADERS = {"set-cookie", "connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}

Record = dict[str, Any]
Validator = Callable[[str, list[Record]], list[str]]


class HarvestError(SpacecraftDataError):
    """A harvest failed; the message says what failed and what was kept."""


class _BodyCut(HarvestError):
    """The connection broke while the body was being read (urllib3 retries only up to the headers)."""


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
        from .validation import problems_for_table
    except ImportError as exc:
        raise HarvestError(f"cannot validate records: spacecraft_data.validation is unavailable ({exc})") from None
    return problems_for_table


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


# -- retries ------------------------------------------------------------------


def _retry_class() -> type:
    """urllib3's Retry, with its two sleeps routed through an injectable, reporting function."""
    from urllib3.util.retry import Retry

    class ReportingRetry(Retry):
        sleeper: Callable[[float], None] = staticmethod(time.sleep)  # type: ignore[assignment]
        report: Callable[[str], None] = staticmethod(lambda message: None)  # type: ignore[assignment]

        def new(self, **kw: Any) -> ReportingRetry:
            # Retry.new rebuilds from a fixed parameter list; carry the hooks over.
            made = super().new(**kw)
            made.sleeper, made.report = self.sleeper, self.report
            return made

        def sleep(self, response: Any = None) -> None:
            # Retry.sleep's logic (Retry-After first, else backoff), with the wait reported and injectable.
            wait = self.get_retry_after(response) if self.respect_retry_after_header and response else None
            why = "the server asked to wait (Retry-After)"
            if not wait:
                wait, why = self.get_backoff_time(), "exponential backoff with jitter"
            last = self.history[-1] if self.history else None
            cause = (f"HTTP {last.status}" if last is not None and last.status
                     else type(last.error).__name__ if last is not None and last.error else "an error")
            url = last.url if last is not None else "?"
            self.report(f"retry {len(self.history)} of {url} after {cause}: {why}, waiting {wait:.1f} s")
            if wait > 0:
                self.sleeper(wait)

    return ReportingRetry


class _Client:
    """A requests session with bounded retries, timeouts and the API key; counts requests."""

    def __init__(self, options: HarvestOptions) -> None:
        import requests
        from requests.adapters import HTTPAdapter

        self.options = options
        retry_cls = _retry_class()
        retry = retry_cls(
            total=options.retries,
            backoff_factor=options.backoff_factor,
            backoff_jitter=options.backoff_jitter,
            backoff_max=600,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            respect_retry_after_header=True,
            raise_on_status=False,  # hand the last answer back so the error can name its status
        )
        retry.sleeper, retry.report = options.sleep, options.progress
        self.session = requests.Session()
        adapter = HTTPAdapter(max_retries=retry)
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = "spacecraft-data-harvest"
        self.session.headers["Accept"] = "application/json"
        if options.api_key:
            self.session.headers["Authorization"] = f"Token {options.api_key}"
        self.requests = 0

    def get(self, url: str) -> tuple[Any, int]:
        """GET ``url``; returns (response, attempts). Raises HarvestError when no answer came."""
        import requests
        from urllib3.exceptions import MaxRetryError

        try:
            response = self.session.get(url, timeout=(self.options.connect_timeout, self.options.read_timeout))
        except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
            self.requests += 1
            raise _BodyCut(f"the connection broke while reading the body ({exc})") from None
        except requests.RequestException as exc:
            cause = exc.args[0] if exc.args else None
            if isinstance(cause, MaxRetryError):
                self.requests += self.options.retries + 1
                raise HarvestError(
                    f"GET {url} failed after {self.options.retries + 1} attempts: {cause.reason}") from None
            self.requests += 1
            raise HarvestError(f"GET {url} failed: {exc}") from None
        history = getattr(getattr(response.raw, "retries", None), "history", ()) or ()
        attempts = len(history) + 1
        self.requests += attempts
        return response, attempts


# -- pacing -------------------------------------------------------------------


class _Pacer:
    """Keeps within the API's request budget using the free ``/api-throttle/`` endpoint."""

    def __init__(self, client: _Client, options: HarvestOptions) -> None:
        self.client, self.options = client, options
        self.url = f"{options.base_url.rstrip('/')}/{options.api_version}/api-throttle/?format=json"
        self.known = False
        self.limit = self.frequency = self.remaining = self.next_use = 0

    def read(self) -> bool:
        """Read the throttle state; False (and pacing off) when the server has no such endpoint."""
        try:
            response = self.client.session.get(
                self.url, timeout=(self.options.connect_timeout, self.options.read_timeout))
            if response.status_code != 200:
                raise ValueError(response.status_code)
            state = response.json()[0]
            limit, used = int(state["your_request_limit"]), int(state["current_use"])
            frequency, next_use = int(state["limit_frequency_secs"]), int(state["next_use_secs"])
        except Exception:  # noqa: BLE001 - any failure means "no throttle information", never fatal
            self.known = False
            return False
        self.known = True
        self.limit, self.frequency, self.next_use = limit, frequency, next_use
        self.remaining = limit - used
        return True

    def estimate(self, needed: int) -> float:
        """Seconds of waiting ``needed`` more requests will take, roughly."""
        if not self.known or needed <= self.remaining or self.limit <= 0:
            return 0.0
        deficit = needed - max(self.remaining, 0)
        windows = math.ceil(deficit / self.limit)
        first = self.next_use if self.remaining <= 0 and self.next_use else self.frequency
        return first + (windows - 1) * self.frequency

    def before_request(self, still_needed: int) -> None:
        """Wait, when the budget is used up, until the API allows another request."""
        if not self.known or self.remaining > 0:
            return
        for _ in range(self.options.max_throttle_waits):
            if not self.read() or self.remaining > 0:
                return
            wait = self.next_use or self.frequency
            left = self.estimate(still_needed)
            until = (self.options.now() + _dt.timedelta(seconds=wait)).strftime("%H:%M:%S UTC")
            self.options.progress(
                f"rate limit: {self.limit - self.remaining} of {self.limit} requests used in the "
                f"{_duration(self.frequency)} window; waiting {_duration(wait)}, until {until} "
                f"({still_needed} request(s) to go, about {_duration(left)} of waiting left)")
            self.options.sleep(wait)
        self.read()

    def spent(self, n: int) -> None:
        self.remaining -= n


# -- raw pages ----------------------------------------------------------------


@dataclass
class _Saved:
    """A saved page: its file and what it says."""

    file: Path
    url: str
    fetched: str
    count: int
    records: list[Record]


def _page_file(run_dir: Path, endpoint: str, mode: str | None, pass_no: int, offset: int) -> Path:
    return run_dir / f"{endpoint.replace('/', '_')}_{mode or 'default'}_pass{pass_no}_offset{offset:06d}.txt"


def _read_saved(file: Path) -> _Saved | None:
    """A previously saved page, or None when it is missing or unreadable (then it is fetched again)."""
    if not file.is_file():
        return None
    try:
        page = read_page(file)
    except PageError:
        return None
    meta = dict(line.split(": ", 1) for line in page.description.splitlines() if ": " in line)
    if page.status != 200 or not page.is_list or "URL" not in meta or "Fetched" not in meta:
        return None
    return _Saved(file, meta["URL"], meta["Fetched"], int(page.body["count"]), page.records())


def _run_key(options: HarvestOptions) -> str:
    host = (urlsplit(options.base_url).netloc or "server").replace(":", "-")
    # Saved pages are keyed by offset, so pages of another size belong to another run.
    size = "" if options.page_size == 100 else f"_limit{options.page_size}"
    return f"{host}_{options.api_version}_{'+'.join(options.modes)}{size}"


def _fresh_dir(parent: Path, name: str) -> Path:
    """``parent/name``, created; ``name.1``, ``name.2``… when taken (two runs in the same second)."""
    parent.mkdir(parents=True, exist_ok=True)
    candidate, n = parent / name, 0
    while True:
        try:
            candidate.mkdir()
            return candidate
        except FileExistsError:
            n += 1
            candidate = parent / f"{name}.{n}"


def _open_run(options: HarvestOptions) -> tuple[Path, bool]:
    """The run folder to use: the newest unfinished one for this server/version/modes, or a new one."""
    key = _run_key(options)
    raw_dir = Path(options.raw_dir)
    if raw_dir.is_dir():
        name = re.compile(rf"^\d{{8}}T\d{{6}}Z_{re.escape(key)}(\.\d+)?$")
        unfinished = sorted(d for d in raw_dir.iterdir()
                            if d.is_dir() and name.match(d.name) and (d / IN_PROGRESS).is_file())
        if unfinished:
            return unfinished[-1], True
    run_dir = _fresh_dir(raw_dir, f"{options.now().strftime('%Y%m%dT%H%M%SZ')}_{key}")
    marker = {"base_url": options.base_url, "api_version": options.api_version, "modes": list(options.modes),
              "started": _iso(options.now()),
              "note": "harvest in progress: pages here are reused by a rerun; removed when the snapshot is published"}
    write_atomic(run_dir / IN_PROGRESS, (json.dumps(marker, indent=2) + "\n").encode("utf-8"))
    return run_dir, False


# -- the harvest --------------------------------------------------------------


class _Harvester:
    def __init__(self, options: HarvestOptions, run_dir: Path) -> None:
        self.options = options
        self.run_dir = run_dir
        self.client = _Client(options)
        self.pacer = _Pacer(self.client, options)
        self.fetched = 0
        self.reused = 0
        self.expected: dict[str, int] = {}  # list -> pages still expected (estimated until its first page)
        self.notes: list[str] = []
        self.discrepancies: list[dict[str, Any]] = []

    def say(self, message: str) -> None:
        self.options.progress(message)

    @property
    def planned(self) -> int:
        """Requests still expected, for the progress line and the throttle wait."""
        return sum(self.expected.values())

    def _done(self, key: str, page: _Saved, offset: int) -> None:
        if offset == 0:  # the count is known now: replace the estimate
            self.expected[key] = max(math.ceil(page.count / self.options.page_size) - 1, 0)
        else:
            self.expected[key] = max(self.expected.get(key, 1) - 1, 0)

    def kept(self) -> str:
        """What a failure leaves behind, for its message; a run folder holding no page is removed."""
        pages = sorted(self.run_dir.glob("*.txt"))
        untouched = "no snapshot was published and existing snapshots are untouched"
        if not pages:
            (self.run_dir / IN_PROGRESS).unlink(missing_ok=True)
            try:
                self.run_dir.rmdir()  # only if nothing else is in it
            except OSError:
                pass
            return f"no page had been saved; {untouched}"
        return (f"kept {len(pages)} saved page(s) in {self.run_dir} (rerun the same command to resume; "
                f"saved pages are reused); {untouched}")

    def url(self, endpoint: str, mode: str | None, offset: int) -> str:
        params = {"format": "json", "limit": str(self.options.page_size), "offset": str(offset), "ordering": "id"}
        if mode:
            params["mode"] = mode
        # Keys sorted, as DRF writes its own next/previous links.
        return (f"{self.options.base_url.rstrip('/')}/{self.options.api_version}/{endpoint}/?"
                + urlencode(sorted(params.items())))

    def page(self, endpoint: str, mode: str | None, pass_no: int, offset: int) -> _Saved:
        file = _page_file(self.run_dir, endpoint, mode, pass_no, offset)
        saved = _read_saved(file)
        key = f"{endpoint} {mode}"
        if saved is not None:
            self.reused += 1
            self._done(key, saved, offset)
            self.say(f"page {file.name}: reused ({len(saved.records)} records, count {saved.count})")
            return saved
        url = self.url(endpoint, mode, offset)
        problem = ""
        for attempt in range(1, self.options.body_tries + 1):
            self.pacer.before_request(self.planned)
            fetched_at = _iso(self.options.now())
            try:
                response, attempts = self.client.get(url)
            except _BodyCut as exc:
                response, attempts, problem = None, 1, str(exc)
            self.pacer.spent(attempts)
            if response is not None and response.status_code != 200:
                raise HarvestError(
                    f"GET {url} answered HTTP {response.status_code} {response.reason} after {attempts} attempt(s): "
                    f"{response.text[:200]!r}")
            if response is not None:
                problem = _envelope_problem(response)
            if not problem:
                break
            if attempt < self.options.body_tries:
                wait = self.options.backoff_factor * 2 ** (attempt - 1) + random.random() * self.options.backoff_jitter
                self.say(f"GET {url}: {problem}; fetching it again in {wait:.1f} s "
                         f"(try {attempt + 1} of {self.options.body_tries})")
                self.options.sleep(wait)
        else:
            raise HarvestError(f"GET {url}: {problem} on all {self.options.body_tries} tries")
        body = response.json()
        headers = {k: v for k, v in response.headers.items() if k.lower() not in _DROP_HEADERS}
        split = urlsplit(url)
        text = render_browsable(
            body, f"{split.path}?{split.query}", response.status_code, response.reason or "OK", headers,
            description=f"Saved by spacecraft-data harvest\nURL: {url}\nFetched: {fetched_at}",
        )
        write_atomic(file, text.encode("utf-8"))
        self.fetched += 1
        saved = _Saved(file, url, fetched_at, int(body["count"]), list(body["results"]))
        self._done(key, saved, offset)
        self.say(f"page {file.name}: fetched {len(body['results'])} records (count {body['count']}); "
                 f"{self.fetched} fetched, {self.reused} reused, about {self.planned} to go")
        return saved

    def table(self, endpoint: str, mode: str | None) -> list[tuple[_Saved, bool]]:
        """Every page of one list, consistent if possible within ``passes`` passes; (page, complete) pairs."""
        label = f"/{self.options.api_version}/{endpoint}/" + (f" mode={mode}" if mode else "")
        seen: list[str] = []
        pages: list[_Saved] = []
        for pass_no in range(1, self.options.passes + 1):
            first = self.page(endpoint, mode, pass_no, 0)
            pages = [first]
            counts = [first.count]
            offset = self.options.page_size
            while offset < max(counts):
                pages.append(self.page(endpoint, mode, pass_no, offset))
                counts.append(pages[-1].count)
                offset += self.options.page_size
            ids = [r.get("id") for p in pages for r in p.records]
            unique = len(set(ids))
            problems = []
            if len(set(counts)) > 1:
                problems.append(f"the reported count changed between pages ({' -> '.join(map(str, counts))})")
            if unique != counts[-1]:
                problems.append(f"{unique} unique ids for a reported count of {counts[-1]}"
                                + (f" ({len(ids) - unique} duplicate(s) across pages)" if len(ids) != unique else ""))
            if not problems:
                if seen:
                    self.notes.append(f"{label}: pass {pass_no} was consistent after " + "; ".join(seen))
                return [(p, True) for p in pages]
            seen.append(f"pass {pass_no}: " + ", ".join(problems))
            if pass_no < self.options.passes:
                self.say(f"{label}: {', '.join(problems)}; fetching the whole list again "
                         f"(pass {pass_no + 1} of {self.options.passes})")
                self.expected[f"{endpoint} {mode}"] = len(pages)
        message = f"{label}: still inconsistent after {self.options.passes} passes: " + "; ".join(seen)
        self.say(f"warning: {message}; publishing the last pass with the discrepancy recorded in the manifest")
        self.notes.append(message)
        self.discrepancies.append({"endpoint": f"/{self.options.api_version}/{endpoint}/", "mode": mode,
                                   "counts": counts, "unique_ids": unique, "passes": self.options.passes})
        return [(p, False) for p in pages]

    def run(self) -> list[tuple[str, str | None, _Saved, bool]]:
        options = self.options
        prior = _prior_count(options)
        lists = [("spacecraft", m) for m in options.modes] + list(REFERENCE_TABLES)
        per_mode = math.ceil(prior / options.page_size) if prior else 1
        self.expected = {f"{e} {m}": (per_mode if e == "spacecraft" else 1) for e, m in lists}
        if self.pacer.read():
            wait = self.pacer.estimate(self.planned)
            self.say(f"throttle: {self.pacer.limit - self.pacer.remaining} of {self.pacer.limit} requests used in "
                     f"the {_duration(self.pacer.frequency)} window")
        else:
            wait = 0.0
            self.say("throttle: the server has no readable /api-throttle/; not pacing (429s are still honoured)")
        self.say(f"plan: about {self.planned} request(s) ({per_mode} page(s) of {options.page_size} per mode"
                 + (f", from the last known count {prior}" if prior else "") + f", plus {len(REFERENCE_TABLES)} "
                 f"reference tables); expected wait for the rate limit: {_duration(wait)}")
        out = []
        for endpoint, mode in lists:
            out += [(endpoint, mode, page, complete) for page, complete in self.table(endpoint, mode)]
        return out


def _envelope_problem(response: Any) -> str:
    try:
        body = response.json()
    except ValueError as exc:
        return f"the body is not valid JSON ({exc}; {len(response.content)} bytes received, possibly truncated)"
    if not (isinstance(body, dict) and isinstance(body.get("count"), int) and isinstance(body.get("results"), list)):
        return "the body is not a list envelope {count, next, previous, results}"
    return ""


def _prior_count(options: HarvestOptions) -> int | None:
    """The last known record count (latest snapshot in the output, else the bundled one), for the first estimate."""
    from .snapshot import load

    output = Path(options.output)
    candidates = ([output] if snapshot_versions(output, options.api_version) else []) + [None]
    for where in candidates:
        try:
            count = load(where).reported_count
        except SpacecraftDataError:
            continue
        if count:
            return int(count)
    return None


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
    progress: Callable[[str], None] = _stderr,
) -> Path:
    """Validate, publish and record the snapshot described by ``spec`` (a ``sources.json`` for ``run_dir``).

    The snapshot is assembled through :func:`~spacecraft_data.build.read_sources`, exactly
    as ``scripts/build_snapshot.py`` will rebuild it. ``sources.json`` is written only
    once the snapshot validates; the ``IN_PROGRESS`` marker is removed once it is published.
    Returns the snapshot folder.
    """
    output = Path(output)
    api_version = spec.get("api_version", "2.3.0")
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
    progress(f"published {target} ({json.loads(files[MANIFEST])['records']['held']} records)")
    if changelog is not None:
        from .changelog import append_entry

        append_entry(Path(changelog), target, previous)
        progress(f"appended the summary to {changelog}")
    return target


def _sources_spec(options: HarvestOptions, pages: Iterable[tuple[str, str | None, _Saved, bool]],
                  notes: list[str], discrepancies: list[dict[str, Any]]) -> dict[str, Any]:
    sources = []
    for endpoint, mode, page, complete in pages:
        sources.append({
            "file": page.file.name,
            "kind": "page",
            "endpoint": endpoint,
            "mode": mode or "normal",
            "request_url": page.url,
            "captured": page.fetched,
            "received": None,
            "complete": complete,
            "origin": f"spacecraft-data harvest of {options.base_url}",
        })
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


def harvest(options: HarvestOptions) -> HarvestResult:
    """Fetch, save, check, validate and publish a new snapshot; see the module docstring.

    Raises :class:`HarvestError` (or another :class:`SpacecraftDataError`) saying what
    failed and what was kept; on failure nothing is published and saved pages remain.
    """
    for mode in options.modes:
        if mode not in MODES:
            raise HarvestError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    if not 1 <= options.page_size <= 100:
        raise HarvestError(f"page size {options.page_size} is outside 1..100 (LL2 clamps limit to 100)")
    validate = options.validate or default_validator()
    run_dir, resumed = _open_run(options)
    options.progress(f"{'resuming' if resumed else 'starting'} harvest of {options.base_url} "
                     f"/{options.api_version}/spacecraft/ (mode {'+'.join(options.modes)}) in {run_dir}")
    harvester = _Harvester(options, run_dir)
    try:
        pages = harvester.run()
    except HarvestError as exc:
        raise HarvestError(f"{exc}\n{harvester.kept()}") from None
    except KeyboardInterrupt:
        options.progress(f"interrupted: {harvester.kept()}")
        raise
    spec = _sources_spec(options, pages, harvester.notes, harvester.discrepancies)
    records = len({r["id"] for e, m, p, c in pages if e == "spacecraft" for r in p.records if "id" in r})
    options.progress(f"fetched {harvester.fetched} page(s), reused {harvester.reused}, {harvester.client.requests} "
                     f"request(s) made; {records} unique spacecraft records; validating")
    try:
        target = publish_sources(run_dir, spec, Path(options.output), validate, options.changelog,
                                 options.now().date(), label_root(run_dir), options.progress)
    except SpacecraftDataError as exc:
        raise HarvestError(f"{exc}\n{harvester.kept()}") from None
    return HarvestResult(target, run_dir, harvester.client.requests, harvester.fetched, harvester.reused,
                         harvester.notes)


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

    from .build import ENDPOINT_TABLES

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
