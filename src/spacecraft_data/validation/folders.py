"""Snapshot folders: each file against the manifest's checksum, each table against its schema and the row
count the manifest gives it.

Details: docs/validating.md#damaged-or-hostile-snapshots
"""

from __future__ import annotations

import os
from typing import Any

from ..endpoints import DEFAULT_API_VERSION, table_file
from ..errors import SnapshotError
from ..manifest import file_name_problem, inside, manifest_problems
from ..store import MANIFEST, is_snapshot_version, read_file_bytes, read_json, sha256_bytes
from ..typecheck import TYPE_CHECKING
from .limits import caps
from .records import check_records, table_schema_name
from .report import Problem, Report

if TYPE_CHECKING:
    from collections.abc import Mapping
    from pathlib import Path

    from ..endpoints import Endpoint, Registry
    from .limits import Limits


def _read_json(path: Path, folder: Path) -> tuple[Any, Problem | None]:
    if os.path.lexists(path) and inside(folder, path.name) is None:
        return None, Problem(str(path), None, "", "a symlink that leads out of the snapshot folder: not read")
    try:
        return read_json(path, path.name), None
    except SnapshotError as exc:
        message = str(exc)
        line = None
        if message.startswith(f"{path}:"):
            message = message[len(str(path)) + 1 :]
            head, _, rest = message.partition(":")
            if head.isdigit():
                line, message = int(head), rest
        return None, Problem(str(path), None, "", message.strip(), line)


def validate_snapshot(
    folder: Path, registries: Mapping[str, Registry], limits: Limits | None = None
) -> Report:
    report = Report(inputs=[str(folder)])
    manifest_path = folder / MANIFEST
    manifest, problem = _read_json(manifest_path, folder)
    if problem:
        report.problems.append(problem)
        return report
    shape = manifest_problems(manifest)
    report.problems.extend(Problem(str(manifest_path), None, where, message) for where, message in shape)
    if not isinstance(manifest, dict):
        return report
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        report.problems.append(
            Problem(
                str(manifest_path),
                None,
                "$.files",
                "not a spacecraft-data manifest: no 'files' with checksums",
            )
        )
        return report
    for name, entry in sorted(files.items()):
        if not file_name_problem(name):  # a bad name is reported with the manifest's shape; never read
            report.problems.extend(_checksum_problems(folder, name, entry))
    tables = manifest.get("tables", {}) if isinstance(manifest.get("tables"), dict) else {}
    version: Any = manifest.get("api_version")  # whatever the manifest holds: its shape is reported above
    declared = registries[version if version in registries else DEFAULT_API_VERSION]
    for endpoint, table in _snapshot_tables(declared):
        _validate_table(folder, endpoint, table, tables, declared, limits, report)
    return report


def _checksum_problems(folder: Path, name: str, entry: Any) -> list[Problem]:
    """The problem of the file ``name`` the manifest lists with ``entry``: out of the folder, missing, or
    not of its checksum (none when it matches)."""
    path = folder / name
    if os.path.lexists(path) and inside(folder, name) is None:
        return [
            Problem(
                str(path),
                None,
                "",
                f"listed in {MANIFEST}, but a symlink that leads out of the snapshot folder: not read",
            )
        ]
    if not os.path.lexists(path):
        return [Problem(str(path), None, "", f"missing, but listed in {MANIFEST}")]
    expected = entry.get("sha256") if isinstance(entry, dict) else None
    try:
        actual = sha256_bytes(read_file_bytes(path, name))
    except SnapshotError as exc:
        return [Problem(str(path), None, "", str(exc)[len(str(path)) + 2 :])]
    if actual != expected:
        return [
            Problem(
                str(path),
                None,
                "",
                f"sha256 {actual} differs from {MANIFEST} ({expected}): the file changed "
                "after the snapshot was built",
            )
        ]
    return []


def _validate_table(
    folder: Path,
    endpoint: Endpoint,
    table: str,
    tables: dict[str, Any],
    registry: Registry,
    limits: Limits | None,
    report: Report,
) -> None:
    """Add to ``report`` the problems of a snapshot's ``table`` file: unreadable, not an array, a row count
    other than the manifest's ``tables`` says, and each record's against the table's schema."""
    path = folder / table_file(table)
    if not os.path.lexists(path):
        if endpoint.storage.primary and table == endpoint.storage.table:
            report.problems.append(
                Problem(str(path), None, "", f"missing: every snapshot holds the {table} table")
            )
        return
    rows, problem = _read_json(path, folder)
    if problem:
        if problem not in report.problems:
            report.problems.append(problem)
        return
    if not isinstance(rows, list):
        report.problems.append(
            Problem(str(path), None, "$", f"expected a JSON array of records, found {type(rows).__name__}")
        )
        return
    if not endpoint.validation.schemas:  # a declaration with no schema: nothing to check its records against
        report.note_schemas(str(path), [], f"snapshot table {table}, whose endpoint declares no schema")
        return
    declared = tables.get(table, {}).get("rows") if isinstance(tables.get(table), dict) else None
    if declared is not None and declared != len(rows):
        report.problems.append(
            Problem(str(path), None, "", f"holds {len(rows)} records; {MANIFEST} says {declared}")
        )
    inner = check_records(
        rows,
        str(path),
        registry,
        endpoint,
        schema_name=table_schema_name(endpoint, table),
        chosen_by=f"snapshot table {table}",
        **caps(limits),
    )
    report.problems.extend(inner.problems)
    report.records_checked += inner.records_checked
    for source, (names, chosen_by) in inner.schemas.items():
        report.note_schemas(source, names, chosen_by)


def _snapshot_tables(registry: Registry) -> list[tuple[Endpoint, str]]:
    """Every table a snapshot may hold and its endpoint: each endpoint's own, then the tables of modes kept
    apart."""
    declared = list(registry)
    return [(e, e.storage.table) for e in declared] + [
        (e, t) for e in declared for t in e.modes.tables.values()
    ]


def snapshot_folders(root: Path) -> list[Path]:
    return sorted(p.parent for p in root.glob(f"*/*/{MANIFEST}") if is_snapshot_version(p.parent.name))
