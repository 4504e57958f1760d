"""The bundle itself: every snapshot in data/snapshots is whole, valid and reproducible, whatever it holds.

These are the ``bundle`` tests (``scripts/refresh.py --bundle-tests`` runs them with
tests/test_datapackage.py): they state no fact of particular records, so they must hold for
any harvest a refresh publishes, and they fail on what a bad harvest would break. Facts of
particular records are stated of the pinned snapshot (tests/conftest.py), which is checked
here to be the bundled 2026.12.01 snapshot byte for byte while the bundle holds it.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BUNDLED_DIR, PINNED_DIR, ROOT

import spacecraft_data
from spacecraft_data.snapshot import Snapshot
from spacecraft_data.store import MANIFEST, sha256_file, snapshot_versions

pytestmark = pytest.mark.bundle
STORE = ROOT / "data" / "snapshots"
SNAPSHOTS = [STORE / "2.3.0" / v for v in snapshot_versions(STORE, "2.3.0")]


def test_the_bundle_holds_the_snapshot_data_raw_sources_json_builds():
    assert SNAPSHOTS and BUNDLED_DIR in SNAPSHOTS


@pytest.mark.parametrize("folder", SNAPSHOTS, ids=lambda p: p.name)
def test_every_bundled_snapshot_matches_its_manifest_and_validates(folder: Path):
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    assert manifest["snapshot_version"] == folder.name
    assert sorted(p.name for p in folder.iterdir()) == sorted([MANIFEST, *manifest["files"]])
    for name, meta in manifest["files"].items():
        assert (
            sha256_file(folder / name) == meta["sha256"] and (folder / name).stat().st_size == meta["bytes"]
        ), name
    snap = Snapshot(folder)  # every table read, each checked against its checksum
    assert len(snap) == manifest["records"]["held"] == len({r["id"] for r in snap.records}) > 0
    for table, meta in manifest["tables"].items():
        assert len(snap.tables[table]) == meta["rows"], table
    report = spacecraft_data.validate(folder)
    assert report.valid, [str(p) for p in report.problems[:5]]


def test_the_newest_bundled_snapshot_is_the_one_the_package_answers_from(
    latest_bundled, monkeypatch, tmp_path
):
    monkeypatch.setenv("SPACECRAFT_DATA_HOME", str(tmp_path / "empty"))
    snap = spacecraft_data.load()
    assert (
        (snap.origin, snap.version) == ("bundled", SNAPSHOTS[-1].name) == ("bundled", latest_bundled.version)
    )


def test_every_generated_file_is_what_the_raw_inputs_rebuild():
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "build_all.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_pinned_snapshot_is_the_bundled_one_of_its_version_byte_for_byte():
    # The facts the tests state of the pinned snapshot are facts of what the package shipped as that version.
    bundled = STORE / "2.3.0" / PINNED_DIR.name
    if not bundled.is_dir():
        pytest.skip(f"the bundle no longer holds {PINNED_DIR.name} (data/raw/sources.json changed since)")
    assert sorted(p.name for p in bundled.iterdir()) == sorted(p.name for p in PINNED_DIR.iterdir())
    for file in PINNED_DIR.iterdir():
        assert (bundled / file.name).read_bytes() == file.read_bytes(), file.name
