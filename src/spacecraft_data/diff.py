"""Compare two snapshots: records added, removed and changed, field by field.

Details: docs/harvest.md#refreshing-the-data-harvest-import-pages-diff
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .endpoints import DEFAULT_API_VERSION
from .errors import SnapshotNotFound
from .snapshot import Snapshot, load
from .store import MANIFEST, is_snapshot_version

__all__ = [
    "Change",
    "TableDiff",
    "SnapshotDiff",
    "diff_values",
    "diff_snapshots",
    "strip_format",
    "resolve_snapshot",
]

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "<missing>"})()


def strip_format(value: str) -> str:
    """``value`` without its ``format`` query parameter (the rest of the URL kept as is)."""
    parts = urlsplit(value)
    if "format=" not in parts.query:
        return value
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "format"])
    return urlunsplit(parts._replace(query=query))


@dataclass(frozen=True)
class Change:
    """One field that differs: its JSON path and the old and new values (``MISSING`` when absent)."""

    path: str
    old: Any
    new: Any

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"path": self.path}
        if self.old is not MISSING:
            out["old"] = self.old
        if self.new is not MISSING:
            out["new"] = self.new
        return out


def diff_values(old: Any, new: Any, path: str = "$", ignore_format: bool = True) -> list[Change]:
    """The field-level changes from ``old`` to ``new`` (JSON values), as JSON paths."""
    if isinstance(old, dict) and isinstance(new, dict):
        changes: list[Change] = []
        for key in list(old) + [k for k in new if k not in old]:
            changes += diff_values(
                old.get(key, MISSING), new.get(key, MISSING), f"{path}.{key}", ignore_format
            )
        return changes
    if isinstance(old, list) and isinstance(new, list):
        changes = []
        for i in range(max(len(old), len(new))):
            changes += diff_values(
                old[i] if i < len(old) else MISSING,
                new[i] if i < len(new) else MISSING,
                f"{path}[{i}]",
                ignore_format,
            )
        return changes
    if ignore_format and path.endswith(".url") and isinstance(old, str) and isinstance(new, str):
        if strip_format(old) == strip_format(new):
            return []
    # type() check: JSON true and 1 are different values
    if type(old) is type(new) and old == new:
        return []
    return [Change(path, old, new)]


@dataclass
class TableDiff:
    """Records of one table added, removed and changed (by id)."""

    added: list[int] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    changed: dict[int, list[Change]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "removed": self.removed,
            "changed": {str(i): [c.to_json() for c in changes] for i, changes in self.changed.items()},
        }

    def summary(self) -> str:
        return f"{len(self.added)} added, {len(self.removed)} removed, {len(self.changed)} changed"


@dataclass
class SnapshotDiff:
    """The differences between two snapshots, table by table."""

    old: Snapshot
    new: Snapshot
    tables: dict[str, TableDiff]

    @property
    def empty(self) -> bool:
        return not any(t.added or t.removed or t.changed for t in self.tables.values())

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict: both snapshots' versions and counts, then each table's diff."""

        def side(s: Snapshot) -> dict[str, Any]:
            return {
                "snapshot_version": s.version,
                "api_version": s.api_version,
                "path": str(s.path),
                "records_held": len(s),
                "records_reported": s.reported_count,
            }

        return {
            "old": side(self.old),
            "new": side(self.new),
            "tables": {name: t.to_json() for name, t in self.tables.items()},
        }

    def summary_lines(self) -> list[str]:
        """One line a table: ``spacecraft: 3 added, 0 removed, 1 changed``."""
        return [f"{name}: {t.summary()}" for name, t in self.tables.items()]

    def to_text(self, max_changes: int | None = None) -> str:
        """A readable report: a header, then ``+``/``-``/``~`` lines per record with its changed paths."""
        lines = [
            f"diff {self.old.api_version}/{self.old.version} ({len(self.old)} records) -> "
            f"{self.new.api_version}/{self.new.version} ({len(self.new)} records)"
        ]
        for name, t in self.tables.items():
            lines.append(f"{name}: {t.summary()}")
            lines += [f"  + {i} {t.names.get(i, '')}".rstrip() for i in t.added]
            lines += [f"  - {i} {t.names.get(i, '')}".rstrip() for i in t.removed]
            for i, changes in t.changed.items():
                lines.append(f"  ~ {i} {t.names.get(i, '')}".rstrip())
                shown = changes if max_changes is None else changes[:max_changes]
                for c in shown:
                    lines.append(f"      {c.path}: {_short(c.old)} -> {_short(c.new)}")
                if len(shown) < len(changes):
                    lines.append(f"      … and {len(changes) - len(shown)} more")
        return "\n".join(lines)


def _short(value: Any, width: int = 80) -> str:
    import json

    text = "(absent)" if value is MISSING else json.dumps(value, ensure_ascii=False)
    return text if len(text) <= width else text[: width - 1] + "…"


def _diff_table(old: list[dict], new: list[dict], ignore_format: bool) -> TableDiff:
    old_by = {r["id"]: r for r in old if isinstance(r, dict) and "id" in r}
    new_by = {r["id"]: r for r in new if isinstance(r, dict) and "id" in r}
    diff = TableDiff(
        added=sorted(set(new_by) - set(old_by)),
        removed=sorted(set(old_by) - set(new_by)),
    )
    for i in sorted(set(old_by) & set(new_by)):
        changes = diff_values(old_by[i], new_by[i], ignore_format=ignore_format)
        if changes:
            diff.changed[i] = changes
    for by in (old_by, new_by):
        for i, record in by.items():
            if isinstance(record.get("name"), str):
                diff.names.setdefault(i, record["name"])
    return diff


def diff_snapshots(old: Snapshot, new: Snapshot, ignore_format: bool = True) -> SnapshotDiff:
    """Compare every table of ``old`` and ``new``, records matched by id.

    The tables are each declared endpoint's own, then those a mode is kept apart in
    (``spacecraft_detailed``, the detailed records of a snapshot harvested in both modes),
    which are compared only when either snapshot's manifest declares them.
    """
    declared = {**old.registry.endpoints, **new.registry.endpoints}.values()
    # A table kept apart is left out where neither side has it, so the usual report is unchanged.
    apart = [
        table
        for e in declared
        for table in e.modes.tables.values()
        if any(table in s.manifest.get("tables", {}) for s in (old, new))
    ]
    names = list(dict.fromkeys([*(e.storage.table for e in declared), *apart]))
    return SnapshotDiff(
        old,
        new,
        {
            name: _diff_table(old.tables.get(name, []), new.tables.get(name, []), ignore_format)
            for name in names
        },
    )


def resolve_snapshot(arg: str, root: Path | None = None, api_version: str = DEFAULT_API_VERSION) -> Snapshot:
    """A snapshot named by a folder path, or by a version under ``root``.

    Without ``root`` a version is looked up as :func:`~spacecraft_data.load` does: the
    user store, then the bundled snapshots.
    """
    path = Path(arg)
    if path.is_dir():
        return load(path)
    if is_snapshot_version(arg):
        if root is None:
            from .locate import resolve

            origin, found = resolve(arg, api_version)
            return Snapshot(found, origin)
        folder = root.joinpath(api_version, arg)
        if folder.joinpath(MANIFEST).is_file():
            return Snapshot(folder)
        raise SnapshotNotFound(f"no snapshot {api_version}/{arg} under {root}")
    raise SnapshotNotFound(f"{arg}: neither a snapshot folder nor a snapshot version (YYYY.MM.DD[.N])")
