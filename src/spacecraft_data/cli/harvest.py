"""``spacecraft-data harvest``: page through LL2 and publish a new versioned snapshot."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap

from ..endpoints import DEFAULT_BASE_URL
from ..errors import ExitCode
from ..query.pagination import MAX_LIMIT
from ..typecheck import TYPE_CHECKING
from ._common import add_publish_options

if TYPE_CHECKING:
    from ..endpoints import Registry

# Mirrors of spacecraft_data.harvest.options and store_lock.LOCK_WAIT (not imported: that would load the
# harvest package for --help); tests/test_harvest_concurrency.py checks they agree.
_MAX_WAIT, _MAX_BODY_MB, _DEADLINE, _LOCK_WAIT = 3600.0, 32, 120.0, 600.0

MODE_CHOICES = {"normal": ("normal",), "detailed": ("detailed",), "both": ("normal", "detailed")}


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "harvest",
        help="fetch every record from LL2 (or a compatible server) into a new snapshot",
        description=_description(declared),
        epilog=_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _add_source_options(p)
    add_publish_options(p, raw_default="data/raw/harvest")
    _add_request_options(p)
    add_lock_wait_option(p)
    p.set_defaults(run=run)


def _description(declared: Registry) -> str:
    """The description of ``harvest --help``: what a harvest fetches, saves and publishes."""
    return textwrap.fill(
        width=100,
        text=f"Page through /<api>/{declared.primary.name}/ (limit={MAX_LIMIT}, ordering=id, "
        "format=json) and the reference tables, "
        "saving each raw page as it arrives, then validate every record and publish a new snapshot "
        "atomically. Reads the free /api-throttle/ first and waits rather than exceed the rate limit "
        "(15 requests an hour without a key). Rerunning after an interruption reuses the saved pages. "
        "A failure publishes nothing, keeps the saved pages and leaves existing snapshots untouched. "
        "An API key is read from $SPACECRAFT_DATA_API_KEY and sent as 'Authorization: Token <key>'; "
        "it is never saved, and neither are cookies or credentials a server sends back. One harvest "
        "or import at a time per store: another one waits for it (--lock-wait).",
    )


def _epilog() -> str:
    """The epilog of ``harvest --help``: the limits, the exit statuses and examples."""
    limits = textwrap.fill(
        width=100,
        text="limits: requests never leave the origin of --base-url (a redirect or a 'next' link "
        "elsewhere stops the run); each body is at most --max-body-mb once decoded; each request ends "
        "within --deadline; a wait longer than --max-wait stops the run at once, saying when to "
        "rerun; a count above 100000 or more than 5000 pages per list is refused; a refused "
        "connection is retried once, a failed DNS lookup never.",
    )
    return (
        limits + "\n\n"
        "exit status:\n"
        "  0  published\n"
        "  1  the server answered wrongly: invalid records, an HTTP error after the retries, a page of the\n"
        "     wrong shape, a limit broken\n"
        "  2  usage (a bad option; a --base-url with a password, a query or a fragment) or the\n"
        "     environment: no connection, no answer in time, the store still locked after --lock-wait\n\n"
        "examples:\n  spacecraft-data harvest\n"
        "  spacecraft-data harvest --base-url http://127.0.0.1:8000 --output /tmp/snaps --raw-dir /tmp/raw "
        "--changelog /tmp/DATA_CHANGES.md"
    )


def _add_source_options(p: argparse.ArgumentParser) -> None:
    """``--base-url`` and ``--mode``: which server to harvest and in which response mode."""
    p.add_argument(
        "--base-url",
        default=DEFAULT_BASE_URL,
        help="server, http(s)://host[:port][/path]; no user:password@, ?query or #fragment "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--mode",
        choices=sorted(MODE_CHOICES),
        default="normal",
        help="response mode to harvest (default: %(default)s)",
    )


def _add_request_options(p: argparse.ArgumentParser) -> None:
    """The options that bound each request: page size, timeout, waits, body size and deadline."""
    p.add_argument(
        "--page-size",
        type=int,
        default=MAX_LIMIT,
        help=f"records per request, 1..{MAX_LIMIT} (default: %(default)s)",
    )
    p.add_argument(
        "--timeout", type=_positive, default=60.0, help="read timeout per request in seconds (default: 60)"
    )
    p.add_argument(
        "--max-wait",
        type=_non_negative,
        default=_MAX_WAIT,
        metavar="SECONDS",
        help="longest single wait for the rate limit or a Retry-After; past it the run stops and says "
        "when to rerun (default: %(default)g, one window of the anonymous LL2 throttle)",
    )
    p.add_argument(
        "--max-body-mb",
        type=_positive,
        default=_MAX_BODY_MB,
        metavar="MB",
        help="largest response body, decoded size included, in MiB (default: %(default)g; at most 64, the "
        "most a saved page may hold)",
    )
    p.add_argument(
        "--deadline",
        type=_positive,
        default=_DEADLINE,
        metavar="SECONDS",
        help="longest time one whole request may take, however slowly bytes arrive (default: %(default)g)",
    )


def add_lock_wait_option(parser: argparse.ArgumentParser) -> None:
    """``--lock-wait SECONDS``: how long a run waits for another harvest or import into the same store."""
    parser.add_argument(
        "--lock-wait",
        type=_non_negative,
        default=_LOCK_WAIT,
        metavar="SECONDS",
        help="how long to wait for another harvest or import into the same store to finish, "
        "then give up with exit 2 (default: %(default)g)",
    )


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number")
    return value


def _non_negative(text: str) -> float:
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} is negative")
    return value


def _positive(text: str) -> float:
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not positive")
    return value


def run(args: argparse.Namespace) -> int:
    from ..extras import require

    require("requests", "harvest", "harvest")  # before anything is fetched or written
    from ..harvest import API_KEY_ENV, HarvestOptions, harvest

    options = HarvestOptions(
        base_url=args.base_url,
        api_version=args.api_version,
        modes=MODE_CHOICES[args.mode],
        output=args.output,
        raw_dir=args.raw_dir,
        changelog=None if args.no_changelog else args.changelog,
        api_key=os.environ.get(API_KEY_ENV) or None,
        page_size=args.page_size,
        read_timeout=args.timeout,
        max_wait=args.max_wait,
        max_body_bytes=int(args.max_body_mb * 1024 * 1024),
        deadline=args.deadline,
        lock_wait=args.lock_wait,
    )
    result = harvest(options)
    print(f"{result.snapshot}")
    if not args.quiet:
        print(
            f"harvest: {result.requests} request(s), {result.pages_fetched} page(s) fetched, "
            f"{result.pages_reused} reused; raw pages and sources.json in {result.run_dir}",
            file=sys.stderr,
        )
    return ExitCode.OK
