"""Where snapshots are found: the user's store first, then the ones bundled with the package.

Details: docs/library.md#where-snapshots-live-the-user-store-then-the-bundled-ones
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from .endpoints import DEFAULT_API_VERSION
from .errors import SnapshotError, SnapshotNotFound
from .routes import API_VERSION
from .store import MANIFEST, bundled_root, read_json, snapshot_versions
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from typing import Any

__all__ = [
    "HOME_ENV",
    "APP_NAME",
    "DEFAULT_API_VERSION",
    "ORIGINS",
    "SnapshotInfo",
    "user_home",
    "user_snapshots",
    "user_raw_dir",
    "user_changelog",
    "search_path",
    "resolve",
    "snapshots",
    "origin_of",
]

#: environment variable naming the user store (overrides the platform's user data folder)
HOME_ENV = "SPACECRAFT_DATA_HOME"
#: application name given to platformdirs
APP_NAME = "spacecraft-data"
#: the API version whose snapshots load() picks when none is named
#: the places snapshots are found, in resolution order
ORIGINS = ("user", "bundled")


def user_home() -> Path:
    """The user store: ``$SPACECRAFT_DATA_HOME`` if set and not empty, else the platform's user data folder.

    The folder need not exist: it is created by the first ``harvest`` or ``import-pages``.
    """
    home = os.environ.get(HOME_ENV)
    if home:
        return Path(home).expanduser()
    # Imported here: only a caller without $SPACECRAFT_DATA_HOME pays for it.
    import platformdirs

    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def user_snapshots() -> Path:
    """The folder of snapshots in the user store (``<home>/snapshots``)."""
    return user_home() / "snapshots"


def user_raw_dir(kind: str) -> Path:
    """The folder of raw pages of ``kind`` (``harvest`` or ``imports``) in the user store."""
    return user_home() / "raw" / kind


def user_changelog() -> Path:
    """The data changelog of the user store (``<home>/DATA_CHANGES.md``)."""
    return user_home() / "DATA_CHANGES.md"


def search_path() -> list[tuple[str, Path | Traversable]]:
    """``(origin, snapshot root)`` in resolution order: the user store, then the bundled snapshots.

    A package installed without its data has no bundled root; it is then left out.
    """
    places: list[tuple[str, Path | Traversable]] = [("user", user_snapshots())]
    try:
        places.append(("bundled", _bundled_root()))
    except SnapshotError:
        pass
    return places


@lru_cache(maxsize=1)
def _bundled_root() -> Path | Traversable:
    # The package's own files do not move while it runs; finding them costs ~1 ms (path resolution), which
    # every load() would pay. A failure is not cached (lru_cache keeps only results).
    return bundled_root()


def resolve(
    version: str | None = None, api_version: str = DEFAULT_API_VERSION
) -> tuple[str, Path | Traversable]:
    """``(origin, folder)`` of the snapshot :func:`spacecraft_data.load` uses.

    With no ``version``, the newest snapshot of the first place in :func:`search_path`
    that holds one for ``api_version``; with a ``version``, that version from the
    first place holding it. Raises :class:`SnapshotError` naming the places searched,
    and the versions they hold, when there is no such snapshot.
    """
    held: list[tuple[str, Path | Traversable, list[str]]] = []
    for origin, root in search_path():  # a later place is listed only when the earlier ones lack the snapshot
        versions = _versions(root, api_version)
        if version is None and versions:
            return origin, root.joinpath(api_version, versions[-1])
        if version is not None and version in versions:
            return origin, root.joinpath(api_version, version)
        held.append((origin, root, versions))
    where = "; ".join(
        f"{origin} store {root}: {', '.join(versions) or 'none'}" for origin, root, versions in held
    )
    wanted = f"snapshot {version}" if version is not None else "snapshot"
    raise SnapshotNotFound(f"no {wanted} for API {api_version} (available: {where})")


class SnapshotInfo:
    """One available snapshot, as its manifest describes it (the records are not read).

    ``problem`` is set, and the manifest's figures are None, when the manifest
    cannot be read: :func:`spacecraft_data.load` would raise for that snapshot.
    ``default`` is true for the one :func:`spacecraft_data.load` returns with no arguments.
    """

    __slots__ = (
        "origin",
        "api_version",
        "version",
        "path",
        "held",
        "reported",
        "complete",
        "modes",
        "problem",
        "default",
    )

    def __init__(
        self,
        origin: str,
        api_version: str,
        version: str,
        path: Path | Traversable,
        manifest: Any = None,
        problem: str | None = None,
    ) -> None:
        self.origin = origin
        self.api_version = api_version
        self.version = version
        self.path = path
        self.problem = problem
        self.default = False
        records = manifest.get("records", {}) if isinstance(manifest, dict) else {}
        modes = manifest.get("modes", {}) if isinstance(manifest, dict) else {}
        self.held: int | None = records.get("held")
        self.reported: int | None = records.get("reported")
        self.complete: bool | None = records.get("complete") if records else None
        self.modes: tuple[str, ...] = tuple(
            m for m, state in modes.items() if isinstance(state, dict) and state.get("held")
        )

    def to_dict(self) -> dict[str, Any]:
        """The fields as JSON-ready values (``path`` as a string)."""
        return {
            "origin": self.origin,
            "api_version": self.api_version,
            "version": self.version,
            "path": str(self.path),
            "held": self.held,
            "reported": self.reported,
            "complete": self.complete,
            "modes": list(self.modes),
            "default": self.default,
            "problem": self.problem,
        }

    def __repr__(self) -> str:
        state = f"problem: {self.problem}" if self.problem else f"{self.held} of {self.reported} records"
        return f"<SnapshotInfo {self.origin} {self.api_version}/{self.version}: {state}>"


def _versions(root: Path | Traversable, api_version: str) -> list[str]:
    # An unreadable store is an error naming it, never a traceback nor a silent fall-back.
    try:
        return snapshot_versions(root, api_version)
    except OSError as exc:
        raise SnapshotNotFound(f"{root}: cannot list snapshots: {exc.strerror or exc}") from None


def _api_versions(root: Path | Traversable) -> list[str]:
    try:
        if not root.is_dir():
            return []
        names = [d.name for d in root.iterdir() if d.is_dir() and API_VERSION.fullmatch(d.name)]
    except OSError as exc:
        raise SnapshotNotFound(f"{root}: cannot list snapshots: {exc.strerror or exc}") from None
    return sorted(names, key=lambda v: tuple(int(p) for p in v.split(".")))


def snapshots() -> list[SnapshotInfo]:
    """Every available snapshot, in resolution order: the user store's, newest first, then the bundled ones.

    Reads only the manifests. The first snapshot of the default API version is the
    one :func:`spacecraft_data.load` returns with no arguments.
    """
    found: list[SnapshotInfo] = []
    for origin, root in search_path():
        apis = _api_versions(root)
        # The default API first, as load() picks it; any other API after it, newest first.
        apis.sort(key=lambda v: v != DEFAULT_API_VERSION)
        for api_version in apis:
            for version in reversed(_versions(root, api_version)):
                folder = root.joinpath(api_version, version)
                try:
                    manifest = read_json(folder.joinpath(MANIFEST), "snapshot manifest")
                except SnapshotError as exc:
                    found.append(SnapshotInfo(origin, api_version, version, folder, problem=str(exc)))
                    continue
                problem = (
                    None
                    if isinstance(manifest, dict) and "snapshot_version" in manifest
                    else (
                        f"{folder.joinpath(MANIFEST)}: not a spacecraft-data manifest (no 'snapshot_version')"
                    )
                )
                found.append(SnapshotInfo(origin, api_version, version, folder, manifest, problem))
    # resolve()'s rule: the first place holding the default API's snapshots, its newest one.
    for info in found:
        if info.api_version == DEFAULT_API_VERSION:
            info.default = True
            break
    return found


def origin_of(path: Path | Traversable) -> str:
    """``user`` or ``bundled`` when ``path`` lies in that place of :func:`search_path`, else ``path``."""
    try:
        here = Path(str(path)).resolve()
    except (OSError, RuntimeError):
        return "path"
    for origin, root in search_path():
        try:
            if here.is_relative_to(Path(str(root)).resolve()):
                return origin
        except (OSError, RuntimeError):
            continue
    return "path"
