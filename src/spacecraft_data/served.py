"""What answering one endpoint over one snapshot needs: its query engine, a view per mode, the modes held.
Details: docs/architecture.md#answers-apipy-refusalspy-hostspy"""

from __future__ import annotations

from collections.abc import Sequence
from urllib.parse import urlencode

from . import views
from .cache import BoundedCache
from .endpoints import DEFAULT_BASE_URL, Endpoint
from .errors import ModeNotHeld
from .query import Engine
from .typecheck import TYPE_CHECKING
from .views import View

if TYPE_CHECKING:
    from collections.abc import Mapping
    from importlib.resources.abc import Traversable
    from pathlib import Path
    from typing import Any, Protocol

    from .endpoints import Registry

    Record = dict[str, Any]

    class Source(Protocol):
        """What the API reads of a snapshot (:class:`~spacecraft_data.snapshot.Snapshot` is one)."""

        @property
        def path(self) -> Path | Traversable:
            """The snapshot's folder (named in errors about its files)."""

        @property
        def tables(self) -> Mapping[str, list[Record]]:
            """Table name -> records."""

        @property
        def manifest(self) -> Mapping[str, Any]:
            """The snapshot's manifest (``base_url``, ``tables`` and their ``modes``)."""

        @property
        def modes(self) -> tuple[str, ...]:
            """The response modes the snapshot holds."""

        @property
        def version(self) -> str:
            """The snapshot version."""

        @property
        def registry(self) -> Registry:
            """The declarations of its API version."""

        @property
        def api_version(self) -> str:
            """The LL2 API version its records come from (the first segment of every route)."""


__all__ = ["Served", "mode_not_held_message"]


def mode_not_held_message(version: str, mode: str, held: Sequence[str]) -> str:
    """Why ``mode`` cannot be answered from snapshot ``version``, and how to get it."""
    holds = " and ".join(f"{m}-mode" for m in held) or "no"
    what = " (flights, full configuration and agency objects)" if mode == "detailed" else ""
    return (
        f"snapshot {version} holds only {holds} records; {mode} records{what} are not in it and are "
        f"fetched with 'spacecraft-data harvest --mode {mode}'"
    )


class Served:
    """What answering one endpoint over one snapshot needs, built once on first use (:meth:`Api.served`).

    ``records`` the endpoint's table, ``engine`` its query engine, ``rendered`` the cache
    of rewritten records of every view (per mode, origin and format).
    """

    def __init__(self, snapshot: Source, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        query, plan = endpoint.query, endpoint.modes
        #: the parts every request reads, looked up once here rather than through the endpoint each time
        self.pagination = query.pagination
        self.formats = endpoint.routing.formats
        self.plan = plan
        self.records = snapshot.tables.get(endpoint.storage.table, [])
        self.engine = Engine(self.records, snapshot.tables, query.filters, query.search, query.ordering)
        self.positions = {r.get("id"): pos for pos, r in enumerate(self.records)}
        self.api_root = str(snapshot.manifest.get("base_url") or DEFAULT_BASE_URL).rstrip("/") + "/"
        declared = snapshot.manifest.get("tables", {})
        table = declared.get(endpoint.storage.table, {})
        #: the modes the table stores: its own "modes" in the manifest, else its records' response_mode
        #: (a manifest written before tables declared modes), else the snapshot's
        held = (
            tuple(table["modes"])
            if "modes" in table
            else (
                tuple(m for m in plan.names if any(r.get("response_mode") == m for r in self.records))
                or snapshot.modes
            )
        )
        #: modes stored in a table of their own that the manifest declares (mode -> table), read on first use
        self.mode_tables = plan.kept_apart(held, declared)
        self.held_modes = held + tuple(self.mode_tables)
        self._tables = snapshot.tables
        self._files = {
            t: declared[t].get("file", t) if isinstance(declared[t], dict) else t
            for t in self.mode_tables.values()
        }
        #: the modes answered: those stored, and the declared projections of a stored mode
        self.answerable = plan.answerable(self.held_modes)
        self.version = snapshot.version
        self.list_path = endpoint.routing.list_path(snapshot.api_version)
        #: rewritten records of every view, per (mode, origin, format); the size is read from views.py
        #: here, not imported, so that the one setting sizes every render cache
        self.rendered = BoundedCache(views.RENDER_CACHE_BYTES)
        self._views: dict[str | None, View] = {}
        #: why each declared mode the snapshot cannot answer is refused (a few keys: the declared modes)
        self._not_held: dict[str, str] = {}
        #: the query of a hyperlink that had none, per request format (None, "" or a declared one: a few keys)
        self._suffixes: dict[str | None, str] = {}

    def suffix(self, fmt: str | None) -> str:
        """``?format=<fmt>`` (``""`` without ``fmt``): the query a link without one gets, encoded once per
        format."""
        suffix = self._suffixes.get(fmt)
        if suffix is None:
            suffix = self._suffixes[fmt] = "?" + urlencode([("format", fmt)]) if fmt is not None else ""
        return suffix

    def view(self, mode: str | None) -> View:
        """The records as mode ``mode`` emits them (``None``: a view without modes, the stored records).

        Raises :class:`ModeNotHeld` when ``mode`` can be neither read nor projected from the snapshot.
        """
        view = self._views.get(mode)
        if view is None:
            self.check_held(mode)
            projection = None
            records: Sequence[Record | None] = self.records
            partial = False
            if mode in self.mode_tables:
                # Position for position with self.records, so the engine's selections index both;
                # None where the mode's table lacks the id (answered by check_matched(), never fabricated).
                by_id = {r.get("id"): r for r in self._tables[self.mode_tables[mode]] if isinstance(r, dict)}
                records = [by_id.get(r.get("id")) for r in self.records]
                partial = None in records
            elif mode is not None and mode not in self.held_modes:
                projection = self.plan.derived[mode][1]
            view = self._views[mode] = View(records, projection, self.api_root, partial, self.rendered, mode)
        return view

    def check_matched(self, mode: str | None, view: View, positions: Sequence[int]) -> None:
        """Raise :class:`ModeNotHeld` when a record at ``positions`` has no ``mode`` record in the mode's own
        table."""
        if not view.partial:
            return
        missing = [self.records[p].get("id") for p in positions if view.stored[p] is None]
        if not missing:
            return
        table = self.mode_tables[mode]  # type: ignore[index]  # only such views are partial
        ids = ", ".join(map(str, missing))
        raise ModeNotHeld(
            f"snapshot {self.version} holds no {mode} record for {self.endpoint.name} id {ids}: "
            f"{self._files[table]} lacks {'them' if len(missing) > 1 else 'it'} though "
            f"{self.endpoint.storage.table} holds the {self.plan.default}-mode record (the harvest's "
            f"{mode} pages disagreed with its {self.plan.default} ones); nothing is made up for "
            "it. Fetch it again with 'spacecraft-data harvest --mode both'"
        )

    def check_held(self, mode: str | None) -> None:
        """Raise :class:`ModeNotHeld` when ``mode`` can be neither read nor projected from the snapshot."""
        if mode is not None and mode not in self.answerable:
            message = self._not_held.get(mode)
            if message is None:  # worded once per mode: every detail request of a normal-mode snapshot asks
                message = self._not_held[mode] = mode_not_held_message(self.version, mode, self.held_modes)
            raise ModeNotHeld(message)
