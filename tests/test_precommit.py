"""The ``spacecraft-data-validate`` pre-commit hook, run by the real ``pre-commit try-repo`` on this checkout.

pre-commit installs the hook (``language: python``) the way a user's machine would: it
copies this repository (uncommitted changes included) and pip-installs it into a
virtualenv of its own. That needs only the package index pip is configured with, so it
runs on this machine without the internet. Slow: one virtualenv and one wheel build.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import spacecraft_data

pytestmark = pytest.mark.slow
pytest.importorskip("pre_commit")
if shutil.which("git") is None:
    pytest.skip("pre-commit needs git", allow_module_level=True)


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A git repository holding a valid JSON array of real records and an invalid copy (one bad duration)."""
    folder = tmp_path_factory.mktemp("project")
    records = spacecraft_data.load().records[:3]
    (folder / "valid.json").write_text(json.dumps(records), encoding="utf-8")
    bad = [dict(r) for r in records]
    bad[1]["time_in_space"] = "54 days, 1:56:34"  # edited: not an ISO 8601 duration
    (folder / "invalid.json").write_text(json.dumps(bad), encoding="utf-8")
    for args in (["init", "-q"], ["add", "valid.json", "invalid.json"]):
        subprocess.run(["git", *args], cwd=folder, check=True, capture_output=True)
    return folder


def _try_repo(project: Path, *files: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(project.parent / "pre-commit-home")  # the hook's venv lives with the test
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pre_commit",
            "try-repo",
            str(ROOT),
            "spacecraft-data-validate",
            "--files",
            *files,
        ],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_hook_passes_a_valid_file(project):
    result = _try_repo(project, "valid.json")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "spacecraft-data validate" in result.stdout and "Passed" in result.stdout


def test_the_hook_fails_an_invalid_file_naming_the_problem(project):
    result = _try_repo(project, "invalid.json")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert (
        "invalid.json: record 185: $.time_in_space: '54 days, 1:56:34' is not a valid duration"
        in result.stdout
    )


# -- the documented configurations, as written
# ----------------------------------------------------------------
def _readme_configs() -> list[str]:
    """The ```yaml blocks of the pre-commit paragraph (docs/validating.md, once the README's): the tagged
    repository, then the local hook."""
    page = (ROOT / "docs" / "validating.md").read_text(encoding="utf-8")
    paragraph = page[page.index("**pre-commit.**") : page.index("### Damaged or hostile snapshots")]
    import re

    return re.findall(r"^```yaml\n(.*?)^```\n", paragraph, re.M | re.S)


def _run_config(
    project: Path, config: str, tmp_path: Path, path: str | None = None
) -> subprocess.CompletedProcess:
    folder = tmp_path / "user-project"
    shutil.copytree(project, folder)
    (folder / "fetched").mkdir()
    for name in ("valid.json", "invalid.json"):
        shutil.copy2(folder / name, folder / "fetched" / name)
    (folder / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PRE_COMMIT_HOME"] = str(tmp_path / "pre-commit-home")
    if path is not None:
        env["PATH"] = path
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--files", "fetched/valid.json", "fetched/invalid.json"],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )


def test_the_readme_config_with_the_release_tag_resolves_and_runs_the_hook(project, tmp_path):
    from test_install_lines import tagged_clone

    tagged, local = _readme_configs()
    assert f"rev: v{spacecraft_data.__version__}\n" in tagged  # the tag the release is cut with
    clone = tagged_clone(tmp_path / "clone")  # stands for the repository at its pushed tag
    result = _run_config(project, tagged.replace("<this repository's URL>", str(clone)), tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr  # the invalid file fails, naming its problem
    assert "fetched/invalid.json: record 185: $.time_in_space" in result.stdout
    assert "fetched/valid.json: record" not in result.stdout


def test_the_readme_local_config_runs_the_installed_package(project, tmp_path):
    _tagged, local = _readme_configs()
    assert "repo: local" in local and "language: system" in local
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    result = _run_config(project, local, tmp_path, path=path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "fetched/invalid.json: record 185: $.time_in_space" in result.stdout
