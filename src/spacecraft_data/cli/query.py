"""``spacecraft-data query``: an LL2 list (the primary endpoint's by default, or ``--endpoint``), answered
from a
snapshot, as JSON, CSV or a table."""

from __future__ import annotations

import argparse
import json
import sys

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ..endpoints import Endpoint, Registry

from ..errors import ExitCode
from ._common import add_snapshot_option, snapshot_from
from ._query_args import add_query_arguments, endpoint_of, example_flags, fetch, query_kwargs, query_page


def _description(declared: Registry) -> str:
    first, *others = (e.routing.list_path(declared.api_version) for e in declared)
    with_endpoint = f" (or one of {', '.join(others)} with --endpoint)" if others else ""
    return (
        f"Answer a {first} query{with_endpoint} from a snapshot with LL2's semantics (DRF "
        "search, ordering and limit/offset pagination, django-filter filters). Where LL2's order is "
        "unspecified (no ordering, ties) records are in id order; names order by code point. Counts "
        "are of the records the snapshot holds."
    )


def _epilog(declared: Registry) -> str:
    """Examples written from each declaration's browsable-page examples (``Presentation.examples``)."""
    main = declared.primary
    search, ordering, filtered = example_flags(main)
    lines = [
        f"  spacecraft-data query{search}{ordering} --limit 5" if search or ordering else None,
        f"  spacecraft-data query{filtered} --format json" if filtered else None,
        f"  spacecraft-data query --all --format csv > {main.storage.table}.csv",
        f"  spacecraft-data query --all --format ndjson > {main.storage.table}.ndjson",
    ]
    for e in declared:
        if e is not main:
            search, _ordering, filtered = example_flags(e)
            lines.append(f"  spacecraft-data query --endpoint {e.name}{filtered}{search}")
    return "examples:\n" + "\n".join(line for line in lines if line)


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "query",
        help=f"filter, search, order and page the {declared.primary.name} records (or --endpoint), "
        "as LL2's lists do",
        description=_description(declared),
        epilog=_epilog(declared),
    )
    add_snapshot_option(p)
    # --endpoint offers every declared endpoint, the primary one first (the default).
    add_query_arguments(p, declared, endpoints=tuple(declared.endpoints))
    p.add_argument(
        "--format",
        choices=["table", "json", "ndjson", "csv"],
        default="table",
        help="table: aligned text with a count footer (default); json: the API page envelope; "
        "ndjson: the page's records, one JSON object a line (no envelope); "
        "csv: one flat row per record (the columns of the endpoint's normalised table, "
        "as 'export --format csv' writes it; an endpoint without one: its scalar fields, "
        "nested objects as <key>_id, lists left out)",
    )
    p.add_argument(
        "--base-url",
        default=None,
        metavar="URL",
        help="host of the hyperlinks in records and next/previous (default: https://ll.thespacedevs.com)",
    )
    p.set_defaults(run=run)


def _text(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def format_table(records: Sequence[dict[str, Any]], endpoint: Endpoint) -> str:
    """Records of ``endpoint`` as an aligned text table (a header line first).

    The columns are the declaration's ``text_columns``; an endpoint that declares none shows
    each record's ``id`` and ``name``.
    """
    columns = endpoint.presentation.text_columns or (
        ("id", lambda r: r.get("id")),
        ("name", lambda r: r.get("name")),
    )
    rows = [[h for h, _ in columns]] + [[_text(get(r)) for _, get in columns] for r in records]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() for row in rows)


def _csv(snap: Any, endpoint: Endpoint, records: Sequence[dict[str, Any]]) -> bytes:
    from ..tables import TABLES, answer_rows, csv_bytes, flat_csv

    csv_table, table = endpoint.presentation.csv_table, endpoint.storage.table
    if csv_table is None:
        return flat_csv(records, table)
    return csv_bytes(TABLES[csv_table], answer_rows(csv_table, records, snap.tables[table]))


def _holds(snap: Any, endpoint: Endpoint) -> str:
    """What the snapshot holds of ``endpoint``, for the footer."""
    if endpoint.storage.primary:
        held = f"{len(snap)} of {snap.reported_count}" if snap.reported_count else str(len(snap))
        return f"{held} records"
    table = endpoint.storage.table
    info = snap.manifest.get("tables", {}).get(table, {})
    rows = len(snap.tables[table])
    state = "complete" if info.get("complete") else "partial"
    if info.get("derived_from") == "records":
        state += f", derived from the {snap.registry.primary.name} records"
    return f"{rows} {table} ({state})"


def run(args: argparse.Namespace) -> int:
    snap = snapshot_from(args)
    endpoint = endpoint_of(args, snap.registry)
    if args.all:
        records, count = fetch(snap, args)
        envelope: dict[str, Any] = {"count": count, "next": None, "previous": None, "results": records}
    else:
        envelope = query_page(snap, endpoint, query_kwargs(args, endpoint), base_url=args.base_url).to_dict()
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
    return ExitCode.OK
