"""An offline stand-in for LL2 over HTTP (``spacecraft-data serve``): its entry points and public names.

Behaviour and limits: docs/serve.md. Internals: docs/architecture.md#the-shell-cli-server-testing
"""

from __future__ import annotations

import ipaddress
import logging
import os
import signal
from typing import Any

from .answers import PAGE_HEADERS, Answer, Responder, answer, description_of, refusal_answer
from .limits import (
    ANSWER_TIMEOUT,
    FD_RESERVE,
    HEAD_TIMEOUT,
    IDLE_TIMEOUT,
    MAX_CONNECTIONS,
    MAX_HEADER_BYTES,
    MAX_HEADER_LINE,
    MAX_HEADERS,
    MAX_REQUEST_LINE,
    WORKERS,
)
from .loop import SpacecraftServer

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
    "PAGE_HEADERS",
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
