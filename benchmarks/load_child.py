"""Measured in a fresh interpreter: import, load, peak memory and first-query (index build) costs of one
snapshot.

    python benchmarks/load_child.py [SNAPSHOT_DIR] [--tracemalloc]

Prints one JSON object. Without ``--tracemalloc``: wall times (``time.perf_counter``)
and the peak resident set (KiB) before and after the load and after the first
queries; the deltas are how much the peak grew. The peak is ``VmHWM`` of
``/proc/self/status``: the counter behind ``getrusage().ru_maxrss``, but of this
process's own memory, whereas Linux carries ``ru_maxrss`` over from the parent
across fork and exec (a large benchmark parent would hide the child's growth);
``ru_maxrss`` is the fallback where ``/proc`` is missing. With ``--tracemalloc``: Python allocations traced
from just
before the load (peak during the load, and what stays allocated after it and
after the index build); slower, so its times are not reported.

The first queries are what "computed once per snapshot" means here: the first
list request builds the filter indexes, the folded search text and the id order;
the first duration ordering builds those sort keys and sorts; the same ordering
again, and a second search, reuse them.
"""

from __future__ import annotations

import json
import resource
import sys
import time

LIST = "/2.3.0/spacecraft/"
#: (label, URL) in the order they run; each label names what it is the first (or second) to do
FIRST_QUERIES = [
    ("first_list", LIST),
    ("first_search", LIST + "?search=soyuz"),
    ("second_search", LIST + "?search=progress+ms"),
    ("first_duration_order", LIST + "?ordering=-time_in_space,flights_count"),
    ("second_duration_order", LIST + "?ordering=-time_in_space,flights_count&offset=10"),
]


def _maxrss_kib() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure(path: str | None) -> dict[str, float]:
    """Times (s) and peak-RSS figures (KiB) of importing, loading and first-querying the snapshot at
    ``path``."""
    start = time.perf_counter()
    import spacecraft_data

    out: dict[str, float] = {"import_s": time.perf_counter() - start, "rss_before_load_kib": _maxrss_kib()}
    start = time.perf_counter()
    snap = spacecraft_data.load(path)
    out["load_s"] = time.perf_counter() - start
    out["rss_after_load_kib"] = _maxrss_kib()
    out["records"] = len(snap)
    for label, url in FIRST_QUERIES:
        start = time.perf_counter()
        status, _ = snap.respond(url)
        out[label + "_s"] = time.perf_counter() - start
        if status != 200:
            raise SystemExit(f"{url}: status {status}, expected 200")
    out["rss_after_queries_kib"] = _maxrss_kib()
    return out


def measure_allocations(path: str | None) -> dict[str, float]:
    """Traced Python allocations (bytes) of loading and first-querying the snapshot at ``path``."""
    import tracemalloc

    import spacecraft_data

    tracemalloc.start()
    snap = spacecraft_data.load(path)
    current, peak = tracemalloc.get_traced_memory()
    out: dict[str, float] = {"load_peak_bytes": peak, "after_load_bytes": current}
    for _, url in FIRST_QUERIES:
        snap.respond(url)
    out["after_queries_bytes"] = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return out


def main(argv: list[str]) -> int:
    traced = "--tracemalloc" in argv
    paths = [a for a in argv if a != "--tracemalloc"]
    path = paths[0] if paths and paths[0] else None
    print(json.dumps(measure_allocations(path) if traced else measure(path)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
