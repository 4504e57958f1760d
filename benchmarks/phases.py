"""Where a first-seen ``respond()`` spends its time, stage by stage, on ``workload.py``'s generated URLs.

    python benchmarks/phases.py [--urls 1000] [--seed 20261201] [--size bundled|N] [--again]

Each list URL of the workload is answered once through the stages of ``Api.respond`` called one by one (the
URL's head, the route, the query's decoding, the filters, the search, the page in order, the links, the
records rendered on the request's host), each timed with ``perf_counter_ns``. With ``--again`` the timed
answer is each URL's second. Every answer put together from the stages is checked against ``respond()``'s
for the same URL, so the stages are the library's path, not a copy that drifted from it.

Reported per stage: the median over all URLs, and the mean over the 100 URLs whose total is nearest the
median total (what the median request spends where). Detail routes, refusals and URLs holding a tab, CR, LF
or ``#`` take other paths and are left out (counted in the header line). Snapshot ``N`` is a SYNTHETIC
``N``-record snapshot (``synthetic.py``); ``bundled`` is the real bundled one.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from workload import WARM_UP  # noqa: E402

from spacecraft_data.endpoints import DEFAULT_BASE_URL  # noqa: E402
from spacecraft_data.query import QueryParams, Refused  # noqa: E402
from spacecraft_data.routes import api_route  # noqa: E402
from spacecraft_data.urls import breaks_head  # noqa: E402

STAGES = ("head", "route", "decode", "filters", "search", "page", "links", "render")


def _staged(api: Any, url: str) -> tuple[dict[str, Any], list[int]] | None:
    """The list answer to ``url`` built stage by stage, and the clock before each stage and after the last;
    None for a URL the list path does not answer."""
    clock = time.perf_counter_ns
    t = [clock()]
    head, _, query = url.partition("?")
    known = api._heads.get(head)
    if known is None or breaks_head(query):
        known, query = api._read_head(url)
    origin, decoded = known
    origin = origin or DEFAULT_BASE_URL
    t.append(clock())
    routed = api_route(decoded, api._prefix, api.registry.endpoints)
    if routed is None or routed[0] is None or routed[1] is not None:
        return None
    served = api.served(routed[0])
    t.append(clock())
    params = QueryParams.parse(query)
    fmt = params.get("format")
    if (fmt and fmt not in served.formats) or params.get("mode"):
        return None
    t.append(clock())
    try:
        selected = served.engine.filter_index.mask(params)
        t.append(clock())
        selected = served.engine.search_index.narrow(selected, params)
    except Refused:
        return None
    t.append(clock())
    pagination = served.pagination
    limit, offset = pagination.get_limit(params), pagination.get_offset(params)
    count, page = served.engine.page_of(selected, params, offset, limit)
    t.append(clock())
    links = pagination.get_links(origin + served.list_path, params, count, offset, limit)
    t.append(clock())
    results = served.view(None).render_page(page, origin, fmt, served.suffix(fmt))
    t.append(clock())
    return {"count": count, "next": links[0], "previous": links[1], "results": results}, t


def measure(snap: Any, urls: list[str], again: bool = False) -> tuple[dict[str, list[int]], int]:
    """Nanoseconds per stage (and ``total``) of each list URL's first (or second) answer; URLs left out."""
    api = snap.api
    snap.respond(WARM_UP)
    times: dict[str, list[int]] = {stage: [] for stage in (*STAGES, "total")}
    skipped = 0
    for url in urls:
        if again:
            snap.respond(url)
        staged = None if any(c in url for c in "\t\r\n#") else _staged(api, url)
        if staged is None:
            skipped += 1
            continue
        body, t = staged
        if snap.respond(url) != (200, body):
            raise AssertionError(f"the stages answered {url} otherwise than respond()")
        for stage, start, end in zip(STAGES, t, t[1:]):
            times[stage].append(end - start)
        times["total"].append(t[-1] - t[0])
    return times, skipped


def report(times: dict[str, list[int]], skipped: int, label: str, again: bool) -> str:
    """The markdown table of one run."""
    total = times["total"]
    nearest = sorted(range(len(total)), key=lambda i: abs(total[i] - statistics.median(total)))[:100]
    lines = [
        f"{'Second' if again else 'First'} answer of {len(total)} list URLs (snapshot {label}; {skipped} "
        "URLs on other paths left out), stage by stage, perf_counter_ns.",
        "",
        "| stage, µs | median | mean of the 100 URLs nearest the median total |",
        "|---|---:|---:|",
    ]
    for stage in (*STAGES, "total"):
        values = times[stage]
        near = statistics.mean(values[i] for i in nearest)
        lines.append(f"| {stage} | {statistics.median(values) / 1000:,.2f} | {near / 1000:,.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from workload import generate_urls

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--urls", type=int, default=1000, help="distinct URLs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=20261201, help="generator seed (default: %(default)s)")
    parser.add_argument("--size", default="bundled", help="'bundled' or a SYNTHETIC record count")
    parser.add_argument("--again", action="store_true", help="time each URL's second answer")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        from synthetic import load_sized

        snap = load_sized(args.size, Path(tmp))
        times, skipped = measure(snap, generate_urls(snap, args.urls, args.seed), args.again)
    print(report(times, skipped, args.size, args.again), end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
