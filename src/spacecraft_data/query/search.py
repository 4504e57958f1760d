"""DRF's ``SearchFilter``: splitting ``search`` into terms, folding case, finding each term.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

import re
from bisect import bisect_right
from sys import getsizeof as _getsizeof

from ..cache import BoundedCache
from ..typecheck import TYPE_CHECKING
from .bitmask import mask_positions, positions_mask
from .params import NULL_CHARACTERS, InvalidSearch
from .records import pluck

if TYPE_CHECKING:
    from collections.abc import Sequence

    from .params import QueryParams
    from .records import Record

__all__ = [
    "SearchFilter",
    "SearchText",
    "SearchIndex",
    "search_terms",
    "split_search",
    "fold",
    "SPLIT_CACHE",
    "SURROGATE_CHARACTERS",
    "FEW_SELECTED",
]

#: DRF's ``CharField`` message for a lone surrogate in the ``search`` value
SURROGATE_CHARACTERS = "Surrogate characters are not allowed: U+{code_point:X}."

# Django's smart_split grammar (django.utils.text.smart_split_re): a token is a run of non-space characters
# in which single- or double-quoted sections (backslash escapes allowed) may hold spaces; a quote that is
# never closed is an ordinary character. Matched with that regex, an unclosed quote makes every later token
# rescan to the end of the value (quadratic: 8 KB of ``a\" a\" ...`` took 0.2 s); :func:`_smart_split` reads
# the same grammar in one pass, from these pieces:
#: a run of characters that are neither space nor quote (the regex's ``[^\s'"]*``)
_PLAIN_RUN = re.compile(r"""[^\s'"]*""")
#: spaces between tokens, and a token that is no quoted run (the regex's ``\S+``)
_SPACES = re.compile(r"\s*")
_NON_SPACES = re.compile(r"\S+")
#: the inside of a quoted section, up to its closing quote: ``(?:[^"\\]|\\.)*`` unrolled, per quote
_QUOTED_BODY = {q: re.compile(rf"[^{q}\\]*(?:\\.[^{q}\\]*)*") for q in ("'", '"')}

#: A new term is searched only among the selected records once they are at most 1/FEW_SELECTED of all
#: (a bounded ``str.find`` each), rather than in the whole text with its mask kept for later requests.
FEW_SELECTED = 16
#: Bytes of split ``search`` values kept (all snapshots together): clients repeat the same few searches.
SEARCH_SPLIT_CACHE_BYTES = 1 << 20
#: Longest ``search`` value of plain words that :func:`split_search` splits afresh rather than keeps
_SHORT = 64
#: what makes a value more than words between spaces: a quote or comma (search_terms), or NUL (refused)
_SPECIAL = re.compile("[\"',\x00]").search
#: ``search`` value -> its terms (a tuple, as :func:`search_terms` splits it) and its folded terms
#: (:func:`split_search`)
SPLIT_CACHE = BoundedCache(SEARCH_SPLIT_CACHE_BYTES)


def fold(text: str) -> str:
    """Upper-case ``text`` character by character, as PostgreSQL's ``upper()`` does.

    ``str.upper()`` alone would expand ``ß`` to ``SS``; a per-character mapping keeps
    every character whose upper case is not a single character.
    """
    if text.isascii():
        return text.upper()
    upper = text.upper()
    if len(upper) == len(text):  # no character grew (each maps to at least one): the same, in C
        return upper
    return "".join(u if len(u := c.upper()) == 1 else c for c in text)


def _encodes(text: str) -> bool:
    """Whether ``text`` holds no lone surrogate (the one thing UTF-8 cannot encode), in C."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


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
    if "'" not in value and '"' not in value and "," not in value:
        # Most values: no quote can start a phrase and no comma can split a token, so the tokens are
        # the runs of non-space characters; str.split and the pattern's \s agree on what a space is.
        return value.split()
    terms: list[str] = []
    for token in _smart_split(value):
        token = token.strip(",")
        if token[:1] in ("'", '"') and token[0] == token[-1]:
            terms.append(_unquote_literal(token))
        else:
            terms.extend(piece.strip() for piece in token.split(",") if piece)
    return terms


def _smart_split(value: str) -> list[str]:
    """The tokens ``django.utils.text.smart_split`` gives for ``value``, in time linear in its length.

    The regex's first branch, ``[^\\s'"]*(?:(?:"…"|'…')[^\\s'"]*)+``, never needs to backtrack: a plain
    run ends at the first space or quote, and a quoted section's body (an escape takes two
    characters, ``.`` never a newline) ends at one place, its closing quote or where it cannot go
    on. So a token is: spaces skipped; a plain run; while a quote follows whose section closes, the
    section and the next plain run; with no closed section at all, the whole non-space run (the
    ``\\S+`` branch). The one cost the regex repeats is a section that never closes, scanned again
    from each later quote of its kind; every such quote lies inside the first failed scan, as the
    second character of an escape, so its scan would run the same course and fail at the same
    place: remembered per quote kind (``dead``), it is never scanned twice.
    """
    tokens = []
    end_of_value = len(value)
    dead = {"'": -1, '"': -1}  # per quote kind: a section opened before this position cannot close
    skip, plain, non_spaces = _SPACES.match, _PLAIN_RUN.match, _NON_SPACES.match
    start = skip(value).end()  # type: ignore[union-attr]  # these patterns match the empty string
    while start < end_of_value:
        end = plain(value, start).end()  # type: ignore[union-attr]
        closed = False
        while end < end_of_value:
            quote = value[end]
            if quote != '"' and quote != "'" or end < dead[quote]:
                break
            body_end = _QUOTED_BODY[quote].match(value, end + 1).end()  # type: ignore[union-attr]
            if body_end == end_of_value or value[body_end] != quote:
                dead[quote] = body_end
                break
            closed = True
            end = plain(value, body_end + 1).end()  # type: ignore[union-attr]
        if (
            not closed and end < end_of_value and value[end] in "'\""
        ):  # an unclosed quote: an ordinary character
            end = non_spaces(value, end).end()  # type: ignore[union-attr]
        tokens.append(value[start:end])
        start = skip(value, end).end()  # type: ignore[union-attr]
    return tokens


class SearchFilter:
    """DRF ``SearchFilter`` with ``icontains`` on each of ``fields`` (dotted record paths).

    A record matches when every term is contained, case-insensitively, in at least
    one field (OR across fields, AND across terms). A null field matches nothing.
    :meth:`build` gives the :class:`SearchText` whose ``containing`` finds one term;
    :meth:`SearchIndex.narrow` intersects the terms.
    """

    param = "search"

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = tuple(fields)

    def build(self, records: Sequence[Record]) -> SearchText:
        """The folded text of every search field of every record, in one string (see :class:`SearchText`)."""
        pieces = []
        has_text = []
        for pos, record in enumerate(records):
            texts = [
                t if isinstance(t, str) else str(t)
                for t in (pluck(record, f) for f in self.fields)
                if t is not None
            ]
            pieces.append("\x00".join(texts))
            if texts:
                has_text.append(pos)
        return SearchText(pieces, has_text)

    def get_search_terms(self, params: QueryParams) -> tuple[str, ...]:
        """The terms of the request; :class:`~.params.InvalidSearch` for NUL or surrogates."""
        value = params.get(self.param, "")
        return split_search(value, self.param)[0] if value else ()


def split_search(value: str, param: str = "search") -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``(terms, folded)`` of a non-empty ``search`` value: its terms (:func:`search_terms`), and each folded
    term once, longest first (the order :meth:`SearchIndex.narrow` looks them up in).

    Raises :class:`~.params.InvalidSearch` (naming ``param``) for NUL or surrogates. Kept in
    :data:`SPLIT_CACHE` (a pure function of the value, which clients repeat) unless it is a few plain words.
    """
    if len(value) <= _SHORT and not _SPECIAL(value) and (value.isascii() or _encodes(value)):
        # A few words, as most searches are: splitting and folding again (in C: see below) costs less than
        # storing and finding them
        terms = tuple(value.split())
        folded = tuple(fold(value).split())
        if len(folded) > 1:
            folded = tuple(sorted(dict.fromkeys(folded), key=len, reverse=True))
        return terms, folded
    found = SPLIT_CACHE.get(value)
    if found is not None:  # only values found valid are kept
        return found
    if "\x00" in value or not (value.isascii() or _encodes(value)):
        _refuse(value, param)
    if "'" in value or '"' in value or "," in value:
        terms = tuple(search_terms(value))
        folded = tuple(map(fold, terms))
    else:
        # Words between spaces (search_terms' own shortcut); fold keeps a space a space and any other
        # character no space (checked over every code point in tests), so folding whole then splitting is
        # folding each word.
        terms = tuple(value.split())
        folded = tuple(fold(value).split())
    if len(folded) > 1:
        # Longest first: a long term is the likelier to leave few records, which the short ones are then
        # looked for in alone (AND is the same in any order).
        folded = tuple(sorted(dict.fromkeys(folded), key=len, reverse=True))
    # The value, two tuples and two strings per term, none longer than the value in characters and at most
    # twice as wide once folded: a bound, worked out without sizing each string.
    nbytes = 5 * _getsizeof(value) + 112 + 200 * len(terms)
    return SPLIT_CACHE.put(value, (terms, folded), nbytes)


def _refuse(value: str, param: str) -> None:
    """Raise DRF's :class:`~.params.InvalidSearch` for a value holding NUL or a lone surrogate."""
    problems = []
    if "\x00" in value:
        problems.append(NULL_CHARACTERS)
    surrogate = next((c for c in value if 0xD800 <= ord(c) <= 0xDFFF), None)
    if surrogate is not None:
        problems.append(SURROGATE_CHARACTERS.format(code_point=ord(surrogate)))
    raise InvalidSearch({param: problems})


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
        #: start offset of each record's span, plus one past the end (a record's span ends before the next
        #: start's NUL)
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

    def among(self, term: str, positions: Sequence[int]) -> list[int]:
        """Those of ``positions`` whose record has a field containing the folded ``term``: one bounded
        ``str.find`` per record, so the cost follows the records asked about, not the whole text."""
        if term == "":
            has_text = frozenset(self.has_text) if len(positions) > 8 else self.has_text
            return [p for p in positions if p in has_text]
        find, starts = self.text.find, self.starts
        return [p for p in positions if find(term, starts[p], starts[p + 1] - 1) >= 0]

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


class SearchIndex:
    """The search of one endpoint over one list of records: the folded text, and each term's bitmask.

    The :class:`SearchText` is built on the first request that searches; the bitmask
    of each folded term is kept in ``cache`` under ``("term", folded term)``, so a
    repeated term costs a dictionary lookup and a new one a ``str.find`` pass.
    """

    def __init__(self, search: SearchFilter, records: Sequence[Record], cache: BoundedCache) -> None:
        self.search = search
        self.records = records
        self.cache = cache
        self._text: SearchText | None = None

    def text(self) -> SearchText:
        """The folded search text of every record, built on first use."""
        if self._text is None:
            self._text = self.search.build(self.records)
        return self._text

    def _folded_mask(self, folded: str) -> int:
        key = ("term", folded)
        mask = self.cache.get(key)
        if mask is None:
            mask = positions_mask(self.text().containing(folded), len(self.records))
            self.cache.put(key, mask, _getsizeof(mask) + _getsizeof(folded))
        return mask

    def narrow(self, selected: int | None, params: QueryParams) -> int | None:
        """``selected`` (None: every record) narrowed to what the request's terms match;
        :class:`~.params.InvalidSearch`.

        Terms are ANDed, so each folded term is looked at once, longest first. A term not
        seen before is searched in the whole text (and its mask kept) while many records are
        still selected; once few are (:data:`FEW_SELECTED`), only in their spans, so a request
        of thousands of new terms costs what the records left in play cost, not thousands of
        passes over the text.
        """
        value = params.get(self.search.param)
        if not value:
            return selected
        folded_terms = split_search(value, self.search.param)[1]  # validated even with no fields, as DRF does
        if folded_terms and self.search.fields:
            size = len(self.records)
            cache = self.cache
            for folded in folded_terms:
                if selected == 0:  # nothing left to narrow: the other terms cannot change the answer
                    break
                mask = cache.get(("term", folded))
                if mask is None and selected is not None and selected.bit_count() * FEW_SELECTED <= size:
                    selected = positions_mask(self.text().among(folded, mask_positions(selected)), size)
                    continue
                if mask is None:
                    mask = self._folded_mask(folded)
                selected = mask if selected is None else selected & mask
        return selected
