"""The connection loop: one thread reads and writes every socket, with deadlines; worker threads answer.
Details: docs/architecture.md#the-shell-cli-server-testing"""

from __future__ import annotations

import collections
import errno
import itertools
import logging
import queue
import selectors
import socket
import threading
import time
from typing import Any

from .answers import Responder, description_of
from .handler import NeedMore, RequestHandler
from .limits import (
    ANSWER_TIMEOUT,
    FD_RESERVE,
    HEAD_TIMEOUT,
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_HEADER_LINE,
    WORKERS,
)

# The package's logger, not one per module: ``spacecraft_data.server`` is the one serve() documents.
_log = logging.getLogger(__package__)

_SWEEP_INTERVAL = 0.25  # how often deadlines are checked, in seconds
_ACCEPT_BATCH = 64  # connections accepted in a row before the loop serves the others
_ACCEPT_PAUSE = 0.05  # seconds without accepting when no file descriptor is left and none can be freed
_READ_SIZE = 65536
_WRITE_SIZE = 1 << 20
_SEND_BUFFER = 1 << 16
_EVICT_CANDIDATES = 16  # waiting connections looked at, at most, to find one to close
_EVICT_GRACE = 1.0  # seconds a connection waits for its request before it may be closed to make room


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

    def __init__(self, sock: socket.socket, handler: RequestHandler, now: float) -> None:
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
            try:
                self.socket.bind((host, port))
            except (TypeError, UnicodeError) as exc:  # a NUL, or a name IDNA cannot encode: no address
                raise OSError(errno.EINVAL, f"not a host name or address ({exc})") from None
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
            conn = _Connection(sock, RequestHandler(sock, address, self), now)
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
        except NeedMore:
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
