"""Answer LL2 URLs from a snapshot: URL in, ``(status, JSON body)`` out; :func:`error_answer` alone makes
refusals HTTP.

Behaviour: docs/library.md#querying-offline-as-ll2-answers. Internals:
docs/architecture.md#answers-apipy-refusalspy-hostspy
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from functools import lru_cache
from sys import getsizeof as _getsizeof
from urllib.parse import parse_qs, quote, unquote, urlencode, urlsplit

from .cache import ENTRY_OVERHEAD, BoundedCache, size_of
from .endpoints import DEFAULT_BASE_URL, Endpoint, ll2_has, table_file
from .errors import ApiError, InvalidBaseUrl, ModeNotHeld, QueryError, RecordNotFound, SnapshotError
from .hosts import invalid_host_body, valid_host
from .query import MAX_NUMBER_FIELDS, Engine, QueryParams, Refused, TooManyFields
from .query.pagination import LINK_ENCODING_ERRORS
from .refusals import InvalidHost, NoMatch, NotFound, NotServed, Refusal, UnknownFormat
from .routes import api_route
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from pathlib import Path
    from typing import Any, Protocol

    from .endpoints import Projection, Registry

    Record = dict[str, Any]
    #: (containers to copy, parents first; (container, key, URL path, query pairs other than format) per
    #: hyperlink)
    _Plan = tuple[list[tuple[int, Any]], list[tuple[int, Any, str, list[tuple[str, str]]]]]

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


__all__ = [
    "DEFAULT_BASE_URL",
    "RENDER_CACHE_BYTES",
    "HOST_CACHE_BYTES",
    "MAX_SEARCH_LENGTH",
    "Api",
    "Page",
    "EndpointQuery",
    "Served",
    "error_answer",
    "mode_not_held_message",
    "split_plain",
]

#: Bytes of rewritten records (their copied containers and new link strings) kept per endpoint of a
#: snapshot, grouped by request origin and format; least recently used groups are dropped first
RENDER_CACHE_BYTES = 8 << 20
#: a scheme at the start of a URL (RFC 3986), as urlsplit recognises one
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: Bytes of request hosts found valid, kept per snapshot so that a host is checked once, not once per request
HOST_CACHE_BYTES = 64 << 10
#: Longest ``search`` value :meth:`EndpointQuery.query` (and ``Snapshot.query``) takes, in characters:
#: as long as the longest request line ``serve`` reads (8 KiB), so that no query answers what no URL could
#: ask.
#: A longer one is a :class:`QueryError` naming ``search`` (status 414, as serve answers such a URL).
MAX_SEARCH_LENGTH = 8192


class Page:
    """One page of a list answer: the API envelope as attributes."""

    __slots__ = ("count", "next", "previous", "results")

    def __init__(self, count: int, next: str | None, previous: str | None, results: list[Record]) -> None:
        self.count = count
        self.next = next
        self.previous = previous
        self.results = results

    def to_dict(self) -> dict[str, Any]:
        """The page as the API's JSON envelope ``{count, next, previous, results}``."""
        return {"count": self.count, "next": self.next, "previous": self.previous, "results": self.results}

    def __len__(self) -> int:
        return len(self.results)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Page) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"<Page count={self.count} results={len(self.results)} next={self.next!r}>"


# --------------------------------------------------------------------------- errors -> HTTP
def error_answer(exc: Exception) -> tuple[int, Any]:
    """LL2's status and JSON body for a refused request: the error's ``status_code`` and ``body()``.

    ``exc`` is an :class:`~spacecraft_data.errors.ApiError`, which carries both as DRF's
    exceptions do: a :class:`~spacecraft_data.query.Refused` of the query layer (400:
    django-filter's form errors ``{"<param>": ["<message>"], ...}``; DRF's
    ``SearchFilter`` raises a ``ValidationError`` of a list, so its body is the list of
    messages; Django refuses too many fields before any view runs, ``{"detail": ...}``),
    a :class:`~spacecraft_data.errors.ModeNotHeld` (501), or a kind of
    :mod:`spacecraft_data.refusals` (404 "Not found." and "No <model> matches the
    given query.", 400 invalid host or target, 405, 406, 414, 431, 500, 501; a
    :class:`~spacecraft_data.refusals.MalformedRequest` keeps the status the HTTP
    parser chose). Raises ``TypeError`` for any other exception.
    """
    if isinstance(exc, ApiError) and exc.status_code is not None:
        return exc.status_code, exc.body()
    raise TypeError(f"no HTTP answer is defined for {type(exc).__name__}: {exc}")


def mode_not_held_message(version: str, mode: str, held: Sequence[str]) -> str:
    """Why ``mode`` cannot be answered from snapshot ``version``, and how to get it."""
    holds = " and ".join(f"{m}-mode" for m in held) or "no"
    what = " (flights, full configuration and agency objects)" if mode == "detailed" else ""
    return (
        f"snapshot {version} holds only {holds} records; {mode} records{what} are not in it and are "
        f"fetched with 'spacecraft-data harvest --mode {mode}'"
    )


# --------------------------------------------------------------------------- per-endpoint state
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
        #: rewritten records of every view, per (mode, origin, format)
        self.rendered = BoundedCache(RENDER_CACHE_BYTES)
        self._views: dict[str | None, _View] = {}
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

    def view(self, mode: str | None) -> _View:
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
            view = self._views[mode] = _View(records, projection, self.api_root, partial, self.rendered, mode)
        return view

    def check_matched(self, mode: str | None, view: _View, positions: Sequence[int]) -> None:
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


class _View:
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


# --------------------------------------------------------------------------- the service
class Api:
    """The LL2 API answered from one snapshot: routes, per-endpoint state and caches, errors as HTTP.

    ``Api(snapshot)`` reads the snapshot's data (:class:`Source`) and keeps, per endpoint
    declaration, what answering it needs (:class:`Served`: engine, views, render cache),
    built on first use and living as long as this object (a snapshot keeps its own in
    ``snapshot.api``). Endpoints are looked up in
    :func:`spacecraft_data.endpoints.endpoints` of the snapshot's API version at every
    call, so a declaration added to the registry is answered at once.
    """

    def __init__(self, snapshot: Source) -> None:
        self.snapshot = snapshot
        #: the API version of every route (a snapshot's manifest does not change)
        self.api_version = snapshot.api_version
        #: the snapshot's declarations (resolved once, where the snapshot starts)
        self.registry = snapshot.registry
        self._prefix = f"/{self.api_version}/"
        self._served: dict[Endpoint, Served] = {}
        self._queries: dict[Endpoint, EndpointQuery] = {}
        #: hosts (URL netlocs) already found valid: clients send a handful of hosts, over and over
        self._hosts = BoundedCache(HOST_CACHE_BYTES)
        #: what a URL's part before "?" gave: (origin, or "" for the caller's; decoded path)
        self._heads = BoundedCache(HOST_CACHE_BYTES)

    def __repr__(self) -> str:
        return f"<Api /{self.snapshot.api_version}/ of snapshot {self.snapshot.version}>"

    # -- state ----------------------------------------------------------------
    def served(self, endpoint: Endpoint) -> Served:
        """The state of ``endpoint`` over this snapshot (engine, views, render cache), built on first use."""
        served = self._served.get(endpoint)
        if served is None:
            served = self._served[endpoint] = Served(self.snapshot, endpoint)
        return served

    def endpoint(self, name: str) -> EndpointQuery:
        """Endpoint ``name`` (or one of its aliases) queried from Python; ``KeyError`` listing the
        endpoints."""
        return self._query_of(self.registry.endpoint(name))

    def primary(self) -> EndpointQuery:
        """The endpoint of the snapshot's own records (``/spacecraft/``), queried from Python."""
        return self._query_of(self.registry.primary)

    def _query_of(self, declared: Endpoint) -> EndpointQuery:
        found = self._queries.get(declared)
        if found is None:
            found = self._queries[declared] = EndpointQuery(self, declared)
        return found

    # -- answering URLs -------------------------------------------------------
    def respond(self, url: str, *, base_url: str | None = None) -> tuple[int, Any]:
        """The status code and JSON body LL2 answers to ``GET url``, from the snapshot.

        ``url`` is a full URL (its scheme and host are used in links) or a path with
        its query as a client sends it (the host is ``base_url``, by default
        ``https://ll.thespacedevs.com``). Never raises for what the request holds:
        every refusal is a status and a body (:func:`error_answer`). A host Django would
        refuse is a 400 (:func:`spacecraft_data.hosts.invalid_host_body`); a URL starting
        with ``//`` is a path, routed nowhere.

        Paths: ``/<api>/`` is DRF's API root, ``{endpoint name: list URL}`` of every
        endpoint answered; a path LL2 has (:func:`spacecraft_data.endpoints.ll2_has`) that
        no declared endpoint answers is a 501 naming the endpoints the snapshot holds;
        any other unrouted path is Django's 404 ``{"detail": "Not found."}``.

        Raises ``TypeError`` when ``url`` is not a ``str``, :class:`InvalidBaseUrl` (a
        ``ValueError``) for a ``base_url`` that is not ``http(s)://host[:port]``, and
        :class:`SnapshotError` for a snapshot file found broken while answering (naming the file).
        """
        if not isinstance(url, str):
            raise TypeError(
                f"respond() takes the URL as a str (a full URL, or a path with its query such as "
                f"'/{self.api_version}/spacecraft/?limit=2'), not {type(url).__name__}"
            )
        default_origin = (
            DEFAULT_BASE_URL if base_url is None else _origin_of(base_url)
        )  # checked even if unused
        try:
            head, _, query = url.partition("?")
            known = self._heads.get(head)
            if known is None or _breaks_head(query):
                known, query = self._read_head(url)
            origin, decoded = known
            routed = api_route(decoded, self._prefix, self.registry.endpoints)
            if routed is None:
                raise self._unrouted(decoded)
            declared, pk = routed
            if declared is None:
                return 200, self._root(origin or default_origin, QueryParams.parse(query))
            return self._answer(declared, origin or default_origin, QueryParams.parse(query), query, pk)
        except (Refused, Refusal, ModeNotHeld) as exc:
            return error_answer(exc)

    def _read_head(self, url: str) -> tuple[tuple[str, str], str]:
        """``((origin or "", decoded path), query)`` of ``url``; refusals raised (see :meth:`respond`).

        What comes before the first ``?`` is kept with what it gave (:attr:`_heads`): clients send a few
        hosts and paths with ever new queries. With no ``#`` before it, and none of ``#`` or what urlsplit
        drops (tab, CR, LF) after it, the query cannot change how that part splits, so URLs reuse it.
        """
        split = split_plain(url)
        scheme, netloc, path, query = self._split(url) if split is None else split
        if netloc and self._hosts.get(netloc) is None:
            if not valid_host(netloc):
                raise InvalidHost(netloc, invalid_host_body(netloc)["detail"])
            self._hosts.put(netloc, True, sys.getsizeof(netloc))
        # "": the caller's base_url, which differs from call to call
        origin = f"{scheme}://{netloc}" if scheme and netloc else ""
        known = (origin, unquote(path if path.startswith("/") else "/" + path))
        head, _, rest = url.partition("?")
        if "#" not in head and not _breaks_head(rest):
            self._heads.put(head, known, size_of(head, known))
        return known, query

    @staticmethod
    def _split(url: str) -> tuple[str, str, str, str]:
        """``(scheme, netloc, path, query)`` of ``url`` by ``urlsplit``; refusals raised (see
        :meth:`respond`)."""
        try:
            parts = urlsplit(url)
        except (
            ValueError
        ):  # a netloc urlsplit refuses: unbalanced or bad brackets, characters NFKC makes special
            if _SCHEME.match(url.lstrip(_C0_OR_SPACE)):
                host = _netloc_of(url)
                raise InvalidHost(host, invalid_host_body(host)["detail"]) from None
            raise NotFound() from None  # "//[bad/...": a path, as Django reads a request target
        if not parts.scheme:
            # "//host/...": to a server, a path starting with "//", which no route matches (the slices spare
            # the usual "/2.3.0/..." a call)
            if parts.netloc or ((url[:1] != "/" or url[1:2] in "/\t\n\r") and _network_path(url)):
                raise NotFound()
            return "", "", parts.path, parts.query
        return parts.scheme, parts.netloc, parts.path, parts.query

    def _unrouted(self, path: str) -> Refusal:
        """Why no declared endpoint answers ``path``: LL2 has it and the snapshot does not hold it (501), or
        404."""
        if not ll2_has(path):
            return NotFound()
        return NotServed(
            f"LL2's {_shown_path(path)} is not answered from the snapshot: snapshot "
            f"{self.snapshot.version} holds {self._held_routes()} (and their detail routes), "
            f"which the API root {self._prefix} lists"
        )

    def _held_routes(self) -> str:
        paths = [e.routing.list_path(self.api_version) for e in self.registry]
        return ", ".join(paths[:-1]) + " and " + paths[-1] if len(paths) > 1 else "".join(paths)

    def _root(self, origin: str, params: QueryParams) -> dict[str, str]:
        """DRF's API root (``DefaultRouter``'s ``APIRootView``): each endpoint answered -> its list URL.

        In the order of the registry, keyed by the router prefix, the URL absolute on the
        request's origin with ``?format=`` kept (DRF's ``reverse``). A ``format`` no renderer
        serves is a 404, as for every DRF view.
        """
        declared = self.registry.endpoints
        fmt = params.get("format")
        if fmt and fmt not in self.registry.primary.routing.formats:
            raise UnknownFormat()
        suffix = "?" + urlencode([("format", fmt)], errors=LINK_ENCODING_ERRORS) if fmt is not None else ""
        return {
            name: f"{origin}{e.routing.list_path(self.api_version)}{suffix}" for name, e in declared.items()
        }

    def _answer(
        self,
        declared: Endpoint,
        origin: str,
        params: QueryParams,
        query_string: str | None,
        pk: str | None = None,
        mode: str | None = None,
    ) -> tuple[int, Any]:
        """``(200, body)`` of ``GET <origin>/<api>/<endpoint>/[<pk>/]`` for ``params``; refusals are raised.

        The one answering path of both entries (:meth:`respond` and :class:`EndpointQuery`).
        ``query_string`` is the raw query ``params`` came from (None: made from pairs); ``mode``
        is a detail answer's mode (None: the detail route's own, ``ModePlan.detail``).
        """
        served = self.served(declared)
        try:
            fmt = params.get("format")  # preserved on hyperlinks even when blank, as DRF does
            if fmt and fmt not in served.formats:
                raise UnknownFormat()
            if pk is not None:
                return 200, _detail(served, params, pk, origin, fmt, mode)
            return 200, _list(served, params, query_string, origin, fmt)
        except SnapshotError as exc:
            raise self._naming_file(exc, declared) from None

    def _naming_file(self, exc: SnapshotError, declared: Endpoint) -> SnapshotError:
        # The engine finds a bad value (a duration past timedelta.max) only when it first sorts by it, and
        # names the record and field; the file is that of the endpoint's records.
        path = self.snapshot.path
        if str(path) in str(exc):
            return exc
        return SnapshotError(f"{path.joinpath(table_file(declared.storage.table))}: {exc}")


def _query_error(exc: Exception, names: tuple[str, ...], params: Mapping[str, Any]) -> QueryError:
    """The :class:`QueryError` of a refused Python query: the parameters at fault, and LL2's status and
    body."""
    status, body = error_answer(exc)
    shown = "; ".join(f"{n}={_shown_value(params.get(n))}" for n in names)
    return QueryError(f"HTTP {status} for {shown or 'the query'}: {body}", names, body, status)


def _list(served: Served, params: QueryParams, query_string: str | None, origin: str, fmt: str | None) -> Any:
    selected = served.engine.mask(params)  # a refused value is a 400 before anything else is worked out
    pagination = served.pagination
    limit, offset = pagination.get_limit(params), pagination.get_offset(params)
    count, page = served.engine.page_of(selected, params, offset, limit)
    mode = served.plan.mode_of(params.get("mode"))
    view = served.view(mode)
    if view.partial:
        served.check_matched(mode, view, page)
    suffix = served.suffix(fmt)
    base = origin + served.list_path
    if query_string is None or not _unsafe(query_string):
        next_link, previous_link = pagination.get_links(base, params, count, offset, limit)
    else:
        url = base + (f"?{query_string}" if query_string else "")
        next_link = pagination.get_next_link(url, count, offset, limit)
        previous_link = pagination.get_previous_link(url, count, offset, limit)
    return {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": view.render_page(page, origin, fmt, suffix),
    }


def _detail(
    served: Served, params: QueryParams, pk: str, origin: str, fmt: str | None, mode: str | None
) -> Any:
    selected = served.engine.mask(
        params
    )  # DRF runs the filter backends on the detail route too: a 400 comes first
    try:
        record_id = int(pk)  # Django's IntegerField lookup: int() of the path segment
    except ValueError:
        raise NotFound() from None
    pos = served.positions.get(record_id)
    if pos is None or (selected is not None and not selected >> pos & 1):
        raise NoMatch(served.endpoint.routing.model, record_id)
    if not served.plan.names:
        mode = None
    elif mode is None:
        mode = served.plan.detail
    view = served.view(mode)
    served.check_matched(mode, view, (pos,))
    return view.render(pos, origin, fmt)


def _unsafe(text: str) -> bool:
    """Whether ``text`` holds a character urlsplit drops (WHATWG: tab, CR, LF): a query holding one gets its
    links the long way, as DRF builds them. Scans in C, where a set's isdisjoint looks up each character."""
    return "\t" in text or "\n" in text or "\r" in text


def _breaks_head(query: str) -> bool:
    """Whether ``query`` could change how the part of its URL before it splits: a fragment, or what urlsplit
    drops."""
    return "#" in query or "\t" in query or "\n" in query or "\r" in query


def _origin_of(base_url: str | None) -> str:
    """``scheme://host`` of ``base_url`` (None or ``""``: LL2's), checked as links need it
    (:func:`_checked_origin`)."""
    if base_url is None or base_url == "":
        return DEFAULT_BASE_URL
    if not isinstance(base_url, str):
        raise TypeError(
            f"base_url takes a str such as 'http://127.0.0.1:8000', not {type(base_url).__name__}"
        )
    return _checked_origin(base_url)


@lru_cache(maxsize=64)  # a caller passes the same base_url with every request
def _checked_origin(base_url: str) -> str:
    """``scheme://host[:port]`` of ``base_url``; :class:`InvalidBaseUrl` unless it is exactly that (and a
    ``/``).

    The host is checked as a request's ``Host`` header is (:func:`spacecraft_data.hosts.valid_host`,
    Django's rule), since it is written into every link of the answer; the scheme is ``http`` or
    ``https``; nothing may follow but one ``/`` (a path, query, fragment or ``user@`` would
    otherwise be dropped or end up in links).
    """
    shown = repr(base_url[:100]) + ("..." if len(base_url) > 100 else "")
    expected = (
        "expected http:// or https:// and a host name or [IPv6 address], an optional :port, and nothing after"
    )
    try:
        base = urlsplit(base_url)
    except ValueError:
        raise InvalidBaseUrl(f"base_url {shown} is not a URL ({expected})") from None
    if base.scheme not in ("http", "https") or not base_url.lower().startswith(f"{base.scheme}://"):
        raise InvalidBaseUrl(f"base_url {shown}: the scheme must be http or https ({expected})")
    if base.path not in ("", "/") or base.query or base.fragment or "?" in base_url or "#" in base_url:
        raise InvalidBaseUrl(
            f"base_url {shown}: only the origin is used, so a path, query or fragment is "
            f"refused rather than dropped ({expected})"
        )
    if not valid_host(base.netloc):
        raise InvalidBaseUrl(f"base_url {shown}: {base.netloc[:100]!r} is not a valid Host ({expected})")
    return f"{base.scheme}://{base.netloc}"


def _shown_value(value: Any) -> str:
    """``repr(value)`` for a message, at most 100 characters."""
    try:
        shown = repr(value)
    except ValueError:  # an int past Python's digit limit
        return (
            f"<int of {value.bit_length()} bits>" if isinstance(value, int) else f"<{type(value).__name__}>"
        )
    return shown if len(shown) <= 100 else shown[:100] + "..."


def _shown_path(path: str) -> str:
    """``path`` as a message shows it: percent-encoded where it is not printable ASCII, and at most 200
    characters."""
    shown = quote(path[:200], safe="/!$&'()*+,;=:@~", errors=LINK_ENCODING_ERRORS)
    if len(shown) <= 200 and len(path) <= 200:
        return shown
    return re.sub(r"%[0-9A-F]?\Z", "", shown[:200]) + "..."  # never half an escape


def split_plain(url: str) -> tuple[str, str, str, str] | None:
    """``(scheme, netloc, path, query)`` as ``urlsplit`` gives them, for the URLs clients send; None for
    others.

    Taken: ``http(s)://host...`` with an ASCII host holding no bracket, and paths starting
    with one ``/``, neither holding a fragment or a character urlsplit removes (tab, CR,
    LF). Their first character is no C0 control or space, so urlsplit strips nothing, and
    it finds the scheme, netloc, path and query as the slices below (``tests/test_api.py``
    checks it against urlsplit). Every other URL goes to urlsplit, at several times the cost.
    """
    if "#" in url or "\n" in url or "\r" in url or "\t" in url:
        return None
    if url[:1] == "/":
        if url[1:2] == "/":
            return None
        path, _, query = url.partition("?")
        return "", "", path, query
    scheme, sep, rest = url.partition("://")
    if not sep or (scheme != "https" and scheme != "http"):
        return None
    end = rest.find("/")
    if end < 0:
        end = len(rest)
    question = rest.find("?", 0, end)
    if question >= 0:
        end = question
    netloc = rest[:end]
    if "[" in netloc or "]" in netloc or not netloc.isascii():
        return None
    path, _, query = rest[end:].partition("?")
    return scheme, netloc, path, query


#: what urlsplit strips from the start of a URL (WHATWG C0 control or space)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


def _network_path(url: str) -> bool:
    """Whether urlsplit reads ``url`` as ``//authority...`` (after dropping what it drops)."""
    return url.lstrip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")[:2] == "//"


def _netloc_of(url: str) -> str:
    """The authority of a URL urlsplit refused: what follows ``scheme://`` up to the path, query or
    fragment."""
    rest = url.lstrip(_C0_OR_SPACE).partition(":")[2]
    rest = rest[2:] if rest.startswith("//") else rest
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


class EndpointQuery:
    """One declared endpoint of one snapshot, queried from Python: ``snapshot.endpoint(name)``.

    >>> configs = spacecraft_data.load().endpoint("spacecraft_configurations")
    >>> configs.query(agency=121, human_rated=True).count
    >>> configs.get(6)["name"]
    'Crew Dragon 2'
    """

    def __init__(self, api: Api, endpoint: Endpoint) -> None:
        self.api = api
        self.endpoint = endpoint
        self._accepted = frozenset(endpoint.parameters)

    def __repr__(self) -> str:
        snapshot = self.api.snapshot
        return f"<EndpointQuery /{snapshot.api_version}/{self.endpoint.name}/ of snapshot {snapshot.version}>"

    @property
    def parameters(self) -> tuple[str, ...]:
        """The API parameters :meth:`query` accepts, as the endpoint declares them."""
        return self.endpoint.parameters

    def query(self, *, base_url: str | None = None, **params: Any) -> Page:
        """One page of the endpoint for ``params`` (API parameter -> value; None: not sent), with LL2's
        semantics.

        Values are sent as a client sends them (booleans ``true``/``false``, sequences
        comma lists); ``base_url`` is the host of links (default LL2's). Raises
        ``TypeError`` for a keyword that is not one of :attr:`parameters` (naming it and
        the endpoint), :class:`QueryError` (naming the parameters) for every value refused:
        with LL2's status and body for those LL2 refuses, with no body for those no request
        could carry (a ``search`` longer than :data:`MAX_SEARCH_LENGTH`, status 414; an
        integer too long to write); :class:`ModeNotHeld` for a mode the snapshot can neither
        read nor project, and :class:`InvalidBaseUrl` for a ``base_url`` that is not
        ``http(s)://host[:port]``.
        """
        declared = self.endpoint
        if not self._accepted.issuperset(params):
            unknown = [k for k in params if k not in self._accepted]
            raise TypeError(
                f"{', '.join(map(repr, unknown))}: not a parameter of "
                f"{declared.routing.list_path(self.api.api_version)} "
                f"(its parameters: {', '.join(declared.parameters)})"
            )
        pairs = []
        for k, v in params.items():
            if v is None:
                continue
            if type(v) is not str:
                try:
                    v = _param_value(v)
                except ValueError as exc:  # an int past Python's digit limit: no URL can carry it
                    raise QueryError(f"{k}: the value cannot be written in a query: {exc}", (k,)) from None
            if k == "search" and len(v) > MAX_SEARCH_LENGTH:
                raise QueryError(
                    f"search: a value of {len(v)} characters is longer than query() takes "
                    f"(MAX_SEARCH_LENGTH, {MAX_SEARCH_LENGTH}: more than a URL to serve can carry)",
                    ("search",),
                    status=414,
                )
            pairs.append((k, v))
        origin = DEFAULT_BASE_URL if base_url is None else _origin_of(base_url)  # the default is an origin
        try:
            if len(pairs) <= MAX_NUMBER_FIELDS:
                # What a client sends, decoded as the server decodes it, is the pairs themselves (urlencode
                # then
                # parse_qsl gives text back unchanged): no round trip. Text that is no Unicode (a lone
                # surrogate,
                # which no request carries) is answered as respond() answers it in a URL.
                body = self.api._answer(declared, origin, QueryParams(pairs), None)[1]
            else:  # refused for the number of fields, as the server refuses the query string
                query_string = urlencode(pairs, errors=LINK_ENCODING_ERRORS)
                body = self.api._answer(declared, origin, QueryParams.parse(query_string), query_string)[1]
        except Refused as exc:
            # Too many fields is a refusal of the whole query, not of a parameter.
            raise _query_error(exc, () if isinstance(exc, TooManyFields) else exc.params, params) from None
        except UnknownFormat as exc:
            raise _query_error(exc, (exc.param,), params) from None
        return Page(body["count"], body["next"], body["previous"], body["results"])

    def get(self, record_id: int, *, mode: str | None = None, base_url: str | None = None) -> Record:
        """The record ``record_id`` in ``mode`` (default the endpoint's default mode, as :meth:`query`'s).

        Links are on ``base_url`` (default LL2's host). ``mode`` defaults as a list request's does,
        so ``snapshot.endpoint("spacecraft").get(id)`` is ``snapshot.get(id)``; the detail URL
        ``/<api>/<endpoint>/<id>/`` always answers in the detail mode (``get(id, mode="detailed")``).
        Raises :class:`RecordNotFound` when the snapshot does not hold the record and
        :class:`ModeNotHeld` when the mode is neither stored nor derivable.
        """
        declared = self.endpoint
        snapshot = self.api.snapshot
        origin = _origin_of(base_url)
        try:
            return self.api._answer(
                declared, origin, QueryParams.parse(""), "", str(record_id), declared.modes.mode_of(mode)
            )[1]
        except ModeNotHeld as exc:
            raise ModeNotHeld(
                f"{declared.routing.detail_path(snapshot.api_version, record_id)}: {exc}"
            ) from None
        except NotFound as exc:
            status, body = error_answer(exc)
            raise RecordNotFound(
                f"{declared.routing.detail_path(snapshot.api_version, record_id)}: {declared.name} record "
                f"{record_id!r} is not in snapshot {snapshot.version} (HTTP {status}: {body})"
            ) from None
