"""DRF's ``LimitOffsetPagination`` with LL2's settings, and its ``next``/``previous`` links.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

import re
from operator import itemgetter
from sys import getsizeof as _getsizeof
from urllib.parse import parse_qs, quote_plus, urlencode, urlsplit, urlunsplit

from ..cache import BoundedCache
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

    from .params import QueryParams

__all__ = [
    "LimitOffsetPagination",
    "replace_query_param",
    "remove_query_param",
    "QUOTE_CACHE",
    "LINK_ENCODING_ERRORS",
]

#: How links encode a lone surrogate (which no HTTP request carries, but a ``str`` given to
#: ``respond()`` may): as its UTF-8-like bytes, rather than failing.
LINK_ENCODING_ERRORS = "surrogatepass"
#: Bytes of quoted link keys and values kept (all snapshots together).
QUOTE_CACHE_BYTES = 1 << 20
#: key or value -> its ``quote_plus`` form, as links quote it
QUOTE_CACHE = BoundedCache(QUOTE_CACHE_BYTES)
#: a whole string of the characters ``quote_plus`` never quotes (with ``safe=""``)
_ALWAYS_SAFE = re.compile(r"[A-Za-z0-9_.~-]*").fullmatch
#: the key of a (key, value) pair
_KEY = itemgetter(0)
#: byte (as the Latin-1 character of its code) -> how quote_plus writes it
_QUOTED_BYTES = str.maketrans(
    {chr(b): chr(b) if _ALWAYS_SAFE(chr(b)) else "+" if b == 0x20 else f"%{b:02X}" for b in range(256)}
)


def replace_query_param(url: str, key: str, value: Any) -> str:
    """Set ``key`` in the query of ``url``; keys sorted, as DRF's ``replace_query_param``."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict[key] = [str(value)]
    query = urlencode(sorted(query_dict.items()), doseq=True, errors=LINK_ENCODING_ERRORS)
    return urlunsplit((scheme, netloc, path, query, fragment))


def remove_query_param(url: str, key: str) -> str:
    """Drop ``key`` from the query of ``url``; keys sorted, as DRF's ``remove_query_param``."""
    scheme, netloc, path, query, fragment = urlsplit(url)
    query_dict = parse_qs(query, keep_blank_values=True)
    query_dict.pop(key, None)
    query = urlencode(sorted(query_dict.items()), doseq=True, errors=LINK_ENCODING_ERRORS)
    return urlunsplit((scheme, netloc, path, query, fragment))


def _quote_plus(value: str) -> str:
    # urlencode's own quoting (quote_plus, safe=""), remembered: a page's links quote the same few keys and
    # values on every request. Letters and digits need none (and are most of what links carry); nor do
    # "_.-~", which most parameter names hold (is_placeholder, spacecraft_config).
    if (value.isalnum() and value.isascii()) or _ALWAYS_SAFE(value):
        return value
    quoted = QUOTE_CACHE.get(value)
    if quoted is None:
        # quote_plus byte for byte, in C: each UTF-8 byte, read as the Latin-1 character of that code, is
        # translated to itself, "+" (a space) or "%XX" (tests check it equals quote_plus)
        quoted = value.encode("utf-8", LINK_ENCODING_ERRORS).decode("latin-1").translate(_QUOTED_BYTES)
        QUOTE_CACHE.put(value, quoted, _getsizeof(value) + _getsizeof(quoted))
    return quoted


#: LL2's page-size limit (``PAGINATION`` ``max_limit``): the one place the number is written. Code with an
#: endpoint at hand reads its declaration's ``pagination.max_limit``; this is for code without one (harvest's
#: page size).
MAX_LIMIT = 100


class LimitOffsetPagination:
    """DRF ``LimitOffsetPagination`` with LL2's settings (10 by default, at most :data:`MAX_LIMIT`)."""

    def __init__(
        self,
        default_limit: int = 10,
        max_limit: int = MAX_LIMIT,
        limit_param: str = "limit",
        offset_param: str = "offset",
    ) -> None:
        self.default_limit = default_limit
        self.max_limit = max_limit
        self.limit_param = limit_param
        self.offset_param = offset_param
        #: "limit=" and "offset=" as links write them
        self._limit_key = quote_plus(limit_param) + "="
        self._offset_key = quote_plus(offset_param) + "="

    def __repr__(self) -> str:
        return f"LimitOffsetPagination(default_limit={self.default_limit}, max_limit={self.max_limit})"

    def get_limit(self, params: QueryParams) -> int:
        """``int()`` of the last ``limit``; clamped to ``max_limit``; non-positive or not a number: the
        default."""
        raw = params.get(self.limit_param)
        if raw is not None:
            try:
                number = int(raw)  # DRF's _positive_int(raw, strict=True, cutoff=max_limit)
            except ValueError:
                pass
            else:
                if number > 0:
                    return min(number, self.max_limit) if self.max_limit else number
        return self.default_limit

    def get_offset(self, params: QueryParams) -> int:
        """``int()`` of the last ``offset``; negative or not a number: 0."""
        raw = params.get(self.offset_param)
        if raw is not None:
            try:
                number = int(raw)  # DRF's _positive_int(raw)
            except ValueError:
                pass
            else:
                if number >= 0:
                    return number
        return 0

    def get_links(
        self, base: str, params: QueryParams, count: int, offset: int, limit: int
    ) -> tuple[str | None, str | None]:
        """``(next, previous)``: :meth:`get_next_link` and :meth:`get_previous_link` of ``base?<params>``.

        Byte for byte what DRF's ``replace_query_param``/``remove_query_param`` give
        (``parse_qs`` of the query, the key set, keys sorted, ``urlencode`` with
        ``doseq``), built from the pairs already parsed rather than by re-parsing the
        URL once per parameter. ``base`` is the URL without its query (scheme, host, path).
        """
        has_next, has_previous = offset + limit < count, offset > 0
        if not (has_next or has_previous):
            return None, None
        limit_param, offset_param = self.limit_param, self.offset_param
        # Each pair is quoted once for both links (or not at all: the request's own fields when they are
        # written as links write them), and only the limit and offset differ between the two: key -> its
        # "k=v&k=v2" run, in C when every key comes once, joined in key order.
        pairs = params.pairs
        fields = params.link_fields()
        if fields is None:
            fields = [
                (key if key.isalnum() and key.isascii() else _quote_plus(key))
                + "="
                + (value if value.isalnum() and value.isascii() else _quote_plus(value))
                for key, value in pairs
            ]
        if len(params) == len(pairs):  # the mapping holds each key once
            runs = dict(zip(map(_KEY, pairs), fields))
        else:
            runs = {}
            for (key, _), piece in zip(pairs, fields):
                run = runs.get(key)
                runs[key] = piece if run is None else run + "&" + piece
        runs.pop(offset_param, None)
        runs[limit_param] = self._limit_key + str(limit)
        next_link = previous_link = None
        if has_next:
            runs[offset_param] = self._offset_key + str(offset + limit)
            next_link = base + "?" + "&".join(map(runs.__getitem__, sorted(runs)))
        if has_previous:
            if offset - limit > 0:
                runs[offset_param] = self._offset_key + str(offset - limit)
            else:
                runs.pop(offset_param, None)
            previous_link = base + "?" + "&".join(map(runs.__getitem__, sorted(runs)))
        return next_link, previous_link

    def get_next_link(self, url: str, count: int, offset: int, limit: int) -> str | None:
        """The next page of the request at absolute ``url``, or None on the last page."""
        if offset + limit >= count:
            return None
        url = replace_query_param(url, self.limit_param, limit)
        return replace_query_param(url, self.offset_param, offset + limit)

    def get_previous_link(self, url: str, count: int, offset: int, limit: int) -> str | None:
        """The previous page (``offset`` dropped when it would be 0 or less), or None on the first."""
        if offset <= 0:
            return None
        url = replace_query_param(url, self.limit_param, limit)
        if offset - limit <= 0:
            return remove_query_param(url, self.offset_param)
        return replace_query_param(url, self.offset_param, offset - limit)
