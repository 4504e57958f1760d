"""The documentation's figures are those scripts/figures.py measured and stored (benchmarks/figures.json).

Nothing is measured here: the figures are stored by ``python scripts/figures.py measure``; this checks
that the pages show them (the README's figures moved into docs/getting-started.md and docs/performance.md
when it became a landing page), and that the script renders what it stores.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

from conftest import ROOT

#: where each region stands now
HOMES = {
    "suite": "docs/getting-started.md",
    "install": "docs/getting-started.md",
    "cli": "docs/performance.md",
}
GETTING_STARTED = (ROOT / "docs" / "getting-started.md").read_text(
    encoding="utf-8"
)  # holds suite and install


def _figures():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "scripts" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_pages_show_the_stored_figures():
    figures = _figures()
    stored = figures.load_stored()
    found: dict[str, list[str]] = {}
    for page in figures.PAGES:
        text = page.read_text(encoding="utf-8")
        name = page.relative_to(ROOT).as_posix()
        assert figures.rendered(text, stored) == text, (
            f"{name} is out of date: python scripts/figures.py write"
        )
        for region in figures.regions(text):
            found.setdefault(region, []).append(name)
    assert found == {region: [page] for region, page in HOMES.items()}  # each region once, where it belongs


def test_figures_check_passes_on_the_pages():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "figures.py"), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr


def test_the_stored_figures_are_measured_ones_with_their_date():
    stored = json.loads((ROOT / "benchmarks" / "figures.json").read_text(encoding="utf-8"))
    for kind in ("cli", "install"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored[kind]["date"]) and stored[kind]["python"]
    assert [row["install"] for row in stored["install"]["rows"]] == [
        "core",
        "tables",
        "pandas",
        "parquet",
        "harvest",
        "all",
    ]
    core = stored["install"]["rows"][0]
    assert core["packages"] == len(core["names"]) <= 10  # the light install's promise (tests/test_wheel.py)
    assert "suite" in stored or "tests" in stored


def test_a_changed_figure_is_found_by_check(tmp_path):
    # SYNTHETIC figures: one install size changed; the page no longer agrees, and check names the region.
    figures = _figures()
    stored = figures.load_stored()
    stored["install"]["rows"][0]["mb"] += 1.0
    changed = figures.rendered(GETTING_STARTED, stored)
    assert changed != GETTING_STARTED
    before = figures.regions(GETTING_STARTED)
    assert [n for n, body in figures.regions(changed).items() if before[n] != body] == ["install"]


def test_the_suite_figure_says_how_it_was_measured():
    figures = _figures()
    collected = {"tests": {"date": "2026-12-05", "tests": 1400}}
    assert "1,400 tests (`pytest --collect-only`, 2026-12-05" in figures.rendered(
        "<!-- figures:suite -->x<!-- /figures:suite -->", collected
    )
    timed = {
        **collected,
        "suite": {"date": "2026-12-06", "tests": 1401, "seconds": 190, "cores": 2, "load": 1.5},
    }
    assert "The test suite (1,401 tests) took 190 s" in figures.rendered(
        "<!-- figures:suite -->x<!-- /figures:suite -->", timed
    )


def test_check_names_the_page_and_region_that_disagree(tmp_path):
    # SYNTHETIC: a copy of the script and its pages, one CLI figure edited in docs/performance.md
    for name in ["scripts/figures.py", "benchmarks/figures.json", *sorted(set(HOMES.values())), "README.md"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text((ROOT / name).read_text(encoding="utf-8"), encoding="utf-8")
    page = tmp_path / "docs" / "performance.md"
    edited = page.read_text(encoding="utf-8").replace("best/median of", "best/median of about")
    page.write_text(edited, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "figures.py"), "check"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "docs/performance.md disagrees with benchmarks/figures.json in: cli" in done.stderr
    done = subprocess.run(
        [sys.executable, str(tmp_path / "scripts" / "figures.py"), "write"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert page.read_text(encoding="utf-8") == (ROOT / "docs" / "performance.md").read_text(encoding="utf-8")
