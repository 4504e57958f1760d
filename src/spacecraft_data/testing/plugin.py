"""The pytest plugin (entry point ``pytest11``): fixtures ``ll2_server`` and ``ll2_offline``.

Details: docs/testing.md#use-it-in-your-tests
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# The plugin is imported by every pytest run where the package is installed: the server and the
# client hooks are imported only when a test asks for a fixture.
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from ..server import Responder, SpacecraftServer
    from .interception import Offline

__all__ = ["LL2Server"]


@dataclass(frozen=True)
class LL2Server:
    """A running ``serve``: its base URL, the snapshot it answers from, and the server object."""

    url: str
    snapshot: Responder
    server: SpacecraftServer


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("spacecraft-data", "LL2 offline (spacecraft-data)")
    group.addoption(
        "--ll2-snapshot",
        metavar="PATH",
        default=None,
        help="snapshot folder (or store root) that ll2_server and ll2_offline answer from "
        "(default: spacecraft_data.load())",
    )
    parser.addini(
        "ll2_snapshot", "snapshot folder (or store root) for ll2_server and ll2_offline", default=""
    )
    parser.addini(
        "ll2_offline_strict",
        "ll2_offline refuses requests to hosts other than LL2's",
        type="bool",
        default=False,
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "ll2_snapshot(path): the snapshot ll2_server and ll2_offline answer from"
    )
    config.addinivalue_line(
        "markers", "ll2_offline(strict=False, allow=()): options of the ll2_offline fixture"
    )
    option = config.getoption("--ll2-snapshot") or config.getini("ll2_snapshot")
    if option:
        # Loaded now, so that a bad path is the run's one usage error (pytest exits 4) rather than an error
        # in every test that asks for a fixture; the session's fixtures answer from this very snapshot.
        snapshots = _Snapshots(Path(config.rootpath))
        snapshots.snapshot(str(option))
        config.stash[_CHOSEN] = snapshots


def _snapshot_path(request: pytest.FixtureRequest) -> str | None:
    marker = request.node.get_closest_marker("ll2_snapshot")
    if marker is not None:
        if len(marker.args) != 1 or marker.kwargs:
            raise pytest.UsageError("@pytest.mark.ll2_snapshot takes one argument: the snapshot path")
        return str(marker.args[0])
    option = request.config.getoption("--ll2-snapshot") or request.config.getini("ll2_snapshot")
    return str(option) if option else None


class _Snapshots:
    """Snapshots and servers, each made once per session per snapshot path (None: ``load()``)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.snapshots: dict[str | None, Responder] = {}
        self.servers: dict[str | None, LL2Server] = {}
        self.stack = ExitStack()

    def snapshot(self, path: str | None) -> Responder:
        key = None if path is None else str((self.root / path).resolve())
        if key not in self.snapshots:
            from ..errors import SnapshotError
            from ..snapshot import load

            try:
                self.snapshots[key] = load(key)
            except SnapshotError as exc:
                raise pytest.UsageError(f"spacecraft-data: --ll2-snapshot / ll2_snapshot: {exc}") from None
        return self.snapshots[key]

    def server(self, path: str | None) -> LL2Server:
        snap = self.snapshot(path)
        key = None if path is None else str((self.root / path).resolve())
        if key not in self.servers:
            from . import running_server

            server = self.stack.enter_context(running_server(snap))
            self.servers[key] = LL2Server(server.url, snap, server)
        return self.servers[key]


#: the session's snapshots when ``--ll2-snapshot`` (or the ini setting) chose one, loaded at configure time
_CHOSEN = pytest.StashKey["_Snapshots"]()


@pytest.fixture(scope="session")
def _ll2_snapshots(pytestconfig: pytest.Config) -> Iterator[_Snapshots]:
    snapshots = pytestconfig.stash.get(_CHOSEN, None) or _Snapshots(Path(pytestconfig.rootpath))
    with snapshots.stack:
        yield snapshots


@pytest.fixture
def ll2_server(request: pytest.FixtureRequest, _ll2_snapshots: _Snapshots) -> LL2Server:
    """``serve`` on a free loopback port (one per snapshot for the whole session): ``.url``, ``.snapshot``."""
    return _ll2_snapshots.server(_snapshot_path(request))


@pytest.fixture
def ll2_offline(request: pytest.FixtureRequest, _ll2_snapshots: _Snapshots) -> Iterator[Offline]:
    """LL2 requests (requests, httpx, urllib.request) answered in-process from the snapshot during the
    test."""
    marker = request.node.get_closest_marker("ll2_offline")
    options: dict[str, Any] = dict(marker.kwargs) if marker else {}
    unknown = set(options) - {"strict", "allow"}
    if unknown:
        raise pytest.UsageError(
            f"@pytest.mark.ll2_offline: unknown option(s) {', '.join(sorted(unknown))} (known: strict, allow)"
        )
    from .interception import Offline, as_flag, as_hosts

    try:
        strict = as_flag(
            options.get("strict", request.config.getini("ll2_offline_strict")),
            "@pytest.mark.ll2_offline(strict=...)" if "strict" in options else "ll2_offline_strict",
        )
        allow = as_hosts(options.get("allow", ()), "@pytest.mark.ll2_offline(allow=...)")
    except ValueError as exc:
        raise pytest.UsageError(str(exc)) from None
    with Offline(
        _ll2_snapshots.snapshot(_snapshot_path(request)), strict=strict, allow=allow, label="ll2_offline"
    ) as offline:
        yield offline
