"""Corrupted snapshots: every fault is a SnapshotError naming the file, never a traceback or a hang.

Each case copies the bundled snapshot to tmp_path and corrupts one thing (SYNTHETIC corruption
of real records). ``load()`` and the first read of every table must raise SnapshotError naming
the file (and the record id / JSON path where there is one); ``info --snapshot`` and
``validate`` in a subprocess must end with a one-line error or problem naming it, no
"Traceback", within a bounded time; and every file of the copy is byte-identical afterwards.
Where the corruption leaves valid JSON, the manifest checksum is recomputed ("rehash") so that
the check under test, not the checksum, is what refuses it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PINNED_DIR

import spacecraft_data
from spacecraft_data.errors import SnapshotError

BUNDLED = PINNED_DIR
SC, CONF, STAT, MAN = (
    "spacecraft.json",
    "spacecraft_configurations.json",
    "spacecraft_statuses.json",
    "manifest.json",
)
TIMEOUT = 30  # seconds for both commands together; a hang (FIFO) would block forever


def _records(folder: Path, name: str = SC) -> list:
    return json.loads((folder / name).read_text(encoding="utf-8"))


def _write(folder: Path, name: str, data: bytes | str, rehash: bool = True) -> None:
    data = data.encode("utf-8") if isinstance(data, str) else data
    (folder / name).write_bytes(data)
    if rehash and name != MAN:
        manifest = json.loads((folder / MAN).read_text(encoding="utf-8"))
        manifest["files"][name] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        (folder / MAN).write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _edit_records(name: str, edit, rehash: bool = True):
    def corrupt(folder: Path) -> None:
        records = _records(folder, name)
        edit(records)
        _write(folder, name, json.dumps(records, indent=2), rehash)

    return corrupt


def _edit_manifest(edit):
    def corrupt(folder: Path) -> None:
        manifest = json.loads((folder / MAN).read_text(encoding="utf-8"))
        edit(manifest)
        (folder / MAN).write_text(json.dumps(manifest, indent=2), encoding="utf-8")

    return corrupt


def _replace_text(name: str, old: str, new: str, rehash: bool = True):
    def corrupt(folder: Path) -> None:
        text = (folder / name).read_text(encoding="utf-8")
        assert old in text
        _write(folder, name, text.replace(old, new, 1), rehash)

    return corrupt


def _raw(name: str, data: bytes, rehash: bool = True):
    return lambda folder: _write(folder, name, data, rehash)


def _prepend(name: str, prefix: bytes):
    return lambda folder: _write(folder, name, prefix + (folder / name).read_bytes())


def _directory(name: str):
    def corrupt(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).mkdir()

    return corrupt


def _fifo(name: str):
    def corrupt(folder: Path) -> None:
        (folder / name).unlink()
        os.mkfifo(folder / name)

    return corrupt


def _symlink_out(name: str):
    def corrupt(folder: Path) -> None:
        outside = folder.parent / f"outside-{name}"
        shutil.copy(folder / name, outside)  # the same bytes: only where it lives is wrong
        (folder / name).unlink()
        (folder / name).symlink_to(outside)

    return corrupt


def _dangling(name: str):
    def corrupt(folder: Path) -> None:
        (folder / name).unlink()
        (folder / name).symlink_to(folder / "nowhere.json")

    return corrupt


def _set(record_index: int, key: str, value):
    def edit(records: list) -> None:
        records[record_index][key] = value

    return edit


def _first_id(folder_records: list) -> int:
    return folder_records[0]["id"]


# (case id, corrupt(folder), the file the error must name, a phrase the error must hold)
CASES = [
    ("deep-nesting-file", _raw(SC, b"[" * 100_000 + b"]" * 100_000), SC, "nested too deeply"),
    (
        "deep-nesting-in-record",
        _replace_text(SC, '"name": "', '"name": ' + "[" * 50_000 + "]" * 50_000 + ', "x": "'),
        SC,
        "nested too deeply",
    ),
    (
        "invalid-utf8",
        lambda f: _write(f, SC, (f / SC).read_bytes().replace(b'"name": "', b'"name": "\xff', 1)),
        SC,
        "not UTF-8",
    ),
    ("utf8-bom", _prepend(SC, b"\xef\xbb\xbf"), SC, "byte order mark"),
    (
        "nan",
        _replace_text(SC, '"flights_count": ', '"flights_count": NaN, "x": '),
        SC,
        "NaN is not a JSON value",
    ),
    (
        "infinity",
        _replace_text(SC, '"flights_count": ', '"flights_count": -Infinity, "x": '),
        SC,
        "-Infinity is not a JSON value",
    ),
    (
        "huge-integer",
        _replace_text(SC, '"flights_count": ', '"flights_count": ' + "9" * 5000 + ', "x": '),
        SC,
        "digits",
    ),
    ("not-an-array", _raw(SC, b'{"results": []}'), SC, "expected a JSON array"),
    (
        "record-not-object",
        _edit_records(SC, lambda r: r.__setitem__(3, 5)),
        SC,
        "$[3]: a record must be a JSON object",
    ),
    ("record-without-id", _edit_records(SC, lambda r: r[2].pop("id")), SC, "$[2].id: the record has no 'id'"),
    ("string-id", _edit_records(SC, lambda r: r[1].__setitem__("id", str(r[1]["id"]))), SC, "is a string"),
    ("bool-id", _edit_records(SC, _set(1, "id", True)), SC, "is a boolean"),
    ("float-id", _edit_records(SC, lambda r: r[1].__setitem__("id", float(r[1]["id"]))), SC, "is a number"),
    ("null-id", _edit_records(SC, _set(1, "id", None)), SC, "is null"),
    ("duplicate-id", _edit_records(SC, lambda r: r[5].__setitem__("id", r[2]["id"])), SC, "duplicate id"),
    ("duplicate-id-lazy-table", _edit_records(CONF, lambda r: r.append(r[0])), CONF, "duplicate id"),
    ("folder-for-file", _directory(SC), SC, "a folder where"),
    ("fifo-for-file", _fifo(SC), SC, "FIFO"),
    ("fifo-for-lazy-table", _fifo(CONF), CONF, "FIFO"),
    ("fifo-for-manifest", _fifo(MAN), MAN, "FIFO"),
    ("symlink-out", _symlink_out(SC), SC, "leads out of the snapshot folder"),
    ("symlink-out-lazy-table", _symlink_out(STAT), STAT, "leads out of the snapshot folder"),
    ("symlink-out-manifest", _symlink_out(MAN), MAN, "leads out of the snapshot folder"),
    ("dangling-symlink", _dangling(SC), SC, "missing"),
    ("tampered-file", _replace_text(SC, '"name": "', '"name": "X', rehash=False), SC, "sha256"),
    ("tampered-lazy-table", _replace_text(CONF, '"name": "', '"name": "X', rehash=False), CONF, "sha256"),
    ("manifest-not-object", _raw(MAN, b"[1, 2]"), MAN, "manifest"),
    ("manifest-nan", _replace_text(MAN, '"held": 28', '"held": NaN'), MAN, "NaN"),
    (
        "manifest-reported-string",
        _edit_manifest(lambda m: m["records"].__setitem__("reported", "590")),
        MAN,
        "$.records.reported: expected an integer or null",
    ),
    (
        "manifest-modes-array",
        _edit_manifest(lambda m: m.__setitem__("modes", [])),
        MAN,
        "$.modes: expected an object",
    ),
    (
        "manifest-why-number",
        _edit_manifest(lambda m: m["modes"]["detailed"].__setitem__("why", 5)),
        MAN,
        "$.modes.detailed.why",
    ),
    (
        "manifest-sources-records-string",
        _edit_manifest(lambda m: m["sources"][0].__setitem__("records", "10")),
        MAN,
        "$.sources[0].records",
    ),
    (
        "manifest-source-without-file",
        _edit_manifest(lambda m: m["sources"][1].pop("file")),
        MAN,
        "$.sources[1].file: required field is missing",
    ),
    (
        "manifest-sha256-number",
        _edit_manifest(lambda m: m["files"][SC].__setitem__("sha256", 5)),
        MAN,
        "sha256: expected a string",
    ),
    ("manifest-api-version-missing", _edit_manifest(lambda m: m.pop("api_version")), MAN, "$.api_version"),
    (
        "manifest-parent-path",
        _edit_manifest(
            lambda m: m["files"].__setitem__("../../../../etc/passwd", {"sha256": "0" * 64, "bytes": 1})
        ),
        MAN,
        "'..'",
    ),
    (
        "manifest-absolute-path",
        _edit_manifest(lambda m: m["files"].__setitem__("/etc/passwd", {"sha256": "0" * 64, "bytes": 1})),
        MAN,
        "absolute path",
    ),
]


def _tree(folder: Path) -> dict[str, tuple]:
    """Every entry under folder's parent: (kind, bytes or link target), read without opening FIFOs."""
    out = {}
    for path in sorted(folder.parent.rglob("*")):
        st = os.lstat(path)
        if path.is_symlink():
            out[str(path)] = ("link", os.readlink(path))
        elif path.is_file():
            out[str(path)] = ("file", path.read_bytes())
        else:
            out[str(path)] = ("other", st.st_mode)
    return out


@pytest.fixture(params=CASES, ids=[c[0] for c in CASES])
def corrupted(request, tmp_path):
    name, corrupt, file, phrase = request.param
    folder = tmp_path / "2.3.0" / "2026.11.22"
    shutil.copytree(BUNDLED, folder)
    corrupt(folder)
    return folder, folder / file, phrase


def _load_everything(folder: Path) -> None:
    snap = spacecraft_data.load(folder)
    for table in snap.tables:
        snap.tables[table]
    snap.query(ordering="-time_in_space")


class Hang(Exception):
    """Raised by the alarm when reading a snapshot blocks (a FIFO opened for reading waits for a writer)."""


def _alarm(signum, frame):
    raise Hang(f"still reading after {TIMEOUT} s: a hang")


def test_a_corrupted_snapshot_is_a_snapshot_error_naming_the_file(corrupted):
    folder, file, phrase = corrupted
    before = _tree(folder)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(TIMEOUT)
    try:
        with pytest.raises(SnapshotError) as caught:
            _load_everything(folder)
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    message = str(caught.value)
    assert str(file) in message and phrase in message, message
    assert "\n" not in message
    assert _tree(folder) == before


_DRIVER = """
import sys
from spacecraft_data.cli import main
first = sys.argv[2:] + ["--snapshot", sys.argv[1]]
for argv in (first, ["validate", sys.argv[1]]):
    print("@@", argv[0], file=sys.stderr, flush=True)
    print("@@", argv[0], flush=True)
    code = main(argv)
    print("@@ exit", code, file=sys.stderr, flush=True)
"""
#: the command that first reads each file: `info` reads the manifest and the spacecraft table; the
#: reference tables are read when their endpoint is first asked for
_FIRST_READ = {
    CONF: ["get", "/2.3.0/spacecraft_configurations/?limit=1"],
    STAT: ["get", "/2.3.0/config/spacecraft_statuses/"],
}


def test_the_cli_reports_a_corrupted_snapshot_in_one_line_without_a_traceback(corrupted):
    folder, file, phrase = corrupted
    before = _tree(folder)
    command = _FIRST_READ.get(file.name, ["info"])
    out = subprocess.run(
        [sys.executable, "-c", _DRIVER, str(folder), *command],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in out.stderr, out.stderr
    assert out.returncode == 0, out.stderr  # the driver itself ended normally
    first_err, validate_err = out.stderr.split("@@ validate")
    lines = [line for line in first_err.splitlines() if not line.startswith("@@")]
    assert len(lines) == 1 and lines[0].startswith(f"spacecraft-data {command[0]}: error: "), first_err
    assert str(file) in lines[0] and phrase in lines[0], lines[0]
    assert "@@ exit 0" not in first_err
    validate_out = out.stdout.split("@@ validate")[1]
    assert "@@ exit 1" in validate_err, validate_err
    problems = [
        line for line in validate_out.splitlines() if str(file) in line and "checked with" not in line
    ]
    assert problems, validate_out
    assert _tree(folder) == before


def test_validate_never_reads_a_file_the_manifest_names_outside_its_folder(tmp_path):
    """A manifest entry ../../../../etc/passwd, /etc/passwd and a symlink out: refused, never opened."""
    folder = tmp_path / "snap"
    shutil.copytree(BUNDLED, folder)
    secret = tmp_path / "secret.json"
    secret.write_text('"SYNTHETIC secret"')
    (folder / "link.json").symlink_to(secret)
    manifest = json.loads((folder / MAN).read_text())
    for name in ("../../../../etc/passwd", "/etc/passwd", "link.json", "../secret.json"):
        manifest["files"][name] = {"sha256": "0" * 64, "bytes": 1}
    (folder / MAN).write_text(json.dumps(manifest))
    opened: list[str] = []
    real_open = os.open

    def spy(path, *args, **kwargs):
        opened.append(os.path.realpath(path))
        return real_open(path, *args, **kwargs)

    os.open = spy
    try:
        report = spacecraft_data.validate(folder)
    finally:
        os.open = real_open
    assert not any(p in ("/etc/passwd", str(secret.resolve())) for p in opened), opened
    messages = [str(p) for p in report.problems]
    assert any("'..'" in m and "etc/passwd" in m for m in messages), messages
    assert any("absolute path" in m for m in messages), messages
    assert any("link.json" in m and "leads out" in m for m in messages), messages


def test_a_duration_too_large_for_a_timedelta_is_an_error_naming_file_record_and_field(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(BUNDLED, folder)
    records = _records(folder)
    rid = records[4]["id"]
    records[4]["time_in_space"] = "P99999999999D"  # SYNTHETIC: past timedelta.max (999999999 days)
    _write(folder, SC, json.dumps(records, indent=2))
    snap = spacecraft_data.load(folder)
    with pytest.raises(SnapshotError, match=rf"{SC}: record id {rid}, field 'time_in_space': .*too large"):
        snap.query(ordering="time_in_space")
    with pytest.raises(SnapshotError, match="too large"):
        snap.respond("/2.3.0/spacecraft/?ordering=-time_in_space")
    report = spacecraft_data.validate(folder)
    assert any(
        p.record == rid and p.path == "$.time_in_space" and "too large" in p.message for p in report.problems
    ), report
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacecraft_data",
            "query",
            "--snapshot",
            str(folder),
            "--ordering",
            "time_in_space",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in out.stderr and out.returncode != 0
    assert out.stderr.count("\n") == 1 and str(folder / SC) in out.stderr


def test_verify_false_reads_a_tampered_snapshot_unchecked(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(BUNDLED, folder)
    _replace_text(SC, '"name": "', '"name": "SYNTHETIC ', rehash=False)(folder)
    with pytest.raises(SnapshotError, match="sha256"):
        spacecraft_data.load(folder)
    snap = spacecraft_data.load(folder, verify=False)
    assert snap.records[0]["name"].startswith("SYNTHETIC ") and not snap.verified
    assert len(snap.tables["spacecraft_configurations"]) == 46


def test_checksums_are_verified_lazily_when_a_table_is_first_read(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(BUNDLED, folder)
    _replace_text(CONF, '"name": "', '"name": "SYNTHETIC ', rehash=False)(folder)
    snap = spacecraft_data.load(folder)  # the configurations are not read yet
    assert len(snap) == 28
    with pytest.raises(SnapshotError, match=rf"{CONF}: sha256"):
        snap.tables["spacecraft_configurations"]


def test_a_manifest_without_checksums_needs_verify_false(tmp_path):
    folder = tmp_path / "snap"
    shutil.copytree(BUNDLED, folder)
    _edit_manifest(lambda m: m.pop("files"))(folder)
    with pytest.raises(SnapshotError, match=r"manifest\.json: \$\.files: the manifest lists no checksums"):
        spacecraft_data.load(folder)
    assert len(spacecraft_data.load(folder, verify=False)) == 28
