"""Read and write saved API pages: browsable-API text, or the JSON body alone.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit

from .errors import PageError, UnreadableInput

__all__ = ["Request", "Page", "parse_page", "read_page", "render_browsable"]

_GET_LINE = re.compile(r"^GET (/\S*)$")
_STATUS_LINE = re.compile(r"^HTTP (\d{3}) (.+)$")
#: a header name is an RFC 9110 token; the value follows ": " (the space is optional when the value is empty)
_HEADER_LINE = re.compile(r"^([!#$%&'*+.^_`|~0-9A-Za-z-]+):(?: (.*))?$")
_LINE_BREAKS = re.compile(r"[\r\n]+[ \t]*")
#: the largest saved page read, and validate's limit for one document read whole (LL2's pages of 100 records
#: are about 1 MB); a larger file was read whole, so a sparse file of 8 GB was a MemoryError or worse
MAX_PAGE_BYTES = 64 << 20


@dataclass(frozen=True)
class Request:
    """The request a page answered: the path and the raw query string as sent."""

    path: str
    query: str = ""

    @property
    def params(self) -> list[tuple[str, str]]:
        """Query parameters in order, repeats and blanks kept (as Django reads them)."""
        return parse_qsl(self.query, keep_blank_values=True)

    @property
    def full_path(self) -> str:
        """Path plus ``?query`` exactly as the ``GET`` line showed it."""
        return f"{self.path}?{self.query}" if self.query else self.path

    def url(self, base_url: str) -> str:
        """The absolute URL of this request on ``base_url`` (scheme and host)."""
        return base_url.rstrip("/") + self.full_path

    @classmethod
    def from_url(cls, url: str) -> Request:
        """Split a full URL or a path-with-query into a request."""
        parts = urlsplit(url)
        return cls(parts.path or "/", parts.query)


@dataclass(frozen=True)
class Page:
    """One saved response: the request (when the page records it) and the response."""

    status: int
    body: Any
    request: Request | None = None
    reason: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    description: str = ""
    source: str = "<page>"
    #: every header line in order, repeats kept; ``headers`` joins repeats with ", " (RFC 9110 5.3)
    header_list: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if not self.header_list and self.headers:
            object.__setattr__(self, "header_list", tuple(self.headers.items()))

    @property
    def is_list(self) -> bool:
        """True when the body is a paginated list envelope."""
        return isinstance(self.body, dict) and "results" in self.body and "count" in self.body

    def records(self) -> list[dict[str, Any]]:
        """The records the body holds: envelope results, a bare array, or one record."""
        if self.is_list:
            return list(self.body["results"])
        if isinstance(self.body, list):
            return list(self.body)
        if isinstance(self.body, dict) and "id" in self.body:
            return [self.body]
        raise PageError(
            self.source, None, "the body holds no records (not a list envelope, an array or a record)"
        )


def parse_page(text: str, source: str = "<page>") -> Page:
    """Parse a saved page, browsable text or plain JSON, from ``text``.

    ``source`` names the page in error messages (usually its file name).
    Raises :class:`PageError` naming the line and what was expected.
    """
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in ("{", "["):
        return Page(
            status=200, body=_loads(stripped, source, first_line=1 + _leading_lines(text)), source=source
        )
    return _parse_browsable(text, source)


def read_page(path: str | Path) -> Page:
    """Read and parse the saved page at ``path`` (UTF-8)."""
    from .store import open_regular

    p = Path(path)
    try:
        data = open_regular(p, MAX_PAGE_BYTES)  # a regular file only: a FIFO is refused, never waited on
        if len(data) > MAX_PAGE_BYTES:
            raise PageError(
                str(p),
                None,
                f"larger than {MAX_PAGE_BYTES >> 20} MiB, the most a saved page may hold; not read",
            )
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PageError(str(p), None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise UnreadableInput(str(p), None, f"cannot read: {exc.strerror or exc}") from None
    return parse_page(text, source=str(p))


def _leading_lines(text: str) -> int:
    head = text[: len(text) - len(text.lstrip("\ufeff \t\r\n"))]
    return head.count("\n")


def _parse_browsable(text: str, source: str) -> Page:
    lines = text.split("\n")
    get_index = next((i for i, line in enumerate(lines) if _GET_LINE.match(line.rstrip("\r"))), None)
    if get_index is None:
        raise PageError(
            source,
            1,
            "expected a JSON body or a browsable-API page with a line 'GET /path?query'; found neither",
        )
    description = "\n".join(lines[:get_index]).strip()
    full_path = _GET_LINE.match(lines[get_index].rstrip("\r")).group(1)  # type: ignore[union-attr]
    request = Request.from_url(full_path)

    status_index = get_index + 1
    status_line = lines[status_index].rstrip("\r") if status_index < len(lines) else ""
    status_match = _STATUS_LINE.match(status_line)
    if not status_match:
        raise PageError(
            source,
            status_index + 1,
            f"expected the status line 'HTTP <code> <reason>' after the GET line; found {status_line!r}",
        )

    header_list: list[tuple[str, str]] = []
    i = status_index + 1
    while i < len(lines) and lines[i].strip():
        header = _HEADER_LINE.match(lines[i].rstrip("\r"))
        if not header:
            raise PageError(
                source,
                i + 1,
                f"expected a header line 'Name: value' or a blank line before the body; found {lines[i]!r}",
            )
        header_list.append((header.group(1), header.group(2) or ""))
        i += 1
    if i >= len(lines):
        raise PageError(source, i, "expected a blank line and a JSON body after the headers; the page ends")

    body_text = "\n".join(lines[i + 1 :])
    if not body_text.strip():
        raise PageError(source, i + 2, "expected a JSON body after the blank line; found nothing")
    body = _loads(body_text, source, first_line=i + 2)
    return Page(
        status=int(status_match.group(1)),
        reason=status_match.group(2),
        headers=_joined(header_list),
        header_list=tuple(header_list),
        body=body,
        request=request,
        description=description,
        source=source,
    )


def _joined(items: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Headers as a dict, the values of a repeated name joined with ", " in order (first spelling kept)."""
    out: dict[str, list[str]] = {}
    names: dict[str, str] = {}
    for name, value in items:
        first = names.setdefault(name.lower(), name)
        # Joined once at the end: adding to the text per line copied it each time, quadratic in the repeats
        # (200,000 repeated lines of a 2.6 MB page took 8 s, a million hours).
        out.setdefault(first, []).append(value)
    return {name: ", ".join(values) for name, values in out.items()}


def _loads(body_text: str, source: str, first_line: int) -> Any:
    from .strictjson import StrictJSONError, loads

    try:
        return loads(body_text)  # standard JSON only: no NaN/Infinity, nesting within Python's limit
    except StrictJSONError as exc:
        if exc.line is not None:
            raise PageError(
                source, first_line + exc.line - 1, f"expected valid JSON in the body: {exc}"
            ) from None
        raise PageError(source, None, f"expected valid JSON in the body: {exc}") from None


def render_browsable(
    body: Any,
    full_path: str,
    status: int = 200,
    reason: str = "OK",
    headers: Mapping[str, str] | Iterable[tuple[str, str]] | None = None,
    description: str = "",
) -> str:
    """Render a response as a browsable-API text page, the layout :func:`parse_page` reads.

    ``headers`` is a mapping or (name, value) pairs; pairs may repeat a name, and each
    becomes its own line. Lines are sorted by name, repeats keeping their order. The body
    is written as DRF's browsable renderer shows it: ``json.dumps(indent=4,
    ensure_ascii=False)``, no trailing newline.
    """
    head = [description.rstrip(), ""] if description.strip() else []
    items = list(headers.items() if isinstance(headers, Mapping) else headers or ())
    # A line break inside a value (an obsolete folded header) would end the header block: fold it to a space.
    header_lines = [
        f"{name}: {_LINE_BREAKS.sub(' ', value)}" for name, value in sorted(items, key=lambda kv: kv[0])
    ]
    lines = [*head, f"GET {full_path}", f"HTTP {status} {reason}", *header_lines, ""]
    return "\n".join(lines) + "\n" + json.dumps(body, indent=4, ensure_ascii=False)
