"""What the costliest URLs cost: ``respond()`` over adversarial ``search`` strings (and other long queries).

    python benchmarks/search_cost.py                      # bundled snapshot, every family, 7 cold repeats
    python benchmarks/search_cost.py --size 3000 --family bs-dquote --repeats 3
    python benchmarks/search_cost.py --split-only 65536   # search_terms() alone on 64 KiB of each family
    python benchmarks/search_cost.py --serve 5            # requests/s of a live serve, 4 clients, 5 s of them

Each family builds one URL as a client could send it (printable ASCII: spaces as ``+``, other
characters percent-encoded), as long as a request line ``serve`` reads allows (``GET <url> HTTP/1.1``
within ``MAX_REQUEST_LINE``, 8 KiB). Every answer is timed *cold*: the split cache and the endpoint's
query cache are cleared and refilled by a plain request before each timed call, so the URL's terms are
new to the engine, as a never-seen URL's are. Printed per family: URL length, status, number of
search terms, and the best and worst of the repeats in ms, then the worst family. The strings are
SYNTHETIC (generated here); ``--size N`` answers over a SYNTHETIC N-record snapshot (``synthetic.py``).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote_plus, unquote_plus

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import spacecraft_data  # noqa: E402
from spacecraft_data.query import search as search_module  # noqa: E402
from spacecraft_data.server import MAX_REQUEST_LINE  # noqa: E402

#: the longest URL a request line of serve can carry: "GET <url> HTTP/1.1\r\n"
MAX_URL = MAX_REQUEST_LINE - len("GET  HTTP/1.1\r\n")
LIST = "/2.3.0/spacecraft/"
CONFIGS = "/2.3.0/spacecraft_configurations/"


def _fill(prefix: str, unit: str, limit: int = MAX_URL) -> str:
    """``prefix`` and as many whole ``unit`` as fit in ``limit`` characters."""
    return prefix + unit * ((limit - len(prefix)) // len(unit))


def _substrings(snap: spacecraft_data.Snapshot, longest: int) -> list[str]:
    """Distinct substrings (1..``longest`` characters, no space) of the longest searched name: all match its
    record."""
    name = max((r["name"] for r in snap.records), key=len)
    seen = dict.fromkeys(name[i : i + n] for n in range(1, longest + 1) for i in range(len(name) - n + 1))
    return [s for s in seen if s.strip() == s and s]


def families(snap: spacecraft_data.Snapshot) -> dict[str, str]:
    """Family name -> URL (raw, as sent), each at most :data:`MAX_URL` characters."""
    rng = random.Random(20261201)
    base = LIST + "?search="
    out = {
        # the string: an escaped quote never closes, so the regex rescanned to the end from each token
        "bs-dquote": _fill(base, 'a\\"+'),
        "bs-squote": _fill(base, "a\\'+"),
        "bs-dquote-encoded": _fill(base, "a%5C%22+"),
        "dquote-pairs": _fill(base, 'a"+'),
        "quote-runs": _fill(base, '"'),
        "bs-newline": _fill(base, '"a%5C%0A+'),
        "unclosed-then-words": _fill(base + '"', "ab+"),
        "mixed-random": base
        + "".join(rng.choice(['"', "'", "\\", "+", ",", "a", "b"]) for _ in range(MAX_URL - len(base))),
        "commas": _fill(base, "a,"),
        "distinct-words": base + "+".join(f"w{i}" for i in range(2000))[: MAX_URL - len(base)],
        "distinct-in-one-token": base + ",".join(f"w{i}" for i in range(2000))[: MAX_URL - len(base)],
        "non-ascii": _fill(base, quote_plus("é") + "+"),
        "ordering-long": _fill(LIST + "?ordering=", "-time_in_space,"),
        "many-params": _fill(LIST + "?limit=1", "&status=4"),
        "configs-bs-dquote": _fill(CONFIGS + "?search=", 'a\\"+'),
    }
    # Every term matches one record, so no term ends the search early: the most terms that all do work.
    words = "+".join(quote_plus(s) for s in _substrings(snap, 6))
    out["matching-substrings"] = (base + words)[:MAX_URL].rsplit("+", 1)[0]
    out["matching-substrings-repeated"] = _fill(base, words[:200].rsplit("+", 1)[0] + "+")
    return out


def cold(snap: spacecraft_data.Snapshot, url: str) -> float:
    """Seconds of one answer of ``url`` whose search terms are new to the engine."""
    search_module.SPLIT_CACHE.clear()
    path = url.split("?", 1)[0]
    for served in list(snap.api._served.values()):  # benchmark only: reach into the service's state
        served.engine.cache.clear()
    snap.respond(path)  # refill what any request uses (the default order) outside the timing
    start = time.perf_counter()
    snap.respond(url)
    return time.perf_counter() - start


def split_only(size: int) -> None:
    """``search_terms`` alone on ``size`` characters of each quoting family."""
    for name, unit in (
        ("bs-dquote", 'a\\" '),
        ("bs-squote", "a\\' "),
        ("quote-runs", '"'),
        ("commas", "a,"),
        ("bs-newline", '"a\\\n '),
    ):
        value = unit * (size // len(unit))
        start = time.perf_counter()
        terms = search_module.search_terms(value)
        print(
            f"{name:24} {len(value):7} chars {len(terms):6} terms "
            f"{1e3 * (time.perf_counter() - start):9.2f} ms"
        )


def serve_rate(snap: spacecraft_data.Snapshot, seconds: float, clients: int = 4) -> float:
    """Requests per second a live ``serve`` (loopback, in a thread) answers to ``clients`` keep-alive clients,
    each sending the issue's 8 KiB ``a\\"+`` search with a new letter and suffix every time (no cache
    helps)."""
    import http.client
    import threading

    from spacecraft_data.server import make_server

    server = make_server(snap, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    counts = [0] * clients
    stop = time.monotonic() + seconds

    def client(i: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < stop:
            letter = "bcdefghijklmnopqrstuvwxyz"[(counts[i] + 7 * i) % 25]
            connection.request("GET", LIST + "?search=" + f'{letter}\\"+' * 2030 + f"+{i}x{counts[i]}")
            response = connection.getresponse()
            response.read()
            assert response.status == 200, response.status
            counts[i] += 1
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    server.shutdown()
    server.server_close()
    return sum(counts) / seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="bundled", help="'bundled' or a SYNTHETIC record count")
    parser.add_argument("--family", action="append", help="a family name (repeatable; default: all)")
    parser.add_argument("--repeats", type=int, default=7, help="cold answers timed per family (default 7)")
    parser.add_argument("--split-only", type=int, metavar="CHARS", help="time search_terms() alone on CHARS")
    parser.add_argument(
        "--serve", type=float, metavar="SECONDS", help="requests/s of a live serve (4 clients)"
    )
    args = parser.parse_args(argv)
    if args.split_only:
        split_only(args.split_only)
        return 0
    if args.serve:
        rate = serve_rate(spacecraft_data.load(), args.serve)
        print(
            f'serve, 4 keep-alive clients, {args.serve:g} s of distinct 8 KiB a\\"+ searches: '
            f"{rate:.1f} requests/s"
        )
        return 0
    with tempfile.TemporaryDirectory(prefix="spacecraft-search-cost-") as tmp:
        from synthetic import load_sized

        snap = load_sized(args.size, Path(tmp))
        snap.respond(LIST + "?search=soyuz")  # build the search text and indexes outside the timings
        snap.respond(CONFIGS + "?search=dragon")
        worst = ("", 0.0)
        print(f"{'family':30} {'URL':>5} {'status':>6} {'terms':>6} {'best ms':>8} {'worst ms':>9}")
        for name, url in families(snap).items():
            if args.family and name not in args.family:
                continue
            assert len(url) <= MAX_URL, (name, len(url))
            status = snap.respond(url)[0]
            query = url.partition("?")[2]
            value = next(
                (
                    unquote_plus(v)
                    for k, _, v in (p.partition("=") for p in query.split("&"))
                    if k == "search"
                ),
                "",
            )
            terms = len(search_module.search_terms(value)) if value else 0
            times = [cold(snap, url) for _ in range(args.repeats)]
            print(
                f"{name:30} {len(url):5} {status:6} {terms:6} {1e3 * min(times):8.2f} {1e3 * max(times):9.2f}"
            )
            if max(times) > worst[1]:
                worst = (name, max(times))
        print(f"worst: {worst[0]} {1e3 * worst[1]:.2f} ms ({len(snap)} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
