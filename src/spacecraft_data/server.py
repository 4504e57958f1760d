"""An offline stand-in for LL2 over HTTP (``spacecraft-data serve``): :meth:`Api.respond` answers sent as DRF
sends them.

Behaviour and limits: docs/serve.md. Internals: docs/architecture.md#the-shell-cli-server-testing
"""

from __future__ import annotations

import collections
import errno
import http.client
import io
import ipaddress
import itertools
import json
import logging
import os
import queue
import re
import selectors
import signal
import socket
import threading
import time
import traceback
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from typing import Any, Protocol
from urllib.parse import unquote

from . import __version__
from .api import error_answer
from .errors import SpacecraftDataError
from .hosts import invalid_host_body, valid_host
from .query import QueryParams, Refused
from .refusals import (
    BadTarget,
    HeadersTooLarge,
    InternalError,
    InvalidHost,
    MalformedRequest,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    Refusal,
    RequestLineTooLong,
    UnknownFormat,
)
from .routes import api_route
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .api import Api
    from .endpoints import Registry

_log = logging.getLogger(__name__)

__all__ = [
    "MAX_REQUEST_LINE",
    "MAX_HEADER_LINE",
    "MAX_HEADER_BYTES",
    "MAX_HEADERS",
    "MAX_CONNECTIONS",
    "HEAD_TIMEOUT",
    "IDLE_TIMEOUT",
    "ANSWER_TIMEOUT",
    "WORKERS",
    "FD_RESERVE",
    "Answer",
    "Responder",
    "SpacecraftServer",
    "answer",
    "refusal_answer",
    "description_of",
    "make_server",
    "network_warning",
    "serve",
]

#: Longest request line accepted (method, target and version), in bytes: longer is a 414.
MAX_REQUEST_LINE = 8192
#: Longest header line accepted (name, value and line end), in bytes: longer is a 431.
MAX_HEADER_LINE = 8192
#: Most header bytes accepted in one request, all lines together: more is a 431.
MAX_HEADER_BYTES = 32768
#: Most header lines accepted in one request (the standard library's own limit): more is a 431.
MAX_HEADERS = 100
#: Most connections open at once (``serve --max-connections``). Past it, the connection that has waited
#: longest for a request is closed to make room; when every one is being answered, new ones wait in the
#: listen backlog. Lowered to fit the open-file limit (``RLIMIT_NOFILE`` less :data:`FD_RESERVE`).
MAX_CONNECTIONS = 512
#: Seconds for a whole request head (request line and headers), counted from the connection's start, or
#: from the first byte of a later request on a keep-alive connection: past it, the connection is closed.
HEAD_TIMEOUT = 10.0
#: Seconds a keep-alive connection may wait for its next request before it is closed.
IDLE_TIMEOUT = 60.0
#: Seconds to deliver one whole answer: past it (a client that does not read), the connection is closed
#: and nothing more, not even an error, is written to it.
ANSWER_TIMEOUT = 30.0
#: Threads computing answers. None of them ever waits on a client: one loop does every read and write.
WORKERS = 4
#: Open files kept aside for the process itself (snapshot files, the loop's own descriptors).
FD_RESERVE = 64

_SWEEP_INTERVAL = 0.25  # how often deadlines are checked, in seconds
_ACCEPT_BATCH = 64  # connections accepted in a row before the loop serves the others
_ACCEPT_PAUSE = 0.05  # seconds without accepting when no file descriptor is left and none can be freed
_READ_SIZE = 65536
_WRITE_SIZE = 1 << 20
_SEND_BUFFER = 1 << 16
_EVICT_CANDIDATES = 16  # waiting connections looked at, at most, to find one to close
_EVICT_GRACE = 1.0  # seconds a connection waits for its request before it may be closed to make room

JSON_TYPE = "application/json"
PAGE_TYPE = "text/html; charset=utf-8"
#: The headers LL2's browsable pages list above the body (the JSON response's own headers).
PAGE_HEADERS = {"Allow": "GET", "Content-Type": JSON_TYPE, "Vary": "Accept"}

# Printable ASCII only: what a well-formed request target is made of (RFC 3986).
_TARGET = re.compile(r"^/[\x21-\x7e]*$")
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

    @property
    def registry(self) -> Registry:
        """The declarations of its API version: the routes a 405 is answered on, the pages' descriptions."""


class _NeedMore(SpacecraftDataError):
    """The request head is not all in yet: parse it again when more bytes (or the end of the stream) arrive.

    Never leaves this module; a :class:`SpacecraftDataError` as every exception class of the package is.
    """


class _BufferReader:
    """The bytes received so far on a connection, read as the standard library reads a request head.

    A line that is not complete yet raises :class:`_NeedMore` (unless the client has closed its side:
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
            raise _NeedMore()
        self.pos = end
        return data[pos:end]


class _Connection:
    """One client connection: its socket, the handler that parses and answers it, and where it stands.

    ``state`` is ``"head"`` (reading a request head: in the selector for reading), ``"work"`` (a worker
    thread computes the answer: out of the selector) or ``"write"`` (sending the answer: in the selector
    for writing). ``deadline`` is when the current state times out (not used in ``"work"``).
    """

    __slots__ = (
        "sock",
        "handler",
        "buffer",
        "eof",
        "state",
        "deadline",
        "out",
        "sent",
        "tried",
        "closed",
        "failed",
        "answered",
        "since",
    )

    def __init__(self, sock: socket.socket, handler: _Handler, now: float) -> None:
        self.sock = sock
        self.handler = handler
        self.buffer = bytearray()
        self.eof = False
        self.state = "head"
        self.deadline = now + HEAD_TIMEOUT  # a client connects to send a request: all of its head, soon
        self.out = b""
        self.sent = 0
        self.tried = 0  # buffer length at the last attempt to parse it
        self.closed = False
        self.failed = False
        self.answered = 0  # requests handed to a worker so far: the fewer, the sooner the next one is
        self.since = now  # when it began waiting for its current request


_WAKE = object()


class SpacecraftServer:
    """An HTTP server answering LL2 spacecraft requests from ``snapshot``.

    One thread (the one calling :meth:`serve_forever`) does every read and write, on non-blocking
    sockets with a selector, and puts a deadline on each request head and each answer; a fixed pool of
    :data:`WORKERS` threads computes the answers. A client, however slow or silent, therefore holds no
    thread, and at most ``max_connections`` connections (:data:`MAX_CONNECTIONS`, lowered to fit
    ``RLIMIT_NOFILE`` less :data:`FD_RESERVE`) are open at once: past that, the connection that has
    waited longest for a request is closed to make room, and when none is waiting (all are being
    answered) new ones wait in the listen backlog.

    The methods tests and tools use are :class:`socketserver.BaseServer`'s: ``serve_forever()``,
    ``shutdown()`` (from another thread) and ``server_close()``, with ``server_address``.
    """

    # A load of short-lived clients overflows the default backlog of 5, and a refused SYN costs
    # the client a one-second retry; past the connection cap, new clients wait here. Not longer:
    # every idle connection queued ahead of a new client must be accepted (and closed) first.
    request_queue_size = 128

    def __init__(
        self,
        snapshot: Responder,
        host: str,
        port: int,
        *,
        quiet: bool = False,
        max_connections: int = MAX_CONNECTIONS,
        head_timeout: float = HEAD_TIMEOUT,
        idle_timeout: float = IDLE_TIMEOUT,
        answer_timeout: float = ANSWER_TIMEOUT,
    ) -> None:
        if max_connections < 1:
            raise ValueError(f"max_connections must be at least 1, not {max_connections}")
        self.snapshot = snapshot
        self.quiet = quiet
        self.api_prefix = f"/{snapshot.api_version}/"
        self.head_timeout = head_timeout
        self.idle_timeout = idle_timeout
        self.answer_timeout = answer_timeout
        self.max_connections = min(max_connections, _descriptor_budget())
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as http.server does
            self.socket.bind((host, port))
            self.socket.listen(self.request_queue_size)
            self.socket.setblocking(False)
        except BaseException:
            self.socket.close()
            raise
        self.server_address: tuple[Any, ...] = self.socket.getsockname()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector = selectors.DefaultSelector()
        self._connections: set[_Connection] = set()
        # Connections waiting for a request head, the longest-waiting first: the ones closed to make room.
        self._waiting: dict[_Connection, None] = {}
        # Jobs by (requests the connection has had answered, arrival): a client that pipelines request
        # after request (or never reads its answers) cannot make a new client wait behind its queue.
        self._jobs: queue.PriorityQueue[tuple[int, int, _Connection | None]] = queue.PriorityQueue()
        self._job_number = itertools.count()
        self._done: collections.deque[_Connection] = collections.deque()
        self._workers: list[threading.Thread] = []
        self._stop = False
        self._stopped = threading.Event()
        self._accepting = False
        self._accept_after = 0.0

    @property
    def url(self) -> str:
        """The base URL the server answers on, e.g. ``http://127.0.0.1:8000``."""
        host, port = self.server_address[:2]
        host = str(host)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}"

    @property
    def stopping(self) -> bool:
        """True once a stop was asked for (:meth:`shutdown`, or a signal under :func:`serve`)."""
        return self._stop

    def fileno(self) -> int:
        """The listening socket's file descriptor."""
        return self.socket.fileno()

    def description_of(self, target: str) -> str:
        """The view description for a browsable page of ``target`` (empty outside the declared endpoints)."""
        return description_of(self.snapshot.registry, target)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Log the exception being handled, with its traceback (unless quiet); never to a client."""
        if not self.quiet:
            _log.error("spacecraft-data serve: error answering %s:", client_address, exc_info=True)

    # -- running and stopping ---------------------------------------------------
    def serve_forever(self, poll_interval: float = 0.5) -> None:
        """Answer requests until :meth:`shutdown` (or :meth:`request_stop`); then close every connection.

        ``poll_interval`` is the longest the loop sleeps between deadline checks.
        """
        self._start_workers()
        self._selector.register(self._wake_r, selectors.EVENT_READ, _WAKE)
        self._listen(True)
        next_sweep = 0.0
        try:
            while not self._stop:
                timeout = max(0.0, min(poll_interval, _SWEEP_INTERVAL, next_sweep - time.monotonic()))
                events = self._selector.select(timeout)
                now = time.monotonic()
                for key, mask in events:
                    if self._stop:
                        break
                    if key.data is None:
                        self._accept(now)
                    elif key.data is _WAKE:
                        self._drain_wake()
                    else:
                        self._serve_event(key.data, mask, now)
                if self._stop:
                    break
                self._collect(now)
                if now >= next_sweep:
                    self._sweep(now)
                    next_sweep = now + _SWEEP_INTERVAL
                if not self._accepting and now >= self._accept_after and self._room(now):
                    self._listen(True)
        finally:
            self._listen(False)
            self._selector.unregister(self._wake_r)
            for conn in list(self._connections):
                self._close(conn, graceful=False)
            self._stop = False
            self._stopped.set()

    def _serve_event(self, conn: _Connection, mask: int, now: float) -> None:
        try:
            if mask & selectors.EVENT_READ:
                self._read(conn, now)
            else:
                self._send(conn, now)
        except Exception:  # a bug costs that connection, never the server
            self.handle_error(conn.sock, conn.handler.client_address)
            self._close(conn, graceful=False)

    def request_stop(self) -> None:
        """Ask :meth:`serve_forever` to return at once; safe in a signal handler (it never blocks or
        raises)."""
        self._stop = True
        self._wake()

    def shutdown(self) -> None:
        """Stop :meth:`serve_forever` (running in another thread) and wait until it has returned."""
        self.request_stop()
        self._stopped.wait()
        self._stopped.clear()

    def server_close(self) -> None:
        """Close the listening socket and the worker threads (call after :meth:`serve_forever` returned)."""
        for conn in list(self._connections):
            self._close(conn, graceful=False)
        for _ in self._workers:
            self._jobs.put((-1, next(self._job_number), None))
        self._workers = []
        self.socket.close()
        self._selector.close()
        self._wake_r.close()
        self._wake_w.close()

    def _start_workers(self) -> None:
        while len(self._workers) < WORKERS:
            worker = threading.Thread(
                target=self._work, name=f"serve-worker-{len(self._workers)}", daemon=True
            )
            worker.start()
            self._workers.append(worker)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:  # full (the loop will wake anyway) or closed (nothing to wake)
            pass

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    # -- connections ----------------------------------------------------------------
    def _listen(self, on: bool) -> None:
        if on and not self._accepting:
            self._selector.register(self.socket, selectors.EVENT_READ, None)
        elif not on and self._accepting:
            self._selector.unregister(self.socket)
        self._accepting = on

    def _room(self, now: float) -> bool:
        if len(self._connections) < self.max_connections:
            return True
        oldest = next(iter(self._waiting), None)
        return oldest is not None and now - oldest.since >= _EVICT_GRACE

    def _accept(self, now: float) -> None:
        for accepted in range(_ACCEPT_BATCH):
            if len(self._connections) >= self.max_connections:
                if accepted:
                    # at the cap, one a wake-up: room is made only for a connection known to be waiting
                    return
                if not self._evict(now):
                    self._listen(False)  # every connection is being answered: new ones wait in the backlog
                    return
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM):
                    if self._evict(now):
                        continue
                    self._listen(False)  # no descriptor to spare: try again shortly, never spin
                    self._accept_after = now + _ACCEPT_PAUSE
                    return
                if exc.errno in (errno.ECONNABORTED, errno.EPROTO, errno.EPERM):
                    continue  # that client gave up before it was accepted
                self.handle_error(None, None)  # unexpected: logged, and tried again shortly
                self._listen(False)
                self._accept_after = now + _ACCEPT_PAUSE
                return
            try:
                sock.setblocking(False)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # an answer never waits for an ACK
                # A fixed send buffer, not one the kernel grows to megabytes: a client that does not read
                # stops the answers to its pipelined requests after one or two, not after dozens computed.
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SEND_BUFFER)
            except OSError:
                sock.close()
                continue
            conn = _Connection(sock, _Handler(sock, address, self), now)
            conn.deadline = now + self.head_timeout
            self._connections.add(conn)
            self._waiting[conn] = None
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _evict(self, now: float) -> bool:
        """Close the connection that has waited longest for a request, to make room; False when none can be.

        Only one that has waited :data:`_EVICT_GRACE` at least: a burst of new clients waits in the backlog
        rather than closing each other. One whose request has arrived but is not read yet is read (and
        answered) instead, not closed.
        """
        for conn in list(itertools.islice(self._waiting, _EVICT_CANDIDATES)):
            if now - conn.since < _EVICT_GRACE:
                return False  # (the ones after it have waited less)
            try:
                pending = conn.sock.recv(1, socket.MSG_PEEK)
            except (BlockingIOError, InterruptedError):
                self._close(conn, graceful=False)  # silent: the one to close
                return True
            except OSError:
                pending = b""
            if not pending:  # gone already
                self._close(conn, graceful=False)
                return True
            self._read(conn, now)
        return False

    def _close(self, conn: _Connection, *, graceful: bool) -> None:
        if conn.closed:
            return
        conn.closed = True
        self._connections.discard(conn)
        self._waiting.pop(conn, None)
        if conn.state != "work":
            try:
                self._selector.unregister(conn.sock)
            except (KeyError, ValueError):
                pass
        if graceful:
            try:
                conn.sock.shutdown(socket.SHUT_WR)  # the answer is sent before the FIN, as socketserver does
            except OSError:
                pass
        conn.sock.close()

    def _read(self, conn: _Connection, now: float) -> None:
        try:
            chunk = conn.sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._close(conn, graceful=False)
            return
        if not chunk:
            conn.eof = True
        else:
            if not conn.buffer:  # the first byte of a request: its head has a deadline of its own
                conn.deadline = min(conn.deadline, now + self.head_timeout)
            conn.buffer += chunk
            if b"\n" not in chunk and len(conn.buffer) - conn.tried < MAX_HEADER_LINE:
                return  # no line is complete yet, none can be over a limit yet
        self._parse(conn, now)

    def _parse(self, conn: _Connection, now: float) -> None:
        """Parse the head in ``conn.buffer``: answer a malformed one, hand a good one to a worker."""
        conn.tried = len(conn.buffer)
        handler = conn.handler
        try:
            dispatch = handler.parse_head(bytes(conn.buffer), conn.eof)
        except _NeedMore:
            if conn.eof:  # cannot happen: at the end of the stream every line is complete
                self._close(conn, graceful=False)
            return
        except Exception:
            self.handle_error(conn.sock, handler.client_address)
            self._close(conn, graceful=False)
            return
        del conn.buffer[: handler.rfile.pos]
        conn.tried = 0
        self._waiting.pop(conn, None)
        if dispatch:
            conn.state = "work"
            self._selector.unregister(conn.sock)
            self._jobs.put((conn.answered, next(self._job_number), conn))
            conn.answered += 1
        else:
            self._reply(conn, handler.wfile.getvalue(), now)

    def _work(self) -> None:
        while True:
            conn = self._jobs.get()[2]
            if conn is None:
                return
            try:
                conn.handler.dispatch()
            except Exception:
                conn.failed = True
                self.handle_error(None, conn.handler.client_address)
            self._done.append(conn)
            self._wake()

    def _collect(self, now: float) -> None:
        """Start sending the answers the workers have finished."""
        while self._done:
            conn = self._done.popleft()
            if conn.closed:
                continue
            if conn.failed:
                self._close(conn, graceful=False)
                continue
            try:
                self._reply(conn, conn.handler.wfile.getvalue(), now)
            except Exception:  # a bug costs that connection, never the server
                self.handle_error(conn.sock, conn.handler.client_address)
                self._close(conn, graceful=False)

    def _reply(self, conn: _Connection, data: bytes, now: float) -> None:
        """Send ``data`` (as much as the socket takes now; the rest when it is writable), with a deadline."""
        conn.out, conn.sent = data, 0
        conn.deadline = now + self.answer_timeout
        if conn.state == "work":
            self._selector.register(conn.sock, selectors.EVENT_WRITE, conn)
        else:
            self._selector.modify(conn.sock, selectors.EVENT_WRITE, conn)
        conn.state = "write"
        self._send(conn, now)

    def _send(self, conn: _Connection, now: float) -> None:
        while conn.sent < len(conn.out):
            try:
                conn.sent += conn.sock.send(memoryview(conn.out)[conn.sent : conn.sent + _WRITE_SIZE])
            except (BlockingIOError, InterruptedError):
                return  # the selector says when it can take more
            except OSError:
                self._close(conn, graceful=False)  # the client hung up mid-answer: routine
                return
        conn.out = b""
        if conn.handler.close_connection:
            self._close(conn, graceful=True)
            return
        # Keep-alive: wait for the next request (perhaps already in the buffer, pipelined).
        conn.state = "head"
        conn.deadline = now + (self.head_timeout if conn.buffer else self.idle_timeout)
        conn.since = now
        self._waiting[conn] = None
        self._selector.modify(conn.sock, selectors.EVENT_READ, conn)
        if conn.buffer or conn.eof:
            self._parse(conn, now)

    def _sweep(self, now: float) -> None:
        """Close every connection past its deadline, without a word: its head or its answer took too long."""
        for conn in [c for c in self._connections if c.state != "work" and c.deadline <= now]:
            self._close(conn, graceful=False)


def _descriptor_budget() -> int:
    """How many connections the process's open-file limit leaves room for (:data:`FD_RESERVE` kept aside)."""
    try:
        import resource
    except ImportError:  # not on this platform: no limit to fit
        return MAX_CONNECTIONS
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 1 << 30
    return max(1, soft - FD_RESERVE)


class _Handler(BaseHTTPRequestHandler):
    """One connection's request parsing and answering, as ``http.server`` does it, on bytes already read.

    The server's loop reads the bytes and writes the answer; this class parses a head
    (:meth:`parse_head`, on the loop's thread) and writes the answer into ``wfile``, an in-memory
    buffer (:meth:`dispatch`, on a worker thread). It never touches the socket.
    """

    server: SpacecraftServer  # type: ignore[assignment]  # (not a socketserver.BaseServer)
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries Content-Length
    server_version = f"spacecraft-data/{__version__}"
    rfile: _BufferReader  # type: ignore[assignment]
    wfile: io.BytesIO

    def __init__(self, sock: socket.socket, client_address: Any, server: SpacecraftServer) -> None:
        # Not the stdlib's __init__, which reads and answers the socket there and then.
        self.request = self.connection = sock
        self.client_address = client_address
        self.server = server
        self.close_connection = True

    def parse_head(self, data: bytes, eof: bool) -> bool:
        """Parse the request head at the start of ``data``: True when there is a request to answer.

        False when there is none (the stream ended) or the head was refused: the refusal is then in
        ``wfile``. ``rfile.pos`` is how many bytes the head took. Raises :class:`_NeedMore` when the
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
        # The stdlib's line, through the module's logger instead of straight to stderr; control characters
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


def answer(
    snapshot: Responder,
    method: str,
    target: str,
    *,
    host: str | None,
    accept: list[str] | tuple[str, ...] = (),
    scheme: str = "http",
    default_host: str = "127.0.0.1",
    request_line_length: int = 0,
) -> Answer:
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
            raise RequestLineTooLong(
                f"Request line too long ({request_line_length} bytes; the limit is {MAX_REQUEST_LINE})."
            )
        refusal = _refuse_target(target)
        if refusal:
            raise BadTarget(refusal)
        path, _, query = target.partition("?")
        decoded = unquote(path)
        root = f"/{snapshot.api_version}/"
        api_target = target
        if (
            decoded == "/"
        ):  # the server's root is the API root, as DRF's DefaultRouter lists it under the version
            api_target = root + target[len(path) :]
        if host is None:  # Django (PEP 3333) rebuilds it from the server's name and port
            host = default_host
        elif not valid_host(host):  # anything else could smuggle a path or query into the answer's links
            raise InvalidHost(host, invalid_host_body(host)["detail"])
        renderer = _choose_renderer(query, list(accept))
        if method not in _ALLOWED:
            # A DRF route (or the API root) that is not GET is a 405; any other path a 404, as in Django.
            if decoded not in ("/", root):
                routed = api_route(decoded, root, snapshot.registry.endpoints)
                if routed is None or routed[0] is None:  # "/2.3.0//" is not the root's view here
                    raise NotFound()
            raise MethodNotAllowed(method)  # the API root is a GET-only view too (DRF's APIRootView)
        status, body = snapshot.api.respond(f"{scheme}://{host}{api_target}")
    except Refusal as exc:
        status, body = error_answer(exc)
    return _render(snapshot, status, body, renderer, target)


def refusal_answer(snapshot: Responder, refusal: Refusal) -> Answer:
    """The JSON answer, with serve's headers, to a request refused outright (malformed, internal error,
    ...)."""
    status, body = error_answer(refusal)
    return _render(snapshot, status, body, "json", "")


def _render(snapshot: Responder, status: int, body: Any, renderer: str, target: str) -> Answer:
    reason = _reason(status)
    if renderer == "api":
        from .browsable import render_html

        content = render_html(
            body,
            target,
            status,
            reason,
            PAGE_HEADERS,
            description_of(snapshot.registry, target),
            snapshot.registry,
        ).encode("utf-8")
        content_type = PAGE_TYPE
    else:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        content_type = JSON_TYPE
    headers = (
        ("Content-Type", content_type),
        ("Content-Length", str(len(content))),
        ("Allow", "GET"),
        ("Vary", "Accept"),
        ("X-Snapshot-Version", snapshot.version),
    )
    return Answer(status, reason, headers, content)


def description_of(declared: Registry, target: str) -> str:
    """The view description (:attr:`Endpoint.description`) of ``declared`` for a browsable page of
    ``target``.

    Empty outside the declared endpoints.
    """
    path = target.split("?", 1)[0]
    for name, endpoint in declared.endpoints.items():
        if path.startswith(f"/{declared.api_version}/{name}/"):
            return endpoint.description
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
    """``"json"`` or ``"api"``; raises :class:`UnknownFormat` (an unknown ``format``) or
    :class:`NotAcceptable`.

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
    media_types = [
        part.split(";")[0].strip().lower() for header in accept_headers for part in header.split(",")
    ]
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


def make_server(
    snapshot: Responder,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    quiet: bool = False,
    max_connections: int = MAX_CONNECTIONS,
    head_timeout: float = HEAD_TIMEOUT,
    idle_timeout: float = IDLE_TIMEOUT,
    answer_timeout: float = ANSWER_TIMEOUT,
) -> SpacecraftServer:
    """A bound (not yet serving) server answering from ``snapshot`` on ``host:port``.

    ``port=0`` binds a free port: read it back from ``server.server_address`` or
    ``server.url``. Call ``serve_forever()`` (in a thread, for tests) and
    ``shutdown()`` / ``server_close()`` to stop. The limits default to this module's
    constants (:data:`MAX_CONNECTIONS`, :data:`HEAD_TIMEOUT`, :data:`IDLE_TIMEOUT`,
    :data:`ANSWER_TIMEOUT`).
    """
    return SpacecraftServer(
        snapshot,
        host,
        port,
        quiet=quiet,
        max_connections=max_connections,
        head_timeout=head_timeout,
        idle_timeout=idle_timeout,
        answer_timeout=answer_timeout,
    )


def network_warning(server: SpacecraftServer) -> str | None:
    """Why serving on ``server``'s address exposes the snapshot to the network, or None on a loopback
    address."""
    bound, port = server.server_address[:2]
    host = bound.decode() if isinstance(bound, bytes) else str(bound)
    try:
        address = ipaddress.ip_address(host.partition("%")[0])
    except ValueError:
        return None  # not an address the socket reports; nothing to say about it
    if address.is_loopback:
        return None
    where = "every interface of this machine" if address.is_unspecified else f"{host}, not a loopback address"
    return (
        f"listening on {where}: the data is then reachable from the network by anyone who can reach "
        f"port {port} of this machine (use --host 127.0.0.1 to serve this machine only)"
    )


def serve(
    snapshot: Responder,
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    quiet: bool = False,
    max_connections: int = MAX_CONNECTIONS,
) -> None:
    """Serve ``snapshot`` on ``host:port`` until SIGINT or SIGTERM, then return.

    The first line on stdout names the URL (``--port 0`` picks a free port).
    Requests are logged (logger ``spacecraft_data.server``, INFO), one line each, unless
    ``quiet``; ``spacecraft-data serve`` shows them on stderr. On an address other than
    loopback a warning is logged first: the data is reachable from the network. A signal
    stops the server at once, whatever its connections are doing: the listening socket and
    every connection are closed and the function returns. A second signal before that ends
    the process there and then (exit status 128 + the signal's number), so that a signal is
    never ignored.
    """
    server = make_server(snapshot, host, port, quiet=quiet, max_connections=max_connections)
    stopping: list[int] = []

    def stop(signum: int, frame: Any) -> None:
        # Never raise here: an exception raised into the serving thread can land inside the
        # handling of a connection and be taken for that connection's failure. Ask the loop
        # to stop (a flag and a byte on its wake-up socket) and let it close everything.
        if stopping:
            os.write(2, b"spacecraft-data serve: stopped at once by a second signal\n")
            os._exit(128 + signum)
        stopping.append(signum)
        server.request_stop()

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        warning = network_warning(server)
        if warning:
            _log.warning("spacecraft-data serve: warning: %s", warning)
        declared = snapshot.registry
        first = declared.primary.name
        others = ", ".join(f"/{name}/" for name in declared.endpoints if name != first)
        print(
            f"Serving snapshot {snapshot.version} at {server.url}/{snapshot.api_version}/{first}/ "
            f"(also {others}; Ctrl-C or SIGTERM to stop)",
            flush=True,
        )
        server.serve_forever()
    finally:
        server.server_close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if not quiet:
        _log.info("spacecraft-data serve: stopped")
