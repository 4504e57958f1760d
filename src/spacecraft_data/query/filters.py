"""django-filter's fields, and their value indexes over one list of records.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

from ..cache import size_of
from ..typecheck import TYPE_CHECKING
from .bitmask import positions_mask
from .params import INVALID_CHOICE, NULL_CHARACTERS, Invalid, InvalidFilters
from .records import pluck

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any

    from ..cache import BoundedCache
    from .params import QueryParams
    from .records import Record

    Positions = frozenset[int]

__all__ = ["Filter", "BooleanFilter", "ExactFilter", "ChoiceFilter", "FilterIndex"]


class Filter:
    """One field of a django-filter ``FilterSet``: reads ``param``, matches the value at ``path``.

    :meth:`build` runs once per engine and returns the value index :meth:`clean`
    and :meth:`positions_by_value` read; :meth:`clean` mirrors the form field
    (``None``: the filter is not applied; :class:`~.params.Invalid`: refused, naming ``param``).
    """

    def __init__(self, param: str, path: str | None = None) -> None:
        self.param = param
        self.path = path or param

    def build(self, records: Sequence[Record], tables: Mapping[str, Sequence[Record]]) -> Any:
        """Positions of the records per value of ``path``."""
        index: dict[Any, set[int]] = {}
        for pos, record in enumerate(records):
            value = pluck(record, self.path)
            if isinstance(value, (str, int, bool)) or value is None:
                index.setdefault(value, set()).add(pos)
        return {value: frozenset(positions) for value, positions in index.items()}

    def clean(self, raw: str, built: Any) -> Any:
        """The value ``raw`` selects by, or None when the filter is not applied; :class:`~.params.Invalid`
        when refused."""
        raise NotImplementedError

    def positions_by_value(self, built: Any) -> Mapping[Any, Positions]:
        """The value -> positions map inside what :meth:`build` returned."""
        return built

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.param!r}, path={self.path!r})"


class BooleanFilter(Filter):
    """django-filter ``BooleanFilter`` with ``BooleanWidget``: true/false/1/0 in any case; anything else is
    ignored."""

    VALUES = {"1": True, "0": False, "true": True, "false": False}

    def clean(self, raw: str, built: Any) -> bool | None:
        return self.VALUES.get(raw.lower())


class ExactFilter(Filter):
    """django-filter ``CharFilter`` (exact): the value stripped, compared case-sensitively; blank is
    ignored."""

    def clean(self, raw: str, built: Any) -> str | None:
        value = raw.strip()
        if not value:
            return None
        if "\x00" in value:
            raise Invalid(NULL_CHARACTERS)
        return value


class ChoiceFilter(Filter):
    """django-filter ``ModelChoiceFilter`` on a foreign key: the value must be an id of ``table``.

    The universe of ids is the reference table plus every id records point to (a
    foreign key guarantees those exist). An id that exists but no record uses
    selects nothing; a value that is not an existing id is refused. Without a
    ``table`` the universe is the ids records point to.
    """

    def __init__(
        self, param: str, path: str | None = None, table: str | None = None, id_key: str = "id"
    ) -> None:
        super().__init__(param, path or f"{param}.id")
        self.table = table
        self.id_key = id_key

    def build(self, records: Sequence[Record], tables: Mapping[str, Sequence[Record]]) -> Any:
        # The universe of ids is worked out on the first value that needs checking, so a
        # query without this filter never reads (or parses) the reference table.
        return {"by_value": super().build(records, tables), "tables": tables, "universe": None}

    def universe(self, built: Any) -> frozenset[int]:
        """Every id this filter accepts: the reference table's ids and every id records point to."""
        if built["universe"] is None:
            rows = built["tables"].get(self.table, ()) if self.table else ()
            ids = {row.get(self.id_key) for row in rows} | set(built["by_value"])
            built["universe"] = frozenset(v for v in ids if isinstance(v, int) and not isinstance(v, bool))
        return built["universe"]

    def clean(self, raw: str, built: Any) -> int | None:
        if raw == "":
            return None
        if "\x00" in raw:
            raise Invalid(NULL_CHARACTERS)
        try:
            value = int(raw)  # Django's IntegerField.get_prep_value: int() of the string
        except ValueError:
            raise Invalid(INVALID_CHOICE) from None
        if value not in self.universe(built):
            raise Invalid(INVALID_CHOICE)
        return value

    def positions_by_value(self, built: Any) -> Mapping[Any, Positions]:
        return built["by_value"]


class FilterIndex:
    """The filters of one endpoint over one list of records: each filter's value index, each value's bitmask.

    Value indexes are built on the first request that uses the filter; what each value as sent selects
    (its bitmask, or that the filter is not applied) is kept in ``cache`` under ``("raw", filter number,
    value)``, so a value sent before costs one lookup, not a form field's cleaning.
    """

    def __init__(
        self,
        filters: Sequence[Filter],
        records: Sequence[Record],
        tables: Mapping[str, Sequence[Record]],
        cache: BoundedCache,
    ) -> None:
        self.filters = tuple(filters)
        #: parameter -> the numbers of the filters reading it: a request is walked by the few it sends
        self.by_param: dict[str, tuple[int, ...]] = {}
        for i, f in enumerate(self.filters):
            self.by_param[f.param] = self.by_param.get(f.param, ()) + (i,)
        #: the parameters the filters read: most requests send none of them
        self.params = frozenset(self.by_param)
        self.records = records
        self.tables = tables
        self.cache = cache
        self._built: list[Any] = [None] * len(self.filters)

    def built(self, i: int) -> Any:
        """What filter ``i``'s :meth:`Filter.build` returned, built on first use."""
        built = self._built[i]
        if built is None:
            built = self._built[i] = self.filters[i].build(self.records, self.tables)
        return built

    def _select(self, i: int, raw: str) -> tuple[int | None]:
        """``(bitmask,)`` of what filter ``i`` selects for the value ``raw`` (``(None,)``: not applied);
        :class:`~.params.Invalid` when refused."""
        f, built = self.filters[i], self.built(i)
        value = f.clean(raw, built)
        if value is None:
            return (None,)
        return (positions_mask(f.positions_by_value(built).get(value, ()), len(self.records)),)

    def mask(self, params: QueryParams) -> int | None:
        """The bitmask of what the applied filters select (None: none applied).

        Raises :class:`~.params.InvalidFilters` with every refused value, as django-filter reports its form
        errors.
        """
        if self.params.isdisjoint(params):
            return None
        selected: int | None = None
        errors: dict[int, tuple[str, list[str]]] = {}
        cache = self.cache
        for param in self.params.intersection(params):
            raw = params[param]
            for i in self.by_param[param]:
                key = ("raw", i, raw)
                found = cache.get(key)
                if found is None:
                    try:
                        found = self._select(i, raw)
                    except Invalid as exc:
                        errors[i] = (param, exc.messages)
                        continue
                    cache.put(key, found, size_of(key, found))
                mask = found[0]
                if mask is not None:
                    selected = mask if selected is None else selected & mask
        if errors:  # in the filters' order, as django-filter's form lists them
            raise InvalidFilters(dict(errors[i] for i in sorted(errors)))
        return selected
