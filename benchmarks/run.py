"""Benchmarks of spacecraft-data: load, memory, query latency against the DRF oracle, and the cold CLI.

    python benchmarks/run.py [--sizes bundled,600,3000,12000] [--quick] [--output benchmarks/results.md]

For each size (``bundled``: the snapshot shipped in the package; a number N: a
SYNTHETIC N-record snapshot from ``benchmarks/synthetic.py``, written to a
temporary folder and deleted afterwards, never under ``data/``):

* load time, import time and peak memory, each in fresh interpreters
  (``load_child.py``), and the first-query costs (the per-snapshot index build);
* the latency of a fixed, named query mix (``queries.py``) through
  ``Snapshot.query``, ``Snapshot.respond`` and ``respond`` plus ``json.dumps``
  (what a server sends), and through the DRF oracle (``tests/oracle``: the real
  Django REST Framework and django-filter classes on SQLite ``:memory:``, loaded
  with the same records; its load is timed apart) on the same URLs, in the same
  run; each engine answer is also checked against the oracle's.

Then the cold wall time of ``spacecraft-data query`` next to ``python -c pass``
and ``python -c "import json"``, and its ``-X importtime`` top items.
Writes one markdown report (``--output``) and prints it. Not part of the test
suite; ``tests/test_benchmarks.py`` only checks that it runs on tiny sizes.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "tests")]

import cold_cli  # noqa: E402
from latency import Timing, time_engine, time_oracle  # noqa: E402
from queries import LIST, Query, query_mix  # noqa: E402

import spacecraft_data  # noqa: E402
from spacecraft_data.errors import ModeNotHeld, QueryError  # noqa: E402
from spacecraft_data.store import write_atomic  # noqa: E402

#: targets of issues 3 and 7
MAX_SCALE_RATIO = 25.0
MAX_LOAD_S = 0.5
MIN_ORACLE_RATIO = 100.0
REFERENCE_SIZE = "600"


# --------------------------------------------------------------------------- settings
class Settings:
    """How hard to measure: repeats and time budgets (``--quick`` lowers them all)."""

    def __init__(self, quick: bool, cli_runs: int | None) -> None:
        self.quick = quick
        self.engine_repeat = 3 if quick else 7
        self.engine_min_repeat_s = 0.002 if quick else 0.04
        self.oracle_budget_s = 0.02 if quick else 0.6
        self.oracle_min_repeat = 2 if quick else 3
        self.load_runs = 1 if quick else 5
        self.cli_runs = cli_runs if cli_runs is not None else (3 if quick else 20)


# --------------------------------------------------------------------------- machine
def machine_facts() -> dict[str, str]:
    """CPU model, cores, load average, Python, OS, date and code version of this run."""
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "unknown"
    load1, load5, _ = os.getloadavg()
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} ({usable} usable by this process)",
        "load average at start (1 min, 5 min)": f"{load1:.2f}, {load5:.2f}",
        "Python": f"{platform.python_implementation()} {platform.python_version()}",
        "OS": platform.platform(),
        "date (UTC)": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M"),
        "spacecraft-data": f"{spacecraft_data.__version__} (git {commit})",
    }


# --------------------------------------------------------------------------- load and memory
def measure_load(path: str | None, env: dict[str, str], runs: int) -> dict[str, Any]:
    """Load figures of the snapshot at ``path`` (None: bundled): fresh processes, times best of ``runs``."""

    def child(*extra: str) -> dict[str, Any]:
        cmd = [sys.executable, str(HERE / "load_child.py"), path or "", *extra]
        done = subprocess.run(cmd, env=env, check=True, capture_output=True, text=True)
        return json.loads(done.stdout)

    child()  # fills the bytecode cache
    samples = [child() for _ in range(runs)]
    out: dict[str, Any] = {key: min(s[key] for s in samples) for key in samples[0] if key.endswith("_s")}
    out["load_median_s"] = statistics.median(s["load_s"] for s in samples)
    last = samples[-1]
    out["records"] = last["records"]
    out["rss_load_mib"] = (last["rss_after_load_kib"] - last["rss_before_load_kib"]) / 1024
    out["rss_total_mib"] = (last["rss_after_queries_kib"] - last["rss_before_load_kib"]) / 1024
    out["rss_peak_mib"] = last["rss_after_queries_kib"] / 1024
    out.update({k: v / 2**20 for k, v in child("--tracemalloc").items()})
    return out


# --------------------------------------------------------------------------- latency
def _agrees(oracle: Any, snap: Any, q: Query) -> bool:
    """The engine's answers (respond and query) are the oracle's, as tests/test_differential.py compares
    them."""
    expected = oracle.answer(q.url)
    status, body = snap.respond(q.url)
    if expected.detailed and expected.status in (200, 501):
        same = status == 501
    else:
        same = (status, body) == (expected.status, expected.body)
    if q.kwargs is None:
        return same
    got = _query(snap, q.kwargs)
    if isinstance(got, ModeNotHeld):
        return same and status == 501
    if isinstance(got, QueryError):
        return same and (got.status, got.body) == (status, body)
    return same and got.to_dict() == body


def _query(snap: Any, kwargs: dict[str, Any]) -> Any:
    """``snap.query(**kwargs)``, with a refusal returned rather than raised (it is a measured answer too)."""
    try:
        return snap.query(**kwargs)
    except (QueryError, ModeNotHeld) as exc:
        return exc


def measure_queries(snap: Any, oracle: Any, settings: Settings) -> list[dict[str, Any]]:
    """Latency of every query of the mix through query, respond, respond + JSON and the oracle."""
    detail_id = snap.records[len(snap) // 2]["id"]
    rows = []
    for q in query_mix(len(snap), detail_id):
        row: dict[str, Any] = {"name": q.name, "url": q.url, "agrees": _agrees(oracle, snap, q)}
        row["status"] = snap.respond(q.url)[0]
        row["query"] = (
            time_engine(lambda: _query(snap, q.kwargs), settings.engine_repeat, settings.engine_min_repeat_s)
            if q.kwargs is not None
            else None
        )
        row["respond"] = time_engine(
            lambda: snap.respond(q.url), settings.engine_repeat, settings.engine_min_repeat_s
        )
        row["respond_json"] = time_engine(
            lambda: json.dumps(snap.respond(q.url)[1], ensure_ascii=False, separators=(",", ":")).encode(),
            settings.engine_repeat,
            settings.engine_min_repeat_s,
        )
        row["oracle"] = time_oracle(
            lambda: oracle.get(q.url), settings.oracle_budget_s, settings.oracle_min_repeat
        )
        rows.append(row)
    return rows


def measure_size(label: str, path: str | None, env: dict[str, str], settings: Settings) -> dict[str, Any]:
    """Everything measured on one snapshot."""
    from oracle import Oracle

    print(f"[{label}] load in fresh processes …", file=sys.stderr, flush=True)
    result: dict[str, Any] = {
        "label": label,
        "path": path,
        "load": measure_load(path, env, settings.load_runs),
    }
    snap = spacecraft_data.load(path)
    oracle = Oracle.from_snapshot(snap)
    start = time.perf_counter()
    oracle.get(LIST + "?limit=1")  # bulk-inserts the records into SQLite, then answers
    result["oracle_load_s"] = time.perf_counter() - start
    print(f"[{label}] {len(snap)} records: query latency …", file=sys.stderr, flush=True)
    result["queries"] = measure_queries(snap, oracle, settings)
    return result


# --------------------------------------------------------------------------- report
def _us(t: Timing | None, best: bool = False) -> str:
    if t is None:
        return "—"
    v = (t.best if best else t.median) * 1e6
    return f"{v:.1f}" if v < 10 else f"{v:,.0f}"


def _ratio(r: float | None) -> str:
    if r is None:
        return "—"
    return f"{r:.2f}" if r < 10 else f"{r:,.0f}"


def _size_name(result: dict[str, Any]) -> str:
    n = result["load"]["records"]
    return f"bundled ({n})" if result["label"] == "bundled" else f"synthetic {n:,}"


def report(
    facts: dict[str, str],
    command: str,
    results: list[dict[str, Any]],
    cli: list[cold_cli.ColdRun],
    imports: list[tuple[str, int, int]],
    settings: Settings,
    elapsed: float,
) -> str:
    """The markdown report: machine, latency table, load/memory, first-query costs, cold CLI, targets."""
    ref = next((r for r in results if r["label"] == REFERENCE_SIZE), None)
    ref_by_name = {row["name"]: row for row in ref["queries"]} if ref else {}
    lines = [
        "# spacecraft-data benchmarks",
        "",
        f"Generated by `{command}` in {elapsed:.0f} s"
        + (" (**--quick**: few repeats, indicative only)." if settings.quick else "."),
        "",
    ]
    lines += [f"- {k}: {v}" for k, v in facts.items()]
    lines += [
        "- synthetic snapshots: SYNTHETIC records made by `benchmarks/synthetic.py` from the real bundled "
        "ones (ids, names, durations and counts varied), in a temporary folder; not LL2 data",
        "",
    ]

    lines += [
        "## Query latency",
        "",
        "Median µs per call of repeated `timeit` runs after a warm-up call (best in its own column); "
        f"{settings.engine_repeat} repeats per engine figure, each ≥ "
        f"{settings.engine_min_repeat_s * 1000:g} ms long. *query*: `Snapshot.query(**kwargs)` (a 400 is "
        "raised and caught); *respond*: `Snapshot.respond(url)` -> (status, body); *respond+JSON*: that "
        "body through `json.dumps` as the server sends it; *oracle*: the DRF oracle (`tests/oracle`, real "
        "DRF + django-filter on SQLite `:memory:`) answering the same URL through Django's test client "
        f"with JSON rendering, one call per repeat within a {settings.oracle_budget_s:g} s budget (≥ "
        f"{settings.oracle_min_repeat} repeats). *oracle/respond*: median ratio. *×600*: respond median "
        "over the same query's on the 600-record snapshot. *agrees*: the engine's respond and query "
        "answers equal the oracle's (detail route: both 501, no detailed records held).",
        "",
        "| snapshot | query | status | query µs | respond µs | respond best µs | respond+JSON µs | oracle µs "
        "| oracle best µs | oracle/respond | ×600 | agrees |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        for row in result["queries"]:
            ref_row = ref_by_name.get(row["name"])
            scale = row["respond"].median / ref_row["respond"].median if ref_row else None
            lines.append(
                f"| {_size_name(result)} | {row['name']} | {row['status']} | {_us(row['query'])} "
                f"| {_us(row['respond'])} | {_us(row['respond'], best=True)} | {_us(row['respond_json'])} "
                f"| {_us(row['oracle'])} | {_us(row['oracle'], best=True)} "
                f"| {_ratio(row['oracle'].median / row['respond'].median)} | {_ratio(scale)} "
                f"| {'yes' if row['agrees'] else '**NO**'} |"
            )
    lines.append("")
    lines.append("URLs (path on `https://ll.thespacedevs.com`), for the largest snapshot:")
    lines.append("")
    lines += [f"- {row['name']}: `{row['url']}`" for row in results[-1]["queries"]]
    lines.append("")

    lines += [
        "## Load and memory",
        "",
        "Each figure from fresh interpreters running `benchmarks/load_child.py` (bytecode cached); times "
        f"are the best of {settings.load_runs} (median beside). *RSS*: growth of the peak resident set "
        "(`VmHWM` of `/proc/self/status`, i.e. `ru_maxrss` of the child's own memory: Linux carries "
        "`ru_maxrss` over from the parent across fork and exec) across `load()` alone, and across "
        "`load()` plus the first queries of the next table; *traced*: `tracemalloc` peak during `load()` "
        "and what stays allocated after it and after those queries (a separate run). *oracle load*: bulk "
        "insert of the same records into the oracle's SQLite plus its first request (not in any per-query "
        "figure).",
        "",
        "| snapshot | load s | load s median | import s | RSS +MiB load | RSS +MiB load+queries "
        "| peak RSS MiB "
        "| traced peak MiB (load) | traced MiB after load | traced MiB after queries | oracle load s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ld = result["load"]
        lines.append(
            f"| {_size_name(result)} | {ld['load_s']:.4f} | {ld['load_median_s']:.4f} | {ld['import_s']:.4f} "
            f"| {ld['rss_load_mib']:.1f} | {ld['rss_total_mib']:.1f} | {ld['rss_peak_mib']:.1f} "
            f"| {ld['load_peak_bytes']:.1f} | {ld['after_load_bytes']:.1f} | {ld['after_queries_bytes']:.1f} "
            f"| {result['oracle_load_s']:.3f} |"
        )
    lines.append("")

    lines += [
        "## First-query costs (what is computed once per snapshot)",
        "",
        "Milliseconds of each request, in this order, in a fresh process right after `load()` (best of "
        "the same runs). The first list request builds the filter indexes, the folded search text of "
        "every record and the id order; the first duration ordering parses those durations into sort keys "
        "and sorts. The second search and the same ordering again reuse them: that they cost a fraction "
        "of the first is the evidence that nothing is rebuilt per query.",
        "",
        "| snapshot | first list (index build) | first search `soyuz` | second search `progress ms` "
        "| first `-time_in_space,flights_count` | same ordering again (offset 10) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        ld = result["load"]
        lines.append(
            f"| {_size_name(result)} | {ld['first_list_s'] * 1000:.2f} | {ld['first_search_s'] * 1000:.2f} "
            f"| {ld['second_search_s'] * 1000:.2f} | {ld['first_duration_order_s'] * 1000:.2f} "
            f"| {ld['second_duration_order_s'] * 1000:.2f} |"
        )
    lines.append("")

    if cli:
        lines += [
            "## Cold CLI",
            "",
            f"Wall time of whole processes, {cli[0].runs} runs each after one warm-up (fewer for a large "
            "synthetic snapshot). The environment's `PYTHONDONTWRITEBYTECODE=1` is removed and "
            "`PYTHONPYCACHEPREFIX` set to a temporary folder, so bytecode is cached as on a normal install.",
            "",
            "| command | runs | best ms | median ms |",
            "|---|---:|---:|---:|",
        ]
        lines += [f"| `{c.label}` | {c.runs} | {c.best * 1000:.1f} | {c.median * 1000:.1f} |" for c in cli]
        lines += [
            "",
            f"`-X importtime` of the CLI query, top {len(imports)} by cumulative time:",
            "",
            "| module | self ms | cumulative ms |",
            "|---|---:|---:|",
        ]
        lines += [
            f"| `{name}` | {self_us / 1000:.1f} | {cum_us / 1000:.1f} |" for name, self_us, cum_us in imports
        ]
        lines.append("")

    lines += ["## Targets", ""]
    lines += [f"- {text}" for text in verdicts(results, cli)]
    lines.append("")
    return "\n".join(lines)


def verdicts(results: list[dict[str, Any]], cli: list[cold_cli.ColdRun]) -> list[str]:
    """One line per target of issues 3 and 7: met or MISSED, with the figures."""
    out = []
    ref = next((r for r in results if r["label"] == REFERENCE_SIZE), None)
    synthetic = [r for r in results if r["label"] != "bundled"]
    largest = max(synthetic, key=lambda r: r["load"]["records"]) if synthetic else results[-1]
    n = largest["load"]["records"]
    if ref is not None and largest is not ref:
        ref_by_name = {row["name"]: row for row in ref["queries"]}
        worst = []
        for row in largest["queries"]:
            for kind in ("query", "respond"):
                if row[kind] is not None:
                    worst.append(
                        (row[kind].median / ref_by_name[row["name"]][kind].median, kind, row["name"])
                    )
        ratio, kind, name = max(worst)
        ok = ratio <= MAX_SCALE_RATIO
        out.append(
            f"{'met' if ok else '**MISSED**'}: at {n:,} records every query ≤ {MAX_SCALE_RATIO:g}× its "
            f"time at 600 (worst: {kind} '{name}' {ratio:.1f}×)"
        )
    load = largest["load"]["load_s"]
    out.append(
        f"{'met' if load <= MAX_LOAD_S else '**MISSED**'}: load ≤ {MAX_LOAD_S} s at {n:,} records "
        f"(best {load:.3f} s, median {largest['load']['load_median_s']:.3f} s)"
    )
    ratios = []
    for result in results:
        for row in result["queries"]:
            for kind in ("query", "respond"):
                if row[kind] is not None:
                    ratios.append(
                        (row["oracle"].median / row[kind].median, kind, row["name"], _size_name(result))
                    )
    failing = [r for r in ratios if r[0] < MIN_ORACLE_RATIO]
    low = min(ratios)
    out.append(
        f"{'met' if not failing else '**MISSED**'}: every query ≥ {MIN_ORACLE_RATIO:g}× faster than the "
        f"oracle ({len(ratios) - len(failing)} of {len(ratios)} query/respond figures; lowest "
        f"{low[0]:.1f}×: {low[1]} '{low[2]}' on {low[3]})"
    )
    if failing:
        names = sorted({r[2] for r in failing})
        out.append(f"below {MIN_ORACLE_RATIO:g}×: " + "; ".join(names))
    disagree = [
        f"{row['name']} on {_size_name(r)}" for r in results for row in r["queries"] if not row["agrees"]
    ]
    out.append(
        f"{'met' if not disagree else '**MISSED**'}: every benchmarked answer equals the oracle's"
        + (f" (differs: {'; '.join(disagree)})" if disagree else "")
    )
    if len(cli) >= 3:
        bare, json_start, query = cli[0].median, cli[1].median, cli[2].median
        extra = query - json_start
        out.append(
            f"{'met' if extra < bare else '**MISSED**'}: the cold CLI query adds less than one interpreter "
            f'start-up over `python -c "import json"` (median +{extra * 1000:.1f} ms vs a bare start of '
            f"{bare * 1000:.1f} ms)"
        )
    return out


# --------------------------------------------------------------------------- main
def parse_sizes(text: str) -> list[str]:
    """``bundled`` and positive record counts, comma separated, in the order given."""
    sizes = [s.strip() for s in text.split(",") if s.strip()]
    for s in sizes:
        if s != "bundled" and not (s.isdigit() and int(s) > 0):
            raise argparse.ArgumentTypeError(
                f"--sizes: {s!r} is neither 'bundled' nor a positive record count"
            )
    if not sizes:
        raise argparse.ArgumentTypeError("--sizes: no size given")
    return sizes


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes("bundled,600,3000,12000"),
        help="comma list of 'bundled' and SYNTHETIC record counts (default: bundled,600,3000,12000)",
    )
    parser.add_argument("--quick", action="store_true", help="few repeats: a smoke run, not figures to quote")
    parser.add_argument(
        "--output", type=Path, default=HERE / "results.md", help="markdown report (default: %(default)s)"
    )
    parser.add_argument(
        "--cli-runs",
        type=int,
        default=None,
        metavar="N",
        help="cold CLI runs per command (default 20; 3 with --quick; 0 skips the cold CLI)",
    )
    args = parser.parse_args(argv)
    settings = Settings(args.quick, args.cli_runs)
    command = "python benchmarks/run.py " + " ".join(sys.argv[1:] if argv is None else argv)
    started = time.perf_counter()
    facts = machine_facts()

    from synthetic import write_synthetic_snapshot

    with tempfile.TemporaryDirectory(prefix="spacecraft-bench-") as tmp:
        env = cold_cli.cached_env(Path(tmp) / "pycache")
        results = []
        for label in args.sizes:
            path = (
                None
                if label == "bundled"
                else str(write_synthetic_snapshot(int(label), Path(tmp) / "snapshots"))
            )
            results.append(measure_size(label, path, env, settings))
        cli: list[cold_cli.ColdRun] = []
        imports: list[tuple[str, int, int]] = []
        if settings.cli_runs > 0:
            print("cold CLI …", file=sys.stderr, flush=True)
            biggest = max((r for r in results if r["path"]), key=lambda r: r["load"]["records"], default=None)
            commands = cold_cli.commands(biggest["path"] if biggest else None)
            for i, (label, cmd) in enumerate(commands):
                runs = settings.cli_runs if i < 3 else max(2, settings.cli_runs // 4)
                cli.append(cold_cli.time_cold(label, cmd, env, runs))
            imports = cold_cli.importtime_top(env)
    text = report(facts, command, results, cli, imports, settings, time.perf_counter() - started)
    write_atomic(args.output, text.encode("utf-8"))
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
