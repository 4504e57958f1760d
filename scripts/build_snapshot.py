#!/usr/bin/env python3
"""Rebuild the bundled snapshot from data/raw/ (the inputs listed in data/raw/sources.json),
and every harvested or imported snapshot from the sources.json of its run folder under data/raw/.

    python scripts/build_snapshot.py            # (re)write data/snapshots/<api>/<version>/
    python scripts/build_snapshot.py --check    # exit 1 if the committed snapshot differs from a rebuild

The output is a pure function of the raw files, so a rebuild is byte-identical.
Every record is validated against schema/ before anything is written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacecraft_data.build import assemble, read_sources  # noqa: E402
from spacecraft_data.errors import SpacecraftDataError  # noqa: E402
from spacecraft_data.store import MANIFEST, publish  # noqa: E402


def _validator():
    try:
        from spacecraft_data.validation import problems_for_table
    except ImportError:  # schema not generated yet (first bootstrap)
        return None
    return problems_for_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--raw", type=Path, default=ROOT / "data" / "raw", help="raw inputs folder (default: data/raw)")
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "snapshots", help="snapshot store (default: data/snapshots)")
    parser.add_argument("--check", action="store_true", help="compare a rebuild with the files on disk; write nothing")
    args = parser.parse_args(argv)
    # Every published harvest or import keeps a sources.json in its run folder: rebuild those too.
    from spacecraft_data.harvest import label_root

    top = (args.raw / "sources.json").resolve()
    runs = sorted(p for p in args.raw.rglob("sources.json") if p.resolve() != top)
    status = _build(args, read_sources_args=(args.raw,), repo_root=ROOT) if top.exists() or not runs else 0
    for sources in runs:
        status = max(status, _build(args, read_sources_args=(sources.parent, sources),
                                    repo_root=label_root(sources.parent)))
    return status


def _build(args: argparse.Namespace, read_sources_args: tuple, repo_root: Path) -> int:
    try:
        inputs = read_sources(*read_sources_args, repo_root=repo_root)
        files = assemble(inputs, validate=_validator())
    except SpacecraftDataError as exc:
        print(f"build_snapshot: error: {exc}", file=sys.stderr)
        return 1
    import json

    version = json.loads(files[MANIFEST])["snapshot_version"]
    target = args.out / inputs.api_version / version
    if args.check:
        stale = [n for n, data in files.items() if not (target / n).is_file() or (target / n).read_bytes() != data]
        extra = sorted(p.name for p in target.glob("*") if p.name not in files) if target.is_dir() else []
        if stale or extra:
            print(f"build_snapshot: {target} is out of date: differs {stale}, unexpected {extra}", file=sys.stderr)
            return 1
        print(f"build_snapshot: {target} matches a rebuild ({len(files)} files)")
        return 0
    publish(files, target, replace=True)
    print(f"build_snapshot: wrote {target} ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
