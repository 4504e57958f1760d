"""A separate project, with only the built wheel and pytest installed, uses both fixtures.

The project lives in a temporary folder with no conftest: the fixtures come from the
wheel's ``pytest11`` entry point alone. httpx is not installed there, which also
proves that a missing client library is skipped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest
from conftest import ROOT, checkout_env

pytestmark = pytest.mark.slow

SNAPSHOT = ROOT / "data" / "snapshots" / "2.3.0" / "2026.12.01"

# SYNTHETIC: the test module of someone else's project; it only calls LL2's URLs.
PROJECT_TEST = """
import json
import urllib.request

import pytest
import requests

SOYUZ = "/2.3.0/spacecraft/?search=soyuz&limit=2"


def every_id(base):
    ids, url = [], base + SOYUZ
    while url:
        body = requests.get(url, timeout=10).json()
        ids += [record["id"] for record in body["results"]]
        url = body["next"]
    return ids


def test_offline_pages_soyuz(ll2_offline):
    ids = every_id("https://ll.thespacedevs.com")
    assert len(ids) == len(set(ids)) == 7
    with urllib.request.urlopen("https://ll.thespacedevs.com/2.3.0/spacecraft/?name=Tianzhou-3") as reply:
        assert json.loads(reply.read())["results"][0]["id"] == 463


def test_server_pages_soyuz(ll2_server):
    ids = every_id(ll2_server.url)
    assert len(ids) == len(set(ids)) == 7
    assert ll2_server.snapshot.version == "2026.12.01"


@pytest.mark.ll2_offline(strict=True)
def test_strict_refuses_other_hosts(ll2_offline):
    with pytest.raises(Exception, match="refused"):
        requests.get("http://example.invalid/", timeout=1)


@pytest.mark.ll2_snapshot("snap")
def test_marker_picks_the_snapshot(ll2_offline, ll2_server):
    assert str(ll2_offline.snapshot.path).endswith("snap")
    assert str(ll2_server.snapshot.path).endswith("snap")


def test_ini_strict_setting_reaches_the_fixture(ll2_offline, pytestconfig):
    assert ll2_offline.strict is pytestconfig.getini("ll2_offline_strict")


def test_option_picks_the_snapshot(ll2_offline, pytestconfig):
    expected = "snap" if pytestconfig.getoption("--ll2-snapshot") else "_bundled"
    assert expected in str(ll2_offline.snapshot.path)
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory, pinned_wheel) -> Path:
    """A venv with the wheel (bundling the pinned snapshot, whose facts the tests state), pytest and the
    project's
    own HTTP client (requests), and a project folder.

    requests is the client under test, as in any app that calls LL2: the core install of spacecraft-data
    does not bring it (it is the ``[harvest]`` extra), and the plugin must not need it either.
    """
    work = tmp_path_factory.mktemp("project")
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    py = work / "venv" / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", str(pinned_wheel), "pytest", "requests"],
        check=True,
        capture_output=True,
    )
    folder = work / "someone-elses-project"
    (folder / "tests").mkdir(parents=True)
    (folder / "tests" / "test_client.py").write_text(PROJECT_TEST, encoding="utf-8")
    (folder / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\n", encoding="utf-8")
    shutil.copytree(SNAPSHOT, folder / "snap")
    (folder / "tests" / "test_my_app.py").write_text(readme_examples()[0], encoding="utf-8")
    return folder


def readme_examples() -> list[str]:
    """The python blocks of the "Use it in your tests" section (docs/testing.md, once the README's), in
    order."""
    readme = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    section = readme.split("\n## Use it in your tests\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, flags=re.S)


def run_pytest(project: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    py = project.parent / "venv" / "bin" / "python"
    return subprocess.run(
        [str(py), "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_project_with_only_the_wheel_and_pytest_uses_both_fixtures(project):
    py = project.parent / "venv" / "bin" / "python"
    has_httpx = subprocess.run([str(py), "-c", "import httpx"], capture_output=True).returncode == 0
    assert not has_httpx, "httpx should be absent there: the plugin must do without it"
    out = run_pytest(project, "tests/test_client.py")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "6 passed" in out.stdout


def test_the_snapshot_option_and_the_strict_ini_setting_reach_the_fixtures(project):
    out = run_pytest(
        project, "tests/test_client.py", "--ll2-snapshot", "snap", "-o", "ll2_offline_strict=true"
    )
    assert out.returncode == 0, out.stdout + out.stderr
    assert "6 passed" in out.stdout


def test_the_readme_example_passes_as_it_says(project):
    out = run_pytest(project, "tests/test_my_app.py")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "3 passed" in out.stdout
    assert "`pytest -q test_my_app.py` reports `3 passed`" in (ROOT / "docs" / "testing.md").read_text(
        encoding="utf-8"
    )


def test_the_readme_context_manager_example_prints_what_it_shows(pinned_checkout):
    readme = (ROOT / "docs" / "testing.md").read_text(encoding="utf-8")
    section = readme.split("\n## Use it in your tests\n", 1)[1].split("\n## ", 1)[0]
    code = readme_examples()[1]
    shown = section.split(code + "```\n```\n", 1)[1].split("```", 1)[0]
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        env=checkout_env(pinned_checkout),
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout == shown


def test_a_bad_snapshot_option_is_a_one_line_usage_error(project):
    out = run_pytest(project, "--ll2-snapshot", "no-such-folder", "-k", "offline_pages")
    both = out.stdout + out.stderr
    assert out.returncode == 4, both  # pytest's usage error: said once, before any test runs
    assert both.count("no-such-folder: no such snapshot folder") == 1, both
    assert "Traceback" not in both and "ERROR at setup" not in both
