"""The data changelog (``DATA_CHANGES.md``): one entry appended per published snapshot.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

from pathlib import Path

from .diff import diff_snapshots
from .snapshot import Snapshot
from .store import write_atomic

__all__ = ["HEADER", "entry", "append_entry"]

HEADER = (
    "# Data changes\n\n"
    "One entry per published snapshot, oldest first; appended by `spacecraft-data harvest`,\n"
    "`import-pages`, `import-embedded` and `scripts/build_snapshot.py`. Code changes are in CHANGELOG.md.\n"
)


def entry(new: Snapshot, previous: Snapshot | None) -> str:
    """The Markdown entry of snapshot ``new``, diffed against ``previous`` when there is one."""
    m = new.manifest
    rec = m.get("records", {})
    dated = []
    for key in ("captured", "received"):
        dates = [s[key] for s in m.get("sources", []) if s.get(key)]
        if dates:
            dated.append(f"{key} up to {max(dates)}")
    lines = [
        f"## {new.api_version}/{new.version}",
        "",
        f"- source: {m.get('base_url', '').rstrip('/')}{m.get('endpoint')}; inputs "
        f"{', '.join(dated) or 'undated'}",
        f"- records: {rec.get('held')} held of {rec.get('reported')} reported"
        + ("" if rec.get("complete") else " (incomplete)")
        + f"; modes held: {', '.join(new.modes) or 'none'}",
        "- tables: " + ", ".join(f"{name} {t.get('rows')} rows" for name, t in m.get("tables", {}).items()),
    ]
    if rec.get("discrepancy"):
        lines.append(
            f"- DISCREPANCY (see the manifest): {len(rec['discrepancy'])} list(s) still disagreed "
            "after re-fetching"
        )
    lines += [f"- note: {note}" for note in m.get("notes", [])]
    if previous is None:
        lines.append("- first snapshot in this store")
    else:
        d = diff_snapshots(previous, new)
        lines.append(f"- versus {previous.version}: " + "; ".join(d.summary_lines()))
        table = new.registry.primary.storage.table
        changed = d.tables[table].changed
        if changed:
            paths = sorted({c.path for changes in changed.values() for c in changes})
            shown = ", ".join(f"`{p}`" for p in paths[:10])
            shown += f" and {len(paths) - 10} more" if len(paths) > 10 else ""
            lines.append(f"- {table} fields changed: {shown}")
    return "\n".join(lines) + "\n"


def append_entry(changelog: Path, new_dir: Path, previous_dir: Path | None) -> None:
    """Append the entry of the snapshot at ``new_dir`` to ``changelog`` (created with a header if missing).

    The file is rewritten atomically, so an interrupted append never truncates it.
    """
    changelog = Path(changelog)
    text = changelog.read_text(encoding="utf-8") if changelog.is_file() else HEADER
    previous = Snapshot(previous_dir) if previous_dir is not None else None
    block = entry(Snapshot(new_dir), previous)
    write_atomic(changelog, (text.rstrip("\n") + "\n\n" + block).encode("utf-8"))
