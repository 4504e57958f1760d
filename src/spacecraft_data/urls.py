"""Request URLs split as ``urlsplit`` splits them (by slices where they agree); ``base_url`` as an origin.
Details: docs/architecture.md#answers-apipy-refusalspy-hostspy"""

from __future__ import annotations

import re
from functools import lru_cache
from urllib.parse import urlsplit

from .endpoints import DEFAULT_BASE_URL
from .errors import InvalidBaseUrl
from .hosts import invalid_host_body, valid_host
from .refusals import InvalidHost, NotFound

__all__ = ["breaks_head", "origin_of", "split_plain", "split_url", "unsafe"]

#: a scheme at the start of a URL (RFC 3986), as urlsplit recognises one
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
#: what urlsplit strips from the start of a URL (WHATWG C0 control or space)
_C0_OR_SPACE = "".join(map(chr, range(0x21)))


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


def split_url(url: str) -> tuple[str, str, str, str]:
    """``(scheme, netloc, path, query)`` of ``url`` by ``urlsplit``; refusals raised (see
    :meth:`~spacecraft_data.api.Api.respond`)."""
    try:
        parts = urlsplit(url)
    except ValueError:  # a netloc urlsplit refuses: unbalanced or bad brackets, characters NFKC makes special
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


def _network_path(url: str) -> bool:
    """Whether urlsplit reads ``url`` as ``//authority...`` (after dropping what it drops)."""
    return url.lstrip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")[:2] == "//"


def _netloc_of(url: str) -> str:
    """The authority of a URL urlsplit refused: what follows ``scheme://`` up to the path, query or
    fragment."""
    rest = url.lstrip(_C0_OR_SPACE).partition(":")[2]
    rest = rest[2:] if rest.startswith("//") else rest
    return re.split(r"[/?#]", rest, maxsplit=1)[0]


def unsafe(text: str) -> bool:
    """Whether ``text`` holds a character urlsplit drops (WHATWG: tab, CR, LF): a query holding one gets its
    links the long way, as DRF builds them. Scans in C, where a set's isdisjoint looks up each character."""
    return "\t" in text or "\n" in text or "\r" in text


def breaks_head(query: str) -> bool:
    """Whether ``query`` could change how the part of its URL before it splits: a fragment, or what urlsplit
    drops."""
    return "#" in query or "\t" in query or "\n" in query or "\r" in query


def origin_of(base_url: str | None) -> str:
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
