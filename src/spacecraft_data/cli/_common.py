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
