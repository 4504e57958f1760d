"""``spacecraft-data import-embedded``: a snapshot of the spacecraft records other endpoints' responses
embed."""

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
        "import-embedded",
        help="publish a snapshot of the spacecraft records embedded in saved LL2 responses",
        description="Find the spacecraft records that saved responses of other LL2 endpoints embed (a space "
        "station's docked vehicles, a launch's spacecraft_stage, a docking event's chaser), by shape, "
        "wherever they are; bring each to normal mode (its configuration projected as "
        "/spacecraft_configurations/ normal mode projects it); validate and publish them as a snapshot. "
        "The files are copied into the raw folder with a sources.json naming each record's JSON path, "
        "so scripts/build_snapshot.py can rebuild the snapshot. --list only shows what is found.",
        epilog="examples:\n  spacecraft-data import-embedded spacestations.json --list\n"
        "  spacecraft-data import-embedded spacestations.json --captured 2026-07-24 --output /tmp/snaps "
        "--raw-dir /tmp/raw --no-changelog",
    )
    p.add_argument(
        "files", nargs="+", type=Path, metavar="FILE", help="saved response(s): JSON or browsable text"
    )
    p.add_argument(
        "--list",
        action="store_true",
        help="print each record found (id, name, file, JSON path) and whether it validates; write nothing",
    )
    p.add_argument("--captured", default=None, metavar="YYYY-MM-DD", help="the date the responses were saved")
    p.add_argument(
        "--request-url",
        default=None,
        metavar="URL",
        help="the request of responses that do not record it (a browsable page's GET line wins)",
    )
    add_publish_options(p, raw_default="data/raw/imports")
    add_lock_wait_option(p)
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.list:
        return _list(args.files, args.registry)
    from ..harvest import import_embedded

    target = import_embedded(
        args.files,
        captured=args.captured,
        request_url=args.request_url,
        **publish_kwargs(args),
        lock_wait=args.lock_wait,
    )
    print(target)
    return ExitCode.OK


def _list(files: list[Path], declared: Registry) -> int:
    """One line per record found; exit 1 when a record fails the normal schema or a file embeds none."""
    from ..embedded import read_embedded
    from ..validation import problems_for_table

    table, status = declared.primary.storage.table, ExitCode.OK
    for file in files:
        found = read_embedded(file, declared.primary)
        if not found:
            print(f"{file}: no spacecraft record embedded")
            status = ExitCode.INVALID
        for item in found:
            problems = problems_for_table(table, [item.record])
            status = max(status, ExitCode.INVALID if problems else ExitCode.OK)
            print(
                f"{item.id}\t{item.record.get('name')}\t{file}\t{item.path}"
                + (f"\tINVALID: {'; '.join(problems[:3])}" if problems else "")
            )
    return status
