"""``spacecraft-data info``: versions, coverage and sources of a snapshot."""

from __future__ import annotations

import argparse
import json
import sys

from .. import __version__
from ..errors import ExitCode
from ..typecheck import TYPE_CHECKING
from ._common import add_snapshot_option, snapshot_from

if TYPE_CHECKING:
    from ..endpoints import Registry
    from ..snapshot import Snapshot

_ORIGINS = {
    "user": "user store",
    "bundled": "bundled with the package",
    "path": "a folder named by --snapshot, outside the user store",
}


def register(sub: argparse._SubParsersAction, declared: Registry) -> None:
    p = sub.add_parser(
        "info",
        help="show versions, coverage and sources of a snapshot",
        description="Show the code and data versions, how many records the snapshot holds against "
        "what the API reported, which modes it holds, and where its data came from.",
    )
    add_snapshot_option(p)
    p.add_argument("--format", choices=["text", "json"], default="text", help="output format (default: text)")
    p.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    snap = snapshot_from(args)
    if args.format == "json":
        _print_json(snap)
        return ExitCode.OK
    out = _summary_lines(snap, named=args.snapshot is not None)
    out += _source_lines(snap)
    m = snap.manifest
    for note in m.get("notes", []):
        out.append(f"note: {note}")
    out.append(m.get("attribution", ""))
    print("\n".join(out))
    return ExitCode.OK


def _print_json(snap: Snapshot) -> None:
    """Print the manifest, after the package version and where the snapshot is, as indented JSON."""
    json.dump(
        {
            "package_version": __version__,
            "snapshot_path": str(snap.path),
            "snapshot_origin": snap.origin,
            **snap.manifest,
        },
        sys.stdout,
        indent=2,
        ensure_ascii=False,
    )
    print()


def _summary_lines(snap: Snapshot, named: bool) -> list[str]:
    """The text lines of versions, origin, path, records, modes and tables (``named``: by --snapshot)."""
    m = snap.manifest
    rec = m.get("records", {})
    held, reported = rec.get("held"), rec.get("reported")
    pct = f" ({100 * held / reported:.1f}%)" if held is not None and reported else ""
    out = [
        f"spacecraft-data {__version__}",
        f"snapshot:      {snap.version} (LL2 API {snap.api_version}, {m.get('endpoint')})",
        f"origin:        {_ORIGINS.get(snap.origin, snap.origin)}"
        + (
            " (the user store holds none; 'spacecraft-data harvest' fills it)"
            if snap.origin == "bundled" and not named
            else ""
        ),
        f"path:          {snap.path}",
        f"records:       {held} held of {reported} reported by the API{pct}"
        + ("" if rec.get("complete") else " - INCOMPLETE: 'spacecraft-data harvest' fetches the rest"),
    ]
    for mode, state in m.get("modes", {}).items():
        out.append(
            f"{'mode ' + mode + ':':15}{'held' if state.get('held') else 'not held'}"
            + (f" - {state['why']}" if state.get("why") else "")
        )
    for name, table in m.get("tables", {}).items():
        extra = f", derived from {table['derived_from']}" if table.get("derived_from") == "records" else ""
        out.append(
            f"table {name}: {table.get('rows')} rows "
            f"({'complete' if table.get('complete') else 'partial'}{extra})"
        )
    return out


def _source_lines(snap: Snapshot) -> list[str]:
    """The text lines of the sources: file, records, URL and date, then the primary ids each gave."""
    out = ["sources:"]
    for s in snap.manifest.get("sources", []):
        when = s.get("captured") or f"captured unknown, received {s.get('received')}"
        out.append(f"  {s['file']}: {s['records']} records, {s.get('request_url') or s['endpoint']} ({when})")
        if s.get("ids"):
            # Which spacecraft came from which source (and date); embedded ones with their JSON paths in the
            # manifest.
            kind = (
                f"embedded in {s.get('embedded_in') or 'another response'}, "
                if s.get("kind") == "embedded"
                else ""
            )
            unused = (
                f"; not used, held from another source: {_ids(s['not_used'])}" if s.get("not_used") else ""
            )
            out.append(f"    {kind}{snap.registry.primary.name} ids {_ids(s['ids'])}{unused}")
    return out


def _ids(ids: list[int]) -> str:
    return ", ".join(map(str, ids))
