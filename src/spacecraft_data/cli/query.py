"""``spacecraft-data query``: an LL2 list (``/2.3.0/spacecraft/`` by default, or ``--endpoint``), answered from a
snapshot, as JSON, CSV or a table."""

from __future__ import annotations

import argparse
import json
import sys
from ..typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

from ._common import add_snapshot_option, snapshot_from
from ..endpoints.v2_3_0 import ENDPOINTS
from ._query_args import add_query_arguments, endpoint_of, fetch, query_kwargs

#: The endpoints ``--endpoint`` offers: every declared one, spacecraft first (the default).
ENDPOINT_NAMES = tuple(ENDPOINTS)

#: (header, getter) of the text table of spacecraft
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
#: endpoint -> (header, getter) of its text table
_COLUMNS: dict[str, tuple[tuple[str, Any], ...]] = {
    "spacecraft": _TABLE_COLUMNS,
    "spacecraft_configurations": (
        ("id", lambda r: r.get("id")),
        ("name", lambda r: r.get("name")),
        ("agency", lambda r: (r.get("agency") or {}).get("abbrev") or (r.get("agency") or {}).get("name")),
        ("type", lambda r: (r.get("type") or {}).get("name")),
        ("in_use", lambda r: r.get("in_use")),
        ("family", lambda r: ", ".join(f.get("name", "") for f in r.get("family") or []) or None),
    ),
    "config/spacecraft_statuses": (("id", lambda r: r.get("id")), ("name", lambda r: r.get("name"))),
}
#: endpoint -> the normalised table its CSV rows come from (spacecraft_data.tables)
_CSV_TABLES = {"spacecraft_configurations": "spacecraft_configurations",
               "config/spacecraft_statuses": "spacecraft_statuses"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "query", help="filter, search, order and page the spacecraft (or --endpoint), as LL2's lists do",
        description="Answer a /2.3.0/spacecraft/ query (or one of /2.3.0/spacecraft_configurations/, "
                    "/2.3.0/config/spacecraft_statuses/ with --endpoint) from a snapshot with LL2's semantics (DRF "
                    "search, ordering and limit/offset pagination, django-filter filters). Where LL2's order is "
                    "unspecified (no ordering, ties) records are in id order; names order by code point. Counts "
                    "are of the records the snapshot holds.",
        epilog="examples:\n"
               "  spacecraft-data query --search soyuz --ordering -time_in_space --limit 5\n"
               "  spacecraft-data query --status 4 --format json\n"
               "  spacecraft-data query --all --format csv > spacecraft.csv\n"
               "  spacecraft-data query --all --format ndjson > spacecraft.ndjson\n"
               "  spacecraft-data query --endpoint spacecraft_configurations --agency 121 --human-rated true\n"
               "  spacecraft-data query --endpoint config/spacecraft_statuses",
    )
    add_snapshot_option(p)
    add_query_arguments(p, endpoints=ENDPOINT_NAMES)
    p.add_argument("--format", choices=["table", "json", "ndjson", "csv"], default="table",
                   help="table: aligned text with a count footer (default); json: the API page envelope; "
                        "ndjson: the page's records, one JSON object a line (no envelope); "
                        "csv: one flat row per record (the columns of the endpoint's normalised table, "
                        "as 'export --format csv' writes it)")
    p.add_argument("--base-url", default=None, metavar="URL",
                   help="host of the hyperlinks in records and next/previous (default: https://ll.thespacedevs.com)")
    p.set_defaults(run=run)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def format_table(records: Sequence[dict[str, Any]], endpoint: str = "spacecraft") -> str:
    """Records of ``endpoint`` as an aligned text table (one line per record, a header line first)."""
    columns = _COLUMNS[endpoint]
    rows = [[h for h, _ in columns]] + [[_text(get(r)) for _, get in columns] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _csv(snap: Any, endpoint: str, records: Sequence[dict[str, Any]]) -> bytes:
    from ..tables import SPACECRAFT, TABLES, build_tables, csv_bytes, spacecraft_rows

    if endpoint == "spacecraft":
        return csv_bytes(SPACECRAFT, spacecraft_rows(records))
    # Rows of the normalised table, built from the stored records of the answer, in the answer's order.
    table = _CSV_TABLES[endpoint]
    stored = {r["id"]: r for r in snap.tables[table]}
    chosen = [stored[r["id"]] for r in records]
    if table == "spacecraft_configurations":
        rows = build_tables((), configurations=chosen)[table]
    else:
        rows = build_tables((), statuses=chosen)[table]
    by_id = {row["id"]: row for row in rows}
    return csv_bytes(TABLES[table], [by_id[r["id"]] for r in records])


def _holds(snap: Any, endpoint: str) -> str:
    """What the snapshot holds of ``endpoint``, for the footer."""
    if endpoint == "spacecraft":
        held = f"{len(snap)} of {snap.reported_count}" if snap.reported_count else str(len(snap))
        return f"{held} records"
    table = _CSV_TABLES[endpoint]
    info = snap.manifest.get("tables", {}).get(table, {})
    rows = len(snap.tables[table])
    state = "complete" if info.get("complete") else "partial"
    if info.get("derived_from") == "records":
        state += ", derived from the spacecraft records"
    return f"{rows} {table} ({state})"


def run(args: argparse.Namespace) -> int:
    snap = snapshot_from(args)
    endpoint = endpoint_of(args).name
    if args.all:
        records, count = fetch(snap, args)
        envelope: dict[str, Any] = {"count": count, "next": None, "previous": None, "results": records}
    else:
        kwargs = query_kwargs(args)
        if endpoint == "spacecraft":
            page = snap.query(**kwargs, base_url=args.base_url)
        else:
            page = snap.endpoint(endpoint).query(**kwargs, base_url=args.base_url)
        envelope = page.to_dict()
        records, count = envelope["results"], envelope["count"]
    out = sys.stdout
    if args.format == "json":
        json.dump(envelope, out, indent=2, ensure_ascii=False)
        out.write("\n")
    elif args.format == "ndjson":
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
    elif args.format == "csv":
        out.flush()
        sys.stdout.buffer.write(_csv(snap, endpoint, records))
    else:
        offset = 0 if args.all or args.offset is None or args.offset < 0 else args.offset
        shown = f"{offset + 1}-{offset + len(records)}" if records else "0"
        out.write(format_table(records, endpoint) + "\n")
        out.write(f"{shown} of {count} (snapshot {snap.version} holds {_holds(snap, endpoint)})\n")
    return 0
