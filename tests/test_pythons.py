"""The Pythons the package promises agree: requires-python, the classifiers and the versions CI
smoke-tests."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # the suite runs on the default interpreter, 3.11 or newer


def _smoke_pythons():
    spec = importlib.util.spec_from_file_location("smoke_pythons", ROOT / "scripts" / "smoke_pythons.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def _minor(version: str) -> tuple[int, int]:
    major, minor = version.split(".")
    return int(major), int(minor)


def test_classifiers_name_exactly_the_versions_ci_smoke_tests(project):
    declared = [
        m.group(1)
        for c in project["classifiers"]
        if (m := re.fullmatch(r"Programming Language :: Python :: (3\.\d+)", c))
    ]
    assert declared == list(_smoke_pythons().PYTHONS)


def test_requires_python_starts_at_the_oldest_smoke_tested_version(project):
    pythons = _smoke_pythons().PYTHONS
    match = re.fullmatch(r">=\s*(3\.\d+)", project["requires-python"])
    assert match, f"requires-python {project['requires-python']!r}: expected '>=3.N'"
    assert match.group(1) == pythons[0]
    # Consecutive minor versions: none is skipped between the oldest and the newest tested.
    assert [_minor(v) for v in pythons] == [
        (3, n) for n in range(_minor(pythons[0])[1], _minor(pythons[-1])[1] + 1)
    ]


def test_the_default_interpreter_is_one_of_the_supported_versions():
    assert f"{sys.version_info.major}.{sys.version_info.minor}" in _smoke_pythons().PYTHONS


def test_interpreters_are_found_in_a_pyenv_folder_newest_patch_first(tmp_path: Path, monkeypatch):
    module = _smoke_pythons()
    for name in ("3.12.1", "3.12.10", "3.12.3t", "3.12-dev", "pypy3.12-7.3"):
        python = tmp_path / name / "bin" / "python3"
        python.parent.mkdir(parents=True)
        python.write_text("")
    assert module.find_interpreter("3.12", tmp_path) == tmp_path / "3.12.10" / "bin" / "python3"
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert module.find_interpreter("3.10", tmp_path) is None  # missing: reported and skipped by main()


@pytest.mark.slow
def test_the_smoke_test_passes_on_the_default_interpreter(tmp_path: Path):
    # CI runs it on each declared Python against the installed wheel (scripts/smoke_pythons.py); here it runs
    # against this checkout's install, so a change that breaks a smoke step fails the suite too.
    import os
    import subprocess

    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "smoke.py")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok (load, query, validate, export, serve)" in done.stdout
