"""Rows -> files: CSV bytes, Table Schemas and the Frictionless data package descriptor."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .columns import NULL_MARKER, TABLES, Column, Row, Table, TableError
from .rows import snapshot_tables

if TYPE_CHECKING:
    import logging


def _log() -> logging.Logger:
    """This module's logger, imported on first use: ``query --format csv`` reads :func:`csv_bytes` from
    here, and a query's path stays clear of :mod:`logging`."""
    import logging

    return logging.getLogger(__name__)


# -- tables -> CSV and Table Schema --------------------------------------------------------------------------
def _missing_values(column: Column, rows: Sequence[Row]) -> list[str] | None:
    """The field's missingValues when it differs from the default [""] (see the module docstring)."""
    if column.type != "string":
        return None
    values = [row[column.name] for row in rows]
    if None not in values:
        return []
    if "" in values:
        return [NULL_MARKER]
    return None


def table_schema(table: Table, rows: Sequence[Row]) -> dict[str, Any]:
    """The Frictionless Table Schema of ``table`` as written for ``rows``.

    ``required`` is set on columns that are never null: by the LL2 spec, and in
    every row (detailed-only columns of rows held in a narrower shape are empty).
    """
    fields = []
    for column in table.columns:
        field: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
        if column.format:
            field["format"] = column.format
        constraints: dict[str, Any] = {}
        if not column.nullable and all(row[column.name] is not None for row in rows):
            constraints["required"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            field["constraints"] = constraints
        missing = _missing_values(column, rows)
        if missing is not None:
            field["missingValues"] = missing
        fields.append(field)
    schema: dict[str, Any] = {
        "fields": fields,
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    foreign_keys = []
    for column in table.columns:
        if column.ref:
            ref_table, ref_field = column.ref
            reference: dict[str, Any] = {"fields": [ref_field]}
            if ref_table != table.name:  # Table Schema v2: a self-reference omits "resource"
                reference = {"resource": ref_table, **reference}
            foreign_keys.append({"fields": [column.name], "reference": reference})
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _cell(value: Any, null: str) -> str:
    if value is None:
        return null
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


#: the characters that make a CSV cell quoted: the delimiter, the quote and both line-end characters
_QUOTED = (",", '"', "\n", "\r")


def _csv_line(cells: Sequence[str]) -> str:
    """One CSV record (RFC 4180 quoting) ending in ``\\n``.

    Written here, not by :mod:`csv`: before Python 3.13 its writer, given ``lineterminator="\\n"``,
    leaves a lone ``\\r`` unquoted, which every reader takes for a line end, so a text cell holding
    one split its row, and the bytes differed between Pythons. Here any cell holding a delimiter,
    quote, LF or CR is quoted on every Python. A record of one empty cell is written ``""``, as
    :mod:`csv` does, so that it is not a blank line.
    """
    if len(cells) == 1 and cells[0] == "":
        return '""\n'
    return (
        ",".join(f'"{c.replace(chr(34), chr(34) * 2)}"' if any(q in c for q in _QUOTED) else c for c in cells)
        + "\n"
    )


def csv_bytes(table: Table, rows: Sequence[Row], schema: Mapping[str, Any] | None = None) -> bytes:
    """The CSV file of ``table``: UTF-8, header row, ``\\n`` line ends, nulls as the schema says.

    A cell holding the delimiter, a quote, LF or CR is quoted (the same bytes on every Python).
    Text is written exactly: a cell that starts with ``=``, ``+``, ``-``, ``@`` or a tab is not
    prefixed or escaped, so a spreadsheet may read it as a formula (README, "Formula-looking cells").
    """
    schema = schema or table_schema(table, rows)
    nulls = {}
    for field in schema["fields"]:
        missing = field.get("missingValues", schema.get("missingValues", [""]))
        nulls[field["name"]] = missing[0] if missing else None
    lines = [_csv_line(table.column_names)]
    for row in rows:
        cells = []
        for name in table.column_names:
            value = row[name]
            if value is None and nulls[name] is None:
                raise TableError(
                    f"table {table.name}: column {name!r} declares no missing value but a row holds null"
                )
            if value == NULL_MARKER and nulls[name] == NULL_MARKER:
                raise TableError(
                    f"table {table.name}: column {name!r} holds the text {NULL_MARKER!r}, "
                    "which is its null marker"
                )
            cells.append(_cell(value, nulls[name] or ""))
        lines.append(_csv_line(cells))
    return "".join(lines).encode("utf-8")


# -- the data package
# -----------------------------------------------------------------------------------------
TSD_TERMS = "https://github.com/TheSpaceDevs/Tutorials/blob/main/faqs/faq_TSD.md"


def _resource_file(path: str, data: bytes) -> dict[str, Any]:
    import hashlib

    return {"path": path, "bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}


def datapackage(
    snapshot: Any,
    tables: Mapping[str, Sequence[Row]],
    csv_files: Mapping[str, bytes],
    table_dir: str = "data/tables",
    json_resources: Mapping[str, tuple[str, bytes, str | None]] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The Frictionless Data Package (v2) descriptor of the tables (and the snapshot's JSON files).

    ``csv_files`` maps table name -> CSV bytes (for size and hash); ``json_resources``
    maps resource name -> (path, bytes, JSON Schema path or ``None``). Paths are
    relative to the folder the descriptor is written in. ``note`` is added to the
    description (e.g. which query selected the records of an export).
    """
    main = snapshot.registry.primary
    route = main.routing.list_path(snapshot.api_version)
    resources = _json_resources(json_resources or {}) + _table_resources(tables, csv_files, table_dir)
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "spacecraft-data",
        "title": f"Launch Library 2 {main.name} ({route}), offline snapshot",
        "description": _description(snapshot, main.name, note),
        "version": snapshot.version,
        "homepage": "https://thespacedevs.com/llapi",
        "keywords": ["launch library", "spacecraft", "space", "The Space Devs"],
        "licenses": [
            {
                "name": "MIT",
                "path": "https://opensource.org/licenses/MIT",
                "title": "MIT License: the spacecraft-data code, schemas and scripts",
            },
            {
                "path": TSD_TERMS,
                "title": "The Space Devs terms of use (the data): free to use in any way, shape, or form; "
                "attribution is not mandatory but encouraged and appreciated; 100% accuracy is not "
                "guaranteed; images carry their own licences (images.license_*)",
            },
        ],
        "sources": _sources(snapshot.manifest),
        "contributors": [
            {
                "title": "The Space Devs (Launch Library 2)",
                "path": "https://thespacedevs.com",
                "roles": ["author"],
            },
            {"title": "spacecraft-data developers", "roles": ["packager"]},
        ],
        "resources": resources,
    }


def _json_resources(json_resources: Mapping[str, tuple[str, bytes, str | None]]) -> list[dict[str, Any]]:
    """The descriptor's resources of the snapshot's JSON files: name -> (path, bytes, JSON Schema path)."""
    resources: list[dict[str, Any]] = []
    for name, (path, data, schema_path) in json_resources.items():
        resource = {
            "name": name,
            "type": "json",
            **_resource_file(path, data),
            "format": "json",
            "mediatype": "application/json",
            "encoding": "utf-8",
            "description": f"The snapshot's {name.replace('-json', '')} records exactly as LL2 returned them "
            "(a JSON array, id order). Frictionless does not check nested JSON: validate it with "
            "'spacecraft-data validate' (JSON Schema).",
        }
        if schema_path:
            resource["jsonSchema"] = schema_path
        resources.append(resource)
    return resources


def _table_resources(
    tables: Mapping[str, Sequence[Row]], csv_files: Mapping[str, bytes], table_dir: str
) -> list[dict[str, Any]]:
    """The descriptor's resources of the CSV tables, in :data:`TABLES` order, with their Table Schemas."""
    resources: list[dict[str, Any]] = []
    for name, table in TABLES.items():
        if name not in tables:
            continue
        resources.append(
            {
                "name": name,
                "type": "table",
                **_resource_file(f"{table_dir}/{name}.csv".lstrip("/"), csv_files[name]),
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "title": table.title,
                "description": table.description,
                "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"'},
                "schema": table_schema(table, tables[name]),
            }
        )
    return resources


def _sources(manifest: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The descriptor's ``sources``: one per input the manifest lists, with its URL and capture date."""
    sources = []
    for s in manifest.get("sources", []):
        source = {
            "title": f"{s.get('endpoint')} ({s.get('mode')} mode): {s.get('file')}",
            "path": s.get("request_url") or s.get("endpoint"),
        }
        if s.get("captured") or s.get("received"):
            source["version"] = s.get("captured") or f"received {s.get('received')}"
        sources.append(source)
    return sources


def _description(snapshot: Any, name: str, note: str | None) -> str:
    """The descriptor's ``description``: which snapshot of endpoint ``name``, how complete, how to read it.

    ``note``, if given, ends it.
    """
    records = snapshot.manifest.get("records", {})
    return (
        f"Snapshot {snapshot.version} of The Space Devs' Launch Library 2 API {snapshot.api_version} "
        f"{name} endpoint: {records.get('held')} of {records.get('reported')} records "
        f"({'complete' if records.get('complete') else 'incomplete'}), modes held: "
        f"{', '.join(snapshot.modes) or 'none'}; with the spacecraft configurations and statuses. The "
        "JSON resources are the records as the API returned them; the CSV tables are their normalised "
        "form (generated by scripts/build_tables.py). Images are referenced by URL and carry their "
        "own licence (images table). Durations are ISO 8601 text (type duration) beside whole seconds "
        "(…_seconds, integer). Text cells hold LL2's text exactly: a cell holding a comma, quote, CR "
        "or LF is quoted; nothing is prefixed or escaped, so a cell may begin with =, +, -, @ or a "
        "tab, which a spreadsheet can take for a formula (import the files as text rather than "
        "opening them in one)." + (f" {note}" if note else "")
    )


def package_files(
    snapshot: Any,
    records: Iterable[Mapping[str, Any]] | None = None,
    table_dir: str = "data/tables",
    json_resources: Mapping[str, tuple[str, bytes, str | None]] | None = None,
    note: str | None = None,
    *,
    table: str | None = None,
    referenced_only: bool = False,
) -> dict[str, bytes]:
    """Every file of the tables package: ``{relative path: bytes}`` (the CSVs and ``datapackage.json``).

    ``records``, ``table`` (default: the primary endpoint's ``csv_table``) and ``referenced_only``
    select the rows as :func:`~spacecraft_data.tables.snapshot_tables` does. Nothing is written; see
    ``scripts/build_tables.py`` and ``spacecraft-data export``.
    """
    tables = snapshot_tables(snapshot, records, table=table, referenced_only=referenced_only)
    files: dict[str, bytes] = {}
    csv_files: dict[str, bytes] = {}
    log = _log()
    for name, table_def in TABLES.items():
        if name not in tables:
            continue
        csv_files[name] = csv_bytes(table_def, tables[name])
        path = f"{table_dir}/{name}.csv".lstrip("/")
        files[path] = csv_files[name]
        log.info("made %s (%d rows)", path, len(tables[name]))
    descriptor = datapackage(snapshot, tables, csv_files, table_dir, json_resources, note)
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files
