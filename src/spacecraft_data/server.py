"""An offline stand-in for the LL2 spacecraft endpoint, over HTTP.

``spacecraft-data serve`` answers ``/2.3.0/spacecraft/`` and
``/2.3.0/spacecraft/{id}/`` from a snapshot, so that apps and tests written
against Launch Library 2 can point at ``http://127.0.0.1:<port>`` instead:
no network, no rate limit.

The server computes no answer of its own. Every request that reaches the API
is answered by the snapshot's :meth:`spacecraft_data.api.Api.respond` (status code
and JSON body, with ``next``/``previous`` and record URLs on the request's host), and
every refusal of its own (406, 414, 431, "Not found.", ...) is an exception of
:mod:`spacecraft_data.refusals` that :func:`spacecraft_data.api.error_answer` turns
into a status and body; this module only turns that pair into HTTP, the way Django
REST Framework does:

* renderer choice (DRF ``DefaultContentNegotiation``): ``?format=json`` gives
  JSON, ``?format=api`` the browsable page, any other ``format`` value a 404
  ``{"detail": "Not found."}``; without ``format`` the ``Accept`` header decides
  (``text/html`` -> browsable page, ``application/json`` or ``*/*`` -> JSON, a
  type neither renderer gives -> 406);
* JSON as DRF's ``JSONRenderer`` writes it: compact separators, non-ASCII
  characters literal (``ensure_ascii=False``), UTF-8, ``Content-Type:
  application/json`` with no charset;
* the browsable page as HTML (:mod:`spacecraft_data.browsable`: view name and
  description, request line, status and headers, the JSON with its URLs as links,
  a filter form and previous/next buttons), ``text/html; charset=utf-8``; its
  visible text is the layout of the saved LL2 pages that
  :func:`spacecraft_data.pages.parse_page` reads;
* headers ``Allow: GET`` and ``Vary: Accept`` as the saved LL2 pages show them,
  plus ``X-Snapshot-Version`` (not LL2's: it tells a client which data answered);
* GET and HEAD are answered; any other method on an API route gets DRF's 405
  ``{"detail": "Method \\"POST\\" not allowed."}`` with ``Allow: GET``
  (OPTIONS included: LL2 advertises ``Allow: GET`` only).

Requests outside the API are refused before any lookup, and nothing here ever
touches the filesystem: a target that is not origin-form ASCII, holds ``.`` or
``..`` segments (plain or percent-encoded), a backslash or a control character
gets 400; a request line over :data:`MAX_REQUEST_LINE` bytes gets 414; a header
line over :data:`MAX_HEADER_LINE` bytes, headers over :data:`MAX_HEADER_BYTES`
bytes in all or more than :data:`MAX_HEADERS` of them get 431; a path not under
``/<api version>/`` gets 404. The ``Host`` header is checked as Django checks it
(:mod:`spacecraft_data.hosts`) before it names the host of any link: an invalid
one gets 400 ``{"detail": "Invalid Host header ..."}``; a request without one
(HTTP/1.0) gets links on the server's own address, as Django rebuilds the host
from ``SERVER_NAME`` and ``SERVER_PORT``. An unexpected failure is answered 500
``{"detail": "Internal server error"}``, never with a traceback in the body
(the traceback goes to the server's stderr). Every refusal is JSON ``{"detail": ...}``.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import re
import signal
import socket
import sys
import traceback
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import unquote

from . import __version__
from .api import error_answer
from .endpoints import endpoints, primary
from .hosts import invalid_host_body, valid_host
from .query import QueryParams, Refused
from .refusals import (BadTarget, HeadersTooLarge, InternalError, InvalidHost, MalformedRequest, MethodNotAllowed,
                       NotAcceptable, NotFound, Refusal, RequestLineTooLong, UnknownFormat)

from .typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from .api import Api

__all__ = ["MAX_REQUEST_LINE", "MAX_HEADER_LINE", "MAX_HEADER_BYTES", "MAX_HEADERS", "Answer", "Responder",
           "SpacecraftServer", "answer", "refusal_answer", "api_route", "description_of", "make_server",
           "network_warning", "serve"]

#: Longest request line accepted (method, target and version), in bytes: longer is a 414.
MAX_REQUEST_LINE = 8192
#: Longest header line accepted (name, value and line end), in bytes: longer is a 431.
MAX_HEADER_LINE = 8192
#: Most header bytes accepted in one request, all lines together: more is a 431.
MAX_HEADER_BYTES = 32768
#: Most header lines accepted in one request (the standard library's own limit): more is a 431.
MAX_HEADERS = 100

JSON_TYPE = "application/json"
PAGE_TYPE = "text/html; charset=utf-8"
#: The headers LL2's browsable pages list above the body (the JSON response's own headers).
PAGE_HEADERS = {"Allow": "GET", "Content-Type": JSON_TYPE, "Vary": "Accept"}

# Printable ASCII only: what a well-formed request target is made of (RFC 3986).
_TARGET = re.compile(r"^/[\x21-\x7e]*$")
# DRF router routes of the declared endpoints (lookup ``[^/.]+``): a method
# other than GET on these paths is a 405; elsewhere it is a 404, as in Django.
_ROUTE = r"^/{api}/(?:{names})/(?:[^/.]+/)?$"

_ALLOWED = ("GET", "HEAD")


class Responder(Protocol):
    """What the server needs from a snapshot: its :class:`~spacecraft_data.api.Api` and its versions."""

    @property
    def version(self) -> str:
        """The snapshot version, sent as ``X-Snapshot-Version``."""

    @property
    def api_version(self) -> str:
        """The API version the routes live under (``2.3.0``)."""

    @property
    def api(self) -> Api:
        """The service answering URLs from the snapshot (:meth:`~spacecraft_data.api.Api.respond`)."""


class SpacecraftServer(ThreadingHTTPServer):
    """A threading HTTP server answering LL2 spacecraft requests from ``snapshot``."""

    daemon_threads = True
    # A load of short-lived clients overflows the default backlog of 5, and a
    # refused SYN costs the client a one-second retry.
    request_queue_size = 128

    def __init__(self, snapshot: Responder, host: str, port: int, *, quiet: bool = False) -> None:
        self.snapshot = snapshot
        self.quiet = quiet
        self.route = api_route(snapshot.api_version)
        self.api_prefix = f"/{snapshot.api_version}/"
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """The base URL the server answers on, e.g. ``http://127.0.0.1:8000``."""
        host, port = self.server_address[:2]
        host = str(host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    def description_of(self, target: str) -> str:
        """The view description for a browsable page of ``target`` (empty outside the declared endpoints)."""
        return description_of(self.snapshot.api_version, target)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-answer is routine; anything else is logged in full, on stderr only.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        if not self.quiet:
            super().handle_error(request, client_address)


class _IPv6Server(SpacecraftServer):
    address_family = socket.AF_INET6


class _Handler(BaseHTTPRequestHandler):
    server: SpacecraftServer
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = f"spacecraft-data/{__version__}"
    disable_nagle_algorithm = True  # an answer is never held back waiting for an ACK
    wbufsize = -1  # buffered: the headers and a small body leave in one write (flushed after each answer)
    timeout = 60  # an idle keep-alive connection does not hold a thread for ever

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
            reply = answer(self.server.snapshot, self.command, self.path, host=self.headers.get("Host"),
                           accept=self.headers.get_all("Accept") or [],
                           default_host=self.server.url.removeprefix("http://"),
                           request_line_length=len(self.raw_requestline))
            self._write(reply)
        except ConnectionError:
            self.close_connection = True
        except Exception:
            self.log_error("internal error answering %r:\n%s", self.requestline, traceback.format_exc())
            self.close_connection = True
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
        if self.headers.get("Content-Length", "0").strip() not in ("", "0") or "Transfer-Encoding" in self.headers:
            self.close_connection = True

    # -- the stdlib's own refusals (bad request line, headers too long, ...) ----
    def parse_request(self) -> bool:
        # The standard library reads up to 100 header lines of 64 KiB each; read them through a
        # reader that holds them to this module's limits (its refusals become the stdlib's 431).
        rfile = self.rfile
        self.rfile = _HeaderReader(rfile)  # type: ignore[assignment]
        try:
            return super().parse_request()
        finally:
            self.rfile = rfile

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Answer a malformed request with a JSON ``{"detail": ...}`` body, never HTML."""
        self.close_connection = True
        self._no_http09()
        detail = message or _reason(code)
        if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE and explain:
            detail = f"Request header fields too large: {explain}"
        detail = detail if detail.endswith(".") else detail + "."
        refusal = (HeadersTooLarge(detail) if code == HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE
                   else RequestLineTooLong(detail) if code == HTTPStatus.REQUEST_URI_TOO_LONG
                   else MalformedRequest(code, detail))
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
        if not self.server.quiet:
            super().log_message(format, *args)


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


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as ``serve`` sends it: status, reason, headers in order, and the body bytes.

    ``body`` is the GET body even for HEAD (whose ``Content-Length`` is the GET's): the
    transport that writes the answer leaves it out. ``Connection`` is the transport's too.
    """

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def answer(snapshot: Responder, method: str, target: str, *, host: str | None, accept: list[str] | tuple[str, ...] = (),
           scheme: str = "http", default_host: str = "127.0.0.1", request_line_length: int = 0) -> Answer:
    """The answer ``serve`` sends to ``method target`` with these ``Host`` and ``Accept`` headers.

    This is the whole of serve's HTTP semantics (target checks, renderer choice, 405s,
    rendering, headers); the socket server and the in-process transports of
    :mod:`spacecraft_data.testing` both send what it returns, so they cannot differ.
    ``scheme`` is the one the record URLs and ``next``/``previous`` links get (``https``
    for a request that was made to ``https://ll.thespacedevs.com``); ``default_host`` is
    used when the request has no ``Host``; ``request_line_length`` is the request line's
    size in bytes (0: not checked).
    """
    renderer = "json"  # DRF renders the errors found before a renderer is chosen as JSON
    try:
        if request_line_length > MAX_REQUEST_LINE:
            raise RequestLineTooLong(f"Request line too long ({request_line_length} bytes; "
                                     f"the limit is {MAX_REQUEST_LINE}).")
        refusal = _refuse_target(target)
        if refusal:
            raise BadTarget(refusal)
        path, _, query = target.partition("?")
        decoded = unquote(path)
        if not decoded.startswith(f"/{snapshot.api_version}/"):
            raise NotFound()
        if host is None:  # Django (PEP 3333) rebuilds it from the server's name and port
            host = default_host
        elif not valid_host(host):  # anything else could smuggle a path or query into the answer's links
            raise InvalidHost(host, invalid_host_body(host)["detail"])
        renderer = _choose_renderer(query, list(accept))
        if method not in _ALLOWED:
            if not api_route(snapshot.api_version).match(decoded):
                raise NotFound()
            raise MethodNotAllowed(method)
        status, body = snapshot.api.respond(f"{scheme}://{host}{target}")
    except Refusal as exc:
        status, body = error_answer(exc)
    return _render(snapshot, status, body, renderer, target)


def refusal_answer(snapshot: Responder, refusal: Refusal) -> Answer:
    """The JSON answer, with serve's headers, to a request refused outright (malformed, internal error, ...)."""
    status, body = error_answer(refusal)
    return _render(snapshot, status, body, "json", "")


def _render(snapshot: Responder, status: int, body: Any, renderer: str, target: str) -> Answer:
    reason = _reason(status)
    if renderer == "api":
        from .browsable import render_html

        content = render_html(body, target, status, reason, PAGE_HEADERS, description_of(snapshot.api_version, target),
                              snapshot.api_version).encode("utf-8")
        content_type = PAGE_TYPE
    else:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        content_type = JSON_TYPE
    headers = (("Content-Type", content_type), ("Content-Length", str(len(content))), ("Allow", "GET"),
               ("Vary", "Accept"), ("X-Snapshot-Version", snapshot.version))
    return Answer(status, reason, headers, content)


def api_route(api_version: str) -> re.Pattern[str]:
    """The DRF router routes (list and detail) of the endpoints declared now under ``/<api_version>/``."""
    return _route_pattern(api_version, tuple(endpoints(api_version)))


@lru_cache(maxsize=16)
def _route_pattern(api_version: str, names: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile(_ROUTE.format(api=re.escape(api_version), names="|".join(map(re.escape, names))))


def description_of(api_version: str, target: str) -> str:
    """The view description (:attr:`Endpoint.description`) for a browsable page of ``target``.

    Empty outside the declared endpoints.
    """
    path = target.split("?", 1)[0]
    for name, declared in endpoints(api_version).items():
        if path.startswith(f"/{api_version}/{name}/"):
            return declared.description
    return ""


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _refuse_target(target: str) -> str | None:
    """Why the request target is refused (a 400 detail), or None when it may be looked up."""
    if not _TARGET.match(target):
        return "Bad request target: only an absolute path of printable ASCII characters is accepted."
    path = target.partition("?")[0]
    if "#" in target:
        return "Bad request target: a fragment ('#') is not part of a request."
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return "Bad request target: the percent-encoded path is not UTF-8."
    if any(ch < " " or ch == "\x7f" or ch == "\\" for ch in decoded):
        return "Bad request target: the path holds a control character or a backslash."
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return "Bad request target: '.' and '..' path segments are refused."
    return None


def _choose_renderer(query: str, accept_headers: list[str]) -> str:
    """``"json"`` or ``"api"``; raises :class:`UnknownFormat` (an unknown ``format``) or :class:`NotAcceptable`.

    DRF's rule: the ``format`` query parameter (last value wins, blank ignored)
    picks the renderer; otherwise the most specific ``Accept`` media types are
    tried first (``type/subtype`` before ``type/*`` before ``*/*``; ``q`` is not
    used), against the renderers in LL2's order: JSON, then browsable.
    """
    try:
        fmt = QueryParams.parse(query).get("format")  # decoded as the engine decodes it
    except Refused:
        return "json"  # the engine answers this 400; DRF renders errors as JSON
    if fmt:
        if fmt not in ("json", "api"):
            raise UnknownFormat()
        return fmt
    media_types = [part.split(";")[0].strip().lower() for header in accept_headers for part in header.split(",")]
    media_types = [m for m in media_types if m] or ["*/*"]
    renderers = (("json", "application/json"), ("api", "text/html"))
    for precedence in (2, 1, 0):
        group = [m for m in media_types if _precedence(m) == precedence]
        for name, renderer_type in renderers:
            if any(_matches(renderer_type, m) for m in group):
                return name
    raise NotAcceptable()


def _precedence(media_type: str) -> int:
    if media_type.startswith("*/"):
        return 0
    return 1 if media_type.endswith("/*") else 2


def _matches(renderer_type: str, media_type: str) -> bool:
    main, _, sub = media_type.partition("/")
    r_main, _, r_sub = renderer_type.partition("/")
    return main in ("*", r_main) and sub in ("*", r_sub)


def make_server(snapshot: Responder, host: str = "127.0.0.1", port: int = 8000, *,
                quiet: bool = False) -> SpacecraftServer:
    """A bound (not yet serving) server answering from ``snapshot`` on ``host:port``.

    ``port=0`` binds a free port: read it back from ``server.server_address`` or
    ``server.url``. Call ``serve_forever()`` (in a thread, for tests) and
    ``shutdown()`` / ``server_close()`` to stop.
    """
    cls = _IPv6Server if ":" in host else SpacecraftServer
    return cls(snapshot, host, port, quiet=quiet)


def network_warning(server: SpacecraftServer) -> str | None:
    """Why serving on ``server``'s address exposes the snapshot to the network, or None on a loopback address."""
    bound, port = server.server_address[:2]
    host = bound.decode() if isinstance(bound, bytes) else str(bound)
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None  # not an address the socket reports; nothing to say about it
    if address.is_loopback:
        return None
    where = "every interface of this machine" if address.is_unspecified else f"{host}, not a loopback address"
    return (f"listening on {where}: the data is then reachable from the network by anyone who can reach "
            f"port {port} of this machine (use --host 127.0.0.1 to serve this machine only)")


class _Stop(Exception):
    """Raised by the signal handler on the main thread: leaves ``serve_forever()`` at once."""


def serve(snapshot: Responder, host: str = "127.0.0.1", port: int = 8000, *, quiet: bool = False) -> None:
    """Serve ``snapshot`` on ``host:port`` until SIGINT or SIGTERM, then return.

    The first line on stdout names the URL (``--port 0`` picks a free port).
    Requests are logged on stderr, one line each, unless ``quiet``. On an address
    other than loopback a warning goes to stderr first: the data is reachable from
    the network. A signal stops the server at once (not at the next poll), however
    many keep-alive connections are open: their threads are daemons.
    """
    server = make_server(snapshot, host, port, quiet=quiet)
    stopping: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        # Signals land on the main thread, which is inside serve_forever(): an exception leaves
        # its select() at once, where shutdown() would wait for the next poll (half a second).
        if not stopping:
            stopping.append(signum)
            raise _Stop(signum)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        warning = network_warning(server)
        if warning:
            print(f"spacecraft-data serve: warning: {warning}", file=sys.stderr, flush=True)
        first = primary(snapshot.api_version).name
        others = ", ".join(f"/{name}/" for name in endpoints(snapshot.api_version) if name != first)
        print(f"Serving snapshot {snapshot.version} at {server.url}/{snapshot.api_version}/{first}/ "
              f"(also {others}; Ctrl-C or SIGTERM to stop)", flush=True)
        server.serve_forever()
    except _Stop:
        pass
    finally:
        stopping.append(0)  # a second signal during the clean-up is ignored, not raised
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.server_close()
    if not quiet:
        print("spacecraft-data serve: stopped", file=sys.stderr, flush=True)
