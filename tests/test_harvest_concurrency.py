"""Concurrent writers into one store: harvests and imports take turns on the store's lock.

Every harvest here is a real ``spacecraft-data`` subprocess against the stand-in LL2 on 127.0.0.1
(tests/fakeapi.py, serving the real pinned records). The lock is ``fcntl.flock`` on a file of the store
(:func:`spacecraft_data.store_lock.store_lock`); a run that finds it held waits up to ``--lock-wait`` seconds,
saying so on stderr, then gives up with exit 2 and one line naming the lock and its holder.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEED_FILES
from fakeapi import FakeLL2, Throttle
from test_harvest import REQUESTS, Run
from test_harvest_hostile import cli, harvest_args

import spacecraft_data
from spacecraft_data.harvest.runs import fresh_dir
from spacecraft_data.store_lock import LOCK_FILE, LOCK_WAIT, StoreBusy, store_lock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="the store lock is fcntl.flock (POSIX)")

EXE = [sys.executable, "-c", "import sys; from spacecraft_data.cli import main; sys.exit(main())"]


@pytest.fixture
def run(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> Run:
    return Run(tmp_path, caplog)


def roomy_api() -> FakeLL2:
    """The stand-in with a budget for many runs: the default (15 an hour) would make the third run wait an
    hour."""
    return FakeLL2(throttle=Throttle(limit=1000))


def test_three_simultaneous_harvests_into_one_store_each_publish_a_snapshot_of_their_own(run: Run) -> None:
    with roomy_api() as api:
        # --progress, not --quiet: stderr must hold no raw error among the progress lines
        args = [*EXE, *harvest_args(run, api.base_url)[:-1], "--progress"]
        procs = [
            subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)
        ]
        outs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    for (out, err), code in zip(outs, codes):
        assert code in (0, 2), err
        assert "Traceback" not in err and ".pending" not in err, err
        if code == 2:  # refused cleanly: one line naming the lock, nothing of its own published
            assert (
                err.strip().splitlines()[-1].startswith("spacecraft-data harvest: error: ")
                and LOCK_FILE in err
            )
    published = [out.strip() for (out, _), code in zip(outs, codes) if code == 0]
    assert codes == [0, 0, 0]  # the default --lock-wait (600 s) outlasts two loopback harvests
    # (Whether a run had to wait depends on how the three start-ups interleave: the wait message has a test of
    # its own.) Three snapshots, each printed by one run, each described by the sources.json of its own run
    # folder.
    versions = sorted((Path(p).name for p in published), key=lambda v: tuple(map(int, v.split("."))))
    day = versions[
        0
    ]  # the runs publish under today's date (a subprocess has the real clock): day, day.1, day.2
    assert versions == [day, f"{day}.1", f"{day}.2"], versions
    assert sorted(d.name for d in (run.output / "2.3.0").iterdir()) == sorted([run.previous.name, *versions])
    run_dirs = sorted(run.raw.iterdir())
    assert len(run_dirs) == 3 and len({d.name for d in run_dirs}) == 3
    described = sorted(json.loads((d / "sources.json").read_text())["snapshot_version"] for d in run_dirs)
    assert sorted(described) == sorted(versions)
    for d in run_dirs:
        assert len(list(d.glob("*.txt"))) == REQUESTS and not (d / "IN_PROGRESS").exists()
        assert not list(d.glob(".*"))  # no .sources.json.pending left behind
    assert api.counted == 3 * REQUESTS
    # The store loads, every snapshot verifies, and each rebuilds byte for byte from its own run folder.
    assert spacecraft_data.load(run.output).version == f"{day}.2"
    for version in versions:
        spacecraft_data.load(run.output / "2.3.0" / version, verify=True)
    check = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "build_snapshot.py"),
            "--raw",
            str(run.raw.parent),
            "--out",
            str(run.output),
            "--check",
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    log = run.changelog.read_text()
    assert all(log.count(f"## 2.3.0/{v}\n") == 1 for v in versions), log
    assert not (run.output / LOCK_FILE).exists() and not (run.raw / LOCK_FILE).exists()
    run.assert_previous_untouched()


def test_a_harvest_waits_for_the_lock_saying_so_then_goes_on(run: Run) -> None:
    with roomy_api() as api:
        with store_lock(run.output, "a test holding the lock"):
            proc = subprocess.Popen(
                [*EXE, *harvest_args(run, api.base_url)[:-1], "--progress", "--lock-wait", "120"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            assert proc.stderr is not None
            first = proc.stderr.readline()  # blocks until the run says something: that it waits
            assert "locked by a test holding the lock (pid" in first and "waiting up to 120 s" in first, first
            assert api.counted == 0 and not list(run.raw.glob("*/"))  # nothing fetched or made while waiting
        out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    assert "the other run has finished; going on" in err
    assert Path(out.strip()).parent == run.output / "2.3.0" and api.counted == REQUESTS


def test_a_run_still_locked_out_after_lock_wait_exits_2_naming_the_lock_and_its_holder(
    run: Run, tmp_path: Path
) -> None:
    with roomy_api() as api, store_lock(run.output, "a test holding the lock"):
        started = time.monotonic()
        done, _ = cli(harvest_args(run, api.base_url, "--lock-wait", "0.5"), cwd=tmp_path)
        elapsed = time.monotonic() - started
        imported, _ = cli(
            [
                "import-pages",
                str(SEED_FILES[0]),
                "--output",
                str(run.output),
                "--raw-dir",
                str(tmp_path / "imports"),
                "--no-changelog",
                "--quiet",
                "--lock-wait",
                "0",
            ],
            cwd=tmp_path,
        )
    assert done.returncode == 2, done.stderr
    assert len(done.stderr.splitlines()) == 1
    assert re.match(
        rf"spacecraft-data harvest: error: {re.escape(str(run.output / LOCK_FILE))}: still locked by a test "
        r"holding the lock \(pid \d+, since .*\) after waiting 0\.5 s \(--lock-wait\)",
        done.stderr,
    )
    assert "nothing was fetched or published" in done.stderr
    assert elapsed < 60, elapsed  # the half-second wait, plus a loaded machine's start-up
    assert api.counted == 0 and not run.raw.exists()
    assert imported.returncode == 2 and "still locked by a test holding the lock" in imported.stderr
    assert not (tmp_path / "imports").exists()
    run.assert_nothing_published()


def test_the_lock_of_a_killed_run_is_released_at_once(tmp_path: Path) -> None:
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\nfrom spacecraft_data.store_lock import store_lock\n"
            "with store_lock(__import__('pathlib').Path(sys.argv[1]), 'a run about to be killed'):\n"
            "    print('held', flush=True)\n    time.sleep(600)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(StoreBusy, match="a run about to be killed"):
            with store_lock(tmp_path, "a second run", wait=0):
                pass
    finally:
        holder.kill()  # SIGKILL: no cleanup runs in it
        holder.wait(timeout=60)
    assert (tmp_path / LOCK_FILE).exists()  # left behind by the killed run, and harmless:
    with store_lock(tmp_path, "a second run", wait=0):
        assert (tmp_path / LOCK_FILE).read_text().startswith(f"a second run (pid {os.getpid()}, since ")
    assert not (tmp_path / LOCK_FILE).exists()


def test_threads_taking_turns_on_the_lock_never_overlap(tmp_path: Path) -> None:
    # flock is per open file, so threads of one process exclude each other too; each unlinks the file as it
    # leaves, which the next one must notice rather than lock a file no longer in the folder.
    inside, overlaps, done = [0], [0], []

    def worker(n: int) -> None:
        for _ in range(10):
            with store_lock(tmp_path, f"thread {n}", wait=60):
                inside[0] += 1
                overlaps[0] += inside[0] > 1
                time.sleep(0.002)
                inside[0] -= 1
        done.append(n)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert sorted(done) == [0, 1, 2, 3] and overlaps == [0]
    assert list(tmp_path.iterdir()) == []


def test_run_folders_started_in_the_same_second_are_distinct(tmp_path: Path) -> None:
    made = [fresh_dir(tmp_path, "20261125T120000Z_import") for _ in range(20)]
    assert len(set(made)) == 20
    assert all(re.fullmatch(r"20261125T120000Z_import\.[0-9a-f]{8}", d.name) for d in made)


def test_the_cli_default_lock_wait_is_the_store_default() -> None:
    from spacecraft_data.cli import harvest as harvest_command

    assert (
        harvest_command._LOCK_WAIT == LOCK_WAIT
    )  # a mirror, so that --help does not import the harvest package


def test_the_cli_lock_wait_default_is_the_library_one():
    # cli/harvest.py writes the default out rather than import it (that would load the harvest package for
    # --help): a change to one must be a change to both.
    from spacecraft_data.cli import harvest as cli_harvest
    from spacecraft_data.harvest import options

    assert cli_harvest._LOCK_WAIT == LOCK_WAIT
    assert (cli_harvest._MAX_WAIT, cli_harvest._DEADLINE) == (options.MAX_WAIT, options.REQUEST_DEADLINE)
    assert cli_harvest._MAX_BODY_MB * 1024 * 1024 == options.MAX_BODY_BYTES
