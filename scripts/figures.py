"""The documentation's measured figures, measured by one script, stored, and written into the pages.

    .venv/bin/python scripts/figures.py measure                     # everything (runs the whole suite:
    minutes)
    .venv/bin/python scripts/figures.py measure --only cli install  # some of them; the others stay as stored
    .venv/bin/python scripts/figures.py write                       # the pages from benchmarks/figures.json
    .venv/bin/python scripts/figures.py check                       # exit 1 when a page disagrees with it

The pages (``PAGES``): the figures were the README's; since the README became a landing page they live in
docs/getting-started.md (suite, install) and docs/performance.md (cli). Each region may stand in any page.

Figures (each with the date it was measured, the Python and the machine's cores):

* ``suite``: the test suite's size and wall-clock time, ``python -m pytest -q`` run once here
  (its closing line gives the count);
* ``tests``: the suite's size alone, by ``pytest --collect-only -q`` (quick; ``suite`` sets it too);
* ``cli``: cold start of ``spacecraft-data query ...`` against ``python -c pass`` and ``import json``,
  best/median of ``--runs`` fresh processes (``benchmarks/cold_cli.py``);
* ``install``: packages and installed size of the core install and of each extra, each in a fresh
  venv from the built wheel (``benchmarks/install_size.py``).

``measure`` stores them in ``benchmarks/figures.json`` and rewrites the pages' generated regions
(``<!-- figures:NAME -->`` … ``<!-- /figures:NAME -->``) from that file; tests/test_figures.py checks
that the pages agree with the stored figures (it does not measure). Exit status: 0; 1 when ``check``
finds a page out of date or a measurement fails; 2 on a usage error.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.util
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
#: the pages whose generated regions this script writes and checks
PAGES = (ROOT / "README.md", ROOT / "docs" / "getting-started.md", ROOT / "docs" / "performance.md")
STORED = ROOT / "benchmarks" / "figures.json"
KINDS = ("suite", "tests", "cli", "install")
_REGION = re.compile(r"<!-- figures:(?P<name>[a-z]+) -->(?P<body>.*?)<!-- /figures:(?P=name) -->", re.S)


def _benchmark(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _where() -> dict[str, Any]:
    return {
        "date": datetime.date.today().isoformat(),
        "python": platform.python_version(),
        "machine": f"{platform.system()} {platform.machine()}",
        "cores": os.cpu_count(),
        "load": round(os.getloadavg()[0], 1),
    }


_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|xfailed|xpassed|errors?)\b")


def _count(summary: str) -> int:
    """Tests run by pytest's closing line (passed, failed, skipped, xfailed, xpassed, errors)."""
    return sum(int(n) for n, _ in _SUMMARY.findall(summary))


def measure_suite() -> dict[str, Any]:
    """Run the whole suite once (as README command 2 does) and time it."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - start
    closing = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0:
        raise RuntimeError(f"the suite did not pass (exit {done.returncode}): {closing}")
    return {**_where(), "tests": _count(closing), "seconds": round(seconds), "closing": closing}


def measure_tests() -> dict[str, Any]:
    """The suite's size, by collection only."""
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    match = re.search(r"^(\d+) tests? collected", done.stdout, re.M)
    if done.returncode != 0 or not match:
        raise RuntimeError(f"pytest --collect-only failed (exit {done.returncode}): {done.stdout[-500:]}")
    return {**_where(), "tests": int(match.group(1))}


def measure_cli(runs: int) -> dict[str, Any]:
    cold_cli = _benchmark("cold_cli")
    with tempfile.TemporaryDirectory() as tmp:
        env = cold_cli.cached_env(Path(tmp) / "pycache")
        timed = [cold_cli.time_cold(label, cmd, env, runs) for label, cmd in cold_cli.commands()]
    return {
        **_where(),
        "runs": runs,
        "commands": [
            {"label": t.label, "best_ms": round(t.best * 1000, 1), "median_ms": round(t.median * 1000, 1)}
            for t in timed
        ],
    }


def measure_install() -> dict[str, Any]:
    install_size = _benchmark("install_size")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = install_size.build_wheel(work / "dist")
        for name, extra in install_size.INSTALLS.items():
            count, size, names = install_size.measure(wheel, extra, work)
            rows.append(
                {
                    "install": name,
                    "extra": extra,
                    "packages": count,
                    "mb": round(size / 1e6, 1),
                    "names": names,
                }
            )
            print(f"install {name}: {count} packages, {size / 1e6:.1f} MB", file=sys.stderr, flush=True)
    return {**_where(), "rows": rows}


# -- rendering
# ------------------------------------------------------------------------------------------------
def _render_suite(figures: dict[str, Any]) -> str:
    suite, tests = figures.get("suite"), figures.get("tests")
    if suite and (not tests or suite["date"] >= tests["date"]):
        return (
            f"The test suite ({suite['tests']:,} tests) took {suite['seconds']} s of wall-clock time "
            f"(`.venv/bin/python -m pytest -q`, {suite['date']}, {suite['cores']} cores, load average "
            f"{suite['load']} as it started)"
        )
    if tests:
        return (
            f"The test suite holds {tests['tests']:,} tests (`pytest --collect-only`, {tests['date']}; "
            "`python scripts/figures.py measure --only suite` times a whole run)"
        )
    return "The test suite's figures are not measured yet (`python scripts/figures.py measure`)"


def _render_install(figures: dict[str, Any]) -> str:
    install = figures["install"]
    lines = [
        f"CPython {install['python']}, {install['machine']}, {install['date']}:",
        "",
        "| install | packages | size |",
        "|---|---:|---:|",
    ]
    lines += [
        f"| `pip install spacecraft-data{row['extra']}` | {row['packages']} | {row['mb']:.1f} MB |"
        for row in install["rows"]
    ]
    return "\n".join(lines) + "\n"  # a blank line ends the table before the closing comment


def _render_cli(figures: dict[str, Any]) -> str:
    cli = figures["cli"]
    bare, json_, query = cli["commands"][:3]
    over = query["median_ms"] - json_["median_ms"]
    target = bare["median_ms"]
    verdict = (
        f"within the target of one interpreter start-up (~{target:.1f} ms)"
        if over <= target
        else f"more than the target of one interpreter start-up (~{target:.1f} ms): missed by "
        f"{over - target:.1f} ms"
    )
    return (
        f"**Cold CLI** (best/median of {cli['runs']} runs, bytecode cached; `python "
        "scripts/figures.py measure "
        f"--only cli`, CPython {cli['python']}, {cli['date']}, {cli['cores']} cores, load "
        f"average {cli['load']}): "
        f"`python -c pass` "
        f'{bare["best_ms"]:.1f}/{bare["median_ms"]:.1f} ms, `python -c "import json"` '
        f"{json_['best_ms']:.1f}/{json_['median_ms']:.1f} ms, `{query['label']}` "
        f"{query['best_ms']:.1f}/{query['median_ms']:.1f} ms. That is **+{over:.1f} ms over `import json`, "
        f"{verdict}**."
    )


RENDER: dict[str, Callable[[dict[str, Any]], str]] = {
    "suite": _render_suite,
    "install": _render_install,
    "cli": _render_cli,
}


def rendered(text: str, figures: dict[str, Any]) -> str:
    """``text`` (a page) with each generated region rendered from ``figures``."""

    def one(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in RENDER:
            raise KeyError(f"unknown figures region {name!r} (known: {', '.join(RENDER)})")
        body = RENDER[name](figures)
        sep = "\n" if "\n" in match.group("body") else ""
        return f"<!-- figures:{name} -->{sep}{body}{sep}<!-- /figures:{name} -->"

    return _REGION.sub(one, text)


def regions(text: str) -> dict[str, str]:
    """Name -> body of every generated region of ``text``."""
    return {m.group("name"): m.group("body").strip("\n") for m in _REGION.finditer(text)}


def load_stored() -> dict[str, Any]:
    return json.loads(STORED.read_text(encoding="utf-8")) if STORED.is_file() else {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    m = sub.add_parser("measure", help="measure, store in benchmarks/figures.json, rewrite the pages")
    m.add_argument("--only", nargs="+", choices=KINDS, default=["suite", "cli", "install"])
    m.add_argument("--runs", type=int, default=20, help="cold starts per CLI command (default 20)")
    sub.add_parser("write", help="rewrite the pages' figures from benchmarks/figures.json")
    sub.add_parser("check", help="exit 1 when a page's figures are not those of benchmarks/figures.json")
    args = parser.parse_args(argv)

    figures = load_stored()
    if args.action == "measure":
        measures: dict[str, Callable[[], dict[str, Any]]] = {
            "suite": measure_suite,
            "tests": measure_tests,
            "cli": lambda: measure_cli(args.runs),
            "install": measure_install,
        }
        # The suite runs first and nothing is stored until every figure is measured: the suite checks that the
        # pages agree with the stored figures, so storing one before it runs would fail it.
        for kind in sorted(args.only, key=lambda k: k != "suite"):
            print(f"measuring {kind} ...", file=sys.stderr, flush=True)
            try:
                figures[kind] = measures[kind]()
            except (RuntimeError, subprocess.CalledProcessError) as exc:
                print(f"figures: error: {kind}: {exc}", file=sys.stderr)
                return 1
        STORED.write_text(json.dumps(figures, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    stale_pages = 0
    for page in PAGES:
        text = page.read_text(encoding="utf-8")
        try:
            new = rendered(text, figures)
        except KeyError as exc:
            print(f"figures: error: {page.relative_to(ROOT)}: {exc.args[0]}", file=sys.stderr)
            return 1
        if new == text:
            continue
        if args.action == "check":
            stale = [n for n, body in regions(new).items() if regions(text).get(n) != body]
            print(
                f"figures: {page.relative_to(ROOT)} disagrees with {STORED.relative_to(ROOT)} in: "
                f"{', '.join(stale)} (python scripts/figures.py write)",
                file=sys.stderr,
            )
            stale_pages += 1
        else:
            page.write_text(new, encoding="utf-8")
    if args.action == "check":
        return 1 if stale_pages else 0
    print(json.dumps({k: figures[k] for k in sorted(figures)}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
