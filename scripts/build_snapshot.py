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
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacecraft_data.build import assemble, read_sources  # noqa: E402
from spacecraft_data.errors import SpacecraftDataError  # noqa: E402
from spacecraft_data.store import MANIFEST, is_snapshot_version, publish  # noqa: E402


def _validator():
    try:
        from spacecraft_data.validation import problems_for_table
    except ImportError:  # schema not generated yet (first bootstrap)
        return None
    return problems_for_table


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--raw", type=Path, default=ROOT / "data" / "raw", help="raw inputs folder (default: data/raw)"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=ROOT / "data" / "snapshots",
        help="snapshot store (default: data/snapshots)",
    )
    parser.add_argument(
        "--check", action="store_true", help="compare a rebuild with the files on disk; write nothing"
    )
    parser.add_argument(
        "--changelog",
        type=Path,
        default=None,
        help="data changelog that gets an entry for each snapshot version this build adds "
        "(default: DATA_CHANGES.md when --out is the repository's data/snapshots, else none)",
    )
    parser.add_argument("--no-changelog", action="store_true", help="do not append to the data changelog")
    parser.add_argument(
        "--keep-stale",
        action="store_true",
        help="keep snapshot folders no raw input rebuilds (default: remove them from the "
        "repository's data/snapshots; other stores are never pruned)",
    )
    args = parser.parse_args(argv)
    # The repository's store is generated from data/raw alone; another --out may hold snapshots from
    # elsewhere.
    repository = args.out.resolve() == (ROOT / "data" / "snapshots").resolve()
    args.prune = repository and not args.keep_stale
    if args.changelog is None and repository and not args.no_changelog:
        args.changelog = ROOT / "DATA_CHANGES.md"
    # Every published harvest or import keeps a sources.json in its run folder: rebuild those too.
    from spacecraft_data.harvest import label_root

    top = (args.raw / "sources.json").resolve()
    runs = sorted(p for p in args.raw.rglob("sources.json") if p.resolve() != top)
    existed = {folder for folder in args.out.glob("*/*") if (folder / MANIFEST).is_file()}
    built: set[Path] = set()
    status = _build(args, (args.raw,), ROOT, built) if top.exists() or not runs else 0
    for sources in runs:
        status = max(status, _build(args, (sources.parent, sources), label_root(sources.parent), built))
    if status or args.check:
        return max(status, _stale(args, built))
    _record_new(args, existed, built)
    return _stale(args, built)


def _record_new(args: argparse.Namespace, existed: set[Path], built: set[Path]) -> None:
    """Append a DATA_CHANGES.md entry for each snapshot version this build added, diffed against the one
    before.

    A rebuild that only reproduces existing folders adds nothing, so build_all stays byte-reproducible;
    a harvest or import has already written its own entry when it published.
    """
    if args.no_changelog or args.changelog is None:
        return
    from spacecraft_data.changelog import append_entry
    from spacecraft_data.store import version_key

    for target in sorted(built - existed, key=lambda f: (f.parent.name, version_key(f.name))):
        older = sorted(
            (
                f
                for f in existed | built
                if f.parent == target.parent and version_key(f.name) < version_key(target.name)
            ),
            key=lambda f: version_key(f.name),
        )
        append_entry(args.changelog, target, older[-1] if older else None)
        print(f"build_snapshot: appended the entry of {target.name} to {args.changelog}")


def _stale(args: argparse.Namespace, built: set[Path]) -> int:
    """Snapshot folders no raw input rebuilds any more (an older bundled version): removed, or reported by
    --check.

    Every snapshot is generated from data/raw, so one that no sources.json yields is stale:
    keeping it would ship data the repository can no longer reproduce.
    """
    if not args.prune:
        return 0
    stale = sorted(
        folder
        for folder in args.out.glob("*/*")
        if (folder / MANIFEST).is_file() and is_snapshot_version(folder.name) and folder not in built
    )
    if stale and args.check:
        print(
            f"build_snapshot: no raw input rebuilds {[f.as_posix() for f in stale]}; run "
            "scripts/build_snapshot.py to remove them",
            file=sys.stderr,
        )
        return 1
    for folder in stale:
        shutil.rmtree(folder)
        print(f"build_snapshot: removed {folder} (no raw input rebuilds it)")
    return 0


def _build(args: argparse.Namespace, read_sources_args: tuple, repo_root: Path, built: set[Path]) -> int:
    try:
        inputs = read_sources(*read_sources_args, repo_root=repo_root)
        files = assemble(inputs, validate=_validator())
    except SpacecraftDataError as exc:
        print(f"build_snapshot: error: {exc}", file=sys.stderr)
        return 1
    import json

    version = json.loads(files[MANIFEST])["snapshot_version"]
    target = args.out / inputs.api_version / version
    built.add(target)
    for note in json.loads(files[MANIFEST])["notes"]:
        print(f"build_snapshot: {target.name}: note: {note}")
    if args.check:
        stale = [
            n for n, data in files.items() if not (target / n).is_file() or (target / n).read_bytes() != data
        ]
        extra = sorted(p.name for p in target.glob("*") if p.name not in files) if target.is_dir() else []
        if stale or extra:
            print(
                f"build_snapshot: {target} is out of date: differs {stale}, unexpected {extra}",
                file=sys.stderr,
            )
            return 1
        print(f"build_snapshot: {target} matches a rebuild ({len(files)} files)")
        return 0
    publish(files, target, replace=True)
    print(f"build_snapshot: wrote {target} ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
