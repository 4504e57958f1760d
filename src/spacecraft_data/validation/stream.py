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

    def number(literal: str) -> float:
        value = float(literal)
        if value in (float("inf"), float("-inf")):  # 1e999: as non-standard as Infinity (strictjson says so)
            seen.append(literal)
        return value

    return json.JSONDecoder(parse_constant=constant, parse_float=number)


class _ArrayText:
    """The text of a JSON array read so far: a window of the stream (at most one record and a chunk), the
    position in it and the line there; a failure is appended to ``errors``."""

    def __init__(self, stream: Stream, errors: list[StreamError]) -> None:
        self.stream = stream
        self.errors = errors
        self.buf = ""
        self.pos = 0
        self.line = 1  # line number at buf[pos]
        self.col0 = 0  # column of buf[0] when no line break precedes it in buf

    def advance(self, to: int) -> None:
        self.line += self.buf.count("\n", self.pos, to)
        self.pos = to

    def column(self, at: int) -> int:
        start = self.buf.rfind("\n", 0, at)
        return at - start if start >= 0 else self.col0 + at + 1

    def fail(self, reason: str, at: int | None = None) -> None:
        if at is None:
            self.errors.append(StreamError(f"expected valid JSON in the body: {reason}", self.line))
        else:
            where = self.line + self.buf.count("\n", self.pos, at)
            self.errors.append(
                StreamError(f"expected valid JSON in the body: {reason} (column {self.column(at)})", where)
            )

    def more(self, size: int = CHUNK) -> bool:
        if self.pos > CHUNK:  # drop what was read: memory holds at most one record and a chunk
            start = self.buf.rfind("\n", 0, self.pos)
            self.col0 = self.pos - start - 1 if start >= 0 else self.col0 + self.pos
            self.buf, self.pos = self.buf[self.pos :], 0
        while True:
            text = self.stream.read(size)
            if self.stream.error:
                self.errors.append(self.stream.error)
                return False
            if text or self.stream.eof:  # "" alone may be the first bytes of a character split by the chunk
                break
        self.buf += text
        return bool(text)

    def skip_ws(self) -> bool:
        """Move past whitespace; False at the end of the text (or on a read error)."""
        while True:
            buf, pos = self.buf, self.pos  # advance() inline: this runs twice per element
            end = _WS.match(buf, pos).end()  # type: ignore[union-attr]
            self.line += buf.count("\n", pos, end)
            self.pos = end
            if end < len(buf):
                return True
            if not self.more():
                return False

    def element(self, decoder: json.JSONDecoder, seen: list[str], index: int) -> tuple[Any, int] | None:
        """The value starting at ``pos`` and where it ends, reading on while it may be cut by the chunk; None
        when it fails (the reason appended)."""
        while True:
            del seen[:]
            try:
                value, end = decoder.raw_decode(self.buf, self.pos)
            except json.JSONDecodeError as exc:
                truncated = exc.pos >= len(self.buf) - 64 or exc.msg.startswith("Unterminated string")
                if truncated and not self.stream.eof and len(self.buf) - self.pos <= MAX_RECORD_BYTES:
                    if self.more(len(self.buf) - self.pos):
                        continue
                    if self.stream.error:
                        return None
                    continue  # the end of the file: decode once more, now knowing nothing follows
                self._undecodable(exc, index)
                return None
            except RecursionError:
                self.fail(
                    f"element {index} is nested too deeply to parse (arrays or objects inside each other "
                    "past Python's recursion limit)"
                )
                return None
            except ValueError as exc:  # e.g. an integer past sys.get_int_max_str_digits()
                self.fail(str(exc).split(";")[0])
                return None
            if end == len(self.buf) and not self.stream.eof:  # a number may go on in the next chunk
                if self.more(len(self.buf) - self.pos):
                    continue
                if self.stream.error:
                    return None
            if seen and not self._standard(value, end, index):
                return None
            return value, end

    def _undecodable(self, exc: json.JSONDecodeError, index: int) -> None:
        if len(self.buf) - self.pos > MAX_RECORD_BYTES:
            self.fail(
                f"element {index} is longer than {MAX_RECORD_BYTES:,} bytes, the most one record may take",
                self.pos,
            )
        else:
            self.fail(exc.msg, exc.pos)

    def _standard(self, value: Any, end: int, index: int) -> bool:
        """False (the reason appended) when the element just decoded holds a NaN or Infinity."""
        try:
            loads(self.buf[self.pos : end])  # strictjson's own words and path for the NaN or Infinity
        except StrictJSONError as exc:
            path = f"$[{index}]" + (exc.path or "$")[1:]
            rid = value.get("id") if isinstance(value, dict) else None
            record = f"record {rid}: " if type(rid) is int else ""
            self.fail(f"{record}{path}: {exc.reason}")
            return False
        return True

    def opened(self) -> bool:
        """Move past the array's '['; False (the reason appended) when the text holds none."""
        if not self.skip_ws():
            if not self.stream.error:
                self.fail("Expecting value", self.pos)
            return False
        if self.buf[self.pos] != "[":
            self.fail("Expecting '['", self.pos)
            return False
        self.advance(self.pos + 1)
        return True


def array_elements(stream: Stream, errors: list[StreamError]) -> Iterator[tuple[Any, int]]:
    """Each element of the top-level JSON array ``stream`` holds, with the line it starts on.

    On anything that is not one standard JSON array the iteration stops and the reason is appended
    to ``errors`` (a body that was read as far as it parsed).
    """
    seen: list[str] = []
    decoder = _decoder(seen)
    text = _ArrayText(stream, errors)
    if not text.opened():
        return
    index = 0
    expect_value = True  # after '[' a value or ']'; after ',' a value
    first = True
    while True:
        if not text.skip_ws():
            if not stream.error:
                text.fail(
                    "Expecting value" if expect_value and not first else "Expecting ',' delimiter", text.pos
                )
            return
        char = text.buf[text.pos]
        if char == "]" and first:
            text.advance(text.pos + 1)
            break
        if not expect_value:
            if char == ",":
                text.advance(text.pos + 1)
                expect_value = True
                continue
            if char == "]":
                text.advance(text.pos + 1)
                break
            text.fail("Expecting ',' delimiter", text.pos)
            return
        decoded = text.element(decoder, seen, index)
        if decoded is None:
            return
        value, end = decoded
        start_line = text.line
        text.advance(end)
        yield value, start_line
        index += 1
        first = False
        expect_value = False
    if text.skip_ws():
        text.fail("Extra data", text.pos)


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
