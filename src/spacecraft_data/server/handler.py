"""One connection's requests as ``http.server`` parses them, on bytes the loop has read; answers into memory.
Details: docs/architecture.md#the-shell-cli-server-testing"""

from __future__ import annotations

import http.client
import io
import logging
import socket
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol

from .. import __version__
from ..errors import SpacecraftDataError
from ..refusals import HeadersTooLarge, InternalError, MalformedRequest, RequestLineTooLong
from .answers import Answer, Responder, answer, reason_phrase, refusal_answer
from .limits import MAX_HEADER_BYTES, MAX_HEADER_LINE, MAX_HEADERS

# The package's logger, not one per module: ``spacecraft_data.server`` is the one serve() documents.
_log = logging.getLogger(__package__)


class _Server(Protocol):
    """What a handler reads of the server it answers for (a :class:`~.loop.SpacecraftServer`)."""

    snapshot: Responder
    quiet: bool

    @property
    def url(self) -> str:
        """The base URL the server answers on."""


class NeedMore(SpacecraftDataError):
    """The request head is not all in yet: parse it again when more bytes (or the end of the stream) arrive.

    Raised here, caught by the loop (never outside ``spacecraft_data.server``); a :class:`SpacecraftDataError`
    as every exception class of the package is.
    """


class _BufferReader:
    """The bytes received so far on a connection, read as the standard library reads a request head.

    A line that is not complete yet raises :class:`NeedMore` (unless the client has closed its side:
    then the rest is the last line), so that a head is parsed only once it is all there, and never
    by a thread waiting on a socket.
    """

    def __init__(self, data: bytes, eof: bool) -> None:
        self._data = data
        self._eof = eof
        self.pos = 0

    def readline(self, size: int = -1) -> bytes:
        data, pos = self._data, self.pos
        end = len(data) if size is None or size < 0 else min(len(data), pos + size)
        newline = data.find(b"\n", pos, end)
        if newline >= 0:
            end = newline + 1
        elif end - pos < (size if size is not None and size >= 0 else 1 << 62) and not self._eof:
            raise NeedMore()
        self.pos = end
        return data[pos:end]


class RequestHandler(BaseHTTPRequestHandler):
    """One connection's request parsing and answering, as ``http.server`` does it, on bytes already read.

    The server's loop reads the bytes and writes the answer; this class parses a head
    (:meth:`parse_head`, on the loop's thread) and writes the answer into ``wfile``, an in-memory
    buffer (:meth:`dispatch`, on a worker thread). It never touches the socket.
    """

    server: _Server  # type: ignore[assignment]  # (not a socketserver.BaseServer)
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = f"spacecraft-data/{__version__}"
    rfile: _BufferReader  # type: ignore[assignment]
    wfile: io.BytesIO

    def __init__(self, sock: socket.socket, client_address: Any, server: _Server) -> None:
        # Not the stdlib's __init__, which reads and answers the socket there and then.
        self.request = self.connection = sock
        self.client_address = client_address
        self.server = server
        self.close_connection = True

    def parse_head(self, data: bytes, eof: bool) -> bool:
        """Parse the request head at the start of ``data``: True when there is a request to answer.

        False when there is none (the stream ended) or the head was refused: the refusal is then in
        ``wfile``. ``rfile.pos`` is how many bytes the head took. Raises :class:`NeedMore` when the
        head is not complete yet. (``BaseHTTPRequestHandler.handle_one_request`` up to the method call.)
        """
        self.rfile = _BufferReader(data, eof)
        self.wfile = io.BytesIO()
        self.close_connection = True
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = ""
            self.request_version = ""
            self.command = ""
            self.send_error(HTTPStatus.REQUEST_URI_TOO_LONG)
            return False
        if not self.raw_requestline:
            return False
        return self.parse_request()

    def dispatch(self) -> None:
        """Answer the request :meth:`parse_head` accepted, into ``wfile``."""
        getattr(self, "do_" + self.command)()
        self.wfile.flush()

    # -- methods ------------------------------------------------------------
    def do_GET(self) -> None:
        self._answer()

    def do_HEAD(self) -> None:
        self._answer()

    def __getattr__(self, name: str) -> Any:
        # The stdlib answers 501 for a method it has no do_<METHOD> for; Django
        # REST Framework answers 405 for every method the view does not allow.
        if name.startswith("do_"):
            return self._answer
        raise AttributeError(name)

    # -- the answer ---------------------------------------------------------
    def _answer(self) -> None:
        self._no_http09()
        try:
            self._discard_request_body()
            reply = answer(
                self.server.snapshot,
                self.command,
                self.path,
                host=self.headers.get("Host"),
                accept=self.headers.get_all("Accept") or [],
                default_host=self.server.url.removeprefix("http://"),
                request_line_length=len(self.raw_requestline),
            )
            self._write(reply)
        except Exception:
            self.log_error("internal error answering %r:\n%s", self.requestline, traceback.format_exc())
            self.close_connection = True
            self.wfile = io.BytesIO()  # whatever was half written is dropped: the 500 is the whole answer
            self._headers_buffer: list[bytes] = []
            self._write(refusal_answer(self.server.snapshot, InternalError()))

    def _write(self, reply: Answer) -> None:
        self._logged_size = len(reply.body)
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(reply.body)

    def _no_http09(self) -> None:
        # A request line without a version (or too broken to show one) is taken
        # by the stdlib as HTTP/0.9, which it answers with a bare body: no status
        # line, no Content-Type. Nobody speaks 0.9 any more; answer in HTTP/1.0.
        if self.request_version in ("HTTP/0.9", ""):
            self.request_version = "HTTP/1.0"
            self.close_connection = True

    def _discard_request_body(self) -> None:
        # LL2's answers never depend on a body; rather than read one, close the
        # connection after answering so that it cannot be taken for the next request.
        if (
            self.headers.get("Content-Length", "0").strip() not in ("", "0")
            or "Transfer-Encoding" in self.headers
        ):
            self.close_connection = True

    # -- the stdlib's own refusals (bad request line, headers too long, ...) ----
    def parse_request(self) -> bool:
        # The standard library reads up to 100 header lines of 64 KiB each; read them through a
        # reader that holds them to serve's limits (its refusals become the stdlib's 431).
        rfile = self.rfile
        self.rfile = _HeaderReader(rfile)  # type: ignore[assignment]
        try:
            if not super().parse_request():
                return False
        finally:
            self.rfile = rfile
        return self._headers_well_formed()

    def _headers_well_formed(self) -> bool:
        # The stdlib's parser takes a line that is no 'name: value' ('Bad Name: x') for the start of a
        # body and silently drops it with every header after it (a Connection: close, a Host). RFC 9112
        # wants a 400 for such a line, and for more than one Host line.
        payload = self.headers.get_payload()
        if self.headers.defects or payload:
            line = str(payload).splitlines()[0][:80] if payload else None
            shown = f"the header line {line!r} is" if line else "a header line is"
            self.send_error(HTTPStatus.BAD_REQUEST, f"Bad request: {shown} not 'name: value'")
            return False
        if len(self.headers.get_all("Host") or []) > 1:
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad request: more than one Host header")
            return False
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a malformed request with a JSON ``{"detail": ...}`` body, never HTML."""
        self.close_connection = True
        self._no_http09()
        detail = message or reason_phrase(code)
        if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE and explain:
            detail = f"Request header fields too large: {explain}"
        detail = detail if detail.endswith(".") else detail + "."
        refusal = (
            HeadersTooLarge(detail)
            if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
            else RequestLineTooLong(detail)
            if code == HTTPStatus.REQUEST_URI_TOO_LONG
            else MalformedRequest(code, detail)
        )
        try:
            self._write(refusal_answer(self.server.snapshot, refusal))
        except ConnectionError:
            pass

    def version_string(self) -> str:
        return self.server_version  # no "Python/3.x": the stdlib version says nothing useful to a client

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        # send_response() logs before the body is written; the size is known by then.
        super().log_request(code, getattr(self, "_logged_size", size))

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's signature
        # The stdlib's line, through the package's logger instead of straight to stderr; control characters
        # escaped as the stdlib escapes them where it does (3.11.4+).
        if not self.server.quiet:
            message = format % args
            table = getattr(self, "_control_char_table", None)
            if table is not None:
                message = message.translate(table)
            _log.info("%s - - [%s] %s", self.address_string(), self.log_date_time_string(), message)


class _HeaderReader:
    """The request's stream as ``http.client.parse_headers`` reads it, refusing headers past the limits."""

    def __init__(self, raw: Any) -> None:
        self._raw = raw
        self._total = 0
        self._lines = 0

    def readline(self, size: int = -1) -> bytes:
        line = self._raw.readline(MAX_HEADER_LINE + 1)
        if len(line) > MAX_HEADER_LINE:
            # (HTTPException, not LineTooLong: the stdlib words that one with its own 64 KiB limit)
            raise http.client.HTTPException(f"a header line is longer than {MAX_HEADER_LINE} bytes")
        self._total += len(line)
        self._lines += 1
        if self._total > MAX_HEADER_BYTES:
            raise http.client.HTTPException(f"the headers are longer than {MAX_HEADER_BYTES} bytes in all")
        if self._lines > MAX_HEADERS + 1:  # the blank line that ends them is read too
            raise http.client.HTTPException(f"more than {MAX_HEADERS} header lines")
        return line

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)
