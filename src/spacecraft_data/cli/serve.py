"""``spacecraft-data serve``: the LL2 spacecraft endpoint, offline, over HTTP."""

from __future__ import annotations

import argparse

from ..errors import CannotListen, ExitCode
from ..typecheck import TYPE_CHECKING
from ._common import add_snapshot_option, snapshot_from

if TYPE_CHECKING:
    from ..endpoints import Registry


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "serve",
        help="serve a snapshot as LL2's spacecraft endpoints on a local port",
        description="Answer /2.3.0/spacecraft/, /2.3.0/spacecraft_configurations/ and "
        "/2.3.0/config/spacecraft_statuses/ (lists and {id}/ details) from a snapshot, as Launch Library 2 "
        "answers them (status codes, JSON bodies, next/previous links on this server, format=json and "
        "format=api), with no network and no rate limit. Stops on Ctrl-C or SIGTERM (exit 0; a second "
        "signal before it has stopped ends it at once, exit 128 + the signal number).",
        epilog="example:\n  spacecraft-data serve --port 8000 &\n"
        "  curl 'http://127.0.0.1:8000/2.3.0/spacecraft/?search=soyuz&limit=2'",
    )
    add_snapshot_option(p)
    p.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default: 127.0.0.1, this machine only; any other address, "
        "such as 0.0.0.0 or ::, makes the data reachable from the network, and a warning says so)",
    )
    p.add_argument(
        "--port",
        type=port_number,
        default=8000,
        help="port to listen on, 0 to 65535; 0 picks a free one (default: 8000)",
    )
    p.add_argument("--quiet", action="store_true", help="do not log one line per request on stderr")
    p.add_argument(
        "--max-connections",
        type=connection_cap,
        default=None,
        metavar="N",
        help="most connections open at once (default: 512, lowered to fit the open-file limit); past "
        "it the connection idle longest is closed, or new ones wait if none is idle",
    )
    # The server logs; the command shows its log on stderr whatever stderr is, as a server's log should be.
    p.set_defaults(run=run, log_lines="always")


def port_number(text: str) -> int:
    """``--port``: an integer from 0 to 65535 (argparse turns the ValueError into a usage error, exit 2)."""
    try:
        port = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port number (an integer from 0 to 65535)"
        ) from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"{port} is out of range (a port is 0 to 65535)")
    return port


def connection_cap(text: str) -> int:
    """``--max-connections``: a positive integer (argparse turns the error into a usage error, exit 2)."""
    try:
        cap = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a number of connections (a positive integer)"
        ) from None
    if cap < 1:
        raise argparse.ArgumentTypeError(f"{cap} is not a positive number of connections")
    return cap


def run(args: argparse.Namespace) -> int:
    from ..server import MAX_CONNECTIONS, serve

    snapshot = snapshot_from(args)
    try:
        serve(
            snapshot,
            args.host,
            args.port,
            quiet=args.quiet,
            max_connections=args.max_connections or MAX_CONNECTIONS,
        )
    except OSError as exc:  # the port is taken, the address is not this machine's, ...
        raise CannotListen(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}") from exc
    return ExitCode.OK
