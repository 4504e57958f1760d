"""Answer LL2 URLs from a snapshot: URL in, ``(status, JSON body)`` out.

:func:`respond` is what a client sees (``/2.3.0/spacecraft/?…`` and
``/2.3.0/spacecraft/<id>/``, and the same for every endpoint declared in
:mod:`spacecraft_data.endpoints`: ``/2.3.0/spacecraft_configurations/``,
``/2.3.0/config/spacecraft_statuses/``); :func:`query` is the same answer for
Python callers, built from keyword arguments and returned as a :class:`Page` or
raised as an error (:class:`EndpointQuery` binds it to one endpoint). All go
through :func:`answer`, so nothing is computed in two places.

Modes: a list request's ``mode`` is answered from the table's stored records
when the table holds that mode, from the table the endpoint keeps that mode in
beside its own (``Endpoint.mode_tables``: a snapshot harvested in both modes keeps
detailed spacecraft in ``spacecraft_detailed.json``) record for record by id, or as
the endpoint's declared :class:`~spacecraft_data.endpoints.Projection` of a mode it
holds (normal-mode configurations are projected from the stored detailed ones);
otherwise 501. Filters, search and ordering always run over the endpoint's table,
so both modes of one query select the same ids in the same order; an id whose
record the mode's own table lacks (a harvest discrepancy) is a 501 naming it.

The answer is LL2's answer as if LL2 held exactly the snapshot's records:
``count`` counts the records the snapshot holds (the bundled snapshot holds 20
of 590), and a detail id the snapshot does not hold is a 404.

Status codes, in the order a DRF view decides them:

* 404 ``{"detail": "Not found."}``: a path that is not an endpoint route, a ``format``
  no renderer serves (DRF content negotiation, before anything else), or a
  detail id that is not an integer;
* 400: django-filter's ``{"<param>": ["<message>"]}`` for refused filter values
  (all of them together), or DRF's ``["Null characters are not allowed."]`` for ``search``;
* 404 ``{"detail": "No Spacecraft matches the given query."}``: the detail id exists
  nowhere in the snapshot, or the request's filters exclude it (DRF runs the
  filter backends on the detail route too);
* 501 ``{"detail": "…"}``: the request is valid but needs a mode (``detailed``) the
  snapshot does not hold, or a record of it that the mode's own table lacks; the
  message says which and how to harvest it. Nothing is fabricated.

Hyperlinks inside records (the record's ``url``, its configuration's, its
agency's: every ``url`` under the snapshot's ``base_url``) are rewritten to the
request's scheme and host, with ``?format=<value>`` when the request had
``format`` (DRF's ``preserve_builtin_query_params``). Image URLs are left alone.
Stored records are never modified: the answer copies what it rewrites.

The host of a full URL is checked as Django checks a ``Host`` header
(:mod:`spacecraft_data.hosts`): one it refuses is a 400 ``{"detail": "Invalid Host
header ..."}`` and never reaches a link. A URL starting with ``//`` is a path, as a
server reads a request target: one Django routes nowhere (404 ``{"detail": "Not found."}``).
:func:`respond` never raises for any ``str`` URL (lone surrogates included: links
percent-encode them as ``surrogatepass`` bytes).

Answers are read-only, like :class:`~spacecraft_data.snapshot.Snapshot` records: a
record without API hyperlinks is the stored object itself, and a rewritten record is
kept (per record, origin and ``format``, in a cache of :data:`RENDER_CACHE_BYTES`
per endpoint, least recently used origins first out) and handed to the next request
asking for the same one. Copy a result before changing it.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping, Sequence
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from .cache import ENTRY_OVERHEAD, BoundedCache, size_of
from .endpoints import DEFAULT_BASE_URL, Endpoint
from .endpoints.v2_3_0 import ENDPOINTS, SPACECRAFT
from .errors import ModeNotHeld, QueryError, RecordNotFound
from .hosts import invalid_host_body, valid_host
from .query import MAX_NUMBER_FIELDS, Engine, InvalidSearch, QueryParams, Refused, TooManyFields

from .typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

    from .endpoints.v2_3_0 import Projection
    from .snapshot import Snapshot

    Record = dict[str, Any]
    #: (containers to copy, parents first; (container, key, URL path, query pairs other than format) per hyperlink)
    _Plan = tuple[list[tuple[Any, ...]], list[tuple[tuple[Any, ...], Any, str, list[tuple[str, str]]]]]

__all__ = ["DEFAULT_BASE_URL", "Page", "EndpointQuery", "respond", "query", "answer", "error_answer", "mode_not_held_message"]

NOT_FOUND: dict[str, str] = {"detail": "Not found."}
#: DRF router's lookup pattern for the detail route
_PK = re.compile(r"[^/.]+")
#: Bytes of rewritten records (their copied containers and new link strings) kept per endpoint of a
#: snapshot, grouped by request origin and format; least recently used groups are dropped first
RENDER_CACHE_BYTES = 8 << 20
#: a scheme at the start of a URL (RFC 3986), as urlsplit recognises one
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: characters urlsplit drops from a URL (WHATWG): a query holding one gets its links the long way, as DRF builds them
_URL_UNSAFE = frozenset("\t\r\n")



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


# --------------------------------------------------------------------------- per-snapshot state
class _Served:
    """What answering one endpoint over one snapshot needs, built once on first use."""

    def __init__(self, snapshot: Snapshot, endpoint: Endpoint) -> None:
        self.endpoint = endpoint
        self.records = snapshot.tables.get(endpoint.table, [])
        self.engine = Engine(self.records, snapshot.tables, endpoint.filters, endpoint.search, endpoint.ordering)
        self.positions = {r.get("id"): pos for pos, r in enumerate(self.records)}
        self.api_root = str(snapshot.manifest.get("base_url") or DEFAULT_BASE_URL).rstrip("/") + "/"
        table = snapshot.manifest.get("tables", {}).get(endpoint.table, {})
        #: the modes the table stores: its own "modes" in the manifest, else its records' response_mode
        #: (a manifest written before tables declared modes), else the snapshot's
        held = tuple(table["modes"]) if "modes" in table else (
            tuple(m for m in endpoint.modes if any(r.get("response_mode") == m for r in self.records))
            or snapshot.modes)
        declared = snapshot.manifest.get("tables", {})
        #: modes stored in a table of their own that the manifest declares (mode -> table), read on first use
        self.mode_tables = {m: t for m, t in endpoint.mode_tables.items() if t in declared and m not in held}
        self.held_modes = held + tuple(self.mode_tables)
        self._tables = snapshot.tables
        self._files = {t: declared[t].get("file", t) if isinstance(declared[t], dict) else t
                       for t in self.mode_tables.values()}
        #: the modes answered: those stored, and the declared projections of a stored mode
        self.answerable = endpoint.answerable_modes(self.held_modes)
        self.version = snapshot.version
        self.list_path = endpoint.list_path(snapshot.api_version)
        #: rewritten records of every view, per (mode, origin, format)
        self.rendered = BoundedCache(RENDER_CACHE_BYTES)
        self._views: dict[str | None, _View] = {}

    def view(self, mode: str | None) -> _View:
        """The records as mode ``mode`` emits them (``None``: a view without modes, the stored records)."""
        view = self._views.get(mode)
        if view is None:
            projection = None
            records: Sequence[Record | None] = self.records
            partial = False
            if mode in self.mode_tables:
                # Position for position with self.records, so the engine's selections index both;
                # None where the mode's table lacks the id (answered by unmatched(), never fabricated).
                by_id = {r.get("id"): r for r in self._tables[self.mode_tables[mode]] if isinstance(r, dict)}
                records = [by_id.get(r.get("id")) for r in self.records]
                partial = None in records
            elif mode is not None and mode not in self.held_modes:
                projection = self.endpoint.derived[mode][1]
            view = self._views[mode] = _View(records, projection, self.api_root, partial, self.rendered, mode)
        return view

    def unmatched(self, mode: str | None, view: _View, positions: Sequence[int]) -> tuple[int, Any] | None:
        """The 501 answer when a record at ``positions`` has no ``mode`` record in the mode's own table, else None."""
        if not view.partial:
            return None
        missing = [self.records[p].get("id") for p in positions if view.stored[p] is None]
        if not missing:
            return None
        table = self.mode_tables[mode]  # type: ignore[index]  # only such views are partial
        ids = ", ".join(map(str, missing))
        return 501, {"detail": (
            f"snapshot {self.version} holds no {mode} record for {self.endpoint.name} id {ids}: "
            f"{self._files[table]} lacks {'them' if len(missing) > 1 else 'it'} though {self.endpoint.table} "
            f"holds the {self.endpoint.default_mode}-mode record (the harvest's {mode} pages disagreed with its "
            f"{self.endpoint.default_mode} ones); nothing is made up for it. Fetch it again with "
            f"'spacecraft-data harvest --mode both'")}

    def not_held(self, mode: str | None) -> tuple[int, Any] | None:
        """The 501 answer when ``mode`` can be neither read nor projected from the snapshot, else None."""
        if mode is None or mode in self.answerable:
            return None
        return 501, {"detail": mode_not_held_message(self.version, mode, self.held_modes)}


class _View:
    """The records of one mode (stored, or projected on first use) and how to rewrite their hyperlinks."""

    def __init__(self, records: Sequence[Record | None], projection: Projection | None, api_root: str,
                 partial: bool = False, rendered: BoundedCache | None = None, name: str | None = None) -> None:
        self.stored = records
        #: True when a position has no record (None: a mode read from its own table that lacks an id)
        self.partial = partial
        self.projection = projection
        self.api_root = api_root
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
            # Containers to copy, parents before children, then (container, key, URL path, other query pairs).
            prefixes = sorted({keys[:depth] for keys, _, _ in links for depth in range(1, len(keys))}, key=len)
            plan = (prefixes, [(keys[:-1], keys[-1], path, rest) for keys, path, rest in links])
        self._plans[pos] = plan
        return plan

    def _find_links(self, node: Any, keys: tuple[Any, ...], out: list) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, value in items:
            if isinstance(value, (dict, list)):
                self._find_links(value, keys + (key,), out)
            elif key == "url" and isinstance(value, str) and value.startswith(self.api_root):
                parts = urlsplit(value)
                rest = [(k, v) for k, vs in parse_qs(parts.query, keep_blank_values=True).items()
                        if k != "format" for v in vs]
                out.append((keys + (key,), parts.path, rest))

    def render(self, pos: int, origin: str, fmt: str | None, suffix: str | None = None) -> Record:
        """Record ``pos`` with its API hyperlinks on ``origin``; only the containers on a link's path are copied.

        ``suffix`` is the query of a link that had none but ``format`` (``?format=<fmt>`` or
        ``""``), passed in so a page encodes it once rather than once per link. The
        result is shared with later requests for the same (``pos``, ``origin``, ``fmt``):
        read-only, as stored records are.
        """
        return self.render_page((pos,), origin, fmt, suffix)[0]

    def render_page(self, positions: Sequence[int], origin: str, fmt: str | None,
                    suffix: str | None = None) -> list[Record]:
        """:meth:`render` of each of ``positions``: one cache lookup for the page, one dict lookup per record."""
        key = (self._name, origin, fmt)
        cache = self.rendered
        group = cache.get(key)
        if group is None:
            group = cache.put(key, {}, size_of(key) + sys.getsizeof({}))
        out = []
        for pos in positions:
            record = group.get(pos)
            if record is None:
                record = group[pos] = self.rewrite(pos, origin, fmt, suffix)
                cache.charge(key, self._rewritten_size(pos, record))
            out.append(record)
        return out

    def _rewritten_size(self, pos: int, record: Record) -> int:
        # What the rewrite allocated: the containers it copied and the link strings it wrote
        # (the rest is shared with the stored record), plus the group's slot for it.
        plan = self._plans.get(pos)
        size = ENTRY_OVERHEAD
        if plan is None:
            return size
        prefixes, assignments = plan
        size += sys.getsizeof(record)
        for prefix in prefixes:
            node: Any = record
            for step in prefix:
                node = node[step]
            size += sys.getsizeof(node)
        for where, key, _, _ in assignments:
            node = record
            for step in where:
                node = node[step]
            size += sys.getsizeof(node[key])
        return size

    def rewrite(self, pos: int, origin: str, fmt: str | None, suffix: str | None = None) -> Record:
        """Record ``pos`` with its API hyperlinks on ``origin`` (see :meth:`render`), built afresh."""
        record = self.record(pos)
        if record is None:  # callers answer 501 for what a partial view lacks before rendering anything
            raise LookupError(f"no record at position {pos} in this mode")
        plan = self.plan(pos)
        if plan is None:
            return record
        if suffix is None:
            suffix = "?" + urlencode([("format", fmt)]) if fmt is not None else ""
        prefixes, assignments = plan
        out = dict(record)
        nodes: dict[tuple[Any, ...], Any] = {(): out}
        for prefix in prefixes:
            parent = nodes[prefix[:-1]]
            original = parent[prefix[-1]]
            nodes[prefix] = parent[prefix[-1]] = dict(original) if type(original) is dict else list(original)
        for where, key, path, rest in assignments:
            if rest:
                query = rest + [("format", fmt)] if fmt is not None else rest
                nodes[where][key] = origin + path + "?" + urlencode(sorted(query))
            else:
                nodes[where][key] = origin + path + suffix
        return out


#: the attribute of a snapshot holding its per-endpoint state: it lives and dies with the snapshot
#: (the job of a WeakKeyDictionary, without importing weakref at start-up or a lookup through it per request)
_STATE_ATTRIBUTE = "_api_served"


def _served(snapshot: Snapshot, endpoint: Endpoint) -> _Served:
    per_snapshot = snapshot.__dict__.get(_STATE_ATTRIBUTE)
    if per_snapshot is None:
        per_snapshot = snapshot.__dict__[_STATE_ATTRIBUTE] = {}
    served = per_snapshot.get(endpoint.name)
    if served is None:
        served = per_snapshot[endpoint.name] = _Served(snapshot, endpoint)
    return served


def mode_not_held_message(version: str, mode: str, held: Sequence[str]) -> str:
    """Why ``mode`` cannot be answered from snapshot ``version``, and how to get it."""
    holds = " and ".join(f"{m}-mode" for m in held) or "no"
    what = " (flights, full configuration and agency objects)" if mode == "detailed" else ""
    return (f"snapshot {version} holds only {holds} records; {mode} records{what} are not in it and are "
            f"fetched with 'spacecraft-data harvest --mode {mode}'")


# --------------------------------------------------------------------------- answering
def _origin(url_parts: Any, base_url: str | None) -> str:
    if url_parts.scheme and url_parts.netloc:
        return f"{url_parts.scheme}://{url_parts.netloc}"
    base = urlsplit(base_url or DEFAULT_BASE_URL)
    if not (base.scheme and base.netloc):
        raise ValueError(f"base_url {base_url!r} is not an absolute URL (scheme://host)")
    return f"{base.scheme}://{base.netloc}"


def error_answer(exc: Refused) -> tuple[int, Any]:
    """LL2's status and JSON body for a request the query layer refused.

    django-filter's form errors are ``{"<param>": ["<message>"], ...}``; DRF's
    ``SearchFilter`` raises a ``ValidationError`` of a list, so its body is the list
    of messages; Django refuses too many fields before any view runs (``{"detail": ...}``).
    """
    if isinstance(exc, InvalidSearch):
        return 400, [m for messages in exc.errors.values() for m in messages]
    if isinstance(exc, TooManyFields):
        return 400, {"detail": "; ".join(m for messages in exc.errors.values() for m in messages)}
    return 400, {param: list(messages) for param, messages in exc.errors.items()}


def answer(snapshot: Snapshot, endpoint: Endpoint, origin: str, query_string: str,
           pk: str | None = None) -> tuple[int, Any]:
    """The status and body of ``GET <origin>/<api>/<endpoint>/[<pk>/]?<query_string>``."""
    try:
        params = QueryParams.parse(query_string)
    except Refused as exc:
        return error_answer(exc)
    return _answer(snapshot, endpoint, origin, params, query_string, pk)


def _answer(snapshot: Snapshot, endpoint: Endpoint, origin: str, params: QueryParams, query_string: str | None,
            pk: str | None = None) -> tuple[int, Any]:
    """:func:`answer` of the parsed ``params`` (``query_string``: the raw query they came from; None: from pairs)."""
    served = _served(snapshot, endpoint)
    try:
        fmt = params.get("format")
        if fmt and fmt not in endpoint.formats:
            return 404, dict(NOT_FOUND)
        if pk is not None:
            return _detail(served, params, pk, origin)
        selected = served.engine.mask(params)  # a refused value is a 400 before anything else is worked out
        pagination = endpoint.pagination
        limit, offset = pagination.get_limit(params), pagination.get_offset(params)
        count, page = served.engine.page_of(selected, params, offset, limit)
    except Refused as exc:
        return error_answer(exc)
    fmt = params.get("format")  # preserved on hyperlinks even when blank, as DRF does
    mode = endpoint.mode_of(params.get("mode"))
    refused = served.not_held(mode)
    if refused:
        return refused
    view = served.view(mode)
    refused = served.unmatched(mode, view, page)
    if refused:
        return refused
    suffix = "?" + urlencode([("format", fmt)]) if fmt is not None else ""
    base = origin + served.list_path
    if query_string is None or _URL_UNSAFE.isdisjoint(query_string):
        next_link, previous_link = pagination.get_links(base, params, count, offset, limit)
    else:
        url = base + (f"?{query_string}" if query_string else "")
        next_link = pagination.get_next_link(url, count, offset, limit)
        previous_link = pagination.get_previous_link(url, count, offset, limit)
    return 200, {
        "count": count,
        "next": next_link,
        "previous": previous_link,
        "results": view.render_page(page, origin, fmt, suffix),
    }


def _detail(served: _Served, params: QueryParams, pk: str, origin: str) -> tuple[int, Any]:
    selected = served.engine.mask(params)  # DRF runs the filter backends on the detail route too: a 400 comes first
    try:
        record_id = int(pk)  # Django's IntegerField lookup: int() of the path segment
    except ValueError:
        return 404, dict(NOT_FOUND)
    pos = served.positions.get(record_id)
    if pos is None or (selected is not None and not selected >> pos & 1):
        return 404, {"detail": f"No {served.endpoint.model} matches the given query."}
    fmt = params.get("format")  # preserved on hyperlinks even when blank, as DRF does
    mode = served.endpoint.detail_mode if served.endpoint.modes else None
    refused = served.not_held(mode)
    if refused:
        return refused
    view = served.view(mode)
    return served.unmatched(mode, view, (pos,)) or (200, view.render(pos, origin, fmt))


def _route(snapshot: Snapshot, path: str) -> tuple[Endpoint, str | None] | None:
    prefix = f"/{snapshot.api_version}/"
    if not path.startswith(prefix) or not path.endswith("/"):
        return None
    rest = path[len(prefix):-1]
    endpoint = ENDPOINTS.get(rest)
    if endpoint is not None:
        return endpoint, None
    # A detail route: the endpoint's name (which may hold a "/", as config/spacecraft_statuses), then one segment.
    name, _, pk = rest.rpartition("/")
    endpoint = ENDPOINTS.get(name)
    return (endpoint, pk) if endpoint is not None and _PK.fullmatch(pk) else None


def respond(snapshot: Snapshot, url: str, *, base_url: str | None = None) -> tuple[int, Any]:
    """The status code and JSON body LL2 answers to ``GET url``, from ``snapshot``.

    ``url`` is a full URL (its scheme and host are used in links) or a path with
    its query as a client sends it (the host is ``base_url``, by default
    ``https://ll.thespacedevs.com``). Never raises for what the request holds:
    every refusal is a status and a body. A host Django would refuse is a 400
    (:func:`spacecraft_data.hosts.invalid_host_body`); a URL starting with ``//`` is
    a path, routed nowhere. Raises ``ValueError`` only for a ``base_url`` that is
    not ``scheme://host``.
    """
    try:
        parts = urlsplit(url)
    except ValueError:  # a netloc urlsplit refuses: unbalanced or bad brackets, characters NFKC makes special
        if _SCHEME.match(url.lstrip(_C0_OR_SPACE)):
            return 400, invalid_host_body(_netloc_of(url))
        return 404, dict(NOT_FOUND)  # "//[bad/...": a path, as Django reads a request target
    if not parts.scheme:
        # "//host/...": to a server, a path starting with "//", which no route matches (the slices spare
        # the usual "/2.3.0/..." a call)
        if parts.netloc or ((url[:1] != "/" or url[1:2] in "/\t\n\r") and _network_path(url)):
            return 404, dict(NOT_FOUND)
    elif parts.netloc and not valid_host(parts.netloc):
        return 400, invalid_host_body(parts.netloc)
    origin = _origin(parts, base_url)
    path = unquote(parts.path if parts.path.startswith("/") else "/" + parts.path)
    route = _route(snapshot, path)
    if route is None:
        return 404, dict(NOT_FOUND)
    endpoint, pk = route
    return answer(snapshot, endpoint, origin, parts.query, pk)


#: what urlsplit strips from the start of a URL (WHATWG C0 control or space)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


def _network_path(url: str) -> bool:
    """Whether urlsplit reads ``url`` as ``//authority...`` (after dropping what it drops)."""
    return url.lstrip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")[:2] == "//"


def _netloc_of(url: str) -> str:
    """The authority of a URL urlsplit refused: what follows ``scheme://`` up to the path, query or fragment."""
    rest = url.lstrip(_C0_OR_SPACE).partition(":")[2]
    rest = rest[2:] if rest.startswith("//") else rest
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def _param_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def query(snapshot: Snapshot, params: Mapping[str, Any], *, endpoint: Endpoint = SPACECRAFT,
          base_url: str | None = None) -> Page:
    """One page of ``endpoint`` for ``params`` (API parameter -> value; None values are left out).

    Booleans become ``true``/``false`` and sequences comma lists, as a client would
    send them. Keys are not checked here (the API ignores unknown parameters;
    :meth:`EndpointQuery.query` refuses them). Raises :class:`QueryError` (naming the parameter, carrying the 400
    body) for refused values and :class:`ModeNotHeld` for a mode the snapshot lacks.
    """
    pairs = [(k, v if type(v) is str else _param_value(v)) for k, v in params.items() if v is not None]
    origin = DEFAULT_BASE_URL if base_url is None else _origin(urlsplit(""), base_url)  # the default is an origin
    if len(pairs) <= MAX_NUMBER_FIELDS and all(k.isascii() and v.isascii() for k, v in pairs):
        # urlencode then parse_qsl gives ASCII pairs back unchanged: skip the round trip
        status, body = _answer(snapshot, endpoint, origin, QueryParams(pairs), None)
    else:  # what a client would send, decoded as the server decodes it
        status, body = answer(snapshot, endpoint, origin, urlencode(pairs))
    if status == 200:
        return Page(body["count"], body["next"], body["previous"], body["results"])
    if status == 501:
        raise ModeNotHeld(body["detail"])
    names = tuple(body) if isinstance(body, dict) and "detail" not in body else ()
    if isinstance(body, list):
        names = ("search",)
    if not names and status == 404:
        names = ("format",)
    shown = "; ".join(f"{n}={params.get(n)!r}" for n in names)
    raise QueryError(f"HTTP {status} for {shown or 'the query'}: {body}", names, body, status)


class EndpointQuery:
    """One declared endpoint of one snapshot, queried from Python: ``snapshot.endpoint(name)``.

    >>> configs = spacecraft_data.load().endpoint("spacecraft_configurations")
    >>> configs.query(agency=121, human_rated=True).count
    >>> configs.get(6)["name"]
    'Crew Dragon 2'
    """

    def __init__(self, snapshot: Snapshot, endpoint: Endpoint) -> None:
        self.snapshot = snapshot
        self.endpoint = endpoint

    def __repr__(self) -> str:
        return f"<EndpointQuery /{self.snapshot.api_version}/{self.endpoint.name}/ of snapshot {self.snapshot.version}>"

    @property
    def parameters(self) -> tuple[str, ...]:
        """The API parameters :meth:`query` accepts, as the endpoint declares them."""
        return self.endpoint.parameters

    def query(self, *, base_url: str | None = None, **params: Any) -> Page:
        """One page of the endpoint for ``params`` (API parameter -> value; None: not sent), with LL2's semantics.

        Values are sent as :func:`query` sends them (booleans ``true``/``false``,
        sequences comma lists). Raises ``TypeError`` for a keyword that is not one
        of :attr:`parameters` (naming it and the endpoint), :class:`QueryError`
        for a value LL2 refuses, :class:`ModeNotHeld` for a mode the snapshot can
        neither read nor project.
        """
        unknown = [k for k in params if k not in self.endpoint.parameters]
        if unknown:
            raise TypeError(f"{', '.join(map(repr, unknown))}: not a parameter of "
                            f"{self.endpoint.list_path(self.snapshot.api_version)} "
                            f"(its parameters: {', '.join(self.endpoint.parameters)})")
        return query(self.snapshot, params, endpoint=self.endpoint, base_url=base_url)

    def get(self, record_id: int, *, base_url: str | None = None) -> Record:
        """The detail route's answer for ``record_id`` (links on ``base_url``, default LL2's host).

        Raises :class:`RecordNotFound` when the snapshot does not hold the record
        and :class:`ModeNotHeld` when the detail mode is neither stored nor derivable.
        """
        origin = _origin(urlsplit(""), base_url)
        status, body = answer(self.snapshot, self.endpoint, origin, "", str(record_id))
        if status == 200:
            return body
        path = self.endpoint.detail_path(self.snapshot.api_version, record_id)
        if status == 501:
            raise ModeNotHeld(f"{path}: {body['detail']}")
        raise RecordNotFound(f"{path}: {self.endpoint.name} record {record_id!r} is not in snapshot "
                             f"{self.snapshot.version} (HTTP {status}: {body})")
