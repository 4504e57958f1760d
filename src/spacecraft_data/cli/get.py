"""``spacecraft-data get URL``: the JSON body LL2 would answer to a URL, from a snapshot."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING
from ._common import add_snapshot_option, snapshot_from

if TYPE_CHECKING:
    from ..endpoints import Registry


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "get",
        help="print the JSON body LL2 answers to a spacecraft, configuration or status URL",
        description="Print the JSON body that LL2 answers to GET URL (a full URL, or a path with its query), "
        "answered from a snapshot. The routes are those of /2.3.0/spacecraft/, "
        "/2.3.0/spacecraft_configurations/ and /2.3.0/config/spacecraft_statuses/ (list and detail); "
        "/2.3.0/ lists them, another LL2 path gets 501 and a path LL2 does not have 404. "
        "Exit status 0 for a 2xx answer, 1 otherwise (the HTTP status goes to stderr).",
        epilog="examples:\n"
        "  spacecraft-data get '/2.3.0/spacecraft/?status=4&limit=2'\n"
        "  spacecraft-data get 'https://ll.thespacedevs.com/2.3.0/spacecraft/?search=soyuz&format=json'\n"
        "  spacecraft-data get '/2.3.0/spacecraft_configurations/6/'\n"
        "  spacecraft-data get '/2.3.0/spacecraft_configurations/?search=dragon&ordering=name&mode=detailed'",
    )
    add_snapshot_option(p)
    p.add_argument(
        "url", metavar="URL", help="full URL or path with query, e.g. '/2.3.0/spacecraft/?search=soyuz'"
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="host of the answer's links when URL is a path (default: https://ll.thespacedevs.com)",
    )
    p.add_argument("--compact", action="store_true", help="one line of JSON instead of 4-space indentation")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    snap = snapshot_from(args)
    status, body = snap.respond(args.url, base_url=args.base_url)  # InvalidBaseUrl for a bad --base-url
    # LL2's browsable pages show the body with 4-space indentation and literal non-ASCII.
    json.dump(body, sys.stdout, indent=None if args.compact else 4, ensure_ascii=False)
    sys.stdout.write("\n")
    if not 200 <= status < 300:
        print(f"HTTP {status}", file=sys.stderr)
        return ExitCode.INVALID
    return ExitCode.OK
