"""The README's figures are those scripts/figures.py measured and stored (benchmarks/figures.json).

Nothing is measured here: the figures are stored by ``python scripts/figures.py measure``; this checks
that the README shows them, and that the script renders what it stores.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys

from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _figures():
    spec = importlib.util.spec_from_file_location("figures", ROOT / "scripts" / "figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_the_stored_figures():
    figures = _figures()
    stored = figures.load_stored()
    assert figures.rendered(README, stored) == README, "README.md is out of date: python scripts/figures.py write"
    assert set(figures.regions(README)) == {"suite", "cli", "install"}


def test_figures_check_passes_on_the_readme():
    done = subprocess.run([sys.executable, str(ROOT / "scripts" / "figures.py"), "check"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def test_the_stored_figures_are_measured_ones_with_their_date():
    stored = json.loads((ROOT / "benchmarks" / "figures.json").read_text(encoding="utf-8"))
    for kind in ("cli", "install"):
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored[kind]["date"]) and stored[kind]["python"]
    assert [row["install"] for row in stored["install"]["rows"]] == ["core", "tables", "pandas", "parquet",
                                                                    "harvest", "all"]
    core = stored["install"]["rows"][0]
    assert core["packages"] == len(core["names"]) <= 10  # the light install's promise (tests/test_wheel.py)
    assert "suite" in stored or "tests" in stored


def test_a_changed_figure_is_found_by_check(tmp_path):
    # SYNTHETIC figures: one install size changed; the README no longer agrees, and check names the region.
    figures = _figures()
    stored = figures.load_stored()
    stored["install"]["rows"][0]["mb"] += 1.0
    changed = figures.rendered(README, stored)
    assert changed != README
    assert [n for n, body in figures.regions(changed).items() if figures.regions(README)[n] != body] == ["install"]


def test_the_suite_figure_says_how_it_was_measured():
    figures = _figures()
    collected = {"tests": {"date": "2026-12-05", "tests": 1400}}
    assert "1,400 tests (`pytest --collect-only`, 2026-12-05" in figures.rendered(
        "<!-- figures:suite -->x<!-- /figures:suite -->", collected)
    timed = {**collected, "suite": {"date": "2026-12-06", "tests": 1401, "seconds": 190, "cores": 2, "load": 1.5}}
    assert "The test suite (1,401 tests) took 190 s" in figures.rendered(
        "<!-- figures:suite -->x<!-- /figures:suite -->", timed)
