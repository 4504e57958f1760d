"""Harvest LL2 (or any LL2-compatible server) into a new versioned snapshot.

The flow is one way: fetch list pages -> save each raw page as it arrives ->
check the pages agree -> validate -> publish the snapshot atomically -> append
the data changelog. Nothing already published is modified: a failure leaves the
previous snapshots as they were and keeps every page fetched so far, so that
rerunning the same command resumes where it stopped.

Raw pages live in a *run folder*, ``<raw dir>/<started>_<host>_<api>_<modes>.<random hex>/``,
marked ``IN_PROGRESS`` until its snapshot is published. A rerun with the same
server, API version and modes picks the newest unfinished run folder up again and
reuses its pages. Each page is a browsable-API text page (see
:mod:`spacecraft_data.pages`) whose description block records the URL and the
fetch time; it holds the response headers, never the request's (the API key
is never written or printed). Once published, the run folder gets a
``sources.json`` in the format of ``data/raw/sources.json``, so
``scripts/build_snapshot.py`` rebuilds the snapshot byte for byte.

Secrets: a ``base_url`` holding a user name or password, a query or a fragment is refused before anything is
sent or written (:func:`.options.check_base_url`); saved pages drop ``Set-Cookie``, ``Cookie``,
``Authorization``, ``Proxy-Authorization`` and any header holding the API key.

Concurrent runs: the output store and the raw folder are locked for the whole run
(:func:`spacecraft_data.store.store_lock`), and each run gets a run folder of its own (a random suffix), so
runs into one store take turns and never share a folder or a snapshot version.

Exit status of a failure: :class:`HarvestNetworkError` (no answer: refused, reset, unresolvable, timed out) and
:class:`HarvestUsageError` are 2; a wrong answer (:class:`HarvestError`) is 1.

Hostile servers: requests never leave the origin of ``base_url`` (redirects and
``next`` links elsewhere are refused); bodies, whole requests, waits, ``count`` and
pages are bounded (see the limits in :mod:`.options`); a page of the wrong shape is
never saved or reused.

Requests: ``limit`` (100), ``format=json`` and ``ordering=id``, so a list of
``count`` records takes ceil(count/limit) requests per mode, plus one each for the
reference tables. The free ``/api-throttle/`` is read first to say how long the
harvest will take and to wait when the budget is used up instead of provoking
429s. Retries (429 with ``Retry-After``, 5xx, resets, timeouts) are urllib3's
``Retry`` behind a ``requests`` ``HTTPAdapter``; its sleep is injectable and
reported. ``requests`` is imported only when a harvest runs.

The package is split by job, each module depending only on those listed before it:
``options`` (options, result, errors, limits and constants every step shares),
``client`` (HTTP session, retries, timeouts, the origin rule, body and deadline limits),
``pacing`` (the throttle), ``envelope`` (the shape a list page must have), ``runs``
(run folders, saved pages, resume), ``publish`` (``sources.json``, versions, publishing),
``harvester`` (paging, consistency checks and :func:`harvest`) and ``importing``
(:func:`import_pages`, :func:`import_embedded`). Which lists a harvest fetches, and in which
mode, is the registry's (:func:`~.harvester.harvest_lists`): no table is named here.
"""

from __future__ import annotations

from .options import (
    API_KEY_ENV, HarvestError, HarvestNetworkError, HarvestOptions, HarvestResult, HarvestUsageError, default_validator,
)
from .publish import label_root, next_version, publish_sources
from .harvester import harvest
from .importing import import_embedded, import_pages

__all__ = [
    "API_KEY_ENV",
    "HarvestError",
    "HarvestNetworkError",
    "HarvestUsageError",
    "HarvestOptions",
    "HarvestResult",
    "harvest",
    "publish_sources",
    "next_version",
    "default_validator",
    "import_pages",
    "import_embedded",
    "label_root",
]
