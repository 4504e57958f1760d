"""Shared fixtures. Synthetic records are made only in tests and benchmarks, and say so."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

import spacecraft_data
import spacecraft_data.store
from spacecraft_data.diff import strip_format
from spacecraft_data.pages import read_page
from spacecraft_data.snapshot import Snapshot

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT / "data" / "raw"
SEED_FILES = sorted((RAW / "seeds").glob("*.txt"))
#: the bundled snapshot's folder: the one scripts/build_snapshot.py builds from data/raw/sources.json
BUNDLED_DIR = Path(str(spacecraft_data.store.latest_snapshot_dir(ROOT / "data" / "snapshots")))
#: the real spacecraft records the bundled snapshot holds beyond the seeds, embedded in the space stations dump
EMBEDDED_IDS = (551, 612, 616, 625, 626, 627, 628, 629)


@pytest.fixture(scope="session", autouse=True)
def _session_data_home(tmp_path_factory):
    """Session fixtures (``bundled``…) see an empty user store of their own, never the real user's."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SPACECRAFT_DATA_HOME", str(tmp_path_factory.mktemp("session_data_home")))
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


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory) -> Path:
    """The wheel built from this checkout, once per session (offline: ``--no-isolation``)."""
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheels = list(dist.glob("spacecraft_data-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


@pytest.fixture(scope="session")
def bundled() -> Snapshot:
    """The latest bundled snapshot (the one `load()` returns)."""
    return spacecraft_data.load()


@pytest.fixture(scope="session")
def seed_snapshot(tmp_path_factory) -> Snapshot:
    """The bundled inputs without the records other endpoints embed: the 20 seed records and the 46 configurations.

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
    """``obj`` with every ``url`` field's ``?format=`` removed: records fetched as JSON and as pages compare equal."""
    if isinstance(obj, list):
        return [strip_formats(v) for v in obj]
    if isinstance(obj, dict):
        return {k: strip_format(v) if k == "url" and isinstance(v, str) else strip_formats(v) for k, v in obj.items()}
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
    """A live ``serve`` over ``snap`` on a free loopback port, in a thread; yields its base URL, then stops it."""
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
