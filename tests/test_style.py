"""The code keeps one style: ruff's lint and format checks pass, as .ci/run requires (issue 21)."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PATHS = ["src", "tests", "scripts", "benchmarks"]


def _ruff(*args: str) -> subprocess.CompletedProcess[str]:
    if importlib.util.find_spec("ruff") is None:
        # CI installs the test extra, which has ruff: a missing one there is a broken install, not a skip.
        if os.environ.get("CI") == "true":
            pytest.fail("ruff is not installed (it is in the test extra)")
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return subprocess.run(
        [sys.executable, "-m", "ruff", *args, "--no-cache", *PATHS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ruff_check_finds_nothing():
    result = _ruff("check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_would_change_nothing():
    result = _ruff("format", "--check")
    assert result.returncode == 0, result.stdout + result.stderr
