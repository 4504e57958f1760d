"""``spacecraft-data diff OLD NEW``: records added, removed and changed between two snapshots."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..endpoints import DEFAULT_API_VERSION
from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from ..endpoints import Registry


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "diff",
        help="compare two snapshots: records added, removed and changed (field by field)",
        description="Compare two snapshots, each a folder or a version (YYYY.MM.DD[.N]) in --root (default: "
        "looked up as load() does, in the user store, then the bundled snapshots). Records are "
        "matched by id in every table; changed fields are JSON paths with old and new values. "
        "The ?format= parameter of url fields is ignored unless --strict.",
        epilog="examples:\n  spacecraft-data diff OLD_VERSION NEW_VERSION     # e.g. 2026.12.01: see "
        "'spacecraft-data snapshots'\n  spacecraft-data diff OLD_DIR NEW_DIR --format json",
    )
    p.add_argument("old", help="older snapshot: folder or version")
    p.add_argument("new", help="newer snapshot: folder or version")
    p.add_argument(
        "--root",
        type=Path,
        default=None,
        help="snapshot store for versions (default: the user store, then the bundled snapshots)",
    )
    p.add_argument(
        "--api-version", default=DEFAULT_API_VERSION, help="API version for versions (default: %(default)s)"
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.add_argument(
        "--strict", action="store_true", help="also report url fields that differ only by ?format="
    )
    p.add_argument(
        "--summary", action="store_true", help="text: one line of counts per table, no record lines"
    )
    p.add_argument(
        "--exit-code", action="store_true", help="exit 1 when the snapshots differ (like git diff)"
    )
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..diff import diff_snapshots, resolve_snapshot

    old = resolve_snapshot(args.old, args.root, args.api_version)
    new = resolve_snapshot(args.new, args.root, args.api_version)
    d = diff_snapshots(old, new, ignore_format=not args.strict)
    if args.format == "json":
        json.dump(d.to_json(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    elif args.summary:
        print("\n".join([d.to_text().splitlines()[0], *d.summary_lines()]))
    else:
        print(d.to_text())
    return ExitCode.INVALID if args.exit_code and not d.empty else ExitCode.OK
