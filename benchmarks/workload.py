"""Per-query cost on a generated workload of the kind users send, against the DRF oracle, in one run.

    python benchmarks/workload.py [--urls 1000] [--seed 20261201] [--size bundled|N] [--clock wall|cpu]
    [--output FILE]

The fixed mix of ``queries.py`` repeats 8 friendly URLs, so every answer after
the first comes out of a cache. Real clients send distinct URLs: several
parameters at once, percent-encoded non-ASCII search terms, repeated and
unknown parameters, ``format=api``, other hosts. This script generates
``--urls`` distinct such URLs from ``--seed`` (the same seed gives the same
URLs), then for each URL, in the same run:

* times one ``Snapshot.respond`` call on a URL it has never seen (indexes are
  built by a warm-up on an unrelated URL, so this is the per-request cost a
  server pays for a new request), and a second call (what a repeat costs);
* times one oracle call (``tests/oracle``: the real DRF + django-filter classes
  on SQLite ``:memory:``), and checks the two answers agree as
  ``tests/test_differential.py`` compares them.

``--clock cpu`` times the thread's CPU time instead of the wall clock: on a shared
machine a 5 ms oracle call is preempted far more often than a 50 µs ``respond()``,
which inflates the wall-clock ratio; CPU time counts the waiting for a core on
neither side.

It reports the median and p99 per query of each, and the ratio of medians.
Snapshot ``N`` is a SYNTHETIC N-record snapshot (``synthetic.py``), written to a
temporary folder; ``bundled`` is the real bundled one.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]


HOSTS = (
    "https://ll.thespacedevs.com",
    "http://127.0.0.1:8000",
    "http://localhost:8000",
    "https://lldev.thespacedevs.com",
)
ORDERING = ("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space", "name", "bogus")
UNKNOWN = ("foo", "page", "fields", "mode_", "Search", "utm_source", "ordering[]")
#: search words users type, ASCII and not (Russian, Chinese, accented), which clients percent-encode
EXTRA_WORDS = ("прогресс", "союз", "天舟", "神舟", "dragón", "crew", "cargo", "ms-1", "tian", "zhou")


def _words(snap: Any) -> list[str]:
    words = set(EXTRA_WORDS)
    for record in snap.records:
        for text in (record["name"], record["spacecraft_config"]["name"]):
            words.update(text.replace("-", " ").split())
    return sorted(words)


def generate_urls(snap: Any, count: int, seed: int) -> list[str]:
    """``count`` distinct URLs of ``/2.3.0/spacecraft/`` as varied clients send them (deterministic in
    ``seed``)."""
    rng = random.Random(seed)
    words = _words(snap)
    names = sorted({r["name"] for r in snap.records})
    configs = sorted(c["id"] for c in snap.tables["spacecraft_configurations"])
    statuses = sorted(s["id"] for s in snap.tables["spacecraft_statuses"])
    ids = [r["id"] for r in snap.records]
    seen: set[str] = set()
    urls: list[str] = []
    while len(urls) < count:
        pairs: list[tuple[str, str]] = []
        if rng.random() < 0.6:
            terms = rng.sample(words, rng.choice((1, 1, 2, 3)))
            if rng.random() < 0.2:
                terms = [f'"{" ".join(terms)}"']
            pairs.append(("search", " ".join(t.lower() if rng.random() < 0.5 else t for t in terms)))
        if rng.random() < 0.4:
            fields = rng.sample(ORDERING, rng.choice((1, 1, 2)))
            pairs.append(("ordering", ",".join(("-" if rng.random() < 0.5 else "") + f for f in fields)))
        for param in ("in_space", "is_placeholder"):
            if rng.random() < 0.25:
                pairs.append((param, rng.choice(("true", "false", "True", "0", "1", "maybe"))))
        if rng.random() < 0.2:
            pairs.append(("status", str(rng.choice([*statuses, 99]))))
        if rng.random() < 0.2:
            pairs.append(("spacecraft_config", str(rng.choice(configs))))
        if rng.random() < 0.1:
            pairs.append(("name", rng.choice(names)))
        if rng.random() < 0.5:
            pairs.append(("limit", str(rng.choice((1, 5, 10, 20, 50, 100, 500)))))
        if rng.random() < 0.4:
            pairs.append(("offset", str(rng.randrange(0, max(2, len(ids))))))
        if rng.random() < 0.25:
            pairs.append(("format", rng.choice(("json", "api"))))
        if rng.random() < 0.15:
            pairs.append((rng.choice(UNKNOWN), str(rng.randrange(100))))
        if pairs and rng.random() < 0.1:
            pairs.append(rng.choice(pairs))  # a repeated parameter: the last one wins
        rng.shuffle(pairs)
        quoting = quote_plus if rng.random() < 0.7 else quote
        query = urlencode(pairs, quote_via=quoting)
        path = "/2.3.0/spacecraft/"
        if rng.random() < 0.05:
            path += f"{rng.choice(ids)}/"
        url = rng.choice(HOSTS) + path + (f"?{query}" if query else "")
        if url not in seen:
            seen.add(url)
            urls.append(url)
    return urls


def _agrees(snap: Any, oracle: Any, url: str) -> bool:
    expected = oracle.answer(url)
    status, body = snap.respond(url)
    if expected.detailed and expected.status in (200, 501):
        return status == 501
    return (status, body) == (expected.status, expected.body)


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


#: answered before any timing, to build the indexes: unrelated to the generated URLs
WARM_UP = "/2.3.0/spacecraft/?search=warmup&ordering=time_in_space,-time_docked&status=4"


def time_respond(
    snap: Any, urls: list[str], clock: Any = time.perf_counter
) -> tuple[list[float], list[float]]:
    """Seconds of each URL's first ``respond()`` (never seen before: only :data:`WARM_UP` was) and of a
    repeat."""
    snap.respond(WARM_UP)
    first, again = [], []
    for url in urls:
        t0 = clock()
        snap.respond(url)
        t1 = clock()
        snap.respond(url)
        t2 = clock()
        first.append(t1 - t0)
        again.append(t2 - t1)
    return first, again


def measure(snap: Any, urls: list[str], clock: Any = time.perf_counter) -> dict[str, Any]:
    """Per-URL seconds of a first and a repeated ``respond``, and of the oracle; agreement count."""
    from oracle import Oracle

    oracle = Oracle.from_snapshot(snap)
    oracle.get("/2.3.0/spacecraft/?limit=1")  # bulk insert into SQLite, kept out of the figures
    first, again = time_respond(snap, urls, clock)
    drf = []
    # All of respond()'s, then all of the oracle's: interleaved, Django's run would evict respond()'s data
    # from the CPU caches and bill respond() for it.
    for url in urls:
        t0 = clock()
        oracle.get(url)
        drf.append(clock() - t0)
    agree = sum(_agrees(snap, oracle, url) for url in urls)
    return {"first": first, "again": again, "oracle": drf, "agree": agree}


def report(
    label: str, records: int, urls: list[str], seed: int, m: dict[str, Any], clock: str = "wall"
) -> str:
    """The markdown table of one run."""

    def us(values: list[float], q: float | None = None) -> str:
        v = statistics.median(values) if q is None else _percentile(values, q)
        return f"{v * 1e6:,.1f}"

    ratio = statistics.median(m["oracle"]) / statistics.median(m["first"])
    lines = [
        f"Generated workload: {len(urls)} distinct URLs (seed {seed}), snapshot {label} ({records} records); "
        f"{m['agree']}/{len(urls)} answers agree with the oracle; {clock} clock.",
        "",
        "| per query, µs | median | p99 |",
        "|---|---:|---:|",
        f"| `respond()`, first time the URL is seen | {us(m['first'])} | {us(m['first'], 0.99)} |",
        f"| `respond()`, the same URL again | {us(m['again'])} | {us(m['again'], 0.99)} |",
        f"| DRF oracle | {us(m['oracle'])} | {us(m['oracle'], 0.99)} |",
        "",
        f"Oracle median / `respond()` first-time median: **{ratio:,.0f}×** (target of issue 13: ≥ 150×).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--urls", type=int, default=1000, help="distinct URLs to generate (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=20261201, help="generator seed (default: %(default)s)")
    parser.add_argument(
        "--size", default="bundled", help="'bundled' or a SYNTHETIC record count (default: bundled)"
    )
    parser.add_argument(
        "--clock",
        choices=("wall", "cpu"),
        default="wall",
        help="wall time (perf_counter) or this thread's CPU time (thread_time) (default: wall)",
    )
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        from synthetic import load_sized

        snap = load_sized(args.size, Path(tmp))
        urls = generate_urls(snap, args.urls, args.seed)
        clock = time.thread_time if args.clock == "cpu" else time.perf_counter
        text = report(args.size, len(snap), urls, args.seed, measure(snap, urls, clock), args.clock)
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
