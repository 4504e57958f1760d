"""The build's manifest step: every table's file and the manifest describing them (version, origin, counts,
modes, tables, sources, notes and each file's digest).

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import datetime as _dt
from typing import Any, Sequence

from ..endpoints import Endpoint, table_file
from ..errors import BuildError
from ..store import MANIFEST, dump_json, sha256_bytes
from .merge import Merged
from .plan import Plan
from .sources import Record, SnapshotInputs, Source


def _default_version(sources: Sequence[Source]) -> str:
    dates = [d for s in sources for d in (s.captured, s.received) if d]
    if not dates:
        raise BuildError("no source carries a capture or received date; pass a snapshot version explicitly")
    return _dt.date.fromisoformat(max(dates)[:10]).strftime("%Y.%m.%d")


def manifest_step(inputs: SnapshotInputs, plan: Plan, merged: Merged) -> dict[str, bytes]:
    """The manifest step: every table's file (name -> bytes) and the manifest describing them all.

    Notes pages that reported different counts in ``inputs.notes``, which the manifest then lists.
    """
    declared, held = plan.registry, merged.held
    main = declared.primary
    counts = merged.reported[main.storage.table]
    if len(counts) > 1:
        inputs.notes.append(f"pages reported different counts: {sorted(counts)}")
    reported_count = max(counts) if counts else None
    complete = reported_count is not None and len(held[main.storage.table]) >= reported_count
    own_tables = [e.storage.table for e in declared]
    files = {table_file(t): dump_json(held[t]) for t in own_tables}
    tables = {e.storage.table: _table_entry(e, plan, merged, complete) for e in declared}
    modes = _held_modes(main, held[main.storage.table])
    for e in declared:
        for mode, table in plan.apart(e).items():
            files[table_file(table)] = dump_json(held[table])
            tables[table] = _mode_table_entry(mode, table, held[table], merged.reported[table], inputs.notes)
            if e.storage.primary:
                modes[mode] = _mode_held_apart(e, mode, table, plan.own(e))
    records = {"held": len(held[main.storage.table]), "reported": reported_count, "complete": complete}
    manifest = _manifest(inputs, main, records, modes, tables, merged.sources, files)
    files[MANIFEST] = dump_json(manifest)
    return files


def _table_entry(e: Endpoint, plan: Plan, merged: Merged, complete: bool) -> dict[str, Any]:
    """The manifest's entry of an endpoint's own table; ``complete`` is the primary table's completeness."""
    table = e.storage.table
    entry: dict[str, Any] = {"file": table_file(table), "rows": len(merged.held[table])}
    if e.storage.primary:
        entry["complete"] = complete
        if plan.apart(e):
            entry["modes"] = plan.own(e)
    else:
        if e.modes.names:
            entry["modes"] = plan.own(e)
        if table in merged.derived_from:
            entry["derived_from"] = merged.derived_from[table]
        entry["complete"] = table in merged.complete_tables
    return entry


def _mode_table_entry(
    mode: str, table: str, records: list[Record], reported: set[int], notes: list[str]
) -> dict[str, Any]:
    """The manifest's entry of a table holding one ``mode`` apart; notes pages reporting different counts."""
    count = max(reported) if reported else None
    if len(reported) > 1:
        notes.append(f"{mode} pages reported different counts: {sorted(reported)}")
    return {
        "file": table_file(table),
        "rows": len(records),
        "modes": [mode],
        "count_reported": count,
        "complete": count is not None and len(records) >= count,
    }


def _mode_held_apart(e: Endpoint, mode: str, table: str, own_modes: list[str]) -> dict[str, Any]:
    """The manifest's ``modes`` entry of a primary mode held in ``table``, apart from the endpoint's own."""
    answers = f"mode={mode} and the detail route answer" if mode == e.modes.detail else f"mode={mode} answers"
    return {
        "held": True,
        "file": table_file(table),
        "why": f"{mode} records are in {table_file(table)}, matched by id to the "
        f"{'/'.join(own_modes)} ones in {table_file(e.storage.table)}: {answers} from it",
    }


def _manifest(
    inputs: SnapshotInputs,
    main: Endpoint,
    records: dict[str, Any],
    modes: dict[str, dict[str, Any]],
    tables: dict[str, dict[str, Any]],
    sources: list[dict[str, Any]],
    files: dict[str, bytes],
) -> dict[str, Any]:
    """The snapshot's manifest: its version, origin, record counts, modes, tables, sources, notes and files.

    The version is ``inputs.snapshot_version``, else the day of the newest capture (:func:`_default_version`).
    """
    return {
        "snapshot_version": inputs.snapshot_version or _default_version(inputs.sources),
        "api_version": inputs.api_version,
        "endpoint": main.routing.list_path(inputs.api_version),
        "base_url": inputs.base_url,
        "attribution": "Data: The Space Devs, Launch Library 2 (https://thespacedevs.com). "
        "Free to use; attribution encouraged; accuracy not guaranteed; images carry their own licences.",
        "records": {**records, **({"discrepancy": inputs.discrepancy} if inputs.discrepancy else {})},
        "modes": modes,
        "tables": tables,
        "sources": sources,
        "notes": list(inputs.notes),
        "files": {
            name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())
        },
    }


def _held_modes(main: Endpoint, records: list[Record]) -> dict[str, dict[str, Any]]:
    """The manifest's ``modes``: which modes of the primary endpoint its table holds, and why one is missing.

    The table holds its default mode unless a record says it is in another. A mode neither held nor
    derivable from the held one (a :class:`~spacecraft_data.endpoints.Projection`) says what it would take.
    """
    plan = main.modes
    held = next(
        (m for m in plan.names if m != plan.default and any(r.get("response_mode") == m for r in records)),
        plan.default,
    )
    modes: dict[str, dict[str, Any]] = {}
    for mode in plan.names:
        modes[mode] = {"held": mode == held}
        if mode != held and mode not in plan.derived:
            contents = plan.contents.get(mode)
            modes[mode]["why"] = (
                f"only {held}-mode list pages were captured; {mode} records"
                + (f" ({contents})" if contents else "")
                + f" need 'spacecraft-data harvest --mode {mode}' on a networked machine"
            )
    return modes
