"""A request's parameters as Django holds them, and the structured errors the query layer raises.

Details: docs/architecture.md#the-query-package
"""

from __future__ import annotations

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
            raise TooManyFields(
                {
                    "query": [
                        f"Bad Request: more than {MAX_NUMBER_FIELDS} query parameters "
                        "(Django's DATA_UPLOAD_MAX_NUMBER_FIELDS)"
                    ]
                }
            )
        # Each step only where it changes something: most fields hold neither "+" nor "%".
        pairs = []
        for field in query.split("&"):
            if field:
                if "+" in field:
                    field = field.replace("+", " ")
                name, _, value = field.partition("=")
                if "%" in field:
                    name, value = unquote(name), unquote(value)
                pairs.append((name, value))
        params = cls.__new__(cls)  # the list is new: no copy, as __init__ would make
        params.pairs = pairs
        dict.__init__(params, pairs)
        return params

    def __repr__(self) -> str:
        return f"QueryParams({self.pairs!r})"


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
