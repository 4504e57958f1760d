"""Records read from a file as a stream: the elements of a top-level JSON array, or NDJSON lines.

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from ..strictjson import StrictJSONError, loads
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any, BinaryIO

__all__ = [
    "CHUNK",
    "MAX_RECORD_BYTES",
    "StreamError",
    "Stream",
    "first_text",
    "ndjson_lines",
    "array_elements",
]

#: bytes read at a time
CHUNK = 1 << 20
#: the longest record (array element or NDJSON line) read; LL2's longest records are a few tens of KB
MAX_RECORD_BYTES = 16 << 20

_WS = re.compile(r"[ \t\n\r]*")
_BOM = "\ufeff"


@dataclass
class StreamError:
    """Why a stream stopped early, and where."""

    reason: str
    line: int | None = None


class Stream:
    """The UTF-8 text of a binary file, a chunk at a time; a decoding failure is kept in :attr:`error`."""

    def __init__(self, fh: BinaryIO, head: bytes = b"") -> None:
        self._fh = fh
        self._head = head
        self._decoder = codecs.getincrementaldecoder("utf-8")()
        self._bytes = 0  # bytes decoded so far
        self._newlines = 0  # of which line breaks
        self.eof = False
        self.error: StreamError | None = None
        self._first = True

    def read(self, size: int = CHUNK) -> str:
        """The next text (at least ``size`` bytes' worth unless the file ends); "" at the end or on error."""
        if self.eof or self.error:
            return ""
        data, self._head = (self._head, b"") if self._head else (self._fh.read(max(size, CHUNK)), b"")
        final = not data
        pending = len(self._decoder.getstate()[0])  # bytes of a character split by the last chunk
        try:
            text = self._decoder.decode(data, final=final)
        except UnicodeDecodeError as exc:
            at = max(exc.start - pending, 0)
            line = self._newlines + data.count(b"\n", 0, at) + 1
            self.error = StreamError(f"not UTF-8 text ({exc.reason} at byte {self._bytes + at})", line)
            return ""
        self._bytes += len(data)
        self._newlines += data.count(b"\n")
        if final:
            self.eof = True
        if self._first and text:
            self._first = False
            if text.startswith(_BOM):  # a page saved by a browser may carry a BOM: harmless here
                text = text[1:]
        return text


def first_text(head: bytes) -> str:
    """The first non-blank character of ``head`` (BOM skipped), "" if none: what kind of JSON a file holds."""
    text = head[:4096].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n")
    return text[:1]


def _decoder(seen: list[str]) -> json.JSONDecoder:
    def constant(name: str) -> float:
        seen.append(name)
        return float("nan")

    return json.JSONDecoder(parse_constant=constant)


def array_elements(stream: Stream, errors: list[StreamError]) -> Iterator[tuple[Any, int]]:
    """Each element of the top-level JSON array ``stream`` holds, with the line it starts on.

    On anything that is not one standard JSON array the iteration stops and the reason is appended
    to ``errors`` (a body that was read as far as it parsed).
    """
    seen: list[str] = []
    decoder = _decoder(seen)
    buf = ""
    pos = 0
    line = 1  # line number at buf[pos]
    col0 = 0  # column of buf[0] when no line break precedes it in buf
    index = 0

    def advance(to: int) -> None:
        nonlocal pos, line
        line += buf.count("\n", pos, to)
        pos = to

    def column(at: int) -> int:
        start = buf.rfind("\n", 0, at)
        return at - start if start >= 0 else col0 + at + 1

    def fail(reason: str, at: int | None = None) -> None:
        if at is None:
            errors.append(StreamError(f"expected valid JSON in the body: {reason}", line))
        else:
            where = line + buf.count("\n", pos, at)
            errors.append(
                StreamError(f"expected valid JSON in the body: {reason} (column {column(at)})", where)
            )

    def more(size: int = CHUNK) -> bool:
        nonlocal buf, pos, col0
        if pos > CHUNK:  # drop what was read: memory holds at most one record and a chunk
            start = buf.rfind("\n", 0, pos)
            col0 = pos - start - 1 if start >= 0 else col0 + pos
            buf, pos = buf[pos:], 0
        while True:
            text = stream.read(size)
            if stream.error:
                errors.append(stream.error)
                return False
            if text or stream.eof:  # "" alone may be the first bytes of a character split by the chunk
                break
        buf += text
        return bool(text)

    def skip_ws() -> bool:
        """Move past whitespace; False at the end of the text (or on a read error)."""
        while True:
            end = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            advance(end)
            if pos < len(buf):
                return True
            if not more():
                return False

    if not skip_ws():
        if not stream.error:
            fail("Expecting value", pos)
        return
    if buf[pos] != "[":
        fail("Expecting '['", pos)
        return
    advance(pos + 1)
    expect_value = True  # after '[' a value or ']'; after ',' a value
    first = True
    while True:
        if not skip_ws():
            if not stream.error:
                fail("Expecting value" if expect_value and not first else "Expecting ',' delimiter", pos)
            return
        char = buf[pos]
        if char == "]" and first:
            advance(pos + 1)
            break
        if not expect_value:
            if char == ",":
                advance(pos + 1)
                expect_value = True
                continue
            if char == "]":
                advance(pos + 1)
                break
            fail("Expecting ',' delimiter", pos)
            return
        while True:
            del seen[:]
            try:
                value, end = decoder.raw_decode(buf, pos)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(buf) - 64 or exc.msg.startswith("Unterminated string")
                if truncated and not stream.eof and len(buf) - pos <= MAX_RECORD_BYTES:
                    if more(len(buf) - pos):
                        continue
                    if stream.error:
                        return
                    continue  # the end of the file: decode once more, now knowing nothing follows
                if len(buf) - pos > MAX_RECORD_BYTES:
                    fail(
                        f"element {index} is longer than {MAX_RECORD_BYTES:,} bytes, the most one record "
                        "may take",
                        pos,
                    )
                else:
                    fail(exc.msg, exc.pos)
                return
            except RecursionError:
                fail(
                    f"element {index} is nested too deeply to parse (arrays or objects inside each other "
                    "past Python's recursion limit)"
                )
                return
            except ValueError as exc:  # e.g. an integer past sys.get_int_max_str_digits()
                fail(str(exc).split(";")[0])
                return
            if end == len(buf) and not stream.eof:  # a number may go on in the next chunk
                if more(len(buf) - pos):
                    continue
                if stream.error:
                    return
            break
        if seen:
            try:
                loads(buf[pos:end])  # strictjson's own words and path for the NaN or Infinity
            except StrictJSONError as exc:
                path = f"$[{index}]" + (exc.path or "$")[1:]
                rid = value.get("id") if isinstance(value, dict) else None
                record = f"record {rid}: " if type(rid) is int else ""
                fail(f"{record}{path}: {exc.reason}")
                return
        start_line = line
        advance(end)
        yield value, start_line
        index += 1
        first = False
        expect_value = False
    if skip_ws():
        fail("Extra data", pos)


def ndjson_lines(fh: BinaryIO, errors: list[StreamError]) -> Iterator[tuple[Any, int]]:
    """Each record of an NDJSON file (one JSON value a line, blank lines skipped), with its line number.

    Stops at the first line that is not one standard JSON value, appending the reason to ``errors``.
    """
    offset = 0
    for n, raw in enumerate(iter(lambda: fh.readline(MAX_RECORD_BYTES + 1), b""), start=1):
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            errors.append(
                StreamError(f"a line longer than {MAX_RECORD_BYTES:,} bytes, the most one record may take", n)
            )
            return
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            errors.append(StreamError(f"not UTF-8 text ({exc.reason} at byte {offset + exc.start})", n))
            return
        offset += len(raw)
        if n == 1 and text.startswith(_BOM):
            text = text[1:]
        if not text.strip():
            continue
        try:
            yield loads(text), n
        except StrictJSONError as exc:
            errors.append(StreamError(f"expected one JSON record on this line (NDJSON): {exc}", n))
            return
