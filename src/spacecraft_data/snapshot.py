"""A loaded snapshot: its records, reference tables and manifest; answers are its
:class:`~spacecraft_data.api.Api`'s.

Details: docs/library.md#using-the-library
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path

from .endpoints import registry
from .errors import RecordNotFound, SnapshotError, SnapshotNotFound
from .ids import id_problems
from .locate import DEFAULT_API_VERSION, resolve
from .manifest import checksums, inside, manifest_problems
from .store import MANIFEST, latest_snapshot_dir, read_json, snapshot_versions
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from importlib.resources.abc import Traversable
    from typing import Any

    from .api import Api, EndpointQuery, Page
    from .endpoints import Registry

    Record = dict[str, Any]

__all__ = ["Snapshot", "Tables", "load"]

_MISSING = object()


def _refuse(where: str, problems: Sequence[tuple[str, str]]) -> None:
    """Raise a :class:`SnapshotError` for the first of ``problems`` (JSON path, message), counting the
    rest."""
    if problems:
        path, message = problems[0]
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise SnapshotError(f"{where}: {path}: {message}{more}")


class Tables(Mapping):
    """The snapshot's tables (name -> list of records), each file read on first access.

    The tables are those the registry declares for the manifest's API version
    (:mod:`spacecraft_data.endpoints`, asked at each use). Only the primary
    endpoint's table (``spacecraft``) is needed to load and answer most queries;
    the reference tables (the 46 detailed configurations are 16 times larger than
    the 20 spacecraft) are parsed when something asks for them, and so is
    ``spacecraft_detailed`` (a snapshot of both modes: its detailed records, read
    when a detailed answer is first asked for). A table whose file the snapshot
    does not have is empty, except the primary one.
    """

    def __init__(
        self, path: Path | Traversable, manifest: Mapping[str, Any] | None = None, verify: bool = False
    ) -> None:
        self._path = path
        self._loaded: dict[str, list[Record]] = {}
        #: the API version whose declarations name the tables (None: the default one)
        self._api_version = manifest.get("api_version") if manifest is not None else None
        #: the declarations of that API version: every table the snapshot may hold, and its file
        self.registry: Registry = registry(self._api_version)
        # file name -> the manifest's sha256, or None: nothing is checked (verify=False)
        self._checksums = checksums(manifest) if verify and manifest is not None else None
        if verify and self._checksums is None:
            raise SnapshotError(
                f"{path.joinpath(MANIFEST)}: $.files: the manifest lists no checksums, so the "
                "tables cannot be verified (load(path, verify=False) reads them unchecked)"
            )

    def __getitem__(self, table: str) -> list[Record]:
        rows = self._loaded.get(table)
        if rows is None:
            name = self.registry.files.get(table)
            if name is None:
                raise KeyError(table)
            rows = self._loaded[table] = self._read(table, name)
        return rows

    @property
    def primary(self) -> str:
        """The table of the snapshot's own records (the primary endpoint's): the one a snapshot must have."""
        return self.registry.primary.storage.table

    def _read(self, table: str, name: str) -> list[Record]:
        file = self._path.joinpath(name)
        required = table == self.primary
        if isinstance(file, Path):
            if not required and not os.path.lexists(file):
                return []
            if os.path.lexists(file) and inside(str(self._path), name) is None:
                raise SnapshotError(
                    f"{file}: a symlink that leads out of the snapshot folder; a snapshot "
                    "reads files of its own folder only"
                )
        elif not required and not file.is_file():
            return []
        expected = None
        if self._checksums is not None:
            expected = self._checksums.get(name)
            if expected is None:
                raise SnapshotError(
                    f"{file}: not listed in {MANIFEST} $.files, so it cannot be verified "
                    "(load(path, verify=False) reads it unchecked)"
                )
        rows = read_json(file, f"table {table}", sha256=expected)
        if not isinstance(rows, list):
            raise SnapshotError(f"{file}: expected a JSON array of records, found {type(rows).__name__}")
        _refuse(f"{file}: table {table}", id_problems(rows))
        return rows

    def __iter__(self) -> Iterator[str]:
        return iter(self.registry.files)

    def __len__(self) -> int:
        return len(self.registry.files)


class Snapshot:
    """One versioned snapshot of LL2 ``/2.3.0/spacecraft/`` and its reference tables.

    Records are the API's own JSON objects, in id order. Treat them as read-only:
    they are shared, not copied, so that loading and querying stay cheap.
    """

    def __init__(self, path: Path | Traversable, origin: str | None = None, verify: bool = True) -> None:
        self.path = path
        self._origin = origin
        manifest_file = path.joinpath(MANIFEST)
        if (
            isinstance(manifest_file, Path)
            and os.path.lexists(manifest_file)
            and inside(str(path), MANIFEST) is None
        ):
            raise SnapshotError(f"{manifest_file}: a symlink that leads out of the snapshot folder")
        manifest = read_json(manifest_file, "snapshot manifest")
        if not isinstance(manifest, dict) or "snapshot_version" not in manifest:
            raise SnapshotError(f"{manifest_file}: not a spacecraft-data manifest (no 'snapshot_version')")
        _refuse(str(manifest_file), manifest_problems(manifest))
        self.manifest: Mapping[str, Any] = manifest
        #: whether table files are checked against the manifest's sha256 as they are read
        self.verified = verify
        self.tables = Tables(path, manifest, verify)
        self.records: list[Record] = self.tables[self.tables.primary]
        self._by_id: dict[int, Record] = {r["id"]: r for r in self.records}
        self._api: Api | None = None

    @property
    def registry(self) -> Registry:
        """The declarations of the snapshot's API version (:class:`~spacecraft_data.endpoints.Registry`)."""
        return self.tables.registry

    # -- identity -------------------------------------------------------------
    @property
    def origin(self) -> str:
        """Where the snapshot came from: ``user`` (the user store), ``bundled`` (shipped with the package),
        or ``path`` (a folder elsewhere, given by path). ``path`` is its folder."""
        if self._origin is None:
            from .locate import origin_of

            self._origin = origin_of(self.path)
        return self._origin

    @property
    def version(self) -> str:
        """The snapshot (data) version, e.g. ``2026.11.22``; independent of the code version."""
        return str(self.manifest["snapshot_version"])

    @property
    def api_version(self) -> str:
        """The LL2 API version the records come from, e.g. ``2.3.0``."""
        return str(self.manifest["api_version"])

    @property
    def reported_count(self) -> int | None:
        """How many records the API reported when the snapshot was taken."""
        return self.manifest.get("records", {}).get("reported")

    @property
    def complete(self) -> bool:
        """True when the snapshot holds every record the API reported."""
        return bool(self.manifest.get("records", {}).get("complete"))

    @property
    def modes(self) -> tuple[str, ...]:
        """The response modes whose records this snapshot holds (``normal``, ``detailed``)."""
        return tuple(m for m, held in self.manifest.get("modes", {}).items() if held.get("held"))

    # -- records --------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.records)

    def __iter__(self) -> Iterator[Record]:
        return iter(self.records)

    def __contains__(self, record_id: object) -> bool:
        return record_id in self._by_id

    def get(self, record_id: int, default: Any = _MISSING) -> Record:
        """The record with ``record_id``, as stored (its links as the harvest saved them).

        ``snapshot.endpoint("spacecraft").get(record_id)`` is the same record in the same mode,
        with its links written as the API writes them. Raises :class:`RecordNotFound` (a
        ``KeyError``) when the snapshot does not hold it, unless ``default`` is given.
        """
        try:
            return self._by_id[record_id]
        except KeyError:
            if default is not _MISSING:
                return default
            held = f"{len(self)} of {self.reported_count}" if self.reported_count else str(len(self))
            raise RecordNotFound(
                f"{self.registry.primary.name} {record_id!r} is not in snapshot {self.version} "
                f"(it holds {held} records; run 'spacecraft-data harvest' for the rest)"
            ) from None

    # -- the API over this data (spacecraft_data.api) -------------------------
    @property
    def api(self) -> Api:
        """The LL2 API answered from this snapshot: the service owning engines and caches, made on first
        use."""
        api = self._api
        if api is None:
            from .api import Api

            api = self._api = Api(self)
        return api

    def query(self, *, base_url: str | None = None, **params: Any) -> Page:
        """One page of ``/2.3.0/spacecraft/`` (the primary endpoint) answered from this snapshot, with LL2's
        semantics.

        Each keyword is the API parameter of the same name (None: not sent), one of
        the endpoint's declared parameters (``search``, ``ordering``, ``in_space``,
        ``is_placeholder``, ``name``, ``spacecraft_config``, ``status``, ``limit``,
        ``offset``, ``mode``, ``format``; another raises ``TypeError``); booleans are
        sent as ``true``/``false``, an ordering sequence as a comma list. ``format`` is
        carried onto hyperlinks as LL2 does; ``base_url`` is the host of links (default
        ``https://ll.thespacedevs.com``). No or invalid ordering, and ties, are id
        ascending. Returns a :class:`~spacecraft_data.api.Page` (``count``, ``next``,
        ``previous``, ``results``; ``to_dict()`` is the envelope).

        Raises :class:`~spacecraft_data.errors.QueryError` for every value it refuses
        (naming the parameter; ``.body`` is LL2's 400 body, None for a value no request
        could carry: a ``search`` over :data:`~spacecraft_data.api.MAX_SEARCH_LENGTH`
        characters, an integer too long to write),
        :class:`~spacecraft_data.errors.InvalidBaseUrl` for a ``base_url`` that is not
        ``http(s)://host[:port]``, and
        :class:`~spacecraft_data.errors.ModeNotHeld` for ``mode="detailed"`` when
        the snapshot holds only normal-mode records (or when its detailed file
        lacks a record of the page: the message names the ids). A snapshot
        harvested with ``--mode both`` answers detailed mode from
        ``spacecraft_detailed.json``, one of ``--mode detailed`` answers normal
        mode as the projection of its detailed records.
        """
        return self.api.primary().query(base_url=base_url, **params)

    def endpoint(self, name: str) -> EndpointQuery:
        """Another LL2 endpoint answered from this snapshot with the same engine, e.g.
        ``"spacecraft_configurations"``.

        ``snapshot.endpoint("spacecraft_configurations").query(agency=121, human_rated=True,
        ordering="name")`` is ``/2.3.0/spacecraft_configurations/?agency=121&human_rated=true&ordering=name``;
        ``.get(6)`` is its detail route. The names are those of
        :func:`spacecraft_data.endpoints.endpoints` for the snapshot's API version; an unknown
        name raises ``KeyError`` listing them.
        """
        return self.api.endpoint(name)

    def respond(self, url: str, *, base_url: str | None = None) -> tuple[int, Any]:
        """``(status, JSON body)`` that LL2 answers to ``GET url``, from this snapshot.

        ``url`` is a full URL or a path with its query (``/2.3.0/spacecraft/?search=soyuz``,
        ``/2.3.0/spacecraft/463/``); the host of a path is ``base_url`` (default
        ``https://ll.thespacedevs.com``). Never raises for the request's content; a ``url``
        that is not a ``str`` is a ``TypeError``. ``/2.3.0/`` is the API root; another LL2
        path is a 501 naming what the snapshot holds. See :meth:`spacecraft_data.api.Api.respond`.
        """
        return self.api.respond(url, base_url=base_url)

    # -- views --------------------------------------------------------------
    def to_pandas(self, table: str | None = None) -> Any:
        """The CSV table ``table`` (default: the primary endpoint's, ``spacecraft``) as a pandas DataFrame.

        Needs the ``pandas`` extra.

        See :mod:`spacecraft_data.tables`; pandas is imported only here.
        """
        from .tables import to_pandas

        return to_pandas(self, self.tables.primary if table is None else table)

    def __repr__(self) -> str:
        return f"<Snapshot {self.api_version}/{self.version}: {len(self)} of {self.reported_count} records>"


#: snapshots kept by load() without a path (least recently used dropped first), keyed by origin, folder and
#: manifest time: enough for a process that switches between a few stores or versions
LOAD_CACHE_SIZE = 4
_CACHE: dict[tuple[str, str, int | None], Snapshot] = {}


def _manifest_stamp(folder: Path | Traversable) -> int | None:
    # A snapshot republished in place (harvest --replace) gets a new manifest, hence a new stamp.
    if not isinstance(folder, Path):
        return None  # inside a zip: it cannot change under us
    try:
        return os.stat(folder / MANIFEST).st_mtime_ns
    except OSError:
        return None  # Snapshot() below names the missing manifest


def _resolved(version: str | None, verify: bool = True) -> Snapshot:
    origin, folder = resolve(version)
    if not verify:  # not cached: the cache holds verified snapshots only
        return Snapshot(folder, origin, verify=False)
    key = (origin, str(folder), _manifest_stamp(folder))
    snap = _CACHE.pop(key, None)  # re-inserted below: the dict's order is least recently used first
    if snap is None:
        try:
            snap = Snapshot(folder, origin)
        except SnapshotError as exc:
            if origin != "user":
                raise
            # Never fall back to an older snapshot: the user would get other data without knowing it.
            raise SnapshotError(
                f"{exc} (a snapshot of the user store: repair or remove {folder}, or pick "
                f"another with load(version=...) or --snapshot)"
            ) from None
        while len(_CACHE) >= LOAD_CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = snap
    return snap


def load(path: str | Path | None = None, *, version: str | None = None, verify: bool = True) -> Snapshot:
    """Load a snapshot.

    With no ``path``, the snapshot is looked up as :mod:`spacecraft_data.locate`
    describes: the newest snapshot in the user store (``$SPACECRAFT_DATA_HOME``,
    else the platform's user data folder), else the newest bundled one; with
    ``version`` (``YYYY.MM.DD[.N]``), that version, from the user store first. A
    missing version raises :class:`SnapshotError` listing the available ones; so
    does a user snapshot that cannot be read (it is never skipped for an older one).
    The same object is returned while the lookup finds the same folder with the
    same manifest: a new snapshot, or a changed ``$SPACECRAFT_DATA_HOME``, is
    picked up by the next call.

    With ``path``, the snapshot folder at that path (a folder holding
    ``manifest.json``), or a folder of snapshots (``<root>/<api version>/<version>/``),
    whose latest (or ``version``) is loaded; not cached.

    Each table file is checked as it is first read (``spacecraft.json`` now, the
    others on first use): its sha256 against the manifest's (unless ``verify`` is
    false), standard JSON, and records that are objects with unique integer ids.
    Anything else raises :class:`~spacecraft_data.errors.SnapshotError` naming the
    file and, where there is one, the record and JSON path.
    """
    if path is None:
        return _resolved(version, verify)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"load() takes path as a str or os.PathLike (or None), not {type(path).__name__}")
    folder = Path(path)
    if not folder.is_dir():
        raise SnapshotNotFound(f"{folder}: no such snapshot folder")
    if version is not None and not os.path.lexists(folder / MANIFEST):
        picked = folder / DEFAULT_API_VERSION / version
        if not (picked / MANIFEST).is_file():
            available = ", ".join(snapshot_versions(folder, DEFAULT_API_VERSION)) or "none"
            raise SnapshotNotFound(
                f"{folder}: no snapshot {version} for API {DEFAULT_API_VERSION} (available: {available})"
            )
        return Snapshot(picked, verify=verify)
    if not os.path.lexists(folder / MANIFEST):  # anything there, even a FIFO, makes it a snapshot to check
        try:
            folder = Path(str(latest_snapshot_dir(folder)))  # a store root
        except SnapshotError:
            raise SnapshotNotFound(
                f"{folder}: not a snapshot folder (no {MANIFEST}) and holds no snapshots"
            ) from None
    snap = Snapshot(folder, verify=verify)
    if version is not None and snap.version != version:
        raise SnapshotNotFound(f"{folder}: snapshot {snap.version}, not the version {version} asked for")
    return snap
