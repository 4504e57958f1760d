"""DRF's ``OrderingFilter`` with PostgreSQL's NULL placement, and picking a page from a selection in order.

Details: docs/architecture.md#the-query-package; tie rules: docs/library.md#querying-offline-as-ll2-answers
"""

from __future__ import annotations

from itertools import compress, islice
from sys import getsizeof as _getsizeof

from .. import durations
from ..cache import size_of
from ..errors import SnapshotError
from ..typecheck import TYPE_CHECKING
from .bitmask import mask_flags, mask_positions
from .records import pluck

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

    from ..cache import BoundedCache
    from .params import QueryParams
    from .records import Record

__all__ = ["OrderingFilter", "OrderIndex"]


class OrderingFilter:
    """DRF ``OrderingFilter`` over ``fields`` (name -> ``"number"``, ``"duration"`` or ``"text"``).

    ``ordering`` is split on commas, each part stripped; a part is kept when it
    names a field after removing one leading ``-``. Nothing valid: the default.
    Nulls sort as PostgreSQL sorts them (last ascending, first descending);
    durations compare as durations; text by code point (Python ``str`` order,
    SQLite's BINARY collation; LL2's collation is not published). Ties, and the
    default, are id ascending. With no fields, ``ordering`` is ignored.
    """

    param = "ordering"

    def __init__(
        self, fields: Mapping[str, str], default: Sequence[str] = ("id",), tie_breaker: str = "id"
    ) -> None:
        self.fields = dict(fields)
        self.default = tuple(default)
        self.tie_breaker = tie_breaker

    def get_ordering(self, params: QueryParams) -> tuple[str, ...]:
        """The effective ordering terms of the request (``-`` prefix for descending)."""
        value = params.get(self.param)
        if value:
            fields = self.fields
            terms = tuple(
                t
                for t in (p.strip() for p in value.split(","))
                if (t[1:] if t.startswith("-") else t) in fields
            )  # DRF's term_valid
            if terms:
                return terms
        return self.default

    def build_column(self, records: Sequence[Record], name: str) -> list[Any]:
        """Sort keys of field ``name`` per record: ``(is null, value)``, so nulls sort after every value.

        Raises :class:`~spacecraft_data.errors.SnapshotError` naming the record and
        field of a duration that is not one.
        """
        kind = self.fields.get(name, "number")  # the tie-breaker need not be an ordering field
        column: list[Any] = []
        for record in records:
            value = pluck(record, name)
            if value is None:
                column.append((True, 0))
            elif kind == "duration":
                try:  # microseconds; years/months: PostgreSQL counts a month as 30 days
                    column.append((False, durations.sort_key(value)))
                except durations.DurationError as exc:
                    raise SnapshotError(
                        f"record id {record.get('id')}, field {name!r}: {value!r} is not an "
                        f"ISO 8601 duration ({exc})"
                    ) from None
            else:
                column.append((False, value))
        return column

    def sort(
        self, positions: Iterable[int], ordering: Sequence[str], keys: Mapping[str, list[Any]]
    ) -> list[int]:
        """``positions`` ordered by ``ordering``, then by the tie-breaker ascending."""
        out = sorted(positions, key=keys[self.tie_breaker].__getitem__)
        # Stable sorts from the least to the most significant term; reverse=True keeps ties in place.
        for term in reversed(ordering):
            desc = term.startswith("-")
            column = keys[term[1:] if desc else term]
            out.sort(key=column.__getitem__, reverse=desc)
        return out


def _first_of_each_field(ordering: tuple[str, ...]) -> tuple[str, ...]:
    """``ordering`` keeping only the first term of each field (``ordering`` itself when nothing repeats).

    A field named again (either way) only breaks ties the first naming left, and there are none.
    """
    seen: set[str] = set()
    out = []
    for term in ordering:
        name = term[1:] if term.startswith("-") else term
        if name not in seen:
            seen.add(name)
            out.append(term)
    return tuple(out) if len(out) < len(ordering) else ordering


def _positions_size(positions: list[int]) -> int:
    # The list, and an int object per position (ints past 256 are not shared; most positions are).
    return size_of(positions) + 32 * len(positions)


class OrderIndex:
    """The orderings of one endpoint over one list of records, and the pages they give.

    Each field's sort keys are built on first use and kept; each ordering's order
    and ranks are kept in ``cache`` under ``("order", ordering)`` and ``("rank", ordering)``.
    """

    def __init__(self, ordering: OrderingFilter, records: Sequence[Record], cache: BoundedCache) -> None:
        self.ordering = ordering
        self.records = records
        self.cache = cache
        self._keys: dict[str, list[Any]] = {}

    def sort_keys(self, names: Iterable[str]) -> dict[str, list[Any]]:
        """The per-record sort keys of the fields ``names`` (and any built before), each built on first
        use."""
        for name in names:
            if name not in self._keys:
                self._keys[name] = self.ordering.build_column(self.records, name)
        return self._keys

    def order(self, ordering: tuple[str, ...]) -> list[int]:
        """Every record position in ``ordering`` (cached per ordering)."""
        key = ("order", ordering)
        order: list[int] | None = self.cache.get(key)
        if order is None:
            # ``id,-id,id,...`` costs one sort, not one per term, and shares its cache entry.
            # (Such an ordering is not cached under its own name: it cannot fill the cache.)
            effective = _first_of_each_field(ordering)
            if effective is not ordering:
                return self.order(effective)
            keys = self.sort_keys(
                [self.ordering.tie_breaker, *(t[1:] if t.startswith("-") else t for t in ordering)]
            )
            order = self.ordering.sort(range(len(self.records)), ordering, keys)
            self.cache.put(key, order, _positions_size(order) + size_of(ordering))
        return order

    def rank(self, ordering: tuple[str, ...]) -> list[int]:
        """Each position's place in :meth:`order` (``rank[p]``), cached beside it."""
        key = ("rank", ordering)
        rank: list[int] | None = self.cache.get(key)
        if rank is None:
            effective = _first_of_each_field(ordering)
            if effective is not ordering:
                return self.rank(effective)
            order = self.order(ordering)
            rank = [0] * len(order)
            for place, pos in enumerate(order):
                rank[pos] = place
            self.cache.put(key, rank, _positions_size(rank) + size_of(ordering))
        return rank

    def page(
        self, selected: int | None, ordering: tuple[str, ...], offset: int, limit: int
    ) -> tuple[int, list[int]]:
        """``(count, positions)``: the size of the bitmask ``selected`` (None: every record) and its
        ``[offset:offset + limit]`` in ``ordering``."""
        if selected is None:
            order = self.order(ordering)
            return len(order), order[offset : offset + limit]
        count = selected.bit_count()
        stop = min(offset + limit, count)
        if offset >= stop:
            return count, []
        # Clients send the same few selections (a status, a search term) with ever other pages, hosts and
        # parameters: the selected positions in order, as far as a page has needed them, are kept per
        # selection, so a later page within them is a slice.
        key = ("selected", ordering, selected)
        known: list[int] | None = self.cache.get(key)
        if known is None or len(known) < stop:
            known = self._selected_in_order(selected, ordering, count, stop)
            self.cache.put(key, known, _positions_size(known) + size_of(ordering) + _getsizeof(selected))
        return count, known[offset:stop]

    def _selected_in_order(
        self, selected: int, ordering: tuple[str, ...], count: int, stop: int
    ) -> list[int]:
        """The first ``stop`` (at least) of the ``count`` positions set in ``selected``, in ``ordering``."""
        order = self.order(ordering)
        # Walking the order meets `stop` selected records after about stop * n / count steps;
        # sorting the selection by rank costs about `count` (and gives all of them). Take the cheaper.
        if stop * len(order) <= 2 * count * count:
            # In C: the selected positions of the order (flags[pos] is 1 for those), up to stop.
            flags = mask_flags(selected, len(order))
            return list(islice(compress(order, map(flags.__getitem__, order)), stop))
        positions = mask_positions(selected)
        positions.sort(key=self.rank(ordering).__getitem__)
        return positions
