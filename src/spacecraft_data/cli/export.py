"""``spacecraft-data export``: write the records a query selects as CSV tables, JSON or NDJSON files."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

from ..errors import InputError
from ._common import add_snapshot_option, snapshot_from
from ._query_args import add_query_arguments, fetch, query_kwargs


_OUTPUTS = {"json": "spacecraft.json", "ndjson": "spacecraft.ndjson"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "export", help="write the (filtered) spacecraft as CSV tables with a datapackage.json, JSON or NDJSON",
        description="Write the records a query selects into a folder. With no query flags every record of the "
                    "snapshot is written; with flags, every record the query matches (all pages, in the query's "
                    "order; --limit/--offset export that one page). Records are written as the snapshot stores "
                    "them. csv: the normalised tables (spacecraft and every row they reference) and a Frictionless "
                    "datapackage.json; json: spacecraft.json, a JSON array; ndjson: spacecraft.ndjson, one record a "
                    "line. Each file is written atomically; existing files are never overwritten without --force.",
        epilog="examples:\n"
               "  spacecraft-data export --format csv --output out/\n"
               "  spacecraft-data export --format ndjson --output out/ --status 4 --ordering -time_in_space\n"
               "  spacecraft-data export --format json --output out/ --search progress --force",
    )
    add_snapshot_option(p)
    p.add_argument("--format", choices=["csv", "json", "ndjson"], required=True, help="what to write")
    p.add_argument("--output", type=Path, required=True, metavar="DIR", help="folder to write into (created if absent)")
    p.add_argument("--force", action="store_true", help="overwrite files of the same names in DIR")
    add_query_arguments(p, allow_all=False)
    p.set_defaults(run=run)


def _selected(snap: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The stored records the query flags select: all pages unless --limit/--offset name one page."""
    args.all = args.limit is None and args.offset is None
    answered, _count = fetch(snap, args)
    # Query answers carry rewritten links; export the records exactly as the snapshot holds them.
    return [snap.get(record["id"]) for record in answered]


def export_files(snap: Any, records: list[dict[str, Any]], fmt: str, note: str | None = None) -> dict[str, bytes]:
    """The files ``export`` writes for ``records`` in format ``fmt``: file name -> bytes.

    ``note`` (csv only) is added to the datapackage description.
    """
    from ..store import dump_json

    if fmt == "json":
        return {_OUTPUTS["json"]: dump_json(records)}
    if fmt == "ndjson":
        lines = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
        return {_OUTPUTS["ndjson"]: lines.encode("utf-8")}
    from ..tables import package_files

    return package_files(snap, records, table_dir="", note=note)


def run(args: argparse.Namespace) -> int:
    from ..store import publish, write_atomic

    snap = snapshot_from(args)
    records = _selected(snap, args)
    params = query_kwargs(args)
    selection = ", ".join(f"{k}={v}" for k, v in params.items()) or "no query (every record)"
    note = f"This export holds {len(records)} of the snapshot's {len(snap)} spacecraft records, selected by: {selection}."
    files = export_files(snap, records, args.format, note)
    out: Path = args.output
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    clash = sorted(name for name in files if (out / name).exists())
    if clash and not args.force:
        raise InputError(f"{out}: would overwrite {', '.join(clash)}; pass --force to replace them")
    if not out.exists():
        publish(files, out)  # a new folder appears whole or not at all
    else:
        for name, data in sorted(files.items()):
            write_atomic(out / name, data)
    print(f"exported {len(records)} of {len(snap)} records (snapshot {snap.version}) as {args.format} to {out}: "
          f"{', '.join(sorted(files))}", file=sys.stderr)
    return 0
