"""``spacecraft-data harvest``: page through LL2 and publish a new versioned snapshot."""

from __future__ import annotations

import argparse
import os
import sys

from ._common import add_publish_options

MODE_CHOICES = {"normal": ("normal",), "detailed": ("detailed",), "both": ("normal", "detailed")}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "harvest", help="fetch every record from LL2 (or a compatible server) into a new snapshot",
        description="Page through /<api>/spacecraft/ (limit=100, ordering=id, format=json) and the reference tables, "
                    "saving each raw page as it arrives, then validate every record and publish a new snapshot "
                    "atomically. Reads the free /api-throttle/ first and waits rather than exceed the rate limit "
                    "(15 requests an hour without a key). Rerunning after an interruption reuses the saved pages. "
                    "A failure publishes nothing, keeps the saved pages and leaves existing snapshots untouched. "
                    "An API key is read from $SPACECRAFT_DATA_API_KEY and sent as 'Authorization: Token <key>'.",
        epilog="examples:\n  spacecraft-data harvest\n"
               "  spacecraft-data harvest --base-url http://127.0.0.1:8000 --output /tmp/snaps --raw-dir /tmp/raw "
               "--changelog /tmp/DATA_CHANGES.md",
    )
    p.add_argument("--base-url", default="https://ll.thespacedevs.com", help="server (default: %(default)s)")
    p.add_argument("--api-version", default="2.3.0", help="API version path (default: %(default)s)")
    p.add_argument("--mode", choices=sorted(MODE_CHOICES), default="normal",
                   help="response mode to harvest (default: %(default)s)")
    add_publish_options(p, raw_default="data/raw/harvest")
    p.add_argument("--page-size", type=int, default=100, help="records per request, 1..100 (default: %(default)s)")
    p.add_argument("--timeout", type=float, default=60.0, help="read timeout per request in seconds (default: 60)")
    p.add_argument("--quiet", action="store_true", help="no progress on stderr (errors are still printed)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
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
    )
    if args.quiet:
        options.progress = lambda message: None
    result = harvest(options)
    print(f"{result.snapshot}")
    if not args.quiet:
        print(f"harvest: {result.requests} request(s), {result.pages_fetched} page(s) fetched, "
              f"{result.pages_reused} reused; raw pages and sources.json in {result.run_dir}", file=sys.stderr)
    return 0
