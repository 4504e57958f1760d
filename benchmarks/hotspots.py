"""Where the engine's time goes: cProfile of ``Snapshot.respond`` on the benchmark's query mix.

    python benchmarks/hotspots.py [--size 12000] [--query "search 1 term"] [--calls 200] [--top 12]

``--size``: ``bundled`` or a SYNTHETIC record count (``benchmarks/synthetic.py``,
temporary folder). Each selected query of ``queries.py`` is answered once to
build the per-snapshot indexes, then ``--calls`` times under ``cProfile``; the
functions with the most own time are printed per query, with µs per call.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from queries import query_mix  # noqa: E402

import spacecraft_data  # noqa: E402


def profile(snap: spacecraft_data.Snapshot, url: str, calls: int) -> pstats.Stats:
    """Profile ``calls`` answers of ``url`` (after one warm-up answer)."""
    snap.respond(url)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        snap.respond(url)
    profiler.disable()
    return pstats.Stats(profiler)


def top_rows(stats: pstats.Stats, calls: int, top: int) -> list[str]:
    """The ``top`` functions by own time: µs per answer (own, cumulative), calls per answer, where."""
    rows = sorted(stats.stats.items(), key=lambda item: -item[1][2])[:top]  # type: ignore[attr-defined]
    out = []
    for (file, line, func), (_, ncalls, tottime, cumtime, _) in rows:
        where = f"{Path(file).name}:{line}({func})" if line else func
        out.append(
            f"{tottime / calls * 1e6:9.1f} {cumtime / calls * 1e6:9.1f} {ncalls / calls:8.1f}  {where}"
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--size", default="12000", help="'bundled' or a SYNTHETIC record count (default 12000)"
    )
    parser.add_argument(
        "--query", action="append", help="a query name of queries.py (repeatable; default: all)"
    )
    parser.add_argument("--calls", type=int, default=200, help="answers profiled per query (default 200)")
    parser.add_argument("--top", type=int, default=12, help="functions shown per query (default 12)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="spacecraft-hotspots-") as tmp:
        path = None
        if args.size != "bundled":
            from synthetic import write_synthetic_snapshot

            path = write_synthetic_snapshot(int(args.size), Path(tmp))
        snap = spacecraft_data.load(path)
        mix = query_mix(len(snap), snap.records[len(snap) // 2]["id"])
        unknown = set(args.query or ()) - {q.name for q in mix}
        if unknown:
            parser.error(f"--query: unknown {sorted(unknown)}; known: {[q.name for q in mix]}")
        for q in mix:
            if args.query and q.name not in args.query:
                continue
            stats = profile(snap, q.url, args.calls)
            total = stats.total_tt / args.calls * 1e6  # type: ignore[attr-defined]
            print(
                f"\n== {q.name} on {len(snap):,} records: {q.url}  ({total:.0f} µs per answer under cProfile)"
            )
            print(f"{'own µs':>9} {'cum µs':>9} {'calls':>8}  function")
            print("\n".join(top_rows(stats, args.calls, args.top)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
