"""Load benchmark of ``spacecraft-data serve``: requests per second and latency over loopback.

Starts ``spacecraft-data serve --quiet --port 0`` in a subprocess, runs a
bounded load (a fixed duration) from client processes on 127.0.0.1 only, then
stops the server with SIGTERM. Each client thread holds one HTTP/1.1
keep-alive connection (or opens one per request with ``--new-connections``)
and cycles through a fixed mix of list, search and detail queries.

An error is any request that raises (connection refused/reset, timeout) or
answers another status than the one ``Snapshot.respond`` gives for that URL
(so a detail URL answered 501 on a snapshot without detailed records is
correct, not an error).

    python benchmarks/bench_server.py                       # bundled snapshot, 5 s
    python benchmarks/bench_server.py --synthetic 600       # SYNTHETIC 600-record snapshot
    (benchmarks/synthetic.py)
    python benchmarks/bench_server.py --duration 10 --processes 2 --threads 2

Prints a summary and a markdown table row.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import random
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

LIST = "/2.3.0/spacecraft/"
#: (kind, path) — the mix every client thread cycles through (in its own shuffled order).
MIX = [
    ("list", LIST),
    ("list", LIST + "?limit=100"),
    ("list", LIST + "?ordering=-time_in_space&limit=20"),
    ("list", LIST + "?offset=10&format=json"),
    ("list", LIST + "?status=4&in_space=false&ordering=-id"),
    ("search", LIST + "?search=soyuz"),
    ("search", LIST + "?search=progress+ms&limit=5"),
    ("search", LIST + "?search=%22crew+dragon%22"),
    ("search", LIST + "?search=tian&ordering=-flights_count"),
    ("detail", LIST + "463/"),
    ("detail", LIST + "235/"),
    ("detail", LIST + "99999/"),
]


def start_server(snapshot: str | None) -> tuple[subprocess.Popen, str]:
    """Start ``spacecraft-data serve`` on a free loopback port; return the process and its base URL."""
    cmd = [sys.executable, "-m", "spacecraft_data", "serve", "--host", "127.0.0.1", "--port", "0", "--quiet"]
    if snapshot:
        cmd += ["--snapshot", snapshot]
    proc = subprocess.Popen(
        cmd, stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"}
    )
    line = proc.stdout.readline()
    match = re.search(r"(http://127\.0\.0\.1:\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not report its URL (first line: {line!r})")
    return proc, match.group(1)


def _thread_load(
    base: str, expected: dict[str, int], deadline: float, fresh: bool, seed: int, out: list
) -> None:
    host, port = urlsplit(base).hostname, urlsplit(base).port
    order = [path for _, path in MIX]
    random.Random(seed).shuffle(order)
    latencies: list[float] = []
    errors = 0
    conn: http.client.HTTPConnection | None = None
    i = 0
    while time.perf_counter() < deadline:
        path = order[i % len(order)]
        i += 1
        start = time.perf_counter()
        try:
            if conn is None:
                conn = http.client.HTTPConnection(host, port, timeout=10)
            conn.request("GET", path)
            response = conn.getresponse()
            response.read()
            ok = response.status == expected[path]
            if fresh or response.will_close:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            ok = False
            if conn is not None:
                conn.close()
            conn = None
        latencies.append(time.perf_counter() - start)
        errors += not ok
    if conn is not None:
        conn.close()
    out.append((latencies, errors))


def _process_load(args: tuple[str, dict[str, int], float, int, bool, int]) -> tuple[list[float], int]:
    base, expected, duration, threads, fresh, seed = args
    deadline = time.perf_counter() + duration
    out: list = []
    workers = [
        threading.Thread(target=_thread_load, args=(base, expected, deadline, fresh, seed * 100 + t, out))
        for t in range(threads)
    ]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    return [lat for lats, _ in out for lat in lats], sum(err for _, err in out)


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (0..1) of already sorted values, nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(0, min(len(sorted_values) - 1, round(q * len(sorted_values) + 0.5) - 1))
    return sorted_values[rank]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds of load (default 5)")
    parser.add_argument("--processes", type=int, default=2, help="client processes (default 2)")
    parser.add_argument("--threads", type=int, default=2, help="client threads per process (default 2)")
    parser.add_argument("--new-connections", action="store_true", help="a new TCP connection per request")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--snapshot", help="snapshot folder to serve (default: the bundled one)")
    source.add_argument("--synthetic", type=int, metavar="N", help="serve a SYNTHETIC N-record snapshot")
    args = parser.parse_args(argv)

    import spacecraft_data

    with tempfile.TemporaryDirectory(prefix="bench-server-") as tmp:
        snapshot = args.snapshot
        label = "bundled"
        if args.synthetic:
            sys.path.insert(0, str(Path(__file__).resolve().parent))
            from synthetic import write_synthetic_snapshot

            snapshot = str(write_synthetic_snapshot(args.synthetic, Path(tmp)))
            label = f"synthetic {args.synthetic}"
        elif args.snapshot:
            label = args.snapshot
        snap = spacecraft_data.load(snapshot)
        proc, base = start_server(snapshot)
        try:
            expected = {path: snap.respond(base + path)[0] for _, path in MIX}
            jobs = [
                (base, expected, args.duration, args.threads, args.new_connections, p)
                for p in range(args.processes)
            ]
            started = time.perf_counter()
            with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
                results = pool.map(_process_load, jobs)
            elapsed = time.perf_counter() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                code = proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = "killed"
    latencies = sorted(lat for lats, _ in results for lat in lats)
    errors = sum(err for _, err in results)
    # Throughput over the load window itself (pool start-up excluded: every client runs for --duration).
    rate = len(latencies) / args.duration
    p50, p99 = percentile(latencies, 0.50) * 1000, percentile(latencies, 0.99) * 1000
    clients = args.processes * args.threads
    mode = "new connection per request" if args.new_connections else "keep-alive"
    statuses = ", ".join(f"{path} -> {status}" for path, status in expected.items() if status != 200)
    print(
        f"snapshot: {label} ({len(snap)} records); {clients} clients ({args.processes} processes x "
        f"{args.threads} threads, {mode}); {args.duration:g} s of load ({elapsed:.1f} s with start-up); "
        f"cores: {os.cpu_count()}"
    )
    print(f"non-200 answers expected by Snapshot.respond: {statuses or 'none'}")
    print(
        f"requests: {len(latencies)}; req/s: {rate:.0f}; p50: {p50:.2f} ms; p99: {p99:.2f} ms; "
        f"errors: {errors}; server exit code: {code}"
    )
    print()
    print("| snapshot | clients | connections | duration s | requests | req/s | p50 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|---|---|---|")
    print(
        f"| {label} ({len(snap)}) | {clients} | {mode} | {args.duration:g} | {len(latencies)} | {rate:.0f} "
        f"| {p50:.2f} | {p99:.2f} | {errors} |"
    )
    return 0 if errors == 0 and code == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
