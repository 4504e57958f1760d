"""LL2 API paths split into what they name: ``/2.3.0/spacecraft/463/`` is API 2.3.0, endpoint ``spacecraft``,
id 463.

Shared by ``validate`` (which schema a page's records get) and ``import-pages``
(which pages belong to the snapshot being built), so both read a path alike.
"""

from __future__ import annotations

import re
from collections import namedtuple
from urllib.parse import urlsplit

from .typecheck import TYPE_CHECKING

__all__ = ["API_VERSION", "Route", "api_route", "route_of", "route_of_url"]

#: An LL2 API version (``2.3.0``), the one pattern for a path segment, a store folder and ``--api-version``:
#: ASCII digits only, matched whole (``API_VERSION.fullmatch``)
API_VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
#: DRF router's lookup pattern for the detail route
_PK = re.compile(r"[^/.]+")
#: what :func:`api_route` gives for the API root
_ROOT: tuple[None, None] = (None, None)

# Not a dataclass: the API parses request paths here, and importing dataclasses (inspect, copy, weakref) would
# weigh on every load() and query; a named tuple costs nothing to import. mypy reads the typed twin.
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import NamedTuple, TypeVar

    E = TypeVar("E")

    class _RouteFields(NamedTuple):
        version: str | None
        endpoint: str
        record_id: int | None = None
else:
    _RouteFields = namedtuple("Route", ("version", "endpoint", "record_id"), defaults=(None,))


class Route(_RouteFields):
    """What an API path names: ``version`` (None when the path has no ``N.N.N`` segment), ``endpoint``
    (the route below the version, e.g. ``config/spacecraft_statuses``) and, for a detail route,
    ``record_id``."""

    __slots__ = ()

    @property
    def detail(self) -> bool:
        """True for a detail route (``/<version>/<endpoint>/<id>/``)."""
        return self.record_id is not None


def route_of(path: str) -> Route:
    """The :class:`Route` of an API path (the path part of a URL, query excluded)."""
    segments = [s for s in path.split("/") if s]
    version = segments.pop(0) if segments and API_VERSION.fullmatch(segments[0]) else None
    record_id = None
    if segments and segments[-1].isascii() and segments[-1].isdigit():
        record_id = int(segments.pop())
    return Route(version, "/".join(segments), record_id)


def route_of_url(url: object) -> Route | None:
    """The :class:`Route` of an absolute API URL, or None when ``url`` is no string, no URL or names no API
    version."""
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an unclosed '[' of an IPv6 host
        return None
    route = route_of(path)
    return route if route.version is not None else None


def api_route(path: str, prefix: str, declared: Mapping[str, E]) -> tuple[E | None, str | None] | None:
    """The route a request path names among the ``declared`` endpoints (name -> endpoint) under ``prefix``.

    ``path`` is decoded (percent-escapes undone), query excluded; ``prefix`` is ``/<api version>/``.
    Gives ``(endpoint, None)`` for a list route, ``(endpoint, pk)`` for a detail route (``pk``: the
    last segment, DRF's lookup ``[^/.]+``, not yet an id), ``(None, None)`` for the API root, and
    None for a path no route matches. The one parser of request paths: the API's answers and
    serve's 405-or-404 choice both read a path through it.
    """
    if not path.startswith(prefix) or path[-1] != "/":
        return None
    rest = path[len(prefix) : -1]
    if not rest:
        return _ROOT
    found = declared.get(rest)
    if found is not None:
        return found, None
    # A detail route: the endpoint's name (which may hold a "/", as config/spacecraft_statuses), then one
    # segment.
    name, _, pk = rest.rpartition("/")
    found = declared.get(name)
    if found is None or not _PK.fullmatch(pk):
        return None
    return found, pk
