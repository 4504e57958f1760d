"""``spacecraft-data snapshots``: every snapshot available, in the order load() looks for them."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from ..endpoints import Registry


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "snapshots",
        help="list the snapshots available (user store, then bundled) and the one in use",
        description="List every snapshot available, in the order every command and load() look for them: the "
        "user store ($SPACECRAFT_DATA_HOME, else the platform's user data folder), newest first, then "
        "the snapshots bundled with the package. The one in use is marked '*'. Only manifests are "
        "read. The exit code is 1 when a listed snapshot cannot be read.",
        epilog="examples:\n  spacecraft-data snapshots\n  spacecraft-data snapshots --format json",
    )
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(run=run)


def _records(held: int | None, reported: int | None) -> str:
    if held is None:
        return "?"
    return f"{held} of {reported}" if reported is not None else str(held)


def run(args: argparse.Namespace) -> int:
    from ..locate import snapshots, user_snapshots

    found = snapshots()
    if args.format == "json":
        json.dump(
            {"user_store": str(user_snapshots()), "snapshots": [s.to_dict() for s in found]},
            sys.stdout,
            indent=2,
            ensure_ascii=False,
        )
        print()
    else:
        rows = [("", "ORIGIN", "API", "VERSION", "RECORDS", "MODES", "PATH")]
        rows += [
            (
                "*" if s.default else "",
                s.origin,
                s.api_version,
                s.version,
                _records(s.held, s.reported),
                ",".join(s.modes) or "-",
                str(s.path),
            )
            for s in found
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            print(" ".join(cell.ljust(width) for cell, width in zip(row, widths)) + " " + row[-1])
        for s in found:
            if s.problem:
                print(f"unreadable: {s.problem}")
        if not any(s.origin == "user" for s in found):
            print(f"user store {user_snapshots()}: no snapshots yet ('spacecraft-data harvest' fills it)")
    return ExitCode.INVALID if any(s.problem for s in found) else ExitCode.OK
