"""``spacecraft-data validate``: check LL2 data against the bundled JSON Schemas (for CI)."""

from __future__ import annotations

import argparse
import json
import sys


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "validate", help="check snapshots, pages, records, arrays or NDJSON against the JSON Schema",
        description="Validate LL2 /2.3.0/spacecraft/ (and /spacecraft_configurations/) data against the bundled "
                    "JSON Schema, e.g. in CI to catch API drift. PATH may be a snapshot folder (tables and manifest "
                    "checksums), a saved page (browsable-API text or a JSON list page), a single record, a JSON "
                    "array of records or NDJSON (*.ndjson / *.jsonl, or one record a line). With no PATH the "
                    "snapshot every command uses is checked (the newest in the user store, else the bundled one). Every problem is printed as "
                    "'<file>: record <id>: <JSON path>: <message>'; the exit code is 1 when anything is invalid, "
                    "2 when a PATH cannot be read.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", help="files or folders to check (default: the snapshot load() uses)")
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from ..validation import Report, validate
    from ._common import require_inputs

    require_inputs(args.paths)  # a missing or unreadable PATH is a usage error (2), not invalid data (1)
    report = Report()
    for target in args.paths or [None]:
        report.extend(validate(target))
    if args.format == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(report)
    return 0 if report.valid else 1
