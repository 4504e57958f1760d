"""Can ``spacecraft-data serve`` be stopped, or starved, by its clients? Signals, idle and slow connections.

Every measurement starts ``spacecraft-data serve --quiet --port 0`` in a subprocess on 127.0.0.1 (with
``--nofile N``, under ``RLIMIT_NOFILE`` N, set in the child before it starts) and talks to it from this
process only, over loopback:

* ``signals``: ROUNDS times, a stream of new connections (4 client threads, one request each) runs while
  SIGTERM (odd rounds: SIGINT) is sent; a signal is *ignored* when the process is still alive 5 s later.
  Prints how many were ignored and the slowest stop.
* ``idle``: IDLE connections are opened and left silent, then a fresh client sends REQUESTS requests, one
  new connection each; prints its latencies (a request that takes over 5 s is a timeout).
* ``slow``: SLOW clients each pipeline 20 large requests (the browsable page of 100 records) and never read;
  SETTLE seconds later (the answers they get first are computed by then) the fresh client is measured as
  above.
* ``burst``: BURST connections are opened at once, each sending one request as soon as it is connected,
  while the fresh client is measured; prints when every one had its answer (or failed).
* ``slowloris``: one client sends a request head one byte every INTERVAL seconds; prints how long the
  server holds that connection open (bounded by --slowloris-max).

    python benchmarks/bench_exhaustion.py signals --rounds 12
    python benchmarks/bench_exhaustion.py idle --idle 1100 --nofile 1024
    python benchmarks/bench_exhaustion.py slow --slow 100 --nofile 1024
    python benchmarks/bench_exhaustion.py burst --burst 4000
    python benchmarks/bench_exhaustion.py slowloris --interval 20 --slowloris-max 120
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import selectors
import signal
import socket
import subprocess
import sys
import threading
import time
from statistics import median

LIST = "/2.3.0/spacecraft/"


def start_server(
    nofile: int | None = None, extra: list[str] | None = None
) -> tuple[subprocess.Popen, tuple[str, int]]:
    """``serve --port 0`` in a subprocess (under ``RLIMIT_NOFILE`` ``nofile``); the process and its
    address."""

    def limit() -> None:
        if nofile:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

    cmd = [
        sys.executable,
        "-m",
        "spacecraft_data",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--quiet",
        *(extra or []),
    ]
    proc = subprocess.Popen(
        cmd,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=limit,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
    if not match:
        proc.kill()
        raise SystemExit(f"the server did not report its URL (first line: {line!r})")
    return proc, ("127.0.0.1", int(match.group(1)))


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def fetch(address: tuple[str, int], path: str = LIST + "?limit=1", timeout: float = 5.0) -> float:
    """Seconds for one GET on a new connection, to the end of the answer; ``inf`` on a timeout or an error."""
    start = time.perf_counter()
    try:
        with socket.create_connection(address, timeout=timeout) as sock:
            sock.sendall(
                (
                    f"GET {path} HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\nConnection: close\r\n\r\n"
                ).encode()
            )
            data = b""
            while chunk := sock.recv(65536):
                data += chunk
                if time.perf_counter() - start > timeout:
                    return float("inf")
        if not data.startswith(b"HTTP/1.1 200 "):
            return float("inf")
    except OSError:
        return float("inf")
    return time.perf_counter() - start


def fresh_client(address: tuple[str, int], requests: int) -> str:
    times = [fetch(address) for _ in range(requests)]
    done = sorted(t for t in times if t != float("inf"))
    if not done:
        return f"fresh client: {requests} requests, all failed or timed out (5 s)"
    return (
        f"fresh client: {requests} requests, median {median(done) * 1000:.1f} ms, "
        f"p90 {done[int(0.9 * (len(done) - 1))] * 1000:.1f} ms, max {done[-1] * 1000:.1f} ms, "
        f"failed or timed out (5 s): {requests - len(done)}"
    )


def measure_signals(rounds: int) -> None:
    ignored, stops = 0, []
    for n in range(rounds):
        signum = signal.SIGTERM if n % 2 == 0 else signal.SIGINT
        proc, address = start_server()
        stop = threading.Event()

        def stream() -> None:
            while not stop.is_set():
                fetch(address, timeout=2.0)

        clients = [threading.Thread(target=stream, daemon=True) for _ in range(4)]
        for c in clients:
            c.start()
        time.sleep(0.5)
        sent = time.perf_counter()
        proc.send_signal(signum)
        try:
            proc.wait(timeout=5)
            stops.append(time.perf_counter() - sent)
        except subprocess.TimeoutExpired:
            ignored += 1
        stop.set()
        stop_server(proc)
        for c in clients:
            c.join()
    slowest = f"{max(stops) * 1000:.0f} ms" if stops else "-"
    print(
        f"signals under a stream of new connections: {rounds} sent, {ignored} ignored (alive 5 s later); "
        f"slowest stop: {slowest}"
    )


def measure_idle(idle: int, nofile: int | None, requests: int) -> None:
    proc, address = start_server(nofile)
    held = []
    try:
        for _ in range(idle):
            try:
                held.append(socket.create_connection(address, timeout=5))
            except OSError:
                break
        time.sleep(1.0)
        print(f"{len(held)} idle connections open (serve under RLIMIT_NOFILE {nofile or 'unchanged'})")
        print(fresh_client(address, requests))
    finally:
        for s in held:
            s.close()
        stop_server(proc)


def measure_slow(slow: int, nofile: int | None, requests: int, settle: float) -> None:
    proc, address = start_server(nofile)
    held = []
    head = f"GET {LIST}?limit=100&format=api HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\n\r\n".encode()
    try:
        for _ in range(slow):
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that never reads: tiny window
            s.settimeout(5)
            s.connect(address)
            s.setblocking(False)
            try:
                for _ in range(20):
                    s.send(head)
            except OSError:
                pass
            held.append(s)
        time.sleep(settle)
        print(
            f"{len(held)} slow readers (pipelined large requests, never read), measured {settle:g} s after "
            "they connected"
        )
        print(fresh_client(address, requests))
    finally:
        for s in held:
            s.close()
        stop_server(proc)


def measure_burst(burst: int, nofile: int | None, requests: int) -> None:
    proc, address = start_server(nofile)
    request = (
        f"GET {LIST}?limit=1 HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\nConnection: close\r\n\r\n"
    ).encode()
    selector = selectors.DefaultSelector()
    received: dict[socket.socket, bytes] = {}
    ok = failed = 0
    try:
        started = time.perf_counter()
        for _ in range(burst):
            sock = socket.socket()
            sock.setblocking(False)
            sock.connect_ex(address)
            selector.register(sock, selectors.EVENT_WRITE)
            received[sock] = b""
        fresh: list[str] = []
        client = threading.Thread(target=lambda: fresh.append(fresh_client(address, requests)))
        client.start()

        def done(sock: socket.socket) -> None:
            nonlocal ok, failed
            selector.unregister(sock)
            sock.close()
            if received.pop(sock).startswith(b"HTTP/1.1 200 "):
                ok += 1
            else:
                failed += 1

        while received and time.perf_counter() - started < 120:
            for key, mask in selector.select(1.0):
                sock = key.fileobj
                try:
                    if mask & selectors.EVENT_WRITE:
                        sock.send(request)
                        selector.modify(sock, selectors.EVENT_READ)
                        continue
                    chunk = sock.recv(65536)
                except OSError:
                    chunk = b""
                if chunk:
                    received[sock] += chunk
                else:
                    done(sock)
        elapsed = time.perf_counter() - started
        client.join()
        print(
            f"burst of {burst} connections, one request each: {ok} answered 200, {failed} failed, "
            f"{len(received)} unanswered after {elapsed:.1f} s"
        )
        print(fresh[0] + " (measured during the burst)")
    finally:
        for sock in received:
            sock.close()
        stop_server(proc)


def measure_slowloris(interval: float, bound: float) -> None:
    proc, address = start_server()
    try:
        sock = socket.create_connection(address, timeout=interval)
        head = f"GET {LIST} HTTP/1.1\r\nHost: {address[0]}:{address[1]}\r\nX-Slow: " + "a" * 1000
        start = time.perf_counter()
        held = None
        for byte in head.encode():
            try:
                sock.send(bytes([byte]))
                if sock.recv(1) == b"":  # closed by the server while we waited
                    held = time.perf_counter() - start
                    break
            except socket.timeout:
                pass
            except OSError:
                held = time.perf_counter() - start
                break
            if time.perf_counter() - start > bound:
                break
        if held is None:
            print(f"slowloris (one header byte every {interval:g} s): still open after {bound:g} s")
        else:
            print(
                f"slowloris (one header byte every {interval:g} s): closed by the server after {held:.1f} s"
            )
        sock.close()
    finally:
        stop_server(proc)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=["signals", "idle", "slow", "burst", "slowloris"])
    parser.add_argument("--burst", type=int, default=4000, help="connections opened at once (default 4000)")
    parser.add_argument("--rounds", type=int, default=12, help="signals sent (default 12)")
    parser.add_argument("--idle", type=int, default=1100, help="idle connections (default 1100)")
    parser.add_argument("--slow", type=int, default=100, help="slow readers (default 100)")
    parser.add_argument("--nofile", type=int, default=None, help="RLIMIT_NOFILE of the server (e.g. 1024)")
    parser.add_argument(
        "--requests", type=int, default=20, help="fresh-client requests measured (default 20)"
    )
    parser.add_argument(
        "--settle",
        type=float,
        default=3.0,
        help="slow: seconds between the slow readers' requests and the measure (default 3)",
    )
    parser.add_argument(
        "--interval", type=float, default=20.0, help="slowloris: seconds between bytes (default 20)"
    )
    parser.add_argument(
        "--slowloris-max", type=float, default=120.0, help="slowloris: give up after (default 120 s)"
    )
    args = parser.parse_args(argv)
    if args.what == "signals":
        measure_signals(args.rounds)
    elif args.what == "idle":
        measure_idle(args.idle, args.nofile, args.requests)
    elif args.what == "slow":
        measure_slow(args.slow, args.nofile, args.requests, args.settle)
    elif args.what == "burst":
        measure_burst(args.burst, args.nofile, args.requests)
    else:
        measure_slowloris(args.interval, args.slowloris_max)
    return 0


if __name__ == "__main__":
    sys.exit(main())
