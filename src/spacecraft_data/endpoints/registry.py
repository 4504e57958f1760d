"""A :class:`Registry`: the endpoints of one API version, resolved once and handed down.

Details: docs/architecture.md#the-registry
"""

from __future__ import annotations

from ..typecheck import TYPE_CHECKING
from .declaration import table_file

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

    from .declaration import Endpoint

__all__ = ["Registry"]


class Registry:
    """The declarations of one API version (``api_version``), primary first, and what they imply.

    It reads the version's declaration mapping live, so a declaration added to it (as a test adds one) is
    seen by every layer holding the registry.
    """

    __slots__ = ("api_version", "_declared")

    def __init__(self, api_version: str, declared: Mapping[str, Endpoint]) -> None:
        self.api_version = api_version
        self._declared = declared

    def __repr__(self) -> str:
        return f"<Registry {self.api_version}: {', '.join(self._declared)}>"

    def __iter__(self) -> Iterator[Endpoint]:
        return iter(self._declared.values())

    def __len__(self) -> int:
        return len(self._declared)

    @property
    def endpoints(self) -> Mapping[str, Endpoint]:
        """Endpoint name -> declaration, in the order every layer lists them (the primary one first)."""
        return self._declared

    @property
    def primary(self) -> Endpoint:
        """The endpoint whose records are the snapshot's own (``/spacecraft/``)."""
        found = next((e for e in self._declared.values() if e.storage.primary), None)
        if found is None:
            raise KeyError(
                f"API {self.api_version}: no endpoint is declared primary "
                "(a version's declarations need one whose records are the snapshot's own)"
            )
        return found

    def get(self, name: str) -> Endpoint | None:
        """The declaration of endpoint ``name`` (or of one of its aliases), or None."""
        found = self._declared.get(name)
        if found is None:
            found = next((e for e in self._declared.values() if name in e.routing.aliases), None)
        return found

    def endpoint(self, name: str) -> Endpoint:
        """The declaration of endpoint ``name`` (or of one of its aliases); ``KeyError`` listing them."""
        found = self.get(name)
        if found is None:
            raise KeyError(f"unknown endpoint {name!r}; the endpoints are: {', '.join(self._declared)}")
        return found

    def by_table(self, table: str) -> Endpoint | None:
        """The endpoint whose records a snapshot table holds (its own table or a mode's), or None."""
        return next((e for e in self._declared.values() if table in e.tables), None)

    @property
    def names(self) -> list[str]:
        """Every name a source may give an endpoint (names and aliases), sorted."""
        return sorted(n for e in self._declared.values() for n in (e.name, *e.routing.aliases))

    @property
    def files(self) -> dict[str, str]:
        """Every table a snapshot of this version may hold -> its file: the endpoints' own tables in
        registry order (the primary one first), then those of modes kept apart."""
        declared = self._declared.values()
        tables = [e.storage.table for e in declared] + [t for e in declared for t in e.modes.tables.values()]
        return {table: table_file(table) for table in tables}
