"""Shared fixtures. Synthetic records are made only in tests and benchmarks, and say so."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import netguard
import pytest
from hypothesis import settings

import spacecraft_data
import spacecraft_data.store
from spacecraft_data.diff import strip_format
from spacecraft_data.pages import read_page
from spacecraft_data.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SEED_FILES = sorted((RAW / "seeds").glob("*.txt"))

# CI gates a merge, so there Hypothesis draws the same examples on every run: a red build is reproducible,
# never a roll of the dice (one run found a new example the property had not foreseen). Elsewhere it explores
# afresh.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_configure(config) -> None:
    netguard.install()
    config.addinivalue_line(
        "markers",
        "bundle: checks the repository's bundle itself (data/snapshots, data/tables, datapackage.json: "
        "well-formed, consistent, reproducible) whatever it holds; scripts/refresh.py "
        "--bundle-tests runs these",
    )
    # The plugin's ll2_server and ll2_offline serve the pinned snapshot (tests compare them with `bundled`),
    # unless --ll2-snapshot names another. Its fixtures cache one snapshot per session: it must not depend on
    # which test asks first.
    if not config.getoption("--ll2-snapshot", None) and not config.getini("ll2_snapshot"):
        config.option.ll2_snapshot = str(PINNED_DIR)


def pytest_sessionfinish(session, exitstatus) -> None:
    # A refused lookup or connect fails the run even when the test that made it caught the error.
    if netguard.REFUSED:
        print(
            f"\nnetguard: the suite tried to reach beyond loopback: {sorted(set(netguard.REFUSED))}",
            file=sys.stderr,
        )
        session.exitstatus = 1


def _built_from_sources_json() -> Path:
    """The folder of data/snapshots whose manifest lists exactly the inputs of data/raw/sources.json.

    Not simply the newest: after a refresh the newest is the harvest (its inputs are under data/raw/harvest).
    """
    spec = json.loads((RAW / "sources.json").read_text(encoding="utf-8"))
    inputs = sorted(f"data/raw/{entry['file']}" for entry in spec["sources"])
    store = ROOT / "data" / "snapshots" / spec["api_version"]
    for version in reversed(
        spacecraft_data.store.snapshot_versions(ROOT / "data" / "snapshots", spec["api_version"])
    ):
        manifest = json.loads((store / version / "manifest.json").read_text(encoding="utf-8"))
        if sorted(source["file"] for source in manifest["sources"]) == inputs:
            return store / version
    raise LookupError(
        f"no snapshot under {store} is built from data/raw/sources.json: run scripts/build_all.py"
    )


#: the bundled snapshot's folder: the one scripts/build_snapshot.py builds from data/raw/sources.json
BUNDLED_DIR = _built_from_sources_json()
#: the real spacecraft records the bundled snapshot holds beyond the seeds, embedded in the space stations
#: dump
EMBEDDED_IDS = (551, 612, 616, 625, 626, 627, 628, 629)
#: The PINNED snapshot's inputs: the raw files of data/raw that make the 28-record snapshot bundled on
#: 2026-12-01 (the two seed pages, the configurations dump, the space-station dump), as data/raw/sources.json
#: describes them. Facts the tests state about "the bundled records" (their ids, counts, query answers,
#: the README's outputs) are facts of this snapshot, so a refresh that harvests LL2's 590 records into
#: data/snapshots leaves them true: a harvest adds a run under data/raw/harvest and never edits these files.
PINNED_SOURCES = (
    "seeds/000_6bd17e1b5860eff2.txt",
    "seeds/002_4f07c181d6fc06d2.txt",
    "launchschedule-masterdata/spacecrafts.json",
    "launchschedule-masterdata/spacestations.json",
)
PINNED_VERSION = "2026.12.01"


def build_pinned(store: Path) -> Path:
    """Build the pinned snapshot (:data:`PINNED_SOURCES`) into the snapshot store ``store``; return its
    folder.

    Built as scripts/build_snapshot.py builds the bundled one (``read_sources`` + ``assemble``), from the
    pinned entries of data/raw/sources.json only: a source added there later does not change it.
    """
    from spacecraft_data.build import assemble, read_sources
    from spacecraft_data.store import MANIFEST, publish

    inputs = read_sources(RAW, repo_root=ROOT)
    labels = {f"data/raw/{name}" for name in PINNED_SOURCES}
    inputs.sources = [s for s in inputs.sources if s.label in labels]
    assert {s.label for s in inputs.sources} == labels, (
        "a pinned source is no longer listed in data/raw/sources.json"
    )
    files = assemble(inputs)
    version = json.loads(files[MANIFEST])["snapshot_version"]
    assert version == PINNED_VERSION, f"the pinned sources build {version}, not {PINNED_VERSION}"
    return publish(files, store / inputs.api_version / version)


# Built once per test process, at import, so that modules can name it in constants (as they name ROOT);
# removed when the process ends. About 0.5 s.
_PINNED_TMP = tempfile.TemporaryDirectory(prefix="spacecraft-data-pinned-")
#: a user store (a ``$SPACECRAFT_DATA_HOME``) whose only snapshot is the pinned one; never written to
PINNED_STORE = Path(_PINNED_TMP.name) / "home"
#: the pinned snapshot's folder (in :data:`PINNED_STORE`): copy it before changing anything
PINNED_DIR = build_pinned(PINNED_STORE / "snapshots")


@pytest.fixture(scope="session")
def pinned_store() -> Path:
    """:data:`PINNED_STORE`: a user store whose only snapshot is the pinned one; never written to."""
    return PINNED_STORE


@pytest.fixture(scope="session", autouse=True)
def _session_data_home(pinned_store):
    """Session and module fixtures (``bundled``…) see the pinned store, never the real user's nor the newest
    bundle."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPACECRAFT_DATA_HOME", str(pinned_store))
        yield


@pytest.fixture(autouse=True)
def data_home(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets a fresh, empty user store (``$SPACECRAFT_DATA_HOME``), inherited by its subprocesses.

    So no test reads or writes the real user data folder, and ``load()`` answers from the
    bundled snapshot unless the test publishes into this store. Kept out of ``tmp_path``
    so that a test listing its own folder does not see it.
    """
    home = tmp_path_factory.mktemp("data_home")
    monkeypatch.setenv("SPACECRAFT_DATA_HOME", str(home))
    return home


@pytest.fixture
def pinned_home(data_home, pinned_store) -> Path:
    """This test's user store holds a copy of the pinned snapshot, so ``load()`` and every command given no
    snapshot (in this process or a subprocess) answer from it: for tests that state facts of its records."""
    rel = Path("snapshots", "2.3.0", PINNED_VERSION)
    shutil.copytree(pinned_store / rel, data_home / rel)
    return data_home


@pytest.fixture(scope="session")
def pinned_checkout(tmp_path_factory) -> Path:
    """A checkout whose only bundled snapshot is the pinned one, as a user of a release of it sees the data:
    what the package needs (src/, scripts/, schema/, pyproject.toml, README.md, LICENSE) copied from the
    repository, data/snapshots holding the pinned snapshot alone, data/tables and datapackage.json built from
    it
    by scripts/build_tables.py. Its ``load()`` answers from the pinned snapshot with origin "bundled"."""
    root = tmp_path_factory.mktemp("pinned_checkout")
    skip = shutil.ignore_patterns("__pycache__", "*.pyc")
    for folder in ("src", "scripts", "schema"):
        shutil.copytree(ROOT / folder, root / folder, ignore=skip)
    for file in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(ROOT / file, root / file)
    shutil.copytree(PINNED_STORE / "snapshots", root / "data" / "snapshots")
    snapshot = root / "data" / "snapshots" / "2.3.0" / PINNED_VERSION
    subprocess.run(
        [sys.executable, str(root / "scripts" / "build_tables.py"), "--snapshot", str(snapshot)],
        cwd=root,
        env=checkout_env(root),
        check=True,
        capture_output=True,
    )
    return root


def checkout_env(checkout: Path) -> dict[str, str]:
    """The environment of a subprocess that imports ``checkout``'s package, with an empty user store."""
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    env["PYTHONPATH"] = str(checkout / "src")
    env["SPACECRAFT_DATA_HOME"] = str(checkout / "empty user store")
    return env


@pytest.fixture(scope="session")
def pinned_wheel(tmp_path_factory, pinned_checkout) -> Path:
    """The wheel built from :func:`pinned_checkout`: this package, bundling the pinned snapshot alone."""
    dist = tmp_path_factory.mktemp("pinned_dist")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(dist),
            str(pinned_checkout),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = dist.glob("spacecraft_data-*.whl")
    return wheel


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The wheel built from this checkout, once per session (offline: ``--no-isolation``)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
    )
    wheels = list(dist.glob("spacecraft_data-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.fixture(scope="session")
def bundled() -> Snapshot:
    """The pinned snapshot (the one `load()` returns in session and module fixtures): the bundled records the
    tests state facts of. Byte for byte the bundled snapshot 2026.12.01, whatever a refresh adds since."""
    snap = spacecraft_data.load()
    assert snap.version == PINNED_VERSION
    return snap


@pytest.fixture(scope="session")
def latest_bundled() -> Snapshot:
    """The newest snapshot in data/snapshots, the one a checkout's ``load()`` returns with an empty user
    store:
    for tests of the bundle itself (well-formed, consistent with data/tables and datapackage.json), which
    must hold for whatever a refresh harvested."""
    return Snapshot(Path(str(spacecraft_data.store.latest_snapshot_dir(ROOT / "data" / "snapshots"))))


@pytest.fixture(scope="session")
def seed_snapshot(tmp_path_factory) -> Snapshot:
    """The bundled inputs without the records other endpoints embed: the 20 seed records and the 46
    configurations.

    Facts stated about the two seed pages (their counts, orders, the oracle's answers over
    exactly those records) are checked against this snapshot, built from data/raw as the
    bundled one is; the bundled snapshot also holds the embedded records (tests/test_embedded.py).
    """
    from spacecraft_data.build import assemble, read_sources
    from spacecraft_data.embedded import EMBEDDED_KIND
    from spacecraft_data.store import publish

    inputs = read_sources(RAW, repo_root=ROOT)
    inputs.sources = [s for s in inputs.sources if s.kind != EMBEDDED_KIND]
    target = tmp_path_factory.mktemp("seed_snapshot") / inputs.api_version / "2026.11.22"
    return Snapshot(publish(assemble(inputs), target))


@pytest.fixture(scope="session")
def seed_pages():
    """The two real saved browsable-API pages, parsed."""
    return [read_page(p) for p in SEED_FILES]


@pytest.fixture(scope="session")
def seed_records(seed_pages) -> list[dict]:
    """The 20 real seed records, in page order."""
    return [r for page in seed_pages for r in page.body["results"]]


@pytest.fixture(scope="session")
def configurations() -> list[dict]:
    """The 46 real /spacecraft_configurations/ records (detailed), raw file order."""
    return json.loads((RAW / "launchschedule-masterdata" / "spacecrafts.json").read_text(encoding="utf-8"))


def strip_formats(obj):
    """``obj`` with every ``url`` field's ``?format=`` removed: records fetched as JSON and as pages compare
    equal."""
    if isinstance(obj, list):
        return [strip_formats(v) for v in obj]
    if isinstance(obj, dict):
        return {
            k: strip_format(v) if k == "url" and isinstance(v, str) else strip_formats(v)
            for k, v in obj.items()
        }
    return obj


def urls_in(value) -> list[str]:
    """Every http(s) URL in a JSON value, in document order (the links a browsable page must show)."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in urls_in(v)]
    if isinstance(value, list):
        return [u for v in value for u in urls_in(v)]
    return [value] if isinstance(value, str) and value.startswith(("http://", "https://")) else []


@contextmanager
def serving(snap) -> Iterator[str]:
    """A live ``serve`` over ``snap`` on a free loopback port, in a thread; yields its base URL, then stops
    it."""
    from spacecraft_data.server import make_server

    server = make_server(snap, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server.url
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def declared_widgets(monkeypatch):
    """A SYNTHETIC modeless resource LL2 does not have (``/2.3.0/config/widgets/``), declared in API 2.3.0's
    registry for one test: no source file of the package changes."""
    from spacecraft_data.endpoints import (
        ENDPOINTS,
        Endpoint,
        Harvesting,
        ModePlan,
        Querying,
        Routing,
        Storage,
    )

    widgets = Endpoint(
        routing=Routing(name="config/widgets", model="Widget"),
        storage=Storage(table="widgets"),
        query=Querying(),
        modes=ModePlan(names=()),
        harvest=Harvesting(mode=None),
    )
    monkeypatch.setitem(ENDPOINTS["2.3.0"], widgets.name, widgets)
    return widgets
