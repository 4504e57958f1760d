"""LL2 API paths split into what they name: ``/2.3.0/spacecraft/463/`` is API 2.3.0, endpoint ``spacecraft``, id 463.

Shared by ``validate`` (which schema a page's records get) and ``import-pages``
(which pages belong to the snapshot being built), so both read a path alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

__all__ = ["Route", "route_of", "route_of_url"]

_API_VERSION = re.compile(r"^\d+\.\d+\.\d+$")


@dataclass(frozen=True)
class Route:
    """What an API path names: ``version`` (None when the path has no ``N.N.N`` segment), ``endpoint``
    (the route below the version, e.g. ``config/spacecraft_statuses``) and, for a detail route, ``record_id``."""

    version: str | None
    endpoint: str
    record_id: int | None = None

    @property
    def detail(self) -> bool:
        """True for a detail route (``/<version>/<endpoint>/<id>/``)."""
        return self.record_id is not None


def route_of(path: str) -> Route:
    """The :class:`Route` of an API path (the path part of a URL, query excluded)."""
    segments = [s for s in path.split("/") if s]
    version = segments.pop(0) if segments and _API_VERSION.match(segments[0]) else None
    record_id = None
    if segments and segments[-1].isascii() and segments[-1].isdigit():
        record_id = int(segments.pop())
    return Route(version, "/".join(segments), record_id)


def route_of_url(url: object) -> Route | None:
    """The :class:`Route` of an absolute API URL, or None when ``url`` is no string, no URL or names no API version."""
    if not isinstance(url, str):
        return None
    try:
        path = urlsplit(url).path
    except ValueError:  # e.g. an unclosed '[' of an IPv6 host
        return None
    route = route_of(path)
    return route if route.version is not None else None
