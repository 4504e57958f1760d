"""Publishing files saved elsewhere, each copied into a run folder of its own: ``import_pages`` (saved list
pages)
and ``import_embedded`` (responses of other endpoints embedding spacecraft records)."""

from __future__ import annotations

import datetime as _dt
import logging
from pathlib import Path
from typing import Any, Callable

from ..embedded import EMBEDDED_KIND, projection, read_embedded
from ..endpoints import DEFAULT_API_VERSION, DEFAULT_BASE_URL, Endpoint, Registry
from ..errors import BuildError, SpacecraftDataError
from ..ids import id_problems
from ..pages import Page, read_page
from ..routes import Route, route_of, route_of_url
from ..store import write_atomic
from ..store_lock import LOCK_WAIT, store_lock
from .options import (
    MODES,
    SOURCES,
    HarvestError,
    HarvestUsageError,
    Validator,
    check_base_url,
    default_validator,
    harvest_registry,
    utc_now,
)
from .publish import label_root, publish_sources
from .runs import fresh_dir

log = logging.getLogger(__name__)


def import_pages(
    files: list[Path],
    output: Path | None = None,
    raw_dir: Path | None = None,
    changelog: Path | None | bool = True,
    api_version: str = DEFAULT_API_VERSION,
    base_url: str = DEFAULT_BASE_URL,
    endpoint: str | None = None,
    validate: Validator | None = None,
    now: Callable[[], _dt.datetime] = utc_now,
    lock_wait: float = LOCK_WAIT,
    registry: Registry | None = None,
) -> Path:
    """Publish a snapshot from saved pages (browsable text or JSON), like the seeds.

    Each page is copied byte for byte into a new folder under ``raw_dir`` with a
    ``sources.json``, so the snapshot can be rebuilt from ``data/raw`` like any other.
    A page's endpoint comes from its ``GET`` line, else from ``endpoint``
    (default: the primary endpoint, ``spacecraft``); its mode from the ``mode`` parameter, else from its
    records' ``response_mode``. On failure nothing is published and the copies are removed.

    ``output``, ``raw_dir`` and ``changelog`` default to the user store
    (:mod:`spacecraft_data.locate`), never the current folder; ``changelog=None``
    (or False) writes no changelog entry. The output store is locked while the import runs
    (:func:`~spacecraft_data.store_lock.store_lock`; another run's lock is waited for up to ``lock_wait``
    seconds).
    ``registry`` (a caller's, resolved once) wins over ``api_version``. Progress is logged, never printed.
    """
    from ..locate import user_changelog, user_raw_dir, user_snapshots

    output = user_snapshots() if output is None else output
    raw_dir = user_raw_dir("imports") if raw_dir is None else raw_dir
    changelog_file: Path | None = (
        user_changelog() if changelog is True else Path(changelog) if changelog else None
    )
    check_base_url(base_url, "base_url")
    validate = validate or default_validator()
    declared = registry or harvest_registry(api_version)
    with store_lock(Path(output), "an import-pages", lock_wait):
        return _import_pages(
            files, Path(output), Path(raw_dir), changelog_file, declared, base_url, endpoint, validate, now
        )


def _import_pages(
    files: list[Path],
    output: Path,
    raw_dir: Path,
    changelog_file: Path | None,
    registry: Registry,
    base_url: str,
    endpoint: str | None,
    validate: Validator,
    now: Callable[[], _dt.datetime],
) -> Path:
    run_dir = fresh_dir(Path(raw_dir), f"{now().strftime('%Y%m%dT%H%M%SZ')}_import")
    entries = []
    copies: dict[Path, Path] = {}  # the run folder's copy -> the user's file, to name the latter in errors
    try:
        for n, file in enumerate(map(Path, files)):
            entries.append(_import_page(n, file, run_dir, copies, registry, base_url, endpoint, now))
        spec = _sources_spec("import-pages", registry.api_version, base_url, entries)
        try:
            return publish_sources(
                run_dir, spec, Path(output), validate, changelog_file, now().date(), label_root(run_dir)
            )
        except SpacecraftDataError as exc:
            raise _naming_user_files(exc, copies) from None
    except BaseException:
        _discard_unpublished(run_dir)
        raise


def _import_page(
    n: int,
    file: Path,
    run_dir: Path,
    copies: dict[Path, Path],
    registry: Registry,
    base_url: str,
    endpoint: str | None,
    now: Callable[[], _dt.datetime],
) -> dict[str, Any]:
    """Check the ``n``-th saved page and copy it into ``run_dir``; its ``sources.json`` entry."""
    page = read_page(file)
    request = page.request
    name = _page_endpoint(page, file, registry, endpoint)
    if registry.get(name) is None:
        raise HarvestError(
            f"{file}: endpoint {name!r} is not one a snapshot holds (known: {', '.join(registry.names)})"
        )
    records = page.records()
    _check_records(page, records, file)
    mode = dict(request.params).get("mode") if request is not None else None
    mode = mode or next(
        (r.get("response_mode") for r in records if isinstance(r, dict) and r.get("response_mode") in MODES),
        "normal",
    )
    copy = run_dir / f"{n:03d}_{file.name}"
    write_atomic(copy, file.read_bytes())
    copies[copy] = file
    entry = {
        "file": copy.name,
        "kind": "page",  # read_page takes envelopes, bare arrays and single records alike
        "endpoint": name,
        "mode": mode,
        "request_url": request.url(base_url) if request is not None else None,
        "captured": None,
        "received": now().date().isoformat(),
        "complete": False,
        "origin": f"imported by spacecraft-data import-pages from {file.name}",
    }
    log.info(f"{file}: {len(records)} {name} record(s), mode {mode}")
    return entry


def _sources_spec(command: str, api_version: str, base_url: str, entries: list[Any]) -> dict[str, Any]:
    """The ``sources.json`` of a run folder ``command`` filled with copies."""
    return {
        "comment": f"Written by spacecraft-data {command}; scripts/build_snapshot.py rebuilds the "
        "snapshot from it.",
        "api_version": api_version,
        "base_url": base_url,
        "sources": entries,
        "notes": [],
    }


def _discard_unpublished(run_dir: Path) -> None:
    """Remove a failed run's folder, unless its ``sources.json`` was written (a snapshot was published)."""
    import shutil

    if not (run_dir / SOURCES).is_file():
        shutil.rmtree(run_dir, ignore_errors=True)  # only copies; the user's files are untouched


def import_embedded(
    files: list[Path],
    output: Path,
    raw_dir: Path,
    changelog: Path | None,
    captured: str | None = None,
    request_url: str | None = None,
    api_version: str = DEFAULT_API_VERSION,
    base_url: str | None = None,
    validate: Callable[[str, list[dict[str, Any]]], list[str]] | None = None,
    now: Callable[[], _dt.datetime] | None = None,
    lock_wait: float = LOCK_WAIT,
    registry: Registry | None = None,
) -> Path:
    """Publish a snapshot of the spacecraft records embedded in saved responses of other endpoints.

    The records are found by :func:`~spacecraft_data.embedded.read_embedded`. Each file is copied
    byte for byte into a new run folder under ``raw_dir`` with a ``sources.json`` whose entries
    have kind :data:`~spacecraft_data.embedded.EMBEDDED_KIND`, so
    ``scripts/build_snapshot.py`` rebuilds the snapshot. ``captured`` (YYYY-MM-DD) is
    the date the responses were saved, when known; ``request_url`` the request of a
    response that does not record it (a browsable page's ``GET`` line wins). A file
    embedding no spacecraft record is an error: nothing is published, the copies are removed.
    The output store is locked while the import runs, as :func:`import_pages` locks it; ``registry`` wins
    over ``api_version`` as there.
    """
    now = now or utc_now
    base_url = base_url or DEFAULT_BASE_URL
    check_base_url(base_url, "base_url")
    if captured is not None:
        try:
            captured = _dt.date.fromisoformat(captured).isoformat()
        except ValueError:
            raise HarvestUsageError(f"--captured {captured!r}: not a date (YYYY-MM-DD)") from None
    declared = registry or harvest_registry(api_version)
    with store_lock(Path(output), "an import-embedded", lock_wait):
        return _import_embedded(
            files,
            Path(output),
            Path(raw_dir),
            changelog,
            captured,
            request_url,
            declared,
            base_url,
            validate,
            now,
        )


def _import_embedded(
    files: list[Path],
    output: Path,
    raw_dir: Path,
    changelog: Path | None,
    captured: str | None,
    request_url: str | None,
    registry: Registry,
    base_url: str,
    validate: Callable[[str, list[dict[str, Any]]], list[str]] | None,
    now: Callable[[], _dt.datetime],
) -> Path:
    main = registry.primary
    run_dir = fresh_dir(Path(raw_dir), f"{now().strftime('%Y%m%dT%H%M%SZ')}_embedded")
    entries = []
    try:
        for n, file in enumerate(map(Path, files)):
            entries.append(_import_embedding(main, n, file, run_dir, captured, request_url, base_url, now))
        spec = _sources_spec("import-embedded", registry.api_version, base_url, entries)
        return publish_sources(
            run_dir,
            spec,
            Path(output),
            validate or default_validator(),
            changelog,
            now().date(),
            label_root(run_dir),
        )
    except BaseException:
        _discard_unpublished(run_dir)
        raise


def _import_embedding(
    main: Endpoint,
    n: int,
    file: Path,
    run_dir: Path,
    captured: str | None,
    request_url: str | None,
    base_url: str,
    now: Callable[[], _dt.datetime],
) -> dict[str, Any]:
    """Check that the ``n``-th file embeds ``main``'s records and copy it into ``run_dir``; its entry in
    ``sources.json``."""
    found = read_embedded(file, main)
    if not found:
        raise BuildError(
            f"{file}: no {main.storage.table} record is embedded in it (nothing has every "
            f"{projection(main).component} field and a /{main.name}/<id>/ url)"
        )
    page = read_page(file)
    url = page.request.url(base_url) if page.request is not None else request_url
    copy = run_dir / f"{n:03d}_{file.name}"
    write_atomic(copy, file.read_bytes())
    entry = {
        "file": copy.name,
        "kind": EMBEDDED_KIND,
        "endpoint": main.name,
        "mode": main.modes.default,
        "request_url": url,
        "captured": captured,
        "received": now().date().isoformat(),
        "complete": False,
        "origin": f"imported by spacecraft-data import-embedded from {file.name}",
    }
    log.info(
        f"{file}: {len(found)} embedded {main.storage.table} record(s): "
        + ", ".join(str(e.id) for e in sorted(found, key=lambda e: e.id))
    )
    return entry


def _page_endpoint(page: Page, file: Path, registry: Registry, endpoint: str | None) -> str:
    """The endpoint of ``page``: what its request line, envelope links and records' ``url`` name, all alike.

    Each must be of the registry's API version and name the same endpoint (``endpoint`` standing for the
    request line of a page that has none): a page of another API version, or naming two endpoints, is
    refused rather than filed under the wrong table. Nothing named: the primary endpoint (``spacecraft``).
    """
    named: list[tuple[Route, str]] = []
    if page.request is not None:
        named.append((route_of(page.request.path), f"its request line 'GET {page.request.full_path}'"))
    if page.is_list:
        for key in ("next", "previous"):
            link = route_of_url(page.body.get(key))
            if link is not None:
                named.append((link, f"its envelope's {key!r} link"))
    records = (
        page.body.get("results")
        if page.is_list
        else page.body
        if isinstance(page.body, list)
        else [page.body]
    )
    for n, record in enumerate(records if isinstance(records, list) else []):
        link = route_of_url(record.get("url")) if isinstance(record, dict) else None
        if link is not None and link.detail:
            named.append((link, f"the 'url' of record #{n}"))
    api_version = registry.api_version
    for route, where in named:
        if route.version is not None and route.version != api_version:
            raise HarvestError(
                f"{file}: {where} is of LL2 API {route.version}; this snapshot is of API "
                f"{api_version} (--api-version)"
            )
    # --endpoint stands for the request line a JSON body lacks; a page's own request line comes first.
    if endpoint is not None and page.request is None:
        named.insert(0, (Route(api_version, endpoint), f"--endpoint {endpoint}"))
    for route, where in named[1:]:
        if route.endpoint != named[0][0].endpoint:
            raise HarvestError(
                f"{file}: {where} names endpoint {route.endpoint!r}, but {named[0][1]} names "
                f"{named[0][0].endpoint!r}; a page holds the records of one endpoint"
            )
    return named[0][0].endpoint if named else registry.primary.name


def _check_records(page: Page, records: list[Any], file: Path) -> None:
    """Refuse a page whose ``count`` is below its number of results, or whose records repeat or lack an id."""
    if page.is_list:
        count = page.body.get("count")
        if type(count) is not int or count < 0:
            raise HarvestError(f"{file}: $.count: {count!r} is not a record count (a non-negative integer)")
        if count < len(records):
            raise HarvestError(
                f"{file}: $.count: {count} is smaller than the {len(records)} results the page "
                "holds; the page is inconsistent"
            )
    problems = id_problems(records, "$.results" if page.is_list else "$")
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise HarvestError(f"{file}: {path}: {message}{more}")


def _naming_user_files(exc: SpacecraftDataError, copies: dict[Path, Path]) -> SpacecraftDataError:
    """``exc`` with each run-folder copy in its message replaced by the user's file it was copied from."""
    message = str(exc)
    for copy, file in sorted(copies.items(), key=lambda item: -len(str(item[0]))):
        message = message.replace(str(copy), str(file))
    if message == str(exc):
        return exc
    try:
        return type(exc)(message)
    except TypeError:  # an error class with other arguments: the message is what matters
        return HarvestError(message)
