"""``spacecraft-data export``: write a snapshot's tables, or the records a query selects, as CSV, Parquet,
JSON or NDJSON."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any, Callable

    from ..endpoints import Endpoint, Registry

from ..errors import ExitCode, InputError
from ._common import add_progress_options, add_snapshot_option, path_to_write, snapshot_from
from ._query_args import add_query_arguments, endpoint_of, example_flags, fetch, query_kwargs

#: formats written as one file, which may go to standard output (--output -)
SINGLE_FILE_FORMATS = ("json", "ndjson")
#: formats written as a folder of tables
TABLE_FORMATS = ("csv", "parquet")


def _epilog(declared: Registry) -> str:
    """Examples written from each declaration's browsable-page examples (``Presentation.examples``)."""
    main = declared.primary
    search, ordering, filtered = example_flags(main)
    lines = [
        "  spacecraft-data export --format csv --output out/",
        "  spacecraft-data export --format parquet --output out/",
        f"  spacecraft-data export --format csv --output selection/{search} --referenced-only"
        if search
        else "",
        f"  spacecraft-data export --format ndjson --output -{filtered}{ordering}"
        if filtered or ordering
        else "",
    ]
    for e in declared:
        if e is not main:
            lines.append(
                f"  spacecraft-data export --format json --output out/ --endpoint {e.name}"
                f"{example_flags(e)[2]} --force"
            )
    return "examples:\n" + "\n".join(line for line in lines if line)


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "export",
        help="write the snapshot's tables (or a query's records) as CSV with a datapackage.json, "
        "Parquet, JSON or NDJSON",
        description="Write a snapshot's data into a folder (or, for json and ndjson, to standard output with "
        "--output -). csv: the normalised tables and a Frictionless datapackage.json; parquet: the same "
        "tables as typed Parquet files (needs the 'parquet' extra); json: the records as a JSON array; "
        "ndjson: one record a line. With no query flags every record and every complete reference "
        "table is written. With flags, the records the query matches (all pages, in the query's order; "
        "--limit/--offset export that one page), with the complete reference tables, or only the "
        "reference rows they use with --referenced-only. --endpoint exports another endpoint's records "
        "(and the tables they lead to; an endpoint with no normalised table exports as json or ndjson "
        "only). Records are written as the snapshot stores them. Every file is staged beside its "
        "target, read back and compared with what was meant to be written, then all are moved in "
        "together (datapackage.json last): a failed export (a full disk, say) names the file and "
        "leaves the folder as it was. Existing files are never overwritten without --force.",
        epilog=_epilog(declared),
    )
    add_snapshot_option(p)
    p.add_argument(
        "--format", choices=[*TABLE_FORMATS, *SINGLE_FILE_FORMATS], required=True, help="what to write"
    )
    p.add_argument(
        "--output",
        type=path_to_write,
        required=True,
        metavar="DIR",
        help="folder to write into (created if absent); '-' writes json or ndjson to standard output",
    )
    p.add_argument("--force", action="store_true", help="overwrite files of the same names in DIR")
    p.add_argument(
        "--referenced-only",
        action="store_true",
        help="csv/parquet: only the reference rows the exported records use (default: complete tables)",
    )
    add_query_arguments(p, declared, allow_all=False, endpoints=tuple(declared.endpoints))
    add_progress_options(p)
    p.set_defaults(run=run, _parser=p)


def _selected(snap: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The stored records the query flags select: all pages unless --limit/--offset name one page."""
    args.all = args.limit is None and args.offset is None
    answered, _count = fetch(snap, args)
    # Query answers carry rewritten links; export the records exactly as the snapshot holds them.
    stored = {r["id"]: r for r in _stored(snap, args)}
    return [stored[record["id"]] for record in answered]


def _stored(snap: Any, args: argparse.Namespace) -> list[dict[str, Any]]:
    """The stored records of the chosen endpoint (and mode: a both-modes snapshot keeps detailed ones
    apart)."""
    endpoint = endpoint_of(args, snap.registry)
    mode_table = endpoint.modes.tables.get(args.mode or "")
    if mode_table and snap.tables.get(mode_table):
        return list(snap.tables[mode_table])
    return list(snap.tables[endpoint.storage.table])


def formats_of(endpoint: Endpoint) -> tuple[str, ...]:
    """The formats ``export`` writes ``endpoint``'s records in: the table formats need its normalised
    table."""
    return (*(TABLE_FORMATS if endpoint.presentation.csv_table else ()), *SINGLE_FILE_FORMATS)


def export_files(
    snap: Any,
    records: list[dict[str, Any]] | None,
    fmt: str,
    note: str | None = None,
    *,
    table: str | None = None,
    referenced_only: bool = False,
) -> dict[str, bytes]:
    """The files ``export`` writes in format ``fmt``: file name -> bytes.

    ``records`` are the selected records of snapshot table ``table`` (default: the primary
    endpoint's; ``None`` records: every record, complete tables). ``note`` (csv only) is added
    to the datapackage description. csv and parquet write the normalised tables of the
    endpoint's ``csv_table``; :class:`InputError` for an endpoint that has none.
    """
    from ..store import dump_json

    endpoint, records, selection = _selection(snap, records, table)
    table, csv_table = endpoint.storage.table, endpoint.presentation.csv_table
    if fmt == "json":
        return {f"{table}.json": dump_json(records)}
    if fmt == "ndjson":
        lines = "".join(json.dumps(r, ensure_ascii=False, separators=(",", ":")) + "\n" for r in records)
        return {f"{table}.ndjson": lines.encode("utf-8")}
    if csv_table is None:
        raise InputError(
            f"{endpoint.routing.list_path(snap.api_version)} has no normalised table, so no {fmt} export; "
            f"its records export as {' or '.join(SINGLE_FILE_FORMATS)}"
        )
    if fmt == "parquet":
        from ..tables.parquet import parquet_files

        return parquet_files(_tables(snap, selection, endpoint, referenced_only))
    from ..tables import package_files

    return package_files(
        snap, selection, table_dir="", note=note, table=csv_table, referenced_only=referenced_only
    )


def _selection(
    snap: Any, records: list[dict[str, Any]] | None, table: str | None
) -> tuple[Endpoint, list[dict[str, Any]], list[dict[str, Any]] | None]:
    """The endpoint of ``table``, the records to write, and the selection its tables are made from."""
    declared = snap.registry
    endpoint = declared.by_table(table) if table else declared.primary
    if endpoint is None:
        raise InputError(f"no endpoint keeps its records in table {table!r}")
    if records is None:
        everything = list(snap.tables[endpoint.storage.table])
        # Every table when every record of the primary endpoint is exported; another's lead to fewer tables.
        return endpoint, everything, None if endpoint.storage.primary else everything
    return endpoint, records, records


def _tables(
    snap: Any, selection: list[dict[str, Any]] | None, endpoint: Endpoint, referenced_only: bool
) -> dict[str, list[dict[str, Any]]]:
    from ..tables import snapshot_tables

    return snapshot_tables(
        snap, selection, table=endpoint.presentation.csv_table, referenced_only=referenced_only
    )


def check_export(
    folder: Path,
    snap: Any,
    records: list[dict[str, Any]] | None,
    fmt: str,
    *,
    table: str | None = None,
    referenced_only: bool = False,
) -> None:
    """Read the files ``export_files`` gave, as written into ``folder``, back and compare them with the data.

    json and ndjson must parse to the records; csv, read through its ``datapackage.json``, and parquet,
    read by DuckDB, must give the rows of every table. Raises :class:`~spacecraft_data.errors.BuildError`
    (exit status 1) naming the file that differs.
    """
    from ..errors import BuildError
    from ..tables import TableError

    endpoint, written, selection = _selection(snap, records, table)
    try:
        if fmt in SINGLE_FILE_FORMATS:
            path = folder / f"{endpoint.storage.table}.{fmt}"
            text = path.read_text(encoding="utf-8")
            # split at LF alone: str.splitlines() also splits at U+2028 and the like, which JSON text may hold
            back = json.loads(text) if fmt == "json" else [json.loads(line) for line in text.split("\n")[:-1]]
            if back != written:
                raise TableError(f"{path}: does not read back as the {len(written)} records written")
            return
        expected = _tables(snap, selection, endpoint, referenced_only)
        if fmt == "parquet":
            from ..tables.parquet import check_parquet_files

            check_parquet_files(folder, expected)
            return
        from ..tables import read_package

        back_tables = read_package(folder / "datapackage.json")
        for name, rows in expected.items():
            if back_tables.get(name) != rows:
                raise TableError(
                    f"{folder / (name + '.csv')}: does not read back as the {len(rows)} rows written"
                )
    except (TableError, ValueError) as exc:
        raise BuildError(f"export read back different data, so nothing was published: {exc}") from None


def run(args: argparse.Namespace) -> int:
    to_stdout = str(args.output) == "-"
    if to_stdout and args.format not in SINGLE_FILE_FORMATS:
        args._parser.error(
            f"--output -: {args.format} writes a folder of tables; standard output takes "
            f"{' or '.join(SINGLE_FILE_FORMATS)} only"
        )
    # The usage is checked against the declarations the flags came from, before any snapshot is read.
    chosen = endpoint_of(args, args.registry)
    if args.format not in formats_of(chosen):
        args._parser.error(
            f"--format {args.format}: {chosen.name} has no normalised table; its records export "
            f"as {' or '.join(formats_of(chosen))}"
        )
    snap = snapshot_from(args)
    endpoint = endpoint_of(args, snap.registry)
    params = query_kwargs(args, endpoint)
    everything = not params and not args.referenced_only
    records = None if everything else _selected(snap, args)
    table = endpoint.storage.table
    total = len(snap.tables[table])
    count = total if records is None else len(records)
    selection = ", ".join(f"{k}={v}" for k, v in params.items()) or "no query (every record)"
    what = table
    note = f"This export holds {count} of the snapshot's {total} {what} records, selected by: {selection}" + (
        "; reference tables hold only the rows they use."
        if args.referenced_only
        else "; reference tables are complete."
    )
    files = export_files(snap, records, args.format, note, table=table, referenced_only=args.referenced_only)
    done = f"exported {count} of {total} records (snapshot {snap.version}) as {args.format}"
    if to_stdout:
        (data,) = files.values()
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        if not args.quiet:
            print(f"{done} to standard output", file=sys.stderr)
        return ExitCode.OK
    out: Path = args.output
    _check_output(out, files, args.force)
    _publish(
        files,
        out,
        lambda staged: check_export(
            staged, snap, records, args.format, table=table, referenced_only=args.referenced_only
        ),
    )
    if not args.quiet:
        print(f"{done} to {out}: {', '.join(sorted(files))}", file=sys.stderr)
    return ExitCode.OK


def _check_output(out: Path, files: dict[str, bytes], force: bool) -> None:
    """:class:`InputError` unless ``files`` may be written into the folder ``out`` (made if missing)."""
    # The nearest part of the path that exists must be a folder: a file there (``afile/sub``) would otherwise
    # surface as mkdir's bare "File exists".
    found = next((p for p in (out, *out.parents) if os.path.lexists(p)), None)
    if found is not None and not found.is_dir():
        raise InputError(
            f"{out}: exists and is not a folder" if found == out else f"{out}: {found} is not a folder"
        )
    if (out / "manifest.json").exists():  # its tables would be replaced and fail its checksums: data lost
        raise InputError(
            f"{out}: is a snapshot folder (it holds a manifest.json); export into another folder"
        )
    clash = sorted(name for name in files if os.path.lexists(out / name))  # a dangling symlink is taken too
    if clash and not force:
        raise InputError(f"{out}: would overwrite {', '.join(clash)}; pass --force to replace them")


def _fsync_path(path: Path) -> None:
    """Make a rename in folder ``path`` durable (where the platform can fsync a folder)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


#: the file moved in last, so that a folder whose descriptor is new holds every new table beside it
_LAST = "datapackage.json"


def _publish(files: dict[str, bytes], out: Path, check: Callable[[Path], None]) -> None:
    """Write ``files`` into ``out`` all together, or not at all.

    Every file is first written and fsynced into a staging folder on the same file system
    (beside ``out`` when it does not exist yet, inside it, hidden, when it does), then
    ``check`` reads the staged files back. Only then are they moved into place: a new
    folder by one rename; into an existing one file by file, ``datapackage.json`` last,
    each old file set aside first so that a rename that fails puts every one back. The
    renames need no space, so a full disk stops the export while nothing of ``out`` has
    changed. A write that fails raises ``OSError`` naming the file in ``out`` it was for.
    """
    import shutil
    import tempfile

    fresh = not out.exists()
    home = out.parent if fresh else out
    home.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.export-", suffix=".tmp", dir=home))
    try:
        for name, data in sorted(files.items()):
            try:
                with open(staging / name, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
                os.chmod(staging / name, 0o644)
            except OSError as exc:
                raise OSError(
                    exc.errno,
                    f"{exc.strerror or exc} (writing it into a staging folder; nothing in {out} was changed)",
                    str(out / name),
                ) from None
        _fsync_path(staging)
        check(staging)
        if fresh:
            os.chmod(staging, 0o755)  # mkdtemp makes it private; an export is meant to be read by all
            os.rename(staging, out)
            _fsync_path(out.parent)
            return
        _swap_in(staging, out, sorted(files, key=lambda n: (n == _LAST, n)))
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _swap_in(staging: Path, out: Path, names: list[str]) -> None:
    """Move ``names`` from ``staging`` into ``out`` in order; on a failure put back what was there."""
    import errno

    for name in names:  # a folder is never set aside (and removed with the staging folder)
        if (out / name).is_dir() and not (out / name).is_symlink():
            raise IsADirectoryError(errno.EISDIR, "is a folder; export replaces files only", str(out / name))
    aside = staging / ".replaced"
    aside.mkdir()
    done: list[tuple[str, bool]] = []  # (name, whether an old file was set aside)
    try:
        for name in names:
            target = out / name
            had_old = os.path.lexists(target)
            if had_old:
                os.rename(target, aside / name)
            try:
                os.rename(staging / name, target)
            except OSError:
                if had_old:
                    os.rename(aside / name, target)
                raise
            done.append((name, had_old))
    except OSError as exc:
        for name, had_old in reversed(done):
            if had_old:
                os.replace(aside / name, out / name)
            else:
                (out / name).unlink(missing_ok=True)
        raise OSError(
            exc.errno,
            f"{exc.strerror or exc} (moving the staged files in; {out} was put back as it was)",
            str(exc.filename or out),
        ) from None
    _fsync_path(out)
