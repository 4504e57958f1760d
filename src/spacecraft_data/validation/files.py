"""Input files: a JSON array or NDJSON read as a stream, any other document (a saved page, an envelope, a
record) read whole up to :data:`MAX_DOCUMENT_BYTES`; a FIFO or device refused, never waited on.

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

import os
import stat
from typing import BinaryIO

from ..errors import PageError
from ..pages import MAX_PAGE_BYTES, parse_page
from ..strictjson import StrictJSONError, decode, loads
from ..typecheck import TYPE_CHECKING
from .bodies import context, validate_page
from .limits import caps
from .records import validate_stream
from .report import Problem, Report
from .stream import CHUNK, Stream, StreamError, array_elements, first_text, ndjson_lines

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping
    from pathlib import Path
    from typing import Any

    from ..endpoints import Registry
    from .limits import Limits

_NDJSON_SUFFIXES = {".ndjson", ".jsonl"}
#: the largest input checked as one document (a page, envelope or record): what a saved page may hold, so
#: that validate and import-pages take the same files; arrays and NDJSON are streamed
MAX_DOCUMENT_BYTES = MAX_PAGE_BYTES


def _validate_ndjson(
    text: str,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: Limits | None = None,
) -> Report:
    """NDJSON already in memory (a file first read whole); see :func:`_stream_ndjson` for the streamed
    kind."""
    import io

    return _stream_ndjson(io.BytesIO(text.encode("utf-8")), source, registries, schema_name, limits)


def _stream_ndjson(
    fh: BinaryIO,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None,
    limits: Limits | None,
) -> Report:
    errors: list[StreamError] = []
    return _validate_records(ndjson_lines(fh, errors), errors, source, registries, schema_name, limits)


def _stream_array(
    stream: Stream,
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None,
    limits: Limits | None,
) -> Report:
    errors: list[StreamError] = []
    records = ((record, None) for record, _ in array_elements(stream, errors))
    return _validate_records(records, errors, source, registries, schema_name, limits)


def _validate_records(
    pairs: Iterator[tuple[Any, int | None]],
    errors: list[StreamError],
    source: str,
    registries: Mapping[str, Registry],
    schema_name: str | None,
    limits: Limits | None,
) -> Report:
    """The report on a stream of (record, line) pairs, and on what the reader found wrong in it (``errors``,
    filled as the pairs are read): a file names no endpoint, so ``--schema`` or each record's url decides."""
    ctx = context(None, source, registries, schema_name=schema_name)
    report = validate_stream(
        pairs,
        source,
        ctx.registry,
        ctx.endpoint,
        schema_name=ctx.schema_name,
        mode=ctx.mode,
        chosen_by=ctx.chosen_by,
        **caps(limits),
    )
    report.problems.extend(Problem(source, None, "", e.reason, e.line) for e in errors)
    return report


def _open_input(path: Path) -> BinaryIO:
    """The regular file at ``path``, opened for reading (a FIFO is refused at once, never waited on)."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise PageError(str(path), None, "missing (input)") from None
    except OSError as exc:
        raise PageError(str(path), None, f"cannot read input: {exc.strerror or exc}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kinds = (
            (stat.S_ISDIR, "a folder"),
            (stat.S_ISFIFO, "a FIFO (named pipe)"),
            (stat.S_ISSOCK, "a socket"),
            (stat.S_ISCHR, "a character device"),
            (stat.S_ISBLK, "a block device"),
        )
        kind = next((name for test, name in kinds if test(mode)), "not a regular file")
        raise PageError(str(path), None, f"{kind} where the input file should be")
    return os.fdopen(fd, "rb")


def _every_line_parses(text: str) -> bool:
    try:
        for line in text.split("\n"):
            if line.strip():
                loads(line)
    except StrictJSONError:
        return False
    return True


def _starts_ndjson(head: bytes) -> bool:
    """True when ``head`` opens with a whole JSON value on its first line and has more after it: NDJSON."""
    first, newline, rest = head.partition(b"\n")
    if not newline or not rest.strip():
        return False
    try:
        loads(first.decode("utf-8").lstrip("\ufeff"))
    except (UnicodeDecodeError, StrictJSONError):
        return False
    return True


def validate_file(
    path: Path,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: Limits | None = None,
) -> Report:
    source = str(path)
    try:
        fh = _open_input(path)
    except PageError as exc:
        return _unreadable(exc)
    with fh:
        try:
            head = fh.read(CHUNK)
        except OSError as exc:
            return _unreadable(PageError(source, None, f"cannot read input: {exc.strerror or exc}"))
        # A JSON array or NDJSON, of any length, is read as a stream; anything else is one document
        if path.suffix.lower() in _NDJSON_SUFFIXES or (first_text(head) == "{" and _starts_ndjson(head)):
            fh.seek(0)
            return _stream_ndjson(fh, source, registries, schema_name, limits)
        if first_text(head) == "[":
            return _stream_array(Stream(fh, head), source, registries, schema_name, limits)
        data = head + fh.read(MAX_DOCUMENT_BYTES + 1 - len(head))
    if len(data) > MAX_DOCUMENT_BYTES:
        return _unreadable(
            PageError(
                source,
                None,
                f"more than {MAX_DOCUMENT_BYTES >> 20} MiB in one document "
                "(a page, an envelope or a record), the most checked whole; a "
                "JSON array or NDJSON of any size is read as a stream",
            )
        )
    try:
        text = decode(data, allow_bom=True)  # a page saved by a browser may carry a BOM: harmless here
    except StrictJSONError as exc:
        return _unreadable(PageError(source, exc.line, exc.reason))
    try:
        try:
            page = parse_page(text, source)
        except PageError as exc:
            if (
                "Extra data" in exc.reason
                and text.lstrip("\ufeff \t\r\n").startswith("{")
                and _every_line_parses(text)
            ):
                return _validate_ndjson(text, source, registries, schema_name, limits)
            raise
        return validate_page(page, registries, schema_name, limits)
    except PageError as exc:
        return _unreadable(exc)


def _unreadable(exc: PageError) -> Report:
    return Report([Problem(exc.source, None, "", exc.reason, exc.line)], 0, [exc.source])
