"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..snapshot import Snapshot, load


def add_snapshot_option(parser: argparse.ArgumentParser) -> None:
    """``--snapshot PATH``: a snapshot folder (or a store root) instead of the bundled one."""
    parser.add_argument("--snapshot", type=Path, default=None, metavar="PATH",
                        help="snapshot folder to use (default: the latest bundled snapshot)")


def snapshot_from(args: argparse.Namespace) -> Snapshot:
    """The snapshot named by ``--snapshot``, or the bundled one."""
    return load(getattr(args, "snapshot", None))


def add_publish_options(parser: argparse.ArgumentParser, raw_default: str) -> None:
    """Where a new snapshot, its raw pages and its changelog entry go (``harvest``, ``import-pages``)."""
    parser.add_argument("--output", type=Path, default=Path("data/snapshots"),
                        help="snapshot store to publish into (default: %(default)s)")
    parser.add_argument("--raw-dir", type=Path, default=Path(raw_default),
                        help="where the raw pages are kept, one folder per run (default: %(default)s)")
    parser.add_argument("--changelog", type=Path, default=Path("DATA_CHANGES.md"),
                        help="data changelog to append the summary to (default: %(default)s)")
    parser.add_argument("--no-changelog", action="store_true", help="do not append to a data changelog")
