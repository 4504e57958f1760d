"""``spacecraft-data validate``: check LL2 data against the bundled JSON Schemas (for CI)."""

from __future__ import annotations

import argparse
import json
import sys

from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from ..endpoints import Registry

#: the default caps (spacecraft_data.validation.report's, repeated so that --help imports no validation code)
MAX_PROBLEMS = 1000
MAX_RECORD_PROBLEMS = 30


def schema_names(declared: Registry) -> list[str]:
    """The names ``--schema`` takes: those of spacecraft_data.validation.SCHEMA_NAMES, read from the
    declarations here so that --help imports only the registry, not the validation package."""
    return list(dict.fromkeys(s.name for e in declared for s in e.validation.schemas.values()))


def _checked_endpoints(declared: Registry) -> str:
    # "/2.3.0/spacecraft/ (and /spacecraft_configurations/, ...)": the primary endpoint first, as declared
    routes = [f"/{e.name}/" for e in declared if e.validation.schemas]
    version = declared.api_version
    first = f"/{version}{routes[0]}" if routes else f"/{version}/"
    return first + (f" (and {', '.join(routes[1:])})" if len(routes) > 1 else "")


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    names = schema_names(declared)
    p = sub.add_parser(
        "validate",
        help="check snapshots, pages, records, arrays or NDJSON against the JSON Schema",
        description=f"Validate LL2 {_checked_endpoints(declared)} data against the bundled "
        "JSON Schema, e.g. in CI to catch API drift. PATH may be a snapshot folder (tables and manifest "
        "checksums), a saved page (browsable-API text or a JSON list page), a single record, a JSON "
        "array of records or NDJSON (*.ndjson / *.jsonl, or one record a line). With no PATH the "
        "snapshot every command uses is checked (the newest in the user store, else the bundled one). "
        "Each record is checked against a schema of the endpoint where it "
        "stands: a snapshot's table, or the endpoint a page's GET line or envelope links name, else "
        "--schema, else the endpoint the record's own url names, else the primary one (a record's keys "
        "never choose); the report says which schema checked each input. Every problem is printed as "
        "'<file>: record <id>: <JSON path>: <message>', up to --max-problems per input and "
        "--max-problems-per-record per record, then the count of the rest; the exit code is 1 when "
        "anything is invalid, 2 when a PATH cannot be read. JSON arrays and NDJSON are read as a "
        "stream, in bounded memory whatever their size.",
    )
    p.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="files or folders to check (default: the snapshot load() uses)",
    )
    p.add_argument(
        "--format",
        choices=["text", "json", "github"],
        default="text",
        help="output format (default: text); github: GitHub Actions annotations (::error file=…,line=…::…)",
    )
    p.add_argument(
        "--schema",
        choices=names,
        default=None,
        metavar="NAME",
        help="check every record of a page, record, array or NDJSON input against this schema: "
        f"{', '.join(names)} (snapshot tables always get their table's schema)",
    )
    p.add_argument(
        "--max-problems",
        type=_cap,
        default=MAX_PROBLEMS,
        metavar="N",
        help=f"list at most N problems per input, then count the rest (default {MAX_PROBLEMS}; 0: all)",
    )
    p.add_argument(
        "--max-problems-per-record",
        type=_cap,
        default=MAX_RECORD_PROBLEMS,
        metavar="N",
        help=f"list at most N problems per record, then count the rest (default {MAX_RECORD_PROBLEMS}; "
        "0: all)",
    )
    p.set_defaults(run=run)


def _cap(text: str) -> int | None:
    """A cap given on the command line: a whole number, 0 meaning none."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (no cap) or more, got {value}")
    return value or None


def run(args: argparse.Namespace) -> int:
    from ..validation import Report, validate
    from ._common import require_inputs

    require_inputs(args.paths)  # a missing or unreadable PATH is a usage error (2), not invalid data (1)
    report = Report()
    for target in args.paths or [None]:
        report.extend(
            validate(
                target,
                schema=args.schema,
                max_problems=args.max_problems,
                max_record_problems=args.max_problems_per_record,
            )
        )
    if args.format == "github":
        from ..validation.annotations import github_annotations

        print(github_annotations(report))
    elif args.format == "json":
        json.dump(report.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        print()
    else:
        print(report)
    return ExitCode.OK if report.valid else ExitCode.INVALID
