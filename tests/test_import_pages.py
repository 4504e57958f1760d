"""import-pages: a snapshot from saved pages (browsable text or JSON), rebuildable from its raw copy."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data.cli import main
from spacecraft_data.endpoints import endpoints, registry, table_file
from spacecraft_data.errors import BuildError, PageError
from spacecraft_data.harvest import import_pages
from spacecraft_data.pages import read_page
from spacecraft_data.store import bundled_root, latest_snapshot_dir

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "raw" / "seeds").glob("*.txt"))
CONFIGS = ROOT / "data" / "raw" / "launchschedule-masterdata" / "spacecrafts.json"
BUNDLED = Path(latest_snapshot_dir(bundled_root()))
NOW = dt.datetime(2026, 11, 25, 9, 30, tzinfo=dt.timezone.utc)


def do_import(tmp_path: Path, files, **kw) -> Path:
    args = dict(
        output=tmp_path / "snaps",
        raw_dir=tmp_path / "raw" / "imports",
        changelog=tmp_path / "CHANGES.md",
        now=lambda: NOW,
    )
    args.update(kw)
    return import_pages(list(files), **args)


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def test_importing_the_seed_pages_reproduces_the_seed_tables_byte_for_byte(
    tmp_path: Path, seed_snapshot
) -> None:
    """The bundled inputs but the embedded records (those are import-embedded's: tests/test_embedded.py)."""
    target = do_import(tmp_path, [*SEEDS, CONFIGS], endpoint="spacecraft_configurations")
    assert target == tmp_path / "snaps" / "2.3.0" / "2026.11.25"
    for name in (table_file(e.storage.table) for e in endpoints().values()):
        assert (target / name).read_bytes() == (Path(str(seed_snapshot.path)) / name).read_bytes(), name
    snap = spacecraft_data.load(target)
    assert snap.manifest["records"] == {"held": 20, "reported": 590, "complete": False}
    sources = snap.manifest["sources"]
    assert sources[0]["origin"] == f"imported by spacecraft-data import-pages from {SEEDS[0].name}"
    # The seeds' GET lines give their endpoint; --endpoint applied only to the bare JSON array.
    assert [s["endpoint"] for s in sources] == ["/2.3.0/spacecraft/"] * 2 + [
        "/2.3.0/spacecraft_configurations/"
    ]
    assert "first snapshot in this store" in (tmp_path / "CHANGES.md").read_text()


def assert_rebuilds_unchanged(tmp_path: Path, target: Path) -> None:
    """``scripts/build_snapshot.py --check`` rebuilds the imported snapshot from its raw copy, byte for
    byte."""
    spec = importlib.util.spec_from_file_location("build_snapshot", ROOT / "scripts" / "build_snapshot.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    before = digest(target)
    assert module.main(["--raw", str(tmp_path / "raw"), "--out", str(tmp_path / "snaps"), "--check"]) == 0
    assert digest(target) == before


def test_a_registry_resolved_by_the_caller_is_imported_with_as_its_api_version(tmp_path: Path) -> None:
    target = do_import(tmp_path, SEEDS[:1], registry=registry("2.3.0"))
    assert target == tmp_path / "snaps" / "2.3.0" / "2026.11.25"
    assert spacecraft_data.load(target).manifest["records"]["held"] == 10


def test_imported_snapshot_rebuilds_from_its_raw_copy(tmp_path: Path) -> None:
    target = do_import(tmp_path, SEEDS)
    assert_rebuilds_unchanged(tmp_path, target)


def test_json_pages_are_imported_like_browsable_ones(tmp_path: Path) -> None:
    page = tmp_path / "page.json"
    page.write_text(json.dumps(read_page(SEEDS[1]).body), encoding="utf-8")
    target = do_import(tmp_path, [page])
    held = spacecraft_data.load(target)
    assert sorted(r["id"] for r in held) == sorted(r["id"] for r in read_page(SEEDS[1]).records())
    assert held.manifest["sources"][0]["request_url"] is None  # a bare body does not say what was asked


def test_unreadable_page_names_file_and_line_and_publishes_nothing(tmp_path: Path) -> None:
    broken = tmp_path / "broken.txt"
    text = SEEDS[0].read_text(encoding="utf-8")
    broken.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(PageError, match=r"broken\.txt:\d+: expected valid JSON"):
        do_import(tmp_path, [SEEDS[1], broken])
    assert not (tmp_path / "snaps").exists()
    assert not any((tmp_path / "raw" / "imports").glob("*"))  # the partial copy folder is removed
    assert not (tmp_path / "CHANGES.md").exists()


#: a child's address space: the CLI runs in it; reading an 8 GiB page whole does not fit
CHILD_MEMORY = 2 << 30
CHILD = (
    "import resource, sys; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); "
    "from spacecraft_data.cli import main; sys.exit(main(sys.argv[1:]))"
)


@pytest.mark.parametrize("command", ["import-pages", "import-embedded"])
def test_a_page_larger_than_the_limit_is_refused_in_one_line_not_read_whole(tmp_path: Path, command) -> None:
    huge = tmp_path / "huge.txt"
    with open(huge, "wb") as fh:
        fh.truncate(8 << 30)  # sparse: no disk used; read whole it was 8 GiB of memory (a MemoryError here)
    out = tmp_path / "snaps"
    args = [command, str(huge), "--output", str(out), "--raw-dir", str(tmp_path / "raw"), "--no-changelog"]
    done = subprocess.run(
        [sys.executable, "-c", CHILD.format(CHILD_MEMORY), *args], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 1, done.stderr[-2000:]
    assert done.stderr.strip().splitlines() == [
        f"spacecraft-data {command}: error: {huge}: larger than 64 MiB, the most a saved page may hold; "
        "not read"
    ]
    assert not out.exists() and not any((tmp_path / "raw").glob("*/*"))


def test_record_violating_the_schema_is_refused(tmp_path: Path) -> None:
    body = read_page(SEEDS[0]).body
    body["results"][2]["flights_count"] = "SYNTHETIC: not an integer"  # test-only damage
    page = tmp_path / "bad.json"
    page.write_text(json.dumps(body), encoding="utf-8")
    with pytest.raises(BuildError, match=r"(?s)schema problem.*record 466: \$\.flights_count"):
        do_import(tmp_path, [page])
    assert not (tmp_path / "snaps").exists()


def test_cli_import_pages_prints_the_snapshot_and_appends_the_changelog(tmp_path: Path, capsys) -> None:
    args = [
        "--output",
        str(tmp_path / "snaps"),
        "--raw-dir",
        str(tmp_path / "raw"),
        "--changelog",
        str(tmp_path / "DATA_CHANGES.md"),
    ]
    assert main(["import-pages", *map(str, SEEDS), *args, "--progress"]) == 0
    out = capsys.readouterr()
    first = Path(out.out.strip())
    assert first.parent == tmp_path / "snaps" / "2.3.0"
    assert "10 spacecraft record(s), mode normal" in out.err
    assert main(["import-pages", str(SEEDS[0]), *args, "--quiet"]) == 0
    second = Path(capsys.readouterr().out.strip())
    assert second.name == first.name + ".1"
    log = (tmp_path / "DATA_CHANGES.md").read_text()
    assert log.count("\n## 2.3.0/") == 2
    assert f"versus {first.name}: spacecraft: 0 added, 10 removed, 0 changed" in log


def test_pages_of_a_declared_endpoint_are_imported_and_rebuilt_with_no_change_to_the_import(
    tmp_path: Path, declared_widgets
) -> None:
    records = [{"id": 2, "name": "SYNTHETIC widget 2"}, {"id": 1, "name": "SYNTHETIC widget 1"}]
    page = tmp_path / "widgets.json"
    page.write_text(
        json.dumps({"count": 2, "next": None, "previous": None, "results": records}), encoding="utf-8"
    )
    target = do_import(tmp_path, [*SEEDS, page], endpoint="config/widgets")
    snap = spacecraft_data.load(target)
    assert snap.tables["widgets"] == sorted(records, key=lambda r: r["id"])
    assert snap.manifest["sources"][-1]["endpoint"] == "/2.3.0/config/widgets/"
    assert_rebuilds_unchanged(tmp_path, target)


def test_a_page_of_an_undeclared_endpoint_is_refused_naming_the_declared_ones(tmp_path: Path) -> None:
    page = tmp_path / "gadgets.json"
    page.write_text(json.dumps({"count": 0, "next": None, "previous": None, "results": []}), encoding="utf-8")
    with pytest.raises(
        spacecraft_data.SpacecraftDataError,
        match=r"endpoint 'gadgets' is not one a snapshot holds \(known: config/spacecraft_statuses, "
        r"spacecraft, spacecraft_configurations, spacecraft_statuses\)",
    ):
        do_import(tmp_path, [page], endpoint="gadgets")
