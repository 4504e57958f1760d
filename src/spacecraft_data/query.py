"""Django REST Framework and django-filter query semantics over in-memory records.

One small class per concern, each with short methods named after the DRF or
django-filter method it mirrors, so each can be checked against that code:

* :class:`QueryParams` — Django's ``QueryDict`` (a ``dict``): every pair kept, a key gives its last value;
* :class:`BooleanFilter`, :class:`ExactFilter`, :class:`ChoiceFilter` — django-filter fields
  (``BooleanWidget``; ``forms.CharField(strip=True)``; ``ModelChoiceField`` on a reference table);
* :class:`SearchFilter` — DRF ``SearchFilter`` (``search_smart_split``, ``icontains``), over a
  :class:`SearchText` (every record's folded fields in one string, searched with ``str.find``);
* :class:`OrderingFilter` — DRF ``OrderingFilter`` plus PostgreSQL's NULL placement;
* :class:`LimitOffsetPagination` — DRF ``LimitOffsetPagination`` and its links;
* :class:`Engine` — the indexes of one endpoint over one snapshot, built once, and the
  pipeline (filters, search, ordering) that turns parameters into ordered record positions.

Which filters, fields and tables an endpoint has is declared as data in
:mod:`spacecraft_data.endpoints`. Only the standard library is used here;
``isodate`` is imported only for a duration not in LL2's compact form (:mod:`spacecraft_data.durations`).

Selections are bitmasks (``int``: bit ``p`` set when record position ``p`` is selected):
``&`` intersects filters and search terms in C, ``int.bit_count()`` is the page's ``count``,
and the page is picked from the cached order without materialising the whole selection.
The bitmask of each filter value and search term, and each ordering's order, is cached per
engine in one :class:`~spacecraft_data.cache.BoundedCache` of :data:`QUERY_CACHE_BYTES`
(least recently used first out), so a repeated term costs a dictionary lookup; a new term costs
one ``str.find`` pass over the snapshot's search text. No stream of distinct values, terms
or orderings grows memory past that bound.

Rules where LL2's behaviour is unspecified (documented, deterministic):

* no ordering, or only invalid ordering fields: **id ascending** (LL2 returns PostgreSQL's
  unspecified row order);
* ties under the requested ordering: broken by **id ascending** (LL2 adds no tie-breaker);
* case folding for search: character by character, as PostgreSQL's ``upper()`` does
  (``str.upper()`` of each character when that is one character; ``ß`` stays ``ß``).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import parse_qs, quote_plus, unquote, urlencode, urlsplit, urlunsplit

from . import durations
from .cache import BoundedCache, size_of
from .errors import SnapshotError

from .typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "QueryParams",
    "Invalid",
    "Refused",
    "InvalidFilters",
    "InvalidSearch",
    "TooManyFields",
    "Filter",
    "BooleanFilter",
    "ExactFilter",
    "ChoiceFilter",
    "SearchFilter",
    "SearchText",
    "OrderingFilter",
    "LimitOffsetPagination",
    "Engine",
    "search_terms",
    "fold",
    "replace_query_param",
    "remove_query_param",
    "NULL_CHARACTERS",
    "INVALID_CHOICE",
]

Record = dict  # dict[str, Any]: a record as the API returned it
Positions = frozenset[int]

#: Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS``: more fields than this is refused.
MAX_NUMBER_FIELDS = 1000
NULL_CHARACTERS = "Null characters are not allowed."
SURROGATE_CHARACTERS = "Surrogate characters are not allowed: U+{code_point:X}."
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


# --------------------------------------------------------------------------- requests
class QueryParams(dict):
    """The decoded query of a request, as Django's ``QueryDict`` holds it.

    Pairs keep their order, repeats and blanks in :attr:`pairs`; as a mapping (like
    ``QueryDict``, a ``dict`` subclass) a key gives its last value, as
    ``QueryDict.get`` and ``QueryDict.__getitem__`` do. The inherited ``dict.get``
    and ``in`` are C calls: a request reads a dozen parameters. Read-only by convention.
    """

    __slots__ = ("pairs",)

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: list[tuple[str, str]] = list(pairs)
        super().__init__(self.pairs)

    @classmethod
    def parse(cls, query: str) -> QueryParams:
        """Decode a raw query string (``+`` is a space, ``%XX`` UTF-8 with replacement, ``&`` only).

        Raises :class:`TooManyFields` past Django's 1000-field limit.
        """
        # parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_NUMBER_FIELDS), step for step, without
        # its str/bytes coercion (a third of a small request's time); tests check it equals parse_qsl.
        if query.count("&") >= MAX_NUMBER_FIELDS:
            raise TooManyFields({"query": [f"Bad Request: more than {MAX_NUMBER_FIELDS} query parameters "
                                           "(Django's DATA_UPLOAD_MAX_NUMBER_FIELDS)"]})
        pairs = []
        for field in query.split("&"):
            if field:
                name, _, value = field.partition("=")
                pairs.append((unquote(name.replace("+", " ")), unquote(value.replace("+", " "))))
        return cls(pairs)

    def __repr__(self) -> str:
        return f"QueryParams({self.pairs!r})"


class Invalid(Exception):
    """A parameter value a form field refuses: ``messages`` as django-filter lists them."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


class Refused(Exception):
    """A request the query layer refuses: ``errors`` maps each parameter at fault to its messages.

    No HTTP here: :func:`spacecraft_data.api.error_answer` turns each kind into LL2's
    status and body, and :class:`~spacecraft_data.errors.QueryError` is built from
    the same structure.
    """

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {param: list(messages) for param, messages in errors.items()}
        super().__init__(self.errors)

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters at fault, in the order they were found."""
        return tuple(self.errors)


class InvalidFilters(Refused):
    """django-filter's form errors: every refused filter value of the request, together."""


class InvalidSearch(Refused):
    """DRF ``SearchFilter``'s ``CharField`` refused the ``search`` value (NUL or a lone surrogate)."""


class TooManyFields(Refused):
    """More query fields than Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (the parameter is the whole ``query``)."""


# --------------------------------------------------------------------------- records
def pluck(record: Mapping[str, Any], path: str) -> Any:
    """The value at the dotted ``path`` of ``record`` (``spacecraft_config.name``), None when absent."""
    value: Any = record
    for key in path.split("."):
        # dict first: isinstance stops at the first match, and the Mapping ABC check costs ~10x more
        if not isinstance(value, (dict, Mapping)):
            return None
        value = value.get(key)
    return value


def fold(text: str) -> str:
    """Upper-case ``text`` character by character, as PostgreSQL's ``upper()`` does.

    ``str.upper()`` alone would expand ``ß`` to ``SS``; a per-character mapping keeps
    every character whose upper case is not a single character.
    """
    if text.isascii():
        return text.upper()
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


# --------------------------------------------------------------------------- filters
class Filter:
    """One field of a django-filter ``FilterSet``: reads ``param``, matches the value at ``path``.

    ``build`` runs once per snapshot and returns what ``select`` needs; ``clean``
    mirrors the form field (``None``: the filter is not applied; :class:`Invalid`:
    HTTP 400 naming ``param``).
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
        raise NotImplementedError

    def cleaned(self, raw: str | None, built: Any) -> Any:
        """The value ``raw`` selects by, or None when the filter is not applied; :class:`Invalid` when refused."""
        if raw is None:
            return None
        return self.clean(raw, built)

    def select(self, raw: str | None, built: Any) -> Positions | None:
        """The positions the value ``raw`` selects, or None when the filter is not applied."""
        value = self.cleaned(raw, built)
        if value is None:
            return None
        return self.positions_by_value(built).get(value, frozenset())

    def positions_by_value(self, built: Any) -> Mapping[Any, Positions]:
        """The value -> positions map inside what :meth:`build` returned."""
        return built

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.param!r}, path={self.path!r})"


class BooleanFilter(Filter):
    """django-filter ``BooleanFilter`` with ``BooleanWidget``: true/false/1/0 in any case; anything else is ignored."""

    VALUES = {"1": True, "0": False, "true": True, "false": False}

    def clean(self, raw: str, built: Any) -> bool | None:
        return self.VALUES.get(raw.lower())


class ExactFilter(Filter):
    """django-filter ``CharFilter`` (exact): the value stripped, compared case-sensitively; blank is ignored."""

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

    def __init__(self, param: str, path: str | None = None, table: str | None = None, id_key: str = "id") -> None:
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


# --------------------------------------------------------------------------- search
# Django's smart_split grammar: a token is a run of non-space characters in which
# single- or double-quoted sections (backslash escapes allowed) may hold spaces;
# a quote that is never closed is an ordinary character.
_SMART_SPLIT = re.compile(
    r"""(?:[^\s'"]*(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')[^\s'"]*)+|\S+"""
)


def _unquote_literal(token: str) -> str:
    quote = token[0]
    return token[1:-1].replace("\\" + quote, quote).replace("\\\\", "\\")


def search_terms(value: str) -> list[str]:
    """Split a ``search`` value into terms as DRF's ``search_smart_split`` does.

    Whitespace separates tokens (quoted runs stay whole); commas are trimmed from
    both ends of a token; a token quoted at both ends with the same quote is one
    phrase (quotes removed, escapes undone); any other token is split on commas,
    empty pieces dropped, pieces stripped.
    """
    terms: list[str] = []
    for match in _SMART_SPLIT.finditer(value):
        token = match.group(0).strip(",")
        if token[:1] in ("'", '"') and token[0] == token[-1]:
            terms.append(_unquote_literal(token))
        else:
            terms.extend(piece.strip() for piece in token.split(",") if piece)
    return terms


#: Bytes of split ``search`` values kept (all snapshots together): clients repeat the same few searches.
SEARCH_SPLIT_CACHE_BYTES = 1 << 20
_SPLITS = BoundedCache(SEARCH_SPLIT_CACHE_BYTES)


def _search_terms(value: str) -> tuple[str, ...]:
    # Splitting is a pure function of the value, remembered in a cache bounded in bytes.
    terms = _SPLITS.get(value)
    if terms is None:
        terms = tuple(search_terms(value))
        _SPLITS.put(value, terms, size_of(value, terms))
    return terms


class SearchFilter:
    """DRF ``SearchFilter`` with ``icontains`` on each of ``fields`` (dotted record paths).

    A record matches when every term is contained, case-insensitively, in at least
    one field (OR across fields, AND across terms). A null field matches nothing.
    :meth:`build` gives the :class:`SearchText` whose ``containing`` finds one term;
    :meth:`Engine.mask` intersects the terms.
    """

    param = "search"

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)

    def build(self, records: Sequence[Record], tables: Mapping[str, Sequence[Record]]) -> SearchText:
        """The folded text of every search field of every record, in one string (see :class:`SearchText`)."""
        pieces = []
        has_text = []
        for pos, record in enumerate(records):
            texts = [t if isinstance(t, str) else str(t) for t in (pluck(record, f) for f in self.fields)
                     if t is not None]
            pieces.append("\x00".join(texts))
            if texts:
                has_text.append(pos)
        return SearchText(pieces, has_text)

    def get_search_terms(self, params: QueryParams) -> list[str]:
        """The terms of the request; :class:`InvalidSearch` for NUL or surrogates."""
        value = params.get(self.param, "")
        if value == "":
            return []
        problems = []
        if "\x00" in value:
            problems.append(NULL_CHARACTERS)
        surrogate = None if value.isascii() else next((c for c in value if 0xD800 <= ord(c) <= 0xDFFF), None)
        if surrogate is not None:
            problems.append(SURROGATE_CHARACTERS.format(code_point=ord(surrogate)))
        if problems:
            raise InvalidSearch({self.param: problems})
        return list(_search_terms(value))


class SearchText:
    """The folded search fields of every record, joined into one string, and where each record starts.

    Fields are joined with NUL within a record and records with NUL between them: a
    term holding NUL is refused with a 400 before it gets here, so no match can span
    two fields or two records, and ``term in field`` for some field equals "``term``
    occurs in the record's span". One ``str.find`` pass over the whole string (in C)
    replaces a Python-level ``in`` per record and field. Folding is per character
    (:func:`fold`), so folding the joined string keeps every offset.
    """

    __slots__ = ("text", "starts", "has_text")

    def __init__(self, pieces: Sequence[str], has_text: Sequence[int]) -> None:
        self.text = fold("\x00".join(pieces))
        #: start offset of each record's span, plus one past the end (a record's span ends before the next start's NUL)
        starts = [0] * (len(pieces) + 1)
        offset = 0
        for pos, piece in enumerate(pieces):
            starts[pos] = offset
            offset += len(piece) + 1
        starts[len(pieces)] = offset
        self.starts = starts
        #: positions with at least one non-null field: the records an empty term matches ("" is in any string)
        self.has_text = tuple(has_text)

    def __len__(self) -> int:
        return len(self.starts) - 1

    def containing(self, term: str) -> list[int]:
        """Positions, ascending, of the records one of whose fields contains the folded ``term``."""
        if term == "":
            return list(self.has_text)
        out = []
        text, starts = self.text, self.starts
        find = text.find
        i = find(term)
        while i >= 0:
            pos = bisect_right(starts, i) - 1
            out.append(pos)
            i = find(term, starts[pos + 1])  # next record: one match per record is enough
        return out


# --------------------------------------------------------------------------- ordering
def _duration_key(value: Any, where: str) -> int:
    try:
        return durations.sort_key(value)  # microseconds; years/months: PostgreSQL counts a month as 30 days
    except durations.DurationError as exc:
        raise SnapshotError(f"{where}: {value!r} is not an ISO 8601 duration ({exc})") from None


class OrderingFilter:
    """DRF ``OrderingFilter`` over ``fields`` (name -> ``"number"``, ``"duration"`` or ``"text"``).

    ``ordering`` is split on commas, each part stripped; a part is kept when it
    names a field after removing one leading ``-``. Nothing valid: the default.
    Nulls sort as PostgreSQL sorts them (last ascending, first descending);
    durations compare as durations; text by code point (Python ``str`` order,
    SQLite's BINARY collation; LL2's collation is not published). Ties, and the
    default, are id ascending. With no fields, ``ordering`` is ignored.
    """

    param = "ordering"

    def __init__(self, fields: Mapping[str, str], default: Sequence[str] = ("id",), tie_breaker: str = "id") -> None:
        self.fields = dict(fields)
        self.default = tuple(default)
        self.tie_breaker = tie_breaker

    def get_ordering(self, params: QueryParams) -> tuple[str, ...]:
        """The effective ordering terms of the request (``-`` prefix for descending)."""
        value = params.get(self.param)
        if value:
            terms = tuple(t for t in (p.strip() for p in value.split(",")) if self.term_valid(t))
            if terms:
                return terms
        return self.default

    def term_valid(self, term: str) -> bool:
        return (term[1:] if term.startswith("-") else term) in self.fields

    def build(self, records: Sequence[Record], tables: Mapping[str, Sequence[Record]]) -> dict[str, list[Any]]:
        """Sort keys of every field, per record (see :meth:`build_column`)."""
        return {name: self.build_column(records, name) for name in self.fields}

    def build_column(self, records: Sequence[Record], name: str) -> list[Any]:
        """Sort keys of field ``name`` per record: ``(is null, value)``, so nulls sort after every value."""
        kind = self.fields.get(name, "number")  # the tie-breaker need not be an ordering field
        column: list[Any] = []
        for record in records:
            value = pluck(record, name)
            if value is None:
                column.append((True, 0))
            elif kind == "duration":
                column.append((False, _duration_key(value, f"record id {record.get('id')}, field {name!r}")))
            else:
                column.append((False, value))
        return column

    def sort(self, positions: Sequence[int], ordering: Sequence[str], keys: Mapping[str, list[Any]]) -> list[int]:
        """``positions`` ordered by ``ordering``, then by the tie-breaker ascending."""
        out = sorted(positions, key=keys[self.tie_breaker].__getitem__)
        # Stable sorts from the least to the most significant term; reverse=True keeps ties in place.
        for term in reversed(ordering):
            desc = term.startswith("-")
            column = keys[term[1:] if desc else term]
            out.sort(key=column.__getitem__, reverse=desc)
        return out


# --------------------------------------------------------------------------- pagination
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


#: Bytes of quoted link keys and values kept (all snapshots together).
QUOTE_CACHE_BYTES = 1 << 20
_QUOTED = BoundedCache(QUOTE_CACHE_BYTES)
#: How links encode a lone surrogate (which no HTTP request carries, but a ``str`` given to
#: ``respond()`` may): as its UTF-8-like bytes, rather than failing.
LINK_ENCODING_ERRORS = "surrogatepass"


def _quote_plus(value: Any, safe: Any = "", encoding: Any = None, errors: Any = None) -> str:
    # urlencode's own quoting, remembered: a page's links quote the same few keys and values on every
    # request. Letters and digits need none (and are most of what links carry).
    if value.isalnum() and value.isascii():
        return value
    quoted = _QUOTED.get(value)
    if quoted is None:
        quoted = quote_plus(value, safe, encoding, LINK_ENCODING_ERRORS)
        _QUOTED.put(value, quoted, size_of(value, quoted))
    return quoted


def _positive_int(value: str, strict: bool = False, cutoff: int | None = None) -> int:
    number = int(value)
    if number < 0 or (number == 0 and strict):
        raise ValueError(value)
    return min(number, cutoff) if cutoff else number


class LimitOffsetPagination:
    """DRF ``LimitOffsetPagination`` with LL2's settings (10 by default, at most 100)."""

    def __init__(self, default_limit: int = 10, max_limit: int = 100, limit_param: str = "limit",
                 offset_param: str = "offset") -> None:
        self.default_limit = default_limit
        self.max_limit = max_limit
        self.limit_param = limit_param
        self.offset_param = offset_param

    def __repr__(self) -> str:
        return f"LimitOffsetPagination(default_limit={self.default_limit}, max_limit={self.max_limit})"

    def get_limit(self, params: QueryParams) -> int:
        """``int()`` of the last ``limit``; clamped to ``max_limit``; non-positive or not a number: the default."""
        raw = params.get(self.limit_param)
        if raw is not None:
            try:
                return _positive_int(raw, strict=True, cutoff=self.max_limit)
            except ValueError:
                pass
        return self.default_limit

    def get_offset(self, params: QueryParams) -> int:
        """``int()`` of the last ``offset``; negative or not a number: 0."""
        raw = params.get(self.offset_param)
        if raw is not None:
            try:
                return _positive_int(raw)
            except ValueError:
                pass
        return 0

    def page(self, rows: Sequence[Any], offset: int, limit: int) -> list[Any]:
        """The rows of the page (none when the offset is past the end)."""
        if not rows or offset > len(rows):
            return []
        return list(rows[offset:offset + limit])

    def get_next_link(self, url: str, count: int, offset: int, limit: int) -> str | None:
        """The next page of the request at absolute ``url``, or None on the last page."""
        if offset + limit >= count:
            return None
        url = replace_query_param(url, self.limit_param, limit)
        return replace_query_param(url, self.offset_param, offset + limit)

    def get_links(self, base: str, params: QueryParams, count: int, offset: int,
                  limit: int) -> tuple[str | None, str | None]:
        """``(next, previous)``: :meth:`get_next_link` and :meth:`get_previous_link` of ``base?<params>``.

        Byte for byte what DRF's ``replace_query_param``/``remove_query_param`` give
        (``parse_qs`` of the query, the key set, keys sorted, ``urlencode`` with
        ``doseq``), built from the pairs already parsed rather than by re-parsing the
        URL once per parameter. ``base`` is the URL without its query (scheme, host, path).
        """
        has_next, has_previous = offset + limit < count, offset > 0
        if not (has_next or has_previous):
            return None, None
        query: dict[str, list[str]] = {}
        for key, value in params.pairs:
            query.setdefault(key, []).append(value)
        query[self.limit_param] = [str(limit)]
        next_link = previous_link = None
        if has_next:
            query[self.offset_param] = [str(offset + limit)]
            next_link = base + "?" + urlencode(sorted(query.items()), doseq=True, quote_via=_quote_plus)
        if has_previous:
            if offset - limit <= 0:
                query.pop(self.offset_param, None)
            else:
                query[self.offset_param] = [str(offset - limit)]
            previous_link = base + "?" + urlencode(sorted(query.items()), doseq=True, quote_via=_quote_plus)
        return next_link, previous_link

    def get_previous_link(self, url: str, count: int, offset: int, limit: int) -> str | None:
        """The previous page (``offset`` dropped when it would be 0 or less), or None on the first."""
        if offset <= 0:
            return None
        url = replace_query_param(url, self.limit_param, limit)
        if offset - limit <= 0:
            return remove_query_param(url, self.offset_param)
        return replace_query_param(url, self.offset_param, offset - limit)


# --------------------------------------------------------------------------- engine
#: Bytes an engine (one endpoint of one snapshot) keeps of what requests chose: the bitmask of each
#: filter value and search term, each ordering's order and ranks. Least recently used first out, so
#: memory stays bounded however many distinct values, terms or orderings clients send.
QUERY_CACHE_BYTES = 8 << 20


def _first_of_each_field(ordering: tuple[str, ...]) -> tuple[str, ...]:
    seen: set[str] = set()
    out = []
    for term in ordering:
        name = term[1:] if term.startswith("-") else term
        if name not in seen:
            seen.add(name)
            out.append(term)
    return tuple(out) if len(out) < len(ordering) else ordering


def _positions_size(positions: list[int]) -> int:
    # The list, and an int object per position (ints past 256 are not shared; most positions are).
    return size_of(positions) + 32 * len(positions)


def positions_mask(positions: Iterable[int], size: int) -> int:
    """The bitmask of ``positions`` (bit ``p`` set for each) over ``size`` records."""
    bits = bytearray((size + 7) >> 3)
    for p in positions:
        bits[p >> 3] |= 1 << (p & 7)
    return int.from_bytes(bits, "little")


def mask_positions(mask: int) -> list[int]:
    """The positions set in ``mask``, ascending."""
    bits = format(mask, "b")[::-1]  # character p is bit p
    out = []
    find = bits.find
    i = find("1")
    while i >= 0:
        out.append(i)
        i = find("1", i + 1)
    return out


class Engine:
    """The query pipeline of one endpoint over one list of records, with its indexes built once.

    ``filters`` run first (all their errors reported together, as django-filter
    does), then ``search``, then ``ordering``, as in a DRF view whose
    ``filter_backends`` are ``(DjangoFilterBackend, SearchFilter, OrderingFilter)``.

    Built once per engine (so per snapshot and endpoint), each on the first request
    that needs it: each filter's value index, the folded search text, each field's
    sort keys. Cached per engine in :attr:`cache` (:data:`QUERY_CACHE_BYTES`, or
    ``cache_bytes``): the bitmask of each filter value and search term asked for,
    each ordering's order and ranks.
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
        self.filters = tuple(filters)
        self.search = search
        self.ordering = ordering
        self._tables = tables
        self._filter_index: list[Any] = [None] * len(self.filters)
        self._texts: SearchText | None = None
        self._keys: dict[str, list[Any]] = {}
        #: what requests chose, keyed ("value", filter index, value), ("term", folded term),
        #: ("order", ordering) and ("rank", ordering)
        self.cache = BoundedCache(cache_bytes)

    # -- ordering ----------------------------------------------------------------
    def sort_keys(self, names: Iterable[str]) -> dict[str, list[Any]]:
        """The per-record sort keys of the ordering fields ``names``, each built on first use."""
        for name in names:
            if name not in self._keys:
                self._keys[name] = self.ordering.build_column(self.records, name)
        return self._keys

    def ordered(self, ordering: tuple[str, ...]) -> list[int]:
        """Every record position in ``ordering`` (cached per ordering)."""
        key = ("order", ordering)
        order = self.cache.get(key)
        if order is None:
            # A field named again (either way) only breaks ties the first naming left, and there are
            # none: so ``id,-id,id,...`` costs one sort, not one per term, and shares its cache entry.
            # (Such an ordering is not cached under its own name: it cannot fill the cache.)
            effective = _first_of_each_field(ordering)
            if effective is not ordering:
                return self.ordered(effective)
            keys = self.sort_keys([self.ordering.tie_breaker, *(t[1:] if t.startswith("-") else t for t in ordering)])
            order = self.ordering.sort(range(len(self.records)), ordering, keys)
            self.cache.put(key, order, _positions_size(order) + size_of(ordering))
        return order

    def rank(self, ordering: tuple[str, ...]) -> list[int]:
        """Each position's place in :meth:`ordered` (``rank[p]``), cached beside it."""
        key = ("rank", ordering)
        rank = self.cache.get(key)
        if rank is None:
            effective = _first_of_each_field(ordering)
            if effective is not ordering:
                return self.rank(effective)
            order = self.ordered(ordering)
            rank = [0] * len(order)
            for place, pos in enumerate(order):
                rank[pos] = place
            self.cache.put(key, rank, _positions_size(rank) + size_of(ordering))
        return rank

    # -- indexes -------------------------------------------------------------------
    def filter_index(self, i: int) -> Any:
        """What filter ``i``'s :meth:`Filter.build` returned, built on first use."""
        built = self._filter_index[i]
        if built is None:
            built = self._filter_index[i] = self.filters[i].build(self.records, self._tables)
        return built

    def search_text(self) -> SearchText:
        """The folded search text of every record, built on first use."""
        if self._texts is None:
            self._texts = self.search.build(self.records, self._tables)
        return self._texts

    # -- selection ---------------------------------------------------------------
    def filter_mask(self, params: QueryParams) -> int | None:
        """The bitmask of what the applied filters select (None: none applied); :class:`InvalidFilters` with all errors."""
        selected: int | None = None
        errors: dict[str, list[str]] = {}
        for i, f in enumerate(self.filters):
            raw = params.get(f.param)
            if raw is None:  # most filters are absent from most requests
                continue
            built = self.filter_index(i)
            try:
                value = f.cleaned(raw, built)
            except Invalid as exc:
                errors[f.param] = exc.messages
                continue
            if value is None:
                continue
            key = ("value", i, value)
            mask = self.cache.get(key)
            if mask is None:
                positions = f.positions_by_value(built).get(value, ())
                mask = positions_mask(positions, len(self.records))
                self.cache.put(key, mask, size_of(mask, value))
            selected = mask if selected is None else selected & mask
        if errors:
            raise InvalidFilters(errors)
        return selected

    def term_mask(self, term: str) -> int:
        """The bitmask of the records one of whose search fields contains ``term`` (any case)."""
        folded = fold(term)
        key = ("term", folded)
        mask = self.cache.get(key)
        if mask is None:
            mask = positions_mask(self.search_text().containing(folded), len(self.records))
            self.cache.put(key, mask, size_of(mask, folded))
        return mask

    def mask(self, params: QueryParams) -> int | None:
        """The bitmask of the records the filters and search select (None: all). Raises :class:`Refused`."""
        selected = self.filter_mask(params)
        terms = self.search.get_search_terms(params)  # validated even when there are no fields, as DRF does
        if terms and self.search.fields:
            for term in terms:
                if selected == 0:  # nothing left to narrow: the other terms cannot change the answer
                    break
                mask = self.term_mask(term)
                selected = mask if selected is None else selected & mask
        return selected

    def select(self, params: QueryParams) -> list[int]:
        """The record positions the request selects, in order. Raises :class:`Refused`."""
        selected = self.mask(params)
        ordering = self.ordering.get_ordering(params)
        if selected is None:
            return self.ordered(ordering)
        return self.in_order(selected, ordering, 0, len(self.records))

    def page(self, params: QueryParams, offset: int, limit: int) -> tuple[int, list[int]]:
        """``(count, positions of the page)``: the size of the request's selection and its ``[offset:offset+limit]``."""
        return self.page_of(self.mask(params), params, offset, limit)

    def page_of(self, selected: int | None, params: QueryParams, offset: int, limit: int) -> tuple[int, list[int]]:
        """:meth:`page` of the :meth:`mask` ``selected`` (None: every record), ordered as ``params`` asks."""
        ordering = self.ordering.get_ordering(params)
        if selected is None:
            order = self.ordered(ordering)
            return len(order), order[offset:offset + limit]
        return selected.bit_count(), self.in_order(selected, ordering, offset, limit)

    def in_order(self, mask: int, ordering: tuple[str, ...], offset: int, limit: int) -> list[int]:
        """The positions set in ``mask``, in ``ordering``, from the ``offset``-th, at most ``limit``."""
        count = mask.bit_count()
        stop = min(offset + limit, count)
        if offset >= stop:
            return []
        order = self.ordered(ordering)
        # Walking the order meets `stop` selected records after about stop * n / count steps;
        # sorting the selection by rank costs about `count`. Take the cheaper.
        if stop * len(order) <= 2 * count * count:
            bits = format(mask, "b")[::-1].ljust(len(order), "0")  # character p is bit p
            picked = []
            for pos in order:
                if bits[pos] == "1":
                    picked.append(pos)
                    if len(picked) == stop:
                        break
            return picked[offset:]
        positions = mask_positions(mask)
        positions.sort(key=self.rank(ordering).__getitem__)
        return positions[offset:stop]
