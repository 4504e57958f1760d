"""The query pipeline of one endpoint over one list of records: filters, then search, then order, then page.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

from ..cache import BoundedCache, size_of
from ..typecheck import TYPE_CHECKING
from .filters import FilterIndex
from .ordering import OrderIndex
from .search import SearchIndex

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from .filters import Filter
    from .ordering import OrderingFilter
    from .params import QueryParams
    from .records import Record
    from .search import SearchFilter

__all__ = ["Engine", "QUERY_CACHE_BYTES"]

#: Bytes an engine (one endpoint of one snapshot) keeps of what requests chose: the bitmask of each
#: filter value and search term, each ordering's order and ranks. Least recently used first out, so
#: memory stays bounded however many distinct values, terms or orderings clients send.
QUERY_CACHE_BYTES = 8 << 20


class Engine:
    """The query pipeline of one endpoint over one list of records, with its indexes built once.

    ``filters`` run first (all their errors reported together, as django-filter
    does), then ``search``, then ``ordering``, then the page is picked. Each index
    is built on the first request that needs it; :attr:`cache` (``cache_bytes``)
    holds the bitmask of each filter value and search term asked for, and each
    ordering's order and ranks.
    """

    def __init__(
        self,
        records: Sequence[Record],
        tables: Mapping[str, Sequence[Record]],
        filters: Sequence[Filter],
        search: SearchFilter,
        ordering: OrderingFilter,
        cache_bytes: int = QUERY_CACHE_BYTES,
    ) -> None:
        self.records = records
        self.ordering = ordering
        self.cache = BoundedCache(cache_bytes)
        self.filter_index = FilterIndex(filters, records, tables, self.cache)
        self.search_index = SearchIndex(search, records, self.cache)
        self.order_index = OrderIndex(ordering, records, self.cache)

    def mask(self, params: QueryParams) -> int | None:
        """The bitmask of the records the filters, then the search, select (None: all).

        Raises :class:`~.params.InvalidFilters` or :class:`~.params.InvalidSearch`.
        """
        return self.search_index.narrow(self.filter_index.mask(params), params)

    def page_of(
        self, selected: int | None, params: QueryParams, offset: int, limit: int
    ) -> tuple[int, list[int]]:
        """``(count, positions)``: the size of the :meth:`mask` ``selected`` (None: every record) and its
        ``[offset:offset + limit]``, in the order ``params`` asks for."""
        value = params.get(self.ordering.param)
        if not value:  # the default, as get_ordering gives it
            return self.order_index.page(selected, self.ordering.default, offset, limit)
        key = ("ordering", value)
        ordering = self.cache.get(key)
        if ordering is None:  # clients send the same few orderings with ever other filters and pages
            ordering = self.ordering.get_ordering(params)
            self.cache.put(key, ordering, size_of(value, ordering))
        return self.order_index.page(selected, ordering, offset, limit)
