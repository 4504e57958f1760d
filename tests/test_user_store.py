"""The per-user snapshot store and the resolution order: user store (newest first), then the bundled
snapshots.

Every test runs with its own empty ``$SPACECRAFT_DATA_HOME`` (the ``data_home`` fixture of conftest).
User snapshots made here are copies of the real bundled snapshot under another version
name, or real imports of the seed pages: no record is invented.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from conftest import PINNED_DIR, PINNED_STORE, SEED_FILES
from fakeapi import FakeLL2

import spacecraft_data
from spacecraft_data import SnapshotError, locate
from spacecraft_data.cli import main
from spacecraft_data.store import MANIFEST, bundled_root, dump_json, latest_snapshot_dir, snapshot_versions

BUNDLED_VERSION = Path(str(latest_snapshot_dir(bundled_root()))).name  # the bundle's newest, 2026.12.01
BUNDLED_VERSIONS = snapshot_versions(bundled_root())  # oldest first


def _user_copy(home: Path, version: str) -> Path:
    """A copy of the pinned snapshot (the real bundled 2026.12.01) in the user store, published as
    ``version``."""
    source = PINNED_DIR
    target = home / "snapshots" / "2.3.0" / version
    shutil.copytree(source, target)
    manifest = json.loads((target / MANIFEST).read_text(encoding="utf-8"))
    manifest["snapshot_version"] = version
    (target / MANIFEST).write_bytes(dump_json(manifest))
    return target


# -- where the store is ------------------------------------------------------------------------------------
def test_the_user_store_is_spacecraft_data_home_when_set(data_home):
    assert locate.user_home() == data_home
    assert locate.user_snapshots() == data_home / "snapshots"
    assert locate.user_raw_dir("harvest") == data_home / "raw" / "harvest"
    assert locate.user_changelog() == data_home / "DATA_CHANGES.md"


@pytest.mark.skipif(sys.platform != "linux", reason="XDG_DATA_HOME is the Linux rule of platformdirs")
@pytest.mark.parametrize("value", [None, ""])
def test_without_spacecraft_data_home_the_store_is_platformdirs_user_data_dir(monkeypatch, tmp_path, value):
    if value is None:
        monkeypatch.delenv("SPACECRAFT_DATA_HOME")
    else:
        monkeypatch.setenv("SPACECRAFT_DATA_HOME", value)  # empty: as if unset
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert locate.user_home() == tmp_path / "xdg" / "spacecraft-data"


# -- resolution order --------------------------------------------------------------------------------------
def test_with_an_empty_or_missing_user_store_load_returns_the_bundled_snapshot(data_home, monkeypatch):
    snap = spacecraft_data.load()
    assert (snap.version, snap.origin) == (BUNDLED_VERSION, "bundled")
    monkeypatch.setenv("SPACECRAFT_DATA_HOME", str(data_home / "not" / "there"))
    assert spacecraft_data.load().origin == "bundled"


def test_load_returns_the_newest_user_snapshot_before_any_bundled_one(data_home):
    _user_copy(data_home, "2026.12.04")
    newest = _user_copy(data_home, "2026.12.05.1")
    _user_copy(data_home, "2026.12.05")
    snap = spacecraft_data.load()
    assert (snap.version, snap.origin, Path(snap.path)) == ("2026.12.05.1", "user", newest)
    assert snap.get(463)["name"] == "Tianzhou-3"


def test_a_user_snapshot_older_than_the_bundled_one_still_comes_first(data_home):
    # The documented rule is zoneinfo's: the first place holding data wins, whatever its date.
    _user_copy(data_home, "2020.01.01")
    assert (spacecraft_data.load().version, spacecraft_data.load().origin) == ("2020.01.01", "user")


def test_load_version_picks_that_version_from_the_user_store_or_the_bundle(data_home):
    _user_copy(data_home, "2026.12.04")
    _user_copy(data_home, "2026.12.05")
    assert spacecraft_data.load(version="2026.12.04").version == "2026.12.04"
    bundled = spacecraft_data.load(version=BUNDLED_VERSION)
    assert (bundled.version, bundled.origin) == (BUNDLED_VERSION, "bundled")


def test_load_of_a_missing_version_names_the_available_ones(data_home):
    _user_copy(data_home, "2026.12.05")
    with pytest.raises(SnapshotError) as err:
        spacecraft_data.load(version="1999.01.01")
    message = str(err.value)
    assert "1999.01.01" in message and "2026.12.05" in message and BUNDLED_VERSION in message
    assert str(data_home / "snapshots") in message


def test_load_version_in_a_given_store_folder(tmp_path):
    _user_copy(tmp_path, "2026.12.05")
    _user_copy(tmp_path, "2026.12.02")
    assert spacecraft_data.load(tmp_path / "snapshots", version="2026.12.05").version == "2026.12.05"
    with pytest.raises(
        SnapshotError, match=r"no snapshot 2026\.12\.03 .*available: 2026\.12\.02, 2026\.12\.05"
    ):
        spacecraft_data.load(tmp_path / "snapshots", version="2026.12.03")
    folder = tmp_path / "snapshots" / "2.3.0" / "2026.12.05"
    assert spacecraft_data.load(folder, version="2026.12.05").version == "2026.12.05"
    with pytest.raises(SnapshotError, match=r"snapshot 2026\.12\.05, not the version 2026\.12\.02 asked for"):
        spacecraft_data.load(folder, version="2026.12.02")


# -- a corrupt user snapshot -------------------------------------------------------------------------------
@pytest.mark.parametrize("damage", ["manifest", "records", "no manifest"])
def test_a_corrupt_newest_user_snapshot_is_an_error_naming_it_never_skipped(data_home, damage):
    _user_copy(data_home, "2026.12.04")  # a good, older one: must not be used instead
    bad = _user_copy(data_home, "2026.12.05")
    if damage == "manifest":
        (bad / MANIFEST).write_text('{"snapshot_version": "2026.12.05",\n  oops', encoding="utf-8")
    elif damage == "records":
        (bad / "spacecraft.json").write_text("[{", encoding="utf-8")
    else:
        (bad / MANIFEST).unlink()
    with pytest.raises(SnapshotError) as err:
        spacecraft_data.load()
    assert str(bad) in str(err.value) and "user store" in str(err.value)


def test_every_command_refuses_a_corrupt_user_snapshot_with_one_line(data_home, capsys):
    bad = _user_copy(data_home, "2026.12.05")
    (bad / "spacecraft.json").write_text("[{", encoding="utf-8")
    for argv in (["info"], ["query", "--limit", "1"], ["get", "/2.3.0/spacecraft/?limit=1"], ["--version"]):
        try:
            code = main(argv)
        except SystemExit as exc:  # --version exits through argparse
            code = exc.code
        err = capsys.readouterr().err
        assert code != 0, argv
        assert str(bad) in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)


def test_validate_without_a_path_checks_the_user_snapshot_in_use(data_home, capsys):
    bad = _user_copy(data_home, "2026.12.05")
    (bad / "spacecraft.json").write_text("[]\n", encoding="utf-8")  # no longer matches the manifest checksum
    assert main(["validate"]) == 1
    assert str(bad / "spacecraft.json") in capsys.readouterr().out


# -- origin and the cache ----------------------------------------------------------------------------------
def test_a_snapshot_says_where_it_came_from(data_home, tmp_path):
    assert spacecraft_data.load().origin == "bundled"
    mine = _user_copy(data_home, "2026.12.05")
    assert spacecraft_data.load(mine).origin == "user"
    elsewhere = _user_copy(tmp_path, "2026.12.02")
    snap = spacecraft_data.load(elsewhere)
    assert (snap.origin, Path(snap.path)) == ("path", elsewhere)


def test_load_is_cached_until_the_store_changes(data_home, tmp_path, monkeypatch):
    first = spacecraft_data.load()
    assert spacecraft_data.load() is first
    _user_copy(data_home, "2026.12.05")
    second = spacecraft_data.load()
    assert second is not first and second.version == "2026.12.05"
    assert spacecraft_data.load() is second
    monkeypatch.setenv("SPACECRAFT_DATA_HOME", str(tmp_path / "other"))
    assert spacecraft_data.load() is first  # back to the bundled snapshot, still cached


# -- snapshots() -------------------------------------------------------------------------------------------
def test_snapshots_lists_user_then_bundled_newest_first_reading_only_manifests(data_home):
    _user_copy(data_home, "2026.12.04")
    newest = _user_copy(data_home, "2026.12.05")
    (newest / "spacecraft.json").write_text("not json", encoding="utf-8")  # manifests only: unnoticed here
    found = spacecraft_data.snapshots()
    assert [(s.origin, s.version) for s in found] == [
        ("user", "2026.12.05"),
        ("user", "2026.12.04"),
        *(("bundled", v) for v in reversed(BUNDLED_VERSIONS)),
    ]
    assert [s.default for s in found] == [True] + [False] * (len(found) - 1)
    bundled = next(s for s in found if s.version == PINNED_DIR.name and s.origin == "bundled")
    assert (
        bundled.api_version,
        bundled.held,
        bundled.reported,
        bundled.complete,
        bundled.modes,
        bundled.problem,
    ) == ("2.3.0", 28, 590, False, ("normal",), None)
    assert json.loads(json.dumps(bundled.to_dict()))["origin"] == "bundled"


def test_snapshots_reports_an_unreadable_manifest_instead_of_hiding_it(data_home):
    bad = _user_copy(data_home, "2026.12.05")
    (bad / MANIFEST).write_text("{", encoding="utf-8")
    first = spacecraft_data.snapshots()[0]
    assert (first.version, first.default, first.held) == ("2026.12.05", True, None)
    assert str(bad / MANIFEST) in first.problem


# -- the CLI -----------------------------------------------------------------------------------------------
def test_snapshots_command_marks_the_one_in_use_as_text_and_json(data_home, capsys):
    assert main(["snapshots"]) == 0
    out = capsys.readouterr().out
    newest = json.loads((Path(str(latest_snapshot_dir(bundled_root()))) / MANIFEST).read_text())["records"]
    assert f"* bundled 2.3.0 {BUNDLED_VERSION} {newest['held']} of {newest['reported']}" in out  # 28 of 590
    assert "no snapshots yet" in out
    _user_copy(data_home, "2026.12.05")
    assert main(["snapshots", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed["user_store"] == str(data_home / "snapshots")
    assert [(s["origin"], s["version"], s["default"]) for s in listed["snapshots"]] == [
        ("user", "2026.12.05", True),
        *(("bundled", v, False) for v in reversed(BUNDLED_VERSIONS)),
    ]


def test_snapshots_command_exits_1_when_a_snapshot_is_unreadable(data_home, capsys):
    bad = _user_copy(data_home, "2026.12.05")
    (bad / MANIFEST).write_text("{", encoding="utf-8")
    assert main(["snapshots"]) == 1
    assert f"unreadable: {bad / MANIFEST}" in capsys.readouterr().out


def test_version_names_the_code_and_the_data_in_use_with_its_origin(data_home, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == f"spacecraft-data {spacecraft_data.__version__}"
    assert lines[1].startswith(f"data {BUNDLED_VERSION} (LL2 API 2.3.0) from the bundled snapshots: ")
    mine = _user_copy(data_home, "2026.12.05")
    with pytest.raises(SystemExit):
        main(["--version"])
    assert (
        capsys.readouterr().out.splitlines()[1]
        == f"data 2026.12.05 (LL2 API 2.3.0) from the user store: {mine}"
    )


def test_info_says_where_the_snapshot_came_from(data_home, capsys):
    assert main(["info"]) == 0
    assert (
        "origin:        bundled with the package (the user store holds none; 'spacecraft-data "
        "harvest' fills it)" in capsys.readouterr().out.splitlines()
    )
    mine = _user_copy(data_home, "2026.12.05")
    assert main(["info"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert "origin:        user store" in out and f"path:          {mine}" in out


def test_snapshot_option_overrides_and_takes_a_version(data_home, capsys):
    _user_copy(data_home, "2026.12.05")
    assert main(["info", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["snapshot_origin"] == "user"
    assert main(["info", "--format", "json", "--snapshot", BUNDLED_VERSION]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["snapshot_version"], info["snapshot_origin"]) == (BUNDLED_VERSION, "bundled")


def test_import_pages_publishes_into_the_user_store_not_the_current_folder(data_home, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["import-pages", *map(str, SEED_FILES), "--quiet"]) == 0
    assert list(tmp_path.iterdir()) == []
    assert (data_home / "DATA_CHANGES.md").is_file()
    assert re.fullmatch(
        r"\d{8}T\d{6}Z_import\.[0-9a-f]{8}", [p.name for p in (data_home / "raw" / "imports").iterdir()][0]
    )
    snap = spacecraft_data.load()
    assert snap.origin == "user" and len(snap) == 20 and snap.get(463)["name"] == "Tianzhou-3"


def test_after_one_harvest_every_command_answers_from_it_with_no_flags(
    data_home, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    with FakeLL2() as api:
        api.tables["spacecraft"].insert(0, api.synthetic_record())  # SYNTHETIC: marks the harvested data
        assert main(["harvest", "--base-url", api.base_url, "--quiet"]) == 0
    target = Path(capsys.readouterr().out.strip())
    assert list(tmp_path.iterdir()) == [], "harvest wrote into the current folder"
    assert target.parent.parent == data_home / "snapshots"
    assert sorted(p.name for p in data_home.iterdir()) == ["DATA_CHANGES.md", "raw", "snapshots"]

    assert main(["info", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert (info["snapshot_origin"], info["records"]["held"]) == ("user", 29)
    assert main(["get", "/2.3.0/spacecraft/?limit=1"]) == 0
    assert "SYNTHETIC" in json.loads(capsys.readouterr().out)["results"][0]["name"]
    assert main(["query", "--limit", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["count"] == 29
    assert main(["validate"]) == 0
    assert (
        capsys.readouterr().out.splitlines()[-1].startswith("78 record(s)")
    )  # 29 spacecraft + 46 configurations + 3 statuses
    # The bundled folder by path: a harvest today has the bundle's version (2026.12.01) in the user store.
    assert main(["diff", str(latest_snapshot_dir(bundled_root())), target.name, "--summary"]) == 0
    assert "spacecraft: 1 added" in capsys.readouterr().out


def test_the_suite_never_uses_the_real_user_data_folder(bundled, tmp_path_factory):
    # conftest's autouse fixtures: session fixtures see the pinned store and each test a temporary one,
    # never platformdirs'.
    base = tmp_path_factory.getbasetemp()
    assert locate.user_home().is_relative_to(base)
    assert bundled.origin == "user" and Path(str(bundled.path)).is_relative_to(PINNED_STORE)


def test_the_library_defaults_publish_into_the_user_store_not_the_current_folder(
    data_home, tmp_path, monkeypatch
):
    # The CLI passes the store's paths; a Python caller of import_pages() or HarvestOptions() gets them too.
    from spacecraft_data.harvest import HarvestOptions, import_pages

    monkeypatch.chdir(tmp_path)
    options = HarvestOptions()
    assert (options.output, options.raw_dir, options.changelog) == (
        data_home / "snapshots",
        data_home / "raw" / "harvest",
        data_home / "DATA_CHANGES.md",
    )
    target = import_pages([SEED_FILES[0]])
    assert target.is_relative_to(data_home / "snapshots")
    assert (data_home / "DATA_CHANGES.md").is_file() and any((data_home / "raw" / "imports").iterdir())
    assert list(tmp_path.iterdir()) == []
