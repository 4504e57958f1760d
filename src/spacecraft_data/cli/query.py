"""``spacecraft-data query``: the /2.3.0/spacecraft/ list, answered from a snapshot, as JSON, CSV or a table."""

from __future__ import annotations

import argparse
import json
import sys
# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

from ._common import add_snapshot_option, snapshot_from
from ._query_args import add_query_arguments, fetch, query_kwargs


#: (header, getter) of the text table
_TABLE_COLUMNS: tuple[tuple[str, Any], ...] = (
    ("id", lambda r: r.get("id")),
    ("name", lambda r: r.get("name")),
    ("status", lambda r: (r.get("status") or {}).get("name")),
    ("config", lambda r: (r.get("spacecraft_config") or {}).get("name")),
    ("in_space", lambda r: r.get("in_space")),
    ("flights", lambda r: r.get("flights_count")),
    ("ends", lambda r: r.get("mission_ends_count")),
    ("time_in_space", lambda r: r.get("time_in_space")),
    ("time_docked", lambda r: r.get("time_docked")),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query", help="filter, search, order and page the spacecraft, as LL2's /2.3.0/spacecraft/ does",
        description="Answer a /2.3.0/spacecraft/ query from a snapshot with LL2's semantics (DRF search, ordering "
                    "and limit/offset pagination, django-filter filters). Where LL2's order is unspecified (no "
                    "ordering, ties) records are in id order. Counts are of the records the snapshot holds.",
        epilog="examples:\n"
               "  spacecraft-data query --search soyuz --ordering -time_in_space --limit 5\n"
               "  spacecraft-data query --status 4 --format json\n"
               "  spacecraft-data query --all --format csv > spacecraft.csv",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_snapshot_option(p)
    add_query_arguments(p)
    p.add_argument("--format", choices=["table", "json", "csv"], default="table",
                   help="table: aligned text with a count footer (default); json: the API page envelope; "
                        "csv: one flat row per record (the spacecraft table's columns)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="host of the hyperlinks in records and next/previous (default: https://ll.thespacedevs.com)")
    p.set_defaults(run=run)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def format_table(records: Sequence[dict[str, Any]]) -> str:
    """Records as an aligned text table (one line per record, a header line first)."""
    rows = [[h for h, _ in _TABLE_COLUMNS]] + [[_text(get(r)) for _, get in _TABLE_COLUMNS] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(_TABLE_COLUMNS))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def run(args: argparse.Namespace) -> int:
    snap = snapshot_from(args)
    if args.all:
        records, count = fetch(snap, args)
        envelope: dict[str, Any] = {"count": count, "next": None, "previous": None, "results": records}
    else:
        envelope = snap.query(**query_kwargs(args), base_url=args.base_url).to_dict()
        records, count = envelope["results"], envelope["count"]
    out = sys.stdout
    if args.format == "json":
        json.dump(envelope, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "csv":
        from ..tables import SPACECRAFT, csv_bytes, spacecraft_rows

        out.flush()
        sys.stdout.buffer.write(csv_bytes(SPACECRAFT, spacecraft_rows(records)))
    else:
        held = f"{len(snap)} of {snap.reported_count}" if snap.reported_count else str(len(snap))
        offset = 0 if args.all or args.offset is None or args.offset < 0 else args.offset
        shown = f"{offset + 1}-{offset + len(records)}" if records else "0"
        out.write(format_table(records) + "\n")
        out.write(f"{shown} of {count} (snapshot {snap.version} holds {held} records)\n")
    return 0
