"""Answer LL2 URLs offline (docs/library.md#querying-offline-as-ll2-answers); error_answer alone makes HTTP.
Details: docs/architecture.md#answers-apipy-refusalspy-hostspy"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from urllib.parse import quote, unquote, urlencode

from .cache import BoundedCache, size_of
from .endpoints import DEFAULT_BASE_URL, Endpoint, ll2_has, table_file
from .errors import ApiError, ModeNotHeld, QueryError, RecordNotFound, SnapshotError
from .hosts import invalid_host_body, valid_host
from .query import MAX_NUMBER_FIELDS, QueryParams, Refused, TooManyFields
from .query.pagination import LINK_ENCODING_ERRORS
from .refusals import InvalidHost, NoMatch, NotFound, NotServed, Refusal, UnknownFormat
from .routes import api_route
from .served import Served, mode_not_held_message
from .typecheck import TYPE_CHECKING
from .urls import breaks_head, origin_of, split_plain, split_url, unsafe

if TYPE_CHECKING:
    from typing import Any

    from .served import Source

    Record = dict[str, Any]


#: Served and mode_not_held_message (served.py) and split_plain (urls.py) live where their job is and are
#: named here too, where callers have always found them. RENDER_CACHE_BYTES is read from views.py alone:
#: a copy here would be a setting that sizes nothing
__all__ = [
    "DEFAULT_BASE_URL",
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

#: Bytes of request hosts found valid, kept per snapshot so that a host is checked once, not once per request
HOST_CACHE_BYTES = 64 << 10
#: Longest ``search`` value :meth:`EndpointQuery.query` (and ``Snapshot.query``) takes, in characters: as long
#: as the longest request line ``serve`` reads (8 KiB), so that no query answers what no URL could ask. A
#: longer one is a :class:`QueryError` naming ``search`` (status 414, as serve answers such a URL).
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
            DEFAULT_BASE_URL if base_url is None else origin_of(base_url)
        )  # checked even if unused
        try:
            head, _, query = url.partition("?")
            known = self._heads.get(head)
            if known is None or breaks_head(query):
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
        scheme, netloc, path, query = split_url(url) if split is None else split
        if netloc and self._hosts.get(netloc) is None:
            if not valid_host(netloc):
                raise InvalidHost(netloc, invalid_host_body(netloc)["detail"])
            self._hosts.put(netloc, True, sys.getsizeof(netloc))
        # "": the caller's base_url, which differs from call to call
        origin = f"{scheme}://{netloc}" if scheme and netloc else ""
        known = (origin, unquote(path if path.startswith("/") else "/" + path))
        head, _, rest = url.partition("?")
        if "#" not in head and not breaks_head(rest):
            self._heads.put(head, known, size_of(head, known))
        return known, query

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
    if query_string is None or not unsafe(query_string):
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
        origin = DEFAULT_BASE_URL if base_url is None else origin_of(base_url)  # the default is an origin
        try:
            if len(pairs) <= MAX_NUMBER_FIELDS:
                # What a client sends, decoded as the server decodes it, is the pairs themselves (urlencode
                # then parse_qsl gives text back unchanged): no round trip. Text that is no Unicode (a lone
                # surrogate, which no request carries) is answered as respond() answers it in a URL.
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
        origin = origin_of(base_url)
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
