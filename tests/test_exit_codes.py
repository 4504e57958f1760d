"""Every command's exit status: 0 success, 1 findings, 2 usage and I/O errors; errors are one line, never a
traceback.

The classes of error carry the status (``errors.py``); these tests hold each command to it through
``main([...])`` and, for each status once, through a real ``python -m spacecraft_data`` process.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PINNED_DIR, ROOT, SEED_FILES

from spacecraft_data.cli import build_parser, main
from spacecraft_data.errors import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    InputError,
    PageError,
    SnapshotError,
    SnapshotNotFound,
    SpacecraftDataError,
    UnreadableInput,
)
from spacecraft_data.store import dump_json, sha256_bytes

BUNDLED = PINNED_DIR


def run(capsys, *argv: str) -> tuple[int, str, str]:
    """``main(argv)``'s status, stdout and stderr; argparse's usage errors (SystemExit) included."""
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse exits by itself on a usage error
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def assert_one_line_error(err: str, command: str, *names: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"spacecraft-data {command}: error: "), err
    for name in names:
        assert name in lines[0], (name, err)


@pytest.fixture
def corrupt_snapshot(tmp_path: Path) -> Path:
    """A copy of the bundled snapshot whose manifest is cut short: data found wrong, a finding (SYNTHETIC
    damage)."""
    folder = tmp_path / "corrupt"
    shutil.copytree(BUNDLED, folder)
    (folder / "manifest.json").write_text('{"version": ', encoding="utf-8")
    return folder


@pytest.fixture
def not_a_snapshot(tmp_path: Path) -> Path:
    folder = tmp_path / "plain-folder"
    folder.mkdir()
    (folder / "notes.txt").write_text("not a snapshot\n", encoding="utf-8")
    return folder


@pytest.fixture
def invalid_record_file(tmp_path: Path, bundled) -> Path:
    """A real record with one field of the wrong type (SYNTHETIC damage): a finding for validate."""
    record = dict(next(iter(bundled)))
    record["flights_count"] = "many"
    path = tmp_path / "bad-record.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    return path


@pytest.fixture
def unreadable_file(tmp_path: Path) -> Path:
    """A file that open() refuses with EACCES: chmod 000, or for root (who reads anything) a /proc file
    the kernel refuses even to root; skipped where neither is there."""
    if os.geteuid() != 0:
        path = tmp_path / "secret.json"
        path.write_text("{}", encoding="utf-8")
        path.chmod(0)
        yield path
        path.chmod(0o600)
        return
    for candidate in ("/proc/1/mem",):  # another process's memory: refused unless ptrace would be allowed
        try:
            os.close(os.open(candidate, os.O_RDONLY))
        except PermissionError:
            yield Path(candidate)
            return
        except OSError:
            pass
    pytest.skip("running as root and no file here refuses root with EACCES")


def _unwritable_dir() -> Path:
    """A folder where creating a file fails with EACCES or EPERM, even for root: sysfs."""
    sys_dir = Path("/sys")
    probe = sys_dir / "spacecraft-data-probe"
    try:
        probe.mkdir()
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return sys_dir
    else:  # a writable /sys: leave nothing behind
        probe.rmdir()
    pytest.skip("no folder here refuses writes")


# -- the mapping itself ---------------------------------------------------------------------------


def test_error_classes_carry_their_exit_status():
    assert SpacecraftDataError("x").exit_code == EXIT_FINDINGS == 1
    assert SnapshotError("x").exit_code == 1 and PageError("f", 1, "x").exit_code == 1  # data found wrong
    assert InputError("x").exit_code == EXIT_USAGE == 2
    assert SnapshotNotFound("x").exit_code == 2 and isinstance(SnapshotNotFound("x"), SnapshotError)
    unreadable = UnreadableInput("f", None, "cannot read")
    assert unreadable.exit_code == 2 and isinstance(
        unreadable, PageError
    )  # callers catching PageError still do


def test_help_documents_the_exit_statuses(capsys):
    text = build_parser().format_help()
    assert "exit status:" in text
    for line in ("0  success", "1  findings", "2  usage and I/O errors"):
        assert line in text


def test_readme_documents_the_same_exit_statuses():
    readme = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")  # the README's section moved there
    section = readme.split("## Exit status", 1)[1].split("\n## ", 1)[0]
    for status in ("| 0 |", "| 1 |", "| 2 |"):
        assert status in section


# -- each command: success 0, a finding 1, a usage or I/O error 2 -----------------------------------


def test_no_command_and_unknown_options_are_usage_errors(capsys):
    assert run(capsys)[0] == 2
    assert run(capsys, "info", "--bogus")[0] == 2
    assert run(capsys, "no-such-command")[0] == 2


def test_info(capsys, corrupt_snapshot, not_a_snapshot):
    assert run(capsys, "info")[0] == 0
    code, _, err = run(capsys, "info", "--snapshot", str(corrupt_snapshot))
    assert code == 1 and "invalid JSON" in err
    assert_one_line_error(err, "info", str(corrupt_snapshot))
    for missing in ("/nonexistent", str(not_a_snapshot)):
        code, _, err = run(capsys, "info", "--snapshot", missing)
        assert code == 2
        assert_one_line_error(err, "info", missing)


def test_validate(capsys, invalid_record_file, not_a_snapshot, tmp_path):
    assert run(capsys, "validate")[0] == 0
    code, out, _ = run(capsys, "validate", str(invalid_record_file))
    assert code == 1 and "$.flights_count" in out
    a_file = tmp_path / "file.json"
    a_file.write_text("{}", encoding="utf-8")
    for path, why in [
        ("/nonexistent.json", "No such file or directory"),
        (str(not_a_snapshot), "neither a snapshot"),
        (str(a_file / "inside.json"), "Not a directory"),
        (str(tmp_path / ("x" * 300)), "too long"),
    ]:
        code, out, err = run(capsys, "validate", path)
        assert (code, out) == (2, ""), (path, code, out, err)
        assert_one_line_error(err, "validate", why)
    # A missing PATH among good ones: nothing is validated, the I/O error wins.
    code, out, err = run(capsys, "validate", str(BUNDLED), "/nonexistent.json")
    assert (code, out) == (2, "")


def test_validate_an_unreadable_file_is_an_io_error(capsys, unreadable_file):
    code, out, err = run(capsys, "validate", str(unreadable_file))
    assert (code, out) == (2, "")
    assert_one_line_error(err, "validate", str(unreadable_file), "Permission denied")


def test_query(capsys):
    assert run(capsys, "query", "--limit", "1")[0] == 0
    code, out, err = run(capsys, "query", "--status", "banana")  # LL2 answers 400: a finding, as for get
    assert code == 1 and out == ""
    assert_one_line_error(err, "query", "status")
    assert run(capsys, "query", "--limit", "many")[0] == 2
    code, _, err = run(capsys, "query", "--snapshot", "/nonexistent")
    assert code == 2
    assert_one_line_error(err, "query", "/nonexistent")


def test_get(capsys):
    assert run(capsys, "get", "/2.3.0/spacecraft/?limit=1")[0] == 0
    code, _, err = run(capsys, "get", "/2.3.0/spacecraft/?status=banana")
    assert code == 1 and err.strip() == "HTTP 400"
    code, _, err = run(capsys, "get", "/2.3.0/spacecraft/", "--base-url", "not a url")
    assert code == 2
    assert_one_line_error(err, "get", "base_url")
    assert run(capsys, "get", "/2.3.0/spacecraft/", "--snapshot", "/nonexistent")[0] == 2


def test_export(capsys, tmp_path):
    assert run(capsys, "export", "--format", "json", "--output", str(tmp_path / "out"))[0] == 0
    code, _, err = run(
        capsys, "export", "--format", "json", "--output", str(tmp_path / "bad"), "--status", "banana"
    )
    assert code == 1 and not (tmp_path / "bad").exists()
    a_file = tmp_path / "file"
    a_file.write_text("x", encoding="utf-8")
    code, _, err = run(capsys, "export", "--format", "json", "--output", str(a_file))
    assert code == 2
    assert_one_line_error(err, "export", "exists and is not a folder")
    assert run(capsys, "export", "--output", str(tmp_path / "no-format"))[0] == 2
    assert (
        run(
            capsys,
            "export",
            "--format",
            "json",
            "--output",
            str(tmp_path / "out"),
            "--snapshot",
            "/nonexistent",
        )[0]
        == 2
    )


def test_export_into_a_folder_that_refuses_writes_is_an_io_error(capsys):
    target = _unwritable_dir() / "spacecraft-data-export"
    code, _, err = run(capsys, "export", "--format", "json", "--output", str(target))
    assert code == 2
    assert_one_line_error(err, "export", "/sys")


def test_diff(capsys, tmp_path):
    assert run(capsys, "diff", str(BUNDLED), str(BUNDLED), "--exit-code")[0] == 0
    changed = tmp_path / "2.3.0" / "2099.01.01"
    shutil.copytree(BUNDLED, changed)
    records = json.loads((changed / "spacecraft.json").read_text(encoding="utf-8"))
    records[0]["name"] += " (SYNTHETIC change)"
    data = dump_json(records)
    manifest = json.loads((changed / "manifest.json").read_text(encoding="utf-8"))
    # A consistent snapshot (load() checks each table's checksum), so 1 means "they differ", not "damaged".
    manifest["files"]["spacecraft.json"] = {"sha256": sha256_bytes(data), "bytes": len(data)}
    (changed / "manifest.json").write_bytes(dump_json(manifest))
    (changed / "spacecraft.json").write_bytes(data)
    code, out, _ = run(capsys, "diff", str(BUNDLED), str(changed), "--exit-code")
    assert code == 1 and "SYNTHETIC change" in out
    assert (
        run(capsys, "diff", str(BUNDLED), str(changed))[0] == 0
    )  # without --exit-code a difference is output
    for old in ("nonsense", "/nonexistent", "2000.01.01"):
        code, _, err = run(capsys, "diff", old, str(BUNDLED))
        assert code == 2, (old, err)
        assert_one_line_error(err, "diff", old)


def test_import_pages(capsys, tmp_path, seed_pages):
    args = [
        "--output",
        str(tmp_path / "snaps"),
        "--raw-dir",
        str(tmp_path / "raw"),
        "--no-changelog",
        "--quiet",
    ]
    assert run(capsys, "import-pages", str(SEED_FILES[0]), *args)[0] == 0
    body = json.loads(json.dumps(seed_pages[0].body))
    body["results"][0]["flights_count"] = "many"  # SYNTHETIC damage to a copy of a real page
    bad = tmp_path / "bad-page.json"
    bad.write_text(json.dumps(body), encoding="utf-8")
    before = sorted(p.name for p in (tmp_path / "snaps" / "2.3.0").iterdir())
    code, _, err = run(capsys, "import-pages", str(bad), *args)
    assert code == 1 and "flights_count" in err
    assert sorted(p.name for p in (tmp_path / "snaps" / "2.3.0").iterdir()) == before
    for path, why in [
        (tmp_path / "missing.txt", "No such file or directory"),
        (tmp_path, "a folder, not a regular file"),
    ]:
        code, _, err = run(capsys, "import-pages", str(path), *args)
        assert code == 2, (path, err)
        assert_one_line_error(err, "import-pages", str(path), why)


def test_import_embedded(capsys, tmp_path):
    args = [
        "--output",
        str(tmp_path / "snaps"),
        "--raw-dir",
        str(tmp_path / "raw"),
        "--no-changelog",
        "--quiet",
    ]
    stations = ROOT / "data" / "raw" / "launchschedule-masterdata" / "spacestations.json"
    assert run(capsys, "import-embedded", str(stations), *args)[0] == 0
    code, _, err = run(capsys, "import-embedded", str(SEED_FILES[0].parent / "SOURCE.md"), *args)
    assert code == 1  # a readable file that is not a response: a finding
    code, _, err = run(capsys, "import-embedded", str(tmp_path / "missing.json"), *args)
    assert code == 2
    assert_one_line_error(err, "import-embedded", str(tmp_path / "missing.json"), "No such file or directory")


def test_harvest_usage_errors(capsys, tmp_path):
    # Success (0) and a finding (1: records that fail the schema) are in test_harvest.py, against
    # tests/fakeapi.py.
    assert run(capsys, "harvest", "--timeout", "soon")[0] == 2
    assert run(capsys, "harvest", "--mode", "all")[0] == 2


def test_serve_a_taken_port_is_an_io_error(capsys):
    # Success (0 after SIGTERM) is the subprocess test below; a finding (1) is a snapshot found corrupt.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = run(capsys, "serve", "--port", str(port), "--quiet")
    assert code == 2
    assert_one_line_error(err, "serve", f"cannot listen on 127.0.0.1:{port}")
    assert run(capsys, "serve", "--port", "eighty")[0] == 2


def test_serve_a_corrupt_snapshot_is_a_finding(capsys, corrupt_snapshot):
    code, _, err = run(capsys, "serve", "--port", "0", "--snapshot", str(corrupt_snapshot))
    assert code == 1
    assert_one_line_error(err, "serve", str(corrupt_snapshot))


def test_an_oserror_no_command_handles_is_one_line_naming_the_path(capsys, monkeypatch):
    import spacecraft_data.cli.info as info

    def refuse(args):
        raise PermissionError(13, "Permission denied", "/some/where")

    monkeypatch.setattr(info, "run", refuse)
    code, _, err = run(capsys, "info")
    assert code == 2
    assert err.strip() == "spacecraft-data info: error: /some/where: Permission denied"


# -- real processes -------------------------------------------------------------------------------


def _cli(*argv: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "spacecraft_data", *argv], capture_output=True, text=True, timeout=60, **kw
    )


@pytest.mark.slow
def test_a_process_exits_0_1_and_2_without_a_traceback(invalid_record_file):
    done = [
        _cli("validate"),
        _cli("validate", str(invalid_record_file)),
        _cli("validate", "/nonexistent.json"),
        _cli("info", "--snapshot", "/nonexistent"),
        _cli("query", "--limit"),
    ]
    assert [d.returncode for d in done] == [0, 1, 2, 2, 2], [d.stderr for d in done]
    for d in done:
        assert "Traceback" not in d.stdout + d.stderr


@pytest.mark.slow
def test_serve_answers_and_exits_0_on_sigterm():
    import signal
    import urllib.request

    proc = subprocess.Popen(
        [sys.executable, "-m", "spacecraft_data", "serve", "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = proc.stdout.readline()
        url = first.split(" at ", 1)[1].split()[0]  # ".../2.3.0/spacecraft/"
        with urllib.request.urlopen(url + "?limit=1", timeout=30) as answer:
            assert answer.status == 200 and json.load(answer)["count"] > 0
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        assert "Traceback" not in proc.stderr.read()
        proc.stderr.close()


def test_snapshots(capsys, tmp_path, monkeypatch):
    # A finding (1: a listed snapshot that cannot be read) is in test_user_store.py.
    monkeypatch.setenv("SPACECRAFT_DATA_HOME", str(tmp_path / "home"))
    assert run(capsys, "snapshots")[0] == 0
    assert run(capsys, "snapshots", "--format", "xml")[0] == 2


def test_every_command_is_covered_here():
    from spacecraft_data.cli import COMMANDS

    tested = {
        name[len("test_") :].replace("import_", "import-").split("_")[0]
        for name in globals()
        if name.startswith("test_")
    }
    assert set(COMMANDS) <= tested, set(COMMANDS) - tested
