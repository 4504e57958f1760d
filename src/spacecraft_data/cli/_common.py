"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..snapshot import Snapshot, load


def add_snapshot_option(parser: argparse.ArgumentParser) -> None:
    """``--snapshot PATH|VERSION``: a snapshot folder, a store root or a version instead of the default one."""
    parser.add_argument("--snapshot", type=Path, default=None, metavar="PATH",
                        help="snapshot folder, store of snapshots, or version (YYYY.MM.DD[.N]) to use "
                             "(default: the newest in the user store, else the bundled one; "
                             "see 'spacecraft-data snapshots')")


def snapshot_from(args: argparse.Namespace) -> Snapshot:
    """The snapshot named by ``--snapshot`` (a folder, or a version looked up as load() does), else load()'s."""
    from ..store import is_snapshot_version

    chosen = getattr(args, "snapshot", None)
    if chosen is not None and not chosen.exists() and is_snapshot_version(str(chosen)):
        return load(version=str(chosen))
    return load(chosen)


def add_publish_options(parser: argparse.ArgumentParser, raw_default: str) -> None:
    """Where a new snapshot, its raw pages and its changelog entry go (``harvest``, ``import-pages``).

    By default the user store (:mod:`spacecraft_data.locate`), never the current folder;
    the raw pages go to its ``raw/<name>`` folder, ``<name>`` being the last part of
    ``raw_default`` (``harvest``, ``imports``). The repository's scripts pass its own paths.
    """
    from ..locate import user_changelog, user_raw_dir, user_snapshots

    parser.add_argument("--output", type=Path, default=user_snapshots(),
                        help="snapshot store to publish into (default: the user store, %(default)s)")
    parser.add_argument("--raw-dir", type=Path, default=user_raw_dir(Path(raw_default).name),
                        help="where the raw pages are kept, one folder per run (default: %(default)s)")
    parser.add_argument("--changelog", type=Path, default=user_changelog(),
                        help="data changelog to append the summary to (default: %(default)s)")
    parser.add_argument("--no-changelog", action="store_true", help="do not append to a data changelog")
