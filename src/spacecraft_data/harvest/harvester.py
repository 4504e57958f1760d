"""The harvest itself: page through each list, save every page, re-fetch lists that disagree, publish."""

from __future__ import annotations

import logging
import math
import random
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from ..errors import SpacecraftDataError
from ..pages import MAX_PAGE_BYTES, render_browsable
from ..store import snapshot_versions, write_atomic
from ..store_lock import store_lock
from .client import Answer, BodyCut, HarvestClient, same_origin_or_refuse
from .envelope import envelope_problem
from .options import (
    IN_PROGRESS,
    MODES,
    HarvestError,
    HarvestNetworkError,
    HarvestOptions,
    HarvestResult,
    HarvestUsageError,
    Validator,
    check_options,
    default_validator,
    duration_text,
    iso_utc,
)
from .pacing import Pacer
from .publish import label_root, publish_sources, sources_spec
from .runs import SavedPage, open_run, page_file, read_saved

log = logging.getLogger(__name__)

#: response headers not kept in a saved page: hop-by-hop ones, and those describing the wire form of the body,
#: which the saved page re-renders. Every other header is kept as sent, repeats (Vary) included, except
#: secrets.
_DROP_HEADERS = {"connection", "keep-alive", "transfer-encoding", "content-length", "content-encoding"}
#: headers that carry credentials or a session, never saved: the refresh workflow commits saved pages. Any
#: header whose name or value holds the API key is dropped too (a server may echo it).
_SECRET_HEADERS = {"set-cookie", "set-cookie2", "cookie", "authorization", "proxy-authorization"}


def saved_headers(items: list[tuple[str, str]], api_key: str | None) -> list[tuple[str, str]]:
    """The response headers a saved page keeps: not the wire-form ones, no credential, nothing holding the
    key."""
    return [
        (name, value)
        for name, value in items
        if name.lower() not in _DROP_HEADERS
        and name.lower() not in _SECRET_HEADERS
        and not (api_key and (api_key in value or api_key in name))
    ]


def harvest_lists(options: HarvestOptions) -> list[tuple[str, str | None]]:
    """The lists a harvest pages through, in the registry's order: (endpoint name, ``mode`` sent or None).

    Each harvested endpoint (``Endpoint.harvest.included``) once per mode of the harvest when its
    ``harvest.mode`` is ``"chosen"`` (the primary one: ``--mode``), else once in its own ``harvest.mode``
    (None: no mode sent).
    """
    lists: list[tuple[str, str | None]] = []
    for e in options.registry:
        plan = e.harvest
        if plan.included:
            lists += [(e.name, m) for m in (options.modes if plan.mode == "chosen" else (plan.mode,))]
    return lists


class _Harvester:
    def __init__(self, options: HarvestOptions, run_dir: Path) -> None:
        self.options = options
        self.run_dir = run_dir
        self.client = HarvestClient(options)
        self.pacer = Pacer(self.client, options)
        self.fetched = 0
        self.reused = 0
        self.expected: dict[str, int] = {}  # list -> pages still expected (estimated until its first page)
        self.notes: list[str] = []
        self.discrepancies: list[dict[str, Any]] = []

    @property
    def planned(self) -> int:
        """Requests still expected, for the progress line and the throttle wait."""
        return sum(self.expected.values())

    def _done(self, key: str, page: SavedPage, offset: int) -> None:
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
        return (
            f"kept {len(pages)} saved page(s) in {self.run_dir} (rerun the same command to resume; "
            f"saved pages are reused); {untouched}"
        )

    def url(self, endpoint: str, mode: str | None, offset: int) -> str:
        params = {
            "format": "json",
            "limit": str(self.options.page_size),
            "offset": str(offset),
            "ordering": "id",
        }
        if mode:
            params["mode"] = mode
        # Keys sorted, as DRF writes its own next/previous links.
        return f"{self.options.base_url.rstrip('/')}/{self.options.api_version}/{endpoint}/?" + urlencode(
            sorted(params.items())
        )

    def page(self, endpoint: str, mode: str | None, pass_no: int, offset: int) -> SavedPage:
        file = page_file(self.run_dir, endpoint, mode, pass_no, offset)
        saved = read_saved(file, self.options)
        key = f"{endpoint} {mode}"
        if saved is not None:
            self._check_links(saved.url, saved.links)
            self.reused += 1
            self._done(key, saved, offset)
            log.info(f"page {file.name}: reused ({len(saved.records)} records, count {saved.count})")
            return saved
        url = self.url(endpoint, mode, offset)
        response, fetched_at = self._fetch(url)
        saved = self._save(file, url, response, fetched_at)
        self._done(key, saved, offset)
        log.info(
            f"page {file.name}: fetched {len(saved.records)} records (count {saved.count}); "
            f"{self.fetched} fetched, {self.reused} reused, about {self.planned} to go"
        )
        return saved

    def _fetch(self, url: str) -> tuple[Answer, str]:
        """The 200 answer to ``url`` whose body is a list page, and when it was fetched; fetched again
        (paced, backing off) while its body is cut or wrong."""
        problem, cut = "", False
        for attempt in range(1, self.options.body_tries + 1):
            self.pacer.before_request(self.planned)
            fetched_at = iso_utc(self.options.now())
            response: Answer | None
            try:
                response, attempts = self.client.get(url)
            except BodyCut as exc:
                response, attempts, problem = None, 1, str(exc)
            cut = response is None
            self.pacer.spent(attempts)
            if response is not None and response.status_code != 200:
                raise HarvestError(
                    f"GET {url} answered HTTP {response.status_code} {response.reason} after {attempts} "
                    f"attempt(s): {response.text[:200]!r}"
                )
            if response is not None:
                problem = self._problem(response)
            if not problem:
                break
            if attempt < self.options.body_tries:
                wait = (
                    self.options.backoff_factor * 2 ** (attempt - 1)
                    + random.random() * self.options.backoff_jitter
                )
                log.info(
                    f"GET {url}: {problem}; fetching it again in {wait:.1f} s "
                    f"(try {attempt + 1} of {self.options.body_tries})"
                )
                self.options.sleep(wait)
        else:
            # A body the connection cut every time is the network's failure (exit 2); a complete body of the
            # wrong shape is the server's answer (exit 1).
            raise (HarvestNetworkError if cut else HarvestError)(
                f"GET {url}: {problem} on all {self.options.body_tries} tries"
            )
        assert response is not None
        return response, fetched_at

    def _save(self, file: Path, url: str, response: Answer, fetched_at: str) -> SavedPage:
        """Write the answer to ``url`` into ``file`` as a browsable page, as LL2 shows it; the page saved."""
        body = response.json()
        self._check_links(url, (body["next"], body["previous"]))
        headers = saved_headers(response.header_items, self.options.api_key)
        split = urlsplit(url)
        text = render_browsable(
            body,
            f"{split.path}?{split.query}",
            response.status_code,
            response.reason or "OK",
            headers,
            description=f"Saved by spacecraft-data harvest\nURL: {url}\nFetched: {fetched_at}",
        )
        data = text.encode("utf-8")
        if len(data) > MAX_PAGE_BYTES:  # a body within --max-body-mb, with headers that push it past
            raise HarvestError(
                f"GET {url}: the page would take {len(data):,} bytes saved, more than the "
                f"{MAX_PAGE_BYTES >> 20} MiB a saved page may hold (pages.MAX_PAGE_BYTES); nothing was saved"
            )
        write_atomic(file, data)
        self.fetched += 1
        return SavedPage(
            file, url, fetched_at, body["count"], list(body["results"]), (body["next"], body["previous"])
        )

    def _problem(self, response: Answer) -> str:
        """What is wrong with a 200 answer's body as a list page; "" when nothing is."""
        try:
            body = response.json()
        except ValueError as exc:
            return (
                f"the body is not valid JSON ({exc}; {len(response.content)} bytes received, "
                "possibly truncated)"
            )
        return envelope_problem(body, self.options.page_size, self.options.max_count)

    def _check_links(self, url: str, links: tuple[str | None, ...]) -> None:
        """A page's next/previous links must stay on the configured origin (it is never followed
        elsewhere)."""
        for link in links:
            if link is not None:
                same_origin_or_refuse(self.options.base_url, link, f"the page GET {url} links to")

    def table(self, endpoint: str, mode: str | None) -> list[tuple[SavedPage, bool]]:
        """Every page of one list, consistent if possible within ``passes`` passes; (page, complete) pairs."""
        label = f"/{self.options.api_version}/{endpoint}/" + (f" mode={mode}" if mode else "")
        seen: list[str] = []
        pages: list[SavedPage] = []
        for pass_no in range(1, self.options.passes + 1):
            first = self.page(endpoint, mode, pass_no, 0)
            pages = [first]
            counts = [first.count]
            offset = self.options.page_size
            # A page with no record is past the end of the list (in id order, every later one is too):
            # a count that grows from page to page no longer has the run fetch empty pages up to the bounds.
            while offset < max(counts) and pages[-1].records:
                if len(pages) >= self.options.max_pages:
                    raise HarvestError(
                        f"{label}: a count of {max(counts)} needs more than the sanity bound of "
                        f"{self.options.max_pages} pages of {self.options.page_size}; stopped"
                    )
                pages.append(self.page(endpoint, mode, pass_no, offset))
                counts.append(pages[-1].count)
                offset += self.options.page_size
            ids = [r.get("id") for p in pages for r in p.records]
            unique = len(set(ids))
            problems = []
            if len(set(counts)) > 1:
                problems.append(f"the reported count changed between pages ({' -> '.join(map(str, counts))})")
            if unique != counts[-1]:
                problems.append(
                    f"{unique} unique ids for a reported count of {counts[-1]}"
                    + (f" ({len(ids) - unique} duplicate(s) across pages)" if len(ids) != unique else "")
                )
            if not problems:
                if seen:
                    self.notes.append(f"{label}: pass {pass_no} was consistent after " + "; ".join(seen))
                return [(p, True) for p in pages]
            seen.append(f"pass {pass_no}: " + ", ".join(problems))
            if pass_no < self.options.passes:
                log.info(
                    f"{label}: {', '.join(problems)}; fetching the whole list again "
                    f"(pass {pass_no + 1} of {self.options.passes})"
                )
                self.expected[f"{endpoint} {mode}"] = len(pages)
        message = f"{label}: still inconsistent after {self.options.passes} passes: " + "; ".join(seen)
        log.warning(
            f"warning: {message}; publishing the last pass with the discrepancy recorded in the manifest"
        )
        self.notes.append(message)
        self.discrepancies.append(
            {
                "endpoint": f"/{self.options.api_version}/{endpoint}/",
                "mode": mode,
                "counts": counts,
                "unique_ids": unique,
                "passes": self.options.passes,
            }
        )
        return [(p, False) for p in pages]

    def run(self) -> list[tuple[str, str | None, SavedPage, bool]]:
        options = self.options
        prior = _prior_count(options)
        lists = harvest_lists(options)
        main = options.registry.primary.name
        references = sum(1 for e, m in lists if e != main)
        per_mode = math.ceil(prior / options.page_size) if prior else 1
        self.expected = {f"{e} {m}": (per_mode if e == main else 1) for e, m in lists}
        if self.pacer.read():
            wait = self.pacer.estimate(self.planned)
            log.info(
                f"throttle: {self.pacer.limit - self.pacer.remaining} of {self.pacer.limit} requests used in "
                f"the {duration_text(self.pacer.frequency)} window"
            )
        else:
            wait = 0.0
            log.info(
                "throttle: the server has no readable /api-throttle/; not pacing (429s are still honoured)"
            )
        log.info(
            f"plan: about {self.planned} request(s) ({per_mode} page(s) of {options.page_size} per mode"
            + (f", from the last known count {prior}" if prior else "")
            + f", plus {references} "
            f"reference tables); expected wait for the rate limit: {duration_text(wait)}"
        )
        out = []
        for endpoint, mode in lists:
            out += [(endpoint, mode, page, complete) for page, complete in self.table(endpoint, mode)]
        return out


def _with_kept(error: Exception, kept: str) -> str:
    """The failure, then what was kept: on one line when nothing was (a run that could not start)."""
    return f"{error}{'; ' if kept.startswith('no page had been saved') else chr(10)}{kept}"


def _failure(error: SpacecraftDataError, kept: str, options: HarvestOptions) -> HarvestError:
    """``error`` with what was kept added, of the same class (so of the same exit status), the API key masked
    (a server may echo it in an error body, which the message quotes)."""
    message = _with_kept(error, kept)
    if options.api_key:
        message = message.replace(options.api_key, "<API key>")
    failure = type(error)(message) if isinstance(error, HarvestError) else HarvestError(message)
    failure.exit_code = error.exit_code
    return failure


def _lock_folders(options: HarvestOptions) -> list[Path]:
    """The folders a harvest locks: the store it publishes into and the raw folder it picks a run folder in.

    Each once, in one order for every run (sorted resolved paths), so two runs never wait for each other's
    second lock.
    """
    folders = {Path(folder).resolve(): Path(folder) for folder in (options.output, options.raw_dir)}
    return [folders[key] for key in sorted(folders, key=str)]


def _prior_count(options: HarvestOptions) -> int | None:
    """The last known record count (latest snapshot in the output, else the bundled one), for the first
    estimate."""
    from ..snapshot import load

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


def harvest(options: HarvestOptions) -> HarvestResult:
    """Fetch, save, check, validate and publish a new snapshot; see the module docstring.

    Raises :class:`HarvestError` (or another :class:`SpacecraftDataError`) saying what
    failed and what was kept; on failure nothing is published and saved pages remain.
    Options that cannot be used raise :class:`HarvestUsageError` before anything is written.
    The output store and the raw folder are locked for the whole run
    (:func:`~spacecraft_data.store_lock.store_lock`):
    a second harvest or import into them waits up to ``lock_wait`` seconds, saying so, then gives up
    (:class:`~spacecraft_data.store_lock.StoreBusy`, exit 2).
    """
    from contextlib import ExitStack

    for mode in options.modes:
        if mode not in MODES:
            raise HarvestUsageError(f"unknown mode {mode!r} (known: {', '.join(MODES)})")
    check_options(options)
    validate = options.validate or default_validator()
    with ExitStack() as locks:
        for folder in _lock_folders(options):
            locks.enter_context(store_lock(folder, f"a harvest of {options.base_url}", options.lock_wait))
        return _harvest(options, validate)


def _harvest(options: HarvestOptions, validate: Validator) -> HarvestResult:
    run_dir, resumed = open_run(options)
    main = options.registry.primary
    log.info(
        f"{'resuming' if resumed else 'starting'} harvest of {options.base_url} "
        f"{main.routing.list_path(options.api_version)} (mode "
        f"{'+'.join(options.modes)}) in {run_dir}"
    )
    harvester = _Harvester(options, run_dir)
    try:
        pages = harvester.run()
    except HarvestError as exc:
        raise _failure(exc, harvester.kept(), options) from None
    except KeyboardInterrupt:
        log.info(f"interrupted: {harvester.kept()}")
        raise
    spec = sources_spec(options, pages, harvester.notes, harvester.discrepancies)
    records = len({r["id"] for e, m, p, c in pages if e == main.name for r in p.records if "id" in r})
    log.info(
        f"fetched {harvester.fetched} page(s), reused {harvester.reused}, {harvester.client.requests} "
        f"request(s) made; {records} unique {main.storage.table} records; validating"
    )
    try:
        target = publish_sources(
            run_dir,
            spec,
            Path(options.output),
            validate,
            options.changelog,
            options.now().date(),
            label_root(run_dir),
        )
    except SpacecraftDataError as exc:
        raise _failure(exc, harvester.kept(), options) from None
    return HarvestResult(
        target, run_dir, harvester.client.requests, harvester.fetched, harvester.reused, harvester.notes
    )
