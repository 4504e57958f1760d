"""diff: records added, removed and changed between two snapshots, as JSON paths, text and JSON.

The "new" snapshots here are copies of the bundled one edited in tmp_path: SYNTHETIC
test data, never written under data/.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from conftest import PINNED_DIR

import spacecraft_data
from spacecraft_data.cli import main
from spacecraft_data.diff import Change, diff_snapshots, diff_values, resolve_snapshot, strip_format
from spacecraft_data.errors import SnapshotError
from spacecraft_data.store import dump_json, sha256_bytes

#: load() with no path and the commands given no snapshot answer from the pinned snapshot (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("pinned_home")

BUNDLED = PINNED_DIR


def edited_copy(tmp_path: Path, edit) -> Path:
    """A copy of the bundled snapshot at tmp_path/2.3.0/2099.01.01, its spacecraft list changed by ``edit``.

    SYNTHETIC test data."""
    target = tmp_path / "2.3.0" / "2099.01.01"
    shutil.copytree(BUNDLED, target)
    records = json.loads((target / "spacecraft.json").read_text())
    edit(records)
    manifest = json.loads((target / "manifest.json").read_text())
    manifest["snapshot_version"] = "2099.01.01"
    data = dump_json(records)
    # A consistent snapshot: load() checks each table against the manifest's checksum.
    manifest["files"]["spacecraft.json"] = {"sha256": sha256_bytes(data), "bytes": len(data)}
    (target / "manifest.json").write_bytes(dump_json(manifest))
    (target / "spacecraft.json").write_bytes(data)
    return target


def synthetic_edits(records: list[dict]) -> None:
    by_id = {r["id"]: r for r in records}
    records.remove(by_id[167])
    added = json.loads(json.dumps(by_id[185]))
    added["id"], added["name"] = 1, "SYNTHETIC added record"
    records.insert(0, added)
    changed = by_id[233]
    changed["name"] = "Crew Dragon C204 (SYNTHETIC rename)"
    changed["status"] = {"id": 2, "name": "Retired"}
    changed["image"]["variants"].append({"id": 9, "type": {"id": 1, "name": "SYNTHETIC"}, "image_url": "x"})


def test_identical_snapshots_have_no_difference() -> None:
    d = diff_snapshots(spacecraft_data.load(), spacecraft_data.load())
    assert d.empty
    assert d.summary_lines()[0] == "spacecraft: 0 added, 0 removed, 0 changed"


def test_added_removed_and_field_level_changes_as_json_paths(tmp_path: Path) -> None:
    new = spacecraft_data.load(edited_copy(tmp_path, synthetic_edits))
    d = diff_snapshots(spacecraft_data.load(), new)
    t = d.tables["spacecraft"]
    assert (t.added, t.removed, list(t.changed)) == ([1], [167], [233])
    # In the record's own key order.
    assert [c.path for c in t.changed[233]] == [
        "$.name",
        "$.image.variants[0]",
        "$.status.id",
        "$.status.name",
    ]
    assert t.changed[233][0] == Change("$.name", "Crew Dragon C204", "Crew Dragon C204 (SYNTHETIC rename)")
    as_json = d.to_json()
    assert (
        as_json["old"]["snapshot_version"] == BUNDLED.name
        and as_json["new"]["snapshot_version"] == "2099.01.01"
    )
    variant = as_json["tables"]["spacecraft"]["changed"]["233"][1]
    assert (
        "old" not in variant and variant["new"]["type"]["name"] == "SYNTHETIC"
    )  # absent before: no "old" key
    assert d.tables["spacecraft_configurations"].summary() == "0 added, 0 removed, 0 changed"
    text = d.to_text()
    assert "  + 1 SYNTHETIC added record" in text and "  - 167 Cygnus CRS OA-7" in text
    assert '      $.status.name: "Destroyed" -> "Retired"' in text
    assert "      $.image.variants[0]: (absent) -> {" in text


def test_url_fields_differing_only_by_format_are_ignored_unless_strict(tmp_path: Path) -> None:
    def to_json_format(records: list[dict]) -> None:
        records[0]["url"] = records[0]["url"].replace("?format=api", "?format=json")

    new = spacecraft_data.load(edited_copy(tmp_path, to_json_format))
    assert diff_snapshots(spacecraft_data.load(), new).empty
    strict = diff_snapshots(spacecraft_data.load(), new, ignore_format=False)
    assert [c.path for c in strict.tables["spacecraft"].changed[167]] == ["$.url"]
    assert strip_format("https://h/2.3.0/spacecraft/1/?format=api&x=1") == "https://h/2.3.0/spacecraft/1/?x=1"


def test_json_values_of_different_types_are_changes() -> None:
    assert diff_values({"a": True}, {"a": 1}) == [Change("$.a", True, 1)]
    assert diff_values({"a": [1, 2]}, {"a": [1]})[0].path == "$.a[1]"
    assert diff_values({"a": None}, {"a": None}) == []


def test_cli_diff_text_json_versions_and_exit_code(tmp_path: Path, capsys) -> None:
    new = edited_copy(tmp_path, synthetic_edits)
    assert main(["diff", str(BUNDLED), str(new), "--format", "json"]) == 0
    body = json.loads(capsys.readouterr().out)
    assert body["tables"]["spacecraft"]["added"] == [1]
    # Versions resolve in --root; --exit-code says whether they differ.
    shutil.copytree(BUNDLED, tmp_path / "2.3.0" / BUNDLED.name)
    assert main(["diff", BUNDLED.name, "2099.01.01", "--root", str(tmp_path), "--exit-code"]) == 1
    out = capsys.readouterr().out
    assert out.startswith(f"diff 2.3.0/{BUNDLED.name} (28 records) -> 2.3.0/2099.01.01 (28 records)")
    assert main(["diff", BUNDLED.name, BUNDLED.name, "--exit-code"]) == 0
    capsys.readouterr()
    assert main(["diff", str(BUNDLED), str(new), "--summary"]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == [
        "spacecraft: 1 added, 1 removed, 1 changed",
        "spacecraft_configurations: 0 added, 0 removed, 0 changed",
        "spacecraft_statuses: 0 added, 0 removed, 0 changed",
    ]


def test_unknown_snapshot_argument_is_a_clear_error(tmp_path: Path, capsys) -> None:
    with pytest.raises(SnapshotError, match="no snapshot 2.3.0/2000.01.01"):
        resolve_snapshot("2000.01.01", tmp_path)
    assert main(["diff", "nonsense", BUNDLED.name]) == 2  # a usage error
    assert "nonsense: neither a snapshot folder nor a snapshot version" in capsys.readouterr().err
