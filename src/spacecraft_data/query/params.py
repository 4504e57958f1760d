"""A request's parameters as Django holds them, and the structured errors the query layer raises.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

import re
from binascii import a2b_qp
from urllib.parse import unquote

from ..errors import ApiError, SpacecraftDataError
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence
    from typing import Any

__all__ = [
    "QueryParams",
    "MAX_NUMBER_FIELDS",
    "Invalid",
    "Refused",
    "InvalidFilters",
    "InvalidSearch",
    "TooManyFields",
    "NULL_CHARACTERS",
    "INVALID_CHOICE",
]

#: The fields of a query as parse_qsl splits them, in one C call: each starts where no "&" is (empty fields
#: are skipped), the name runs to the first "=" or "&", and the value (after that "=", if any) to the next "&"
_FIELDS = re.compile(r"(?=[^&])([^&=]*)=?([^&]*)").findall
#: What keeps an ASCII query from being percent-decoded whole before it is split: an escape of "&" or "="
#: (which would then split it), or a "%" that starts no escape (unquote keeps it; a2b_qp would not).
#: Decoding whole is decoding part by part otherwise: "&" and "=" are ASCII, so no UTF-8 sequence spans them
_NOT_AT_ONCE = re.compile(r"%(?:26|3[Dd]|(?![0-9A-Fa-f]{2}))").search
#: a name or value as quote_plus writes it: characters it keeps or "+", and escapes (upper-case) of any other
#: byte, as runs of the first between escapes (one pass, no choice per character)
_KEPT = r"[A-Za-z0-9_.~+-]*"
_WRITTEN = rf"{_KEPT}(?:%(?!3[0-9]|4[1-9A-F]|5[0-9AF]|6[1-9A-F]|7[0-9AE]|2[0DE])[0-9A-F]{{2}}{_KEPT})*"
#: a whole query of non-empty fields, each name=value as quote_plus writes them
_AS_LINKS_WRITE = re.compile(f"{_WRITTEN}={_WRITTEN}(?:&{_WRITTEN}={_WRITTEN})*").fullmatch
#: Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS``: more fields than this is refused.
MAX_NUMBER_FIELDS = 1000
#: Django's ``ProhibitNullCharactersValidator`` message (form fields and ``SearchFilter``'s ``CharField``)
NULL_CHARACTERS = "Null characters are not allowed."
#: Django's ``ModelChoiceField`` message for a value that is not an available id
INVALID_CHOICE = "Select a valid choice. That choice is not one of the available choices."


class QueryParams(dict):
    """The decoded query of a request, as Django's ``QueryDict`` holds it.

    Pairs keep their order, repeats and blanks in :attr:`pairs`; as a mapping (like
    ``QueryDict``, a ``dict`` subclass) a key gives its last value, as
    ``QueryDict.get`` and ``QueryDict.__getitem__`` do. The inherited ``dict.get``
    and ``in`` are C calls: a request reads a dozen parameters. Read-only by convention.
    """

    __slots__ = ("pairs", "query")

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.pairs: list[tuple[str, str]] = list(pairs)
        #: the raw query the pairs were decoded from (None: given as pairs, or decoded with a replacement
        #: character); links reuse its fields when they are written as links write them
        self.query: str | None = None
        super().__init__(self.pairs)

    @classmethod
    def parse(cls, query: str) -> QueryParams:
        """Decode a raw query string (``+`` is a space, ``%XX`` UTF-8 with replacement, ``&`` only).

        Raises :class:`TooManyFields` past Django's 1000-field limit.
        """
        # parse_qsl(query, keep_blank_values=True, max_num_fields=MAX_NUMBER_FIELDS), step for step, without
        # its str/bytes coercion (a third of a small request's time); tests check it equals parse_qsl.
        if query.count("&") >= MAX_NUMBER_FIELDS:
            raise TooManyFields(
                {
                    "query": [
                        f"Bad Request: more than {MAX_NUMBER_FIELDS} query parameters "
                        "(Django's DATA_UPLOAD_MAX_NUMBER_FIELDS)"
                    ]
                }
            )
        # Each step only where it changes something: most queries hold neither "+" nor "%". "+" is neither
        # "&" nor "=", so replacing it in the whole query before the split is replacing it in each part.
        raw = query
        if "+" in query:
            query = query.replace("+", " ")
        if "%" not in query:
            pairs = _FIELDS(query)  # (name, value) per non-empty "&"-separated field, in C
        elif query.isascii() and not _NOT_AT_ONCE(query):
            query = _unquote_ascii(query)
            pairs = _FIELDS(query)
        else:
            pairs = [(unquote(n), unquote(v)) for n, v in _FIELDS(query)]  # each returns what holds no "%"
            query = "\ufffd"  # (or any text holding it: the raw query is not kept)
        params = cls.__new__(cls)  # the list is new: no copy, as __init__ would make
        params.pairs = pairs
        params.query = raw if "\ufffd" not in query else None
        dict.__init__(params, pairs)
        return params

    def link_fields(self) -> list[str] | None:
        """The raw fields of :attr:`query`, one per pair, when each is what a link writes for its pair
        (``quote_plus`` of name and value), else None.

        So most links copy the request's fields rather than quote each pair again: a field of letters,
        digits, "_.-~", "+" and escapes that quote_plus writes (upper-case, of a byte it does not keep),
        with one "=", decoded without replacement (every escape sequence was UTF-8).
        """
        if self.query is not None and _AS_LINKS_WRITE(self.query):
            return self.query.split("&")
        return None

    def __repr__(self) -> str:
        return f"QueryParams({self.pairs!r})"


def _unquote_ascii(text: str) -> str:
    """``unquote(text)`` of an ASCII ``text`` whose every "%" starts an escape, in C.

    Quoted-printable is percent-encoding with "=" for "%": with each "=" escaped first, ``a2b_qp`` decodes
    the escapes and nothing else (tests check it equals ``unquote``); then UTF-8 with replacement.
    """
    return a2b_qp(text.replace("=", "=3D").replace("%", "=")).decode("utf-8", "replace")


class Invalid(SpacecraftDataError):
    """A parameter value a form field refuses: ``messages`` as django-filter lists them (a filter gathers
    them into :class:`InvalidFilters`)."""

    def __init__(self, *messages: str) -> None:
        super().__init__(*messages)
        self.messages = list(messages)


class Refused(ApiError):
    """A request the query layer refuses: ``errors`` maps each parameter at fault to its messages.

    Answered 400; the body is django-filter's form errors ``{"<param>": ["<message>"], ...}``
    unless a kind says otherwise (:meth:`body`). :class:`~spacecraft_data.errors.QueryError`
    is built from the same structure.
    """

    status_code = 400

    def __init__(self, errors: Mapping[str, Sequence[str]]) -> None:
        self.errors = {param: list(messages) for param, messages in errors.items()}
        super().__init__(self.errors)

    def body(self) -> Any:
        """``{"<param>": ["<message>", ...], ...}``."""
        return {param: list(messages) for param, messages in self.errors.items()}

    def _messages(self) -> list[str]:
        """Every message, parameter after parameter."""
        return [m for messages in self.errors.values() for m in messages]

    @property
    def params(self) -> tuple[str, ...]:
        """The parameters at fault, in the order they were found."""
        return tuple(self.errors)


class InvalidFilters(Refused):
    """django-filter's form errors: every refused filter value of the request, together."""


class InvalidSearch(Refused):
    """DRF ``SearchFilter``'s ``CharField`` refused the ``search`` value (NUL or a lone surrogate)."""

    def body(self) -> Any:
        """The messages alone: DRF raises a ``ValidationError`` of a list."""
        return self._messages()


class TooManyFields(Refused):
    """More query fields than Django's ``DATA_UPLOAD_MAX_NUMBER_FIELDS`` (the parameter is the whole
    ``query``)."""

    def body(self) -> Any:
        """``{"detail": ...}``: Django refuses the request before any view runs."""
        return {"detail": "; ".join(self._messages())}
