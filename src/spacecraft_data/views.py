"""One mode's records of an endpoint, with their API hyperlinks rewritten on a request's origin and format.
Details: docs/architecture.md#answers-apipy-refusalspy-hostspy"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from sys import getsizeof as _getsizeof
from urllib.parse import parse_qs, urlencode, urlsplit

from .cache import ENTRY_OVERHEAD, BoundedCache, size_of
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .endpoints import Projection

    Record = dict[str, Any]
    #: (containers to copy, parents first; (container, key, URL path, query pairs other than format) per
    #: hyperlink)
    _Plan = tuple[list[tuple[int, Any]], list[tuple[int, Any, str, list[tuple[str, str]]]]]

__all__ = ["RENDER_CACHE_BYTES", "View"]

#: Bytes of rewritten records (their copied containers and new link strings) kept per endpoint of a
#: snapshot, grouped by request origin and format; least recently used groups are dropped first
RENDER_CACHE_BYTES = 8 << 20


class View:
    """The records of one mode (stored, or projected on first use) and how to rewrite their hyperlinks."""

    def __init__(
        self,
        records: Sequence[Record | None],
        projection: Projection | None,
        api_root: str,
        partial: bool = False,
        rendered: BoundedCache | None = None,
        name: str | None = None,
    ) -> None:
        self.stored = records
        #: True when a position has no record (None: a mode read from its own table that lacks an id)
        self.partial = partial
        self.projection = projection
        self.api_root = api_root
        #: where a link's path starts: after the root's scheme and host (its own path is part of the link's)
        self._path_start = len(api_root) - len(urlsplit(api_root).path)
        self._projected: dict[int, Record] = {}
        self._plans: dict[int, _Plan | None] = {}
        #: rewritten records, one group ({position: record}) per (name, origin, format)
        self.rendered = BoundedCache(RENDER_CACHE_BYTES) if rendered is None else rendered
        self._name = name

    def record(self, pos: int) -> Record | None:
        """Record ``pos`` in this view's mode (links as stored); None where a partial view lacks it."""
        if self.projection is None:
            return self.stored[pos]
        out = self._projected.get(pos)
        if out is None:
            stored = self.stored[pos]
            if stored is None:
                return None
            out = self._projected[pos] = self.projection.apply(stored, f"record id {stored.get('id')!r}")
        return out

    def plan(self, pos: int) -> _Plan | None:
        """How to rewrite record ``pos`` (None: it has no API hyperlink), worked out on first use."""
        if pos in self._plans:
            return self._plans[pos]
        links: list[tuple[tuple[Any, ...], str, list[tuple[str, str]]]] = []
        self._find_links(self.record(pos), (), links)
        plan = None
        if links:
            # The containers to copy, parents before children, each as (its parent's number, its key): a
            # container's number is its place in that list, after the record's own copy (0). Then each
            # link as (its container's number, key, URL path, other query pairs).
            prefixes = sorted(
                {keys[:depth] for keys, _, _ in links for depth in range(1, len(keys))}, key=len
            )
            number = {(): 0}
            copies = []
            for prefix in prefixes:
                copies.append((number[prefix[:-1]], prefix[-1]))
                number[prefix] = len(copies)
            plan = (copies, [(number[keys[:-1]], keys[-1], path, rest) for keys, path, rest in links])
        self._plans[pos] = plan
        return plan

    def _find_links(self, node: Any, keys: tuple[Any, ...], out: list) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, (dict, list)):
                self._find_links(value, keys + (key,), out)
            elif key == "url" and isinstance(value, str) and value.startswith(self.api_root):
                out.append((keys + (key,), *self._link_parts(value)))

    def _link_parts(self, url: str) -> tuple[str, list[tuple[str, str]]]:
        """(path, query pairs but ``format``) of a stored hyperlink under :attr:`api_root`, as ``urlsplit``
        and ``parse_qs`` give them."""
        path, _, query = url.partition("?")
        # Stored links are written by LL2 (or by this package) as <root><path>/ or <root><path>/?format=<x>:
        # only such a link, printable and without a fragment, skips urlsplit and parse_qs (most of a
        # record's first render); tests compare the two on every stored link.
        if query in _FORMAT_ONLY and "#" not in path and url.isprintable() and not url.endswith(" "):
            return path[self._path_start :], []
        parts = urlsplit(url)
        rest = [
            (k, v)
            for k, vs in parse_qs(parts.query, keep_blank_values=True).items()
            if k != "format"
            for v in vs
        ]
        return parts.path, rest

    def render(self, pos: int, origin: str, fmt: str | None, suffix: str | None = None) -> Record:
        """Record ``pos`` with its API hyperlinks on ``origin``; only the containers on a link's path are
        copied.

        ``suffix`` is the query of a link that had none but ``format`` (``?format=<fmt>`` or
        ``""``), passed in so a page encodes it once rather than once per link. The
        result is shared with later requests for the same (``pos``, ``origin``, ``fmt``):
        read-only, as stored records are.
        """
        return self.render_page((pos,), origin, fmt, suffix)[0]

    def render_page(
        self, positions: Sequence[int], origin: str, fmt: str | None, suffix: str | None = None
    ) -> list[Record]:
        """:meth:`render` of each of ``positions``: one cache lookup for the page, one dict lookup per
        record."""
        if not positions:
            return []
        key = (self._name, origin, fmt)
        cache = self.rendered
        group = cache.get(key)
        if group is None:
            group = cache.put(key, {}, size_of(key) + sys.getsizeof({}))
        out = []
        for pos in positions:
            record = group.get(pos)
            if record is None:
                record, size = self._rewrite(pos, origin, fmt, suffix)
                group[pos] = record
                cache.charge(key, size)
            out.append(record)
        return out

    def rewrite(self, pos: int, origin: str, fmt: str | None, suffix: str | None = None) -> Record:
        """Record ``pos`` with its API hyperlinks on ``origin`` (see :meth:`render`), built afresh."""
        return self._rewrite(pos, origin, fmt, suffix)[0]

    def _rewrite(self, pos: int, origin: str, fmt: str | None, suffix: str | None) -> tuple[Record, int]:
        """:meth:`rewrite`, and the bytes it allocated (the copied containers and the link strings: the rest
        is shared with the stored record) plus a render group's slot for it."""
        record = self.record(pos)
        if record is None:  # callers answer 501 for what a partial view lacks before rendering anything
            raise LookupError(f"no record at position {pos} in this mode")
        plan = self.plan(pos)
        if plan is None:
            return record, ENTRY_OVERHEAD
        if suffix is None:
            suffix = "?" + urlencode([("format", fmt)]) if fmt is not None else ""
        copies, assignments = plan
        out = dict(record)
        nodes: list[Any] = [out]
        for parent, key in copies:
            holder = nodes[parent]
            original = holder[key]
            copy = holder[key] = dict(original) if type(original) is dict else list(original)
            nodes.append(copy)
        size = ENTRY_OVERHEAD + sum(map(_getsizeof, nodes))
        for node, key, path, rest in assignments:
            if rest:
                query = rest + [("format", fmt)] if fmt is not None else rest
                link = nodes[node][key] = origin + path + "?" + urlencode(sorted(query))
            else:
                link = nodes[node][key] = origin + path + suffix
            size += _getsizeof(link)
        return out, size


#: the queries of a stored hyperlink that leave no pair but ``format`` (as LL2's pages and this package
#: write them)
_FORMAT_ONLY = frozenset({"", "format=api", "format=json"})
