"""``spacecraft-data import-pages``: a snapshot from saved API pages."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING
from ._common import add_publish_options, publish_kwargs
from .harvest import add_lock_wait_option

if TYPE_CHECKING:
    from ..endpoints import Registry


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "import-pages",
        help="publish a snapshot from saved API pages (browsable text or JSON)",
        description="Build, validate and publish a new snapshot from saved /spacecraft/ pages: "
        "browsable-API text pages (like the seeds) or JSON bodies. The pages are copied into the raw "
        "folder with a sources.json, so scripts/build_snapshot.py can rebuild the snapshot. Nothing is "
        "published if any page is unreadable or any record fails the schema.",
        epilog="example:\n  spacecraft-data import-pages saved/*.txt --output /tmp/snaps --raw-dir /tmp/raw "
        "--no-changelog",
    )
    p.add_argument("files", nargs="+", type=Path, metavar="FILE", help="saved page(s)")
    p.add_argument(
        "--endpoint",
        default=None,
        help="endpoint of pages that do not record their request (JSON bodies); default: spacecraft",
    )
    add_publish_options(p, raw_default="data/raw/imports")
    add_lock_wait_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..harvest import import_pages

    target = import_pages(
        args.files, endpoint=args.endpoint, **publish_kwargs(args), lock_wait=args.lock_wait
    )
    print(target)
    return ExitCode.OK
