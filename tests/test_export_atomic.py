"""`export` publishes all of its files or none: a write that fails (a full disk) leaves the folder as it was.

The failing write is real: the export runs in a subprocess whose file-size limit (RLIMIT_FSIZE, with
SIGXFSZ ignored so that write() fails with EFBIG as on a full disk) is below the size of its largest
file, so some files are written and one is not. Before staging, `--force` replaced the files one by one,
in name order, so `datapackage.json` was new beside the old CSVs; and the error named no file.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

from spacecraft_data.cli import main
from spacecraft_data.cli.export import check_export, export_files
from spacecraft_data.errors import BuildError

resource = pytest.importorskip("resource")  # POSIX only


def _tree(folder: Path) -> dict[str, str]:
    """Every file under ``folder`` (hidden ones too) -> sha256 of its bytes."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


_LIMITED = """
import resource, signal, sys
# write() then fails with EFBIG, as it fails with ENOSPC on a full disk
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))
from spacecraft_data.cli import main
sys.exit(main(sys.argv[1:]))
"""


def _export_with_file_limit(limit: int, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _LIMITED.format(limit=limit), "export", *argv],
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_force_export_that_runs_out_of_space_leaves_the_old_folder_byte_for_byte(bundled, tmp_path, fmt):
    if fmt == "parquet":
        pytest.importorskip("duckdb")
    out = tmp_path / "out"
    # The old export: a selection, so that every table file differs from the full export that follows.
    assert (
        main(["export", "--format", fmt, "--output", str(out), "--search", "progress", "--referenced-only"])
        == 0
    )
    (out / "notes.txt").write_text("mine\n")
    before = _tree(out)
    sizes = sorted(len(data) for data in export_files(bundled, None, fmt).values())
    limit = (sizes[-1] + sizes[-2]) // 2  # every file but the largest fits
    done = _export_with_file_limit(limit, "--format", fmt, "--output", str(out), "--force")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    largest = max(export_files(bundled, None, fmt).items(), key=lambda item: len(item[1]))[0]
    # csv fails writing into the staging folder; parquet earlier, where DuckDB writes its temporary file
    named = f"{out / largest}: " if fmt == "csv" else f"error: {largest}: DuckDB could not write it"
    assert named in done.stderr and "nothing" in done.stderr, done.stderr
    assert _tree(out) == before  # not one byte changed, nothing left behind (no staging folder)
    assert sorted(p.name for p in out.iterdir()) == sorted(before)


def test_export_into_a_new_folder_that_runs_out_of_space_creates_nothing(bundled, tmp_path):
    out = tmp_path / "new"
    sizes = sorted(len(data) for data in export_files(bundled, None, "csv").values())
    done = _export_with_file_limit((sizes[-1] + sizes[-2]) // 2, "--format", "csv", "--output", str(out))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_force_export_replaces_every_file_and_keeps_the_users_own(bundled, tmp_path):
    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--output", str(out), "--search", "progress"]) == 0
    (out / "notes.txt").write_text("mine\n")
    assert main(["export", "--format", "csv", "--output", str(out), "--force"]) == 0
    files = export_files(bundled, None, "csv", note=None)
    for name in files:
        if name != "datapackage.json":  # its description carries the export's note
            assert (out / name).read_bytes() == files[name], name
    assert (out / "notes.txt").read_text() == "mine\n"
    assert sorted(p.name for p in out.iterdir()) == sorted([*files, "notes.txt"])  # no staging folder left


def test_a_folder_where_a_file_goes_is_refused_and_nothing_is_replaced(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["export", "--format", "csv", "--output", str(out), "--search", "progress"]) == 0
    before = _tree(out)
    (out / "spacecraft.csv").unlink()
    (out / "spacecraft.csv").mkdir()
    (out / "spacecraft.csv" / "keep").write_text("mine\n")
    before = _tree(out)
    assert main(["export", "--format", "csv", "--output", str(out), "--force"]) == 2
    err = capsys.readouterr().err
    assert f"{out / 'spacecraft.csv'}: is a folder" in err
    assert _tree(out) == before


def test_an_output_under_a_file_is_refused_naming_the_file(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine\n")
    assert main(["export", "--format", "csv", "--output", str(tmp_path / "afile" / "sub")]) == 2
    assert f"{tmp_path / 'afile'} is not a folder" in capsys.readouterr().err
    assert (tmp_path / "afile").read_text() == "mine\n"


def test_a_dangling_symlink_under_an_export_name_is_not_replaced_without_force(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "spacecraft.csv").symlink_to(tmp_path / "nowhere")
    assert main(["export", "--format", "csv", "--output", str(out)]) == 2
    assert "would overwrite spacecraft.csv" in capsys.readouterr().err
    assert (out / "spacecraft.csv").is_symlink() and sorted(p.name for p in out.iterdir()) == [
        "spacecraft.csv"
    ]


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_export_into_a_snapshot_folder_is_refused_even_with_force_and_leaves_it_readable(
    pinned_home, capsys, fmt
):
    """Today's bug: `export --format json --search X --force --output <the snapshot's folder>` replaced its
    spacecraft.json with the selection; the snapshot failed its checksums and every command refused it."""
    folder = next((pinned_home / "snapshots" / "2.3.0").iterdir())
    before = _tree(folder)
    argv = ["export", "--format", fmt, "--search", "progress", "--output", str(folder), "--force"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == (
        f"spacecraft-data export: error: {folder}: is a snapshot folder (it holds a manifest.json); "
        "export into another folder\n"
    )
    assert _tree(folder) == before
    assert main(["info"]) == 0


@pytest.mark.parametrize(
    "fmt, name",
    [
        ("csv", "spacecraft_statuses.csv"),
        ("parquet", "spacecraft_statuses.parquet"),
        ("json", "spacecraft.json"),
        ("ndjson", "spacecraft.ndjson"),
    ],
)
def test_the_read_back_check_finds_a_file_that_differs_and_names_it(bundled, tmp_path, fmt, name):
    if fmt == "parquet":
        pytest.importorskip("duckdb")
    files = export_files(bundled, None, fmt)
    for file, data in files.items():
        (tmp_path / file).write_bytes(data)
    check_export(tmp_path, bundled, None, fmt)  # as written: the same
    if fmt == "parquet":  # another table's file in its place: the same columns, other rows
        (tmp_path / name).write_bytes(files["agency_types.parquet"])
    else:
        (tmp_path / name).write_bytes(files[name].replace(b"Destroyed", b"Destroyes", 1))
    with pytest.raises(BuildError, match=f"{tmp_path / name}"):
        check_export(tmp_path, bundled, None, fmt)


def test_export_of_json_reads_back_before_it_is_published(bundled, tmp_path):
    assert main(["export", "--format", "json", "--output", str(tmp_path / "j")]) == 0
    assert json.loads((tmp_path / "j" / "spacecraft.json").read_text()) == bundled.records


@pytest.mark.parametrize("fmt", ["json", "ndjson"])
def test_the_read_back_of_records_holding_line_separators_finds_them_equal(bundled, tmp_path, fmt):
    records = [dict(bundled.records[0], description="a\u2028b\u0085c\x1cd\re\nf")]  # SYNTHETIC text
    for name, data in export_files(bundled, records, fmt).items():
        (tmp_path / name).write_bytes(data)
    check_export(tmp_path, bundled, records, fmt)
