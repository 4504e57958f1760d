"""Smoke tests of ``benchmarks/run.py``: it runs on tiny sizes and writes a complete report. No timing is
asserted."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from queries import query_mix  # noqa: E402

# The scripts answer from load(): the pinned snapshot (tests/conftest.py) in the tests' store, except run.py,
# which measures the package's newest bundled snapshot (it clears $SPACECRAFT_DATA_HOME).
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("pinned_home")]


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows (cells) of the first markdown table after ``## heading``."""
    section = text.split(f"## {heading}\n", 1)[1]
    lines = [line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines]


@pytest.fixture(scope="module")
def quick_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench") / "results.md"
    done = _run("--sizes", "bundled,30", "--quick", "--cli-runs", "1", "--output", str(out))
    assert done.returncode == 0, done.stderr
    return out.read_text(encoding="utf-8"), done.stdout


def test_a_quick_run_writes_the_report_it_prints(quick_report):
    written, printed = quick_report
    assert printed.strip() == written.strip()
    for heading in ("Query latency", "Load and memory", "First-query costs", "Cold CLI", "Targets"):
        assert f"## {heading}" in written
    assert "CPU:" in written and "Python:" in written and "--quick" in written


def test_the_latency_table_has_every_query_on_every_size_and_all_agree_with_the_oracle(
    quick_report, latest_bundled
):
    written, _ = quick_report
    header, _, *rows = _table(written, "Query latency")
    assert all(len(row) == len(header) for row in rows)
    names = [q.name for q in query_mix(30, 15)]
    for size in (f"bundled ({len(latest_bundled)})", "synthetic 30"):
        assert [row[1] for row in rows if row[0] == size] == names
    assert {row[header.index("agrees")] for row in rows} == {"yes"}
    assert {row[header.index("status")] for row in rows} == {"200", "400", "501"}
    ratio = header.index("oracle/respond")
    assert all(re.fullmatch(r"[\d,.]+", row[ratio]) for row in rows)


def test_load_memory_first_query_and_cli_tables_have_a_row_per_size_or_command(quick_report, latest_bundled):
    written, _ = quick_report
    sizes = [f"bundled ({len(latest_bundled)})", "synthetic 30"]
    assert [row[0] for row in _table(written, "Load and memory")[2:]] == sizes
    assert [
        row[0] for row in _table(written, "First-query costs (what is computed once per snapshot)")[2:]
    ] == sizes
    commands = [row[0] for row in _table(written, "Cold CLI")[2:]]
    assert commands[:3] == [
        "`python -c pass`",
        '`python -c "import json"`',
        "`spacecraft-data query --search soyuz --ordering -time_in_space --limit 5`",
    ]
    assert "--snapshot <synthetic-30>" in commands[3]
    assert "`spacecraft_data" in written.split("-X importtime", 1)[1]


def test_an_unknown_size_is_refused_naming_the_option(tmp_path):
    done = _run("--sizes", "bundled,lots", "--output", str(tmp_path / "r.md"))
    assert done.returncode == 2
    assert "--sizes: 'lots'" in done.stderr
    assert not (tmp_path / "r.md").exists()


@pytest.mark.parametrize("count", [20, 30, 600, 12000])
def test_the_deep_offset_page_is_near_the_end_and_never_empty(count):
    deep = next(q for q in query_mix(count, 1) if q.name.startswith("deep offset"))
    offset = deep.kwargs["offset"]
    assert 0 < offset < count and count - offset <= 50


def test_hotspots_profiles_a_named_query_and_refuses_an_unknown_one():
    script = str(ROOT / "benchmarks" / "hotspots.py")
    done = subprocess.run(
        [sys.executable, script, "--size", "bundled", "--calls", "2", "--query", "filters"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "== filters on 28 records" in done.stdout and "respond" in done.stdout
    done = subprocess.run(
        [sys.executable, script, "--size", "bundled", "--query", "nonsense"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "--query: unknown ['nonsense']" in done.stderr


def test_the_generated_workload_is_distinct_deterministic_and_every_answer_agrees_with_the_oracle(tmp_path):
    from workload import generate_urls

    import spacecraft_data

    snap = spacecraft_data.load()
    urls = generate_urls(snap, 200, seed=7)
    assert len(set(urls)) == 200 and urls == generate_urls(snap, 200, seed=7)
    assert urls != generate_urls(snap, 200, seed=8)
    assert any("%D0" in u for u in urls) and any(
        "format=api" in u for u in urls
    )  # non-ASCII terms, the api format
    out = tmp_path / "workload.md"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "workload.py"),
            "--urls",
            "60",
            "--seed",
            "3",
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "60/60 answers agree with the oracle" in out.read_text(encoding="utf-8")


def test_the_tree_comparison_runs_each_tree_in_turn_and_checks_it_against_the_oracle(tmp_path):
    out = tmp_path / "trees.md"
    src = str(ROOT / "src")
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "workload_trees.py"),
            *("--tree", f"a={src}", "--tree", f"b={src}"),
            *("--rounds", "2", "--urls", "30", "--output", str(out)),
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| a ")]
    rows += [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| b ")]
    assert len(rows) == 2 and all(row.endswith("| 30/30 |") for row in rows), rows


@pytest.mark.parametrize("again", [False, True])
def test_the_stage_breakdown_answers_as_respond_does_and_reports_every_stage(again):
    # phases.py raises when the answer it puts together from the stages differs from respond()'s.
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "phases.py"),
            "--urls",
            "40",
            *(["--again"] if again else []),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    stages = [line.split("|")[1].strip() for line in done.stdout.splitlines() if line.startswith("| ")]
    assert stages[1:] == ["head", "route", "decode", "filters", "search", "page", "links", "render", "total"]
    assert done.stdout.startswith("Second answer" if again else "First answer")
