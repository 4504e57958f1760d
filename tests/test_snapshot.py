"""Loading snapshots: the bundled one, any folder, and clear errors for broken ones."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import EMBEDDED_IDS, PINNED_DIR, PINNED_STORE

import spacecraft_data
from spacecraft_data.errors import RecordNotFound, SnapshotError

SNAPSHOT_DIR = PINNED_DIR


def test_bundled_snapshot_holds_the_20_seed_records_json_equal_to_the_pages_and_the_8_embedded_ones(
    bundled, seed_records
):
    assert len(bundled) == 28 == len(seed_records) + len(EMBEDDED_IDS)
    assert sorted({r["id"] for r in seed_records} | set(EMBEDDED_IDS)) == [r["id"] for r in bundled]
    for record in seed_records:
        assert bundled.get(record["id"]) == record


def test_snapshot_exposes_versions_coverage_and_modes(bundled):
    # The bundled snapshot carries the date of its newest input (the space stations dump, received
    # 2026-12-01).
    assert (
        bundled.version
        == "2026.12.01"
        == max(d for s in bundled.manifest["sources"] for d in (s["captured"], s["received"]) if d).replace(
            "-", "."
        )
    )
    assert bundled.api_version == "2.3.0"
    assert bundled.reported_count == 590 and not bundled.complete
    assert bundled.modes == ("normal",)
    assert bundled.manifest["records"]["held"] == 28
    assert spacecraft_data.__version__ != bundled.version  # data and code are versioned separately


def test_load_without_arguments_returns_the_same_cached_object():
    assert spacecraft_data.load() is spacecraft_data.load()


def test_reference_tables_are_loaded(bundled):
    configs = bundled.tables["spacecraft_configurations"]
    assert len(configs) == 46 and [c["id"] for c in configs] == sorted(c["id"] for c in configs)
    assert {s["id"] for s in bundled.tables["spacecraft_statuses"]} == {1, 3, 4}


def test_missing_id_raises_record_not_found_saying_the_snapshot_is_partial(bundled):
    with pytest.raises(RecordNotFound) as info:
        bundled.get(1)
    assert isinstance(info.value, KeyError)
    assert f"spacecraft 1 is not in snapshot {bundled.version}" in str(info.value)
    assert "28 of 590" in str(info.value) and "harvest" in str(info.value)
    assert bundled.get(1, None) is None
    assert 463 in bundled and 1 not in bundled


def test_load_accepts_a_snapshot_folder_or_a_store_root(tmp_path):
    assert spacecraft_data.load(SNAPSHOT_DIR).version == SNAPSHOT_DIR.name == "2026.12.01"
    assert (
        spacecraft_data.load(PINNED_STORE / "snapshots").version == SNAPSHOT_DIR.name
    )  # a store: its latest


def test_latest_version_wins_in_a_store(tmp_path):
    store = tmp_path / "store" / "2.3.0"
    for version in ("2026.11.22", "2026.11.22.1", "2026.09.30"):
        shutil.copytree(SNAPSHOT_DIR, store / version)
        manifest = json.loads((store / version / "manifest.json").read_text())
        manifest["snapshot_version"] = version
        (store / version / "manifest.json").write_text(json.dumps(manifest))
    assert spacecraft_data.load(tmp_path / "store").version == "2026.11.22.1"


def test_loading_a_folder_without_a_snapshot_names_the_folder(tmp_path):
    with pytest.raises(SnapshotError, match="no such snapshot folder"):
        spacecraft_data.load(tmp_path / "nope")
    with pytest.raises(SnapshotError, match="not a snapshot folder"):
        spacecraft_data.load(tmp_path)


def test_corrupt_table_file_error_names_file_and_line(tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(SNAPSHOT_DIR, copy)
    text = (copy / "spacecraft.json").read_text(encoding="utf-8").splitlines(keepends=True)
    text[40] = text[40].replace(":", "")
    (copy / "spacecraft.json").write_text("".join(text), encoding="utf-8")
    with pytest.raises(SnapshotError, match=r"spacecraft\.json:4\d: invalid JSON in table spacecraft"):
        spacecraft_data.load(copy)


def test_missing_table_file_is_named(tmp_path):
    copy = tmp_path / "snap"
    shutil.copytree(SNAPSHOT_DIR, copy)
    (copy / "spacecraft.json").unlink()
    with pytest.raises(SnapshotError, match=r"spacecraft\.json: missing"):
        spacecraft_data.load(copy)


@pytest.mark.parametrize("path", [5, b"/tmp", 1.5])
def test_load_of_a_path_that_is_no_str_or_pathlike_is_a_type_error_naming_it(path):
    with pytest.raises(
        TypeError, match=rf"load\(\) takes path as a str or os.PathLike .*not {type(path).__name__}"
    ):
        spacecraft_data.load(path)
