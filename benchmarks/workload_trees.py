"""``workload.py``'s generated workload through several source trees in one run, beside the oracle.

    python benchmarks/workload_trees.py --tree before=/tmp/old/src --tree after=src [--rounds 5]
    [--urls 1000] [--seed 20261201] [--clock cpu|wall] [--output FILE]

A change to the query path is judged against the tree it replaces on the same machine at the same
time: each ``--tree NAME=SRC`` (a ``src`` folder holding ``spacecraft_data``, e.g. a ``git worktree``
of an older commit) answers the same generated URLs (``workload.generate_urls``, bundled snapshot) in
a fresh interpreter, the trees taking turns, ``--rounds`` times, so that load from other processes
falls on all of them alike. The first round of each tree also times the DRF oracle on every URL and
checks every answer against it (``workload.measure``); later rounds time ``respond()`` alone.

Reported per tree: the median over rounds of the per-round median (and the best round) of a first
``respond()`` of each URL and of a repeat, the oracle's median, and how many answers agree.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def _child(urls: int, seed: int, clock: str, oracle: bool) -> dict[str, Any]:
    """One tree's timings in this interpreter (``spacecraft_data`` is the tree's, via PYTHONPATH)."""
    sys.path[:0] = [str(HERE)]
    from workload import generate_urls, measure, time_respond

    import spacecraft_data

    snap = spacecraft_data.load()
    generated = generate_urls(snap, urls, seed)
    timer = time.thread_time if clock == "cpu" else time.perf_counter
    if oracle:
        return measure(snap, generated, timer)
    first, again = time_respond(snap, generated, timer)
    return {"first": first, "again": again, "source": spacecraft_data.__file__}


def _run_tree(src: str, args: argparse.Namespace, oracle: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(Path(src).resolve())}
    command = [sys.executable, __file__, "--child", str(args.urls), str(args.seed), args.clock]
    done = subprocess.run(command + (["oracle"] if oracle else []), env=env, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"tree {src}: the child failed:\n{done.stderr}")
    return json.loads(done.stdout)


def _us(seconds: float) -> str:
    return f"{seconds * 1e6:,.1f}"


def report(
    trees: list[tuple[str, str]], runs: dict[str, list[dict[str, Any]]], args: argparse.Namespace
) -> str:
    """The markdown table of the run."""
    lines = [
        f"Generated workload: {args.urls} distinct URLs (seed {args.seed}), bundled snapshot, {args.clock} "
        f"clock; {args.rounds} rounds, the trees taking turns.",
        "",
        "| tree | first seen: median of rounds (best) | again: median of rounds (best) | oracle median | "
        "agree |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, src in trees:
        first = [statistics.median(r["first"]) for r in runs[name]]
        again = [statistics.median(r["again"]) for r in runs[name]]
        lead = runs[name][0]
        oracle = statistics.median(lead["oracle"])
        lines.append(
            f"| {name} (`{src}`) | {_us(statistics.median(first))} ({_us(min(first))}) | "
            f"{_us(statistics.median(again))} ({_us(min(again))}) | {_us(oracle)} | "
            f"{lead['agree']}/{args.urls} |"
        )
    return "\n".join(lines) + "\n\nµs per query.\n"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"]:
        urls, seed, clock = int(argv[1]), int(argv[2]), argv[3]
        print(json.dumps(_child(urls, seed, clock, argv[4:] == ["oracle"])))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tree", action="append", required=True, help="NAME=SRC (repeatable)")
    parser.add_argument("--rounds", type=int, default=5, help="turns per tree (default: %(default)s)")
    parser.add_argument("--urls", type=int, default=1000, help="distinct URLs (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=20261201, help="generator seed (default: %(default)s)")
    parser.add_argument("--clock", choices=("wall", "cpu"), default="cpu", help="(default: %(default)s)")
    parser.add_argument("--output", type=Path, help="also write the report to this file")
    args = parser.parse_args(argv)
    trees = [tuple(t.split("=", 1)) for t in args.tree]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name, _ in trees}
    for round_ in range(args.rounds):
        turn = trees[round_ % len(trees) :] + trees[: round_ % len(trees)]  # no tree always goes first
        for name, src in turn:
            runs[name].append(_run_tree(src, args, oracle=round_ == 0))
    text = report(trees, runs, args)  # type: ignore[arg-type]
    print(text, end="")
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
