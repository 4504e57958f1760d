"""Options shared by several sub-commands."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..endpoints import DEFAULT_API_VERSION
from ..errors import InputError
from ..routes import API_VERSION
from ..snapshot import Snapshot, load
from ..store import MANIFEST, is_snapshot_version
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any


def add_snapshot_option(parser: argparse.ArgumentParser) -> None:
    """``--snapshot PATH|VERSION``: a snapshot folder, a store root or a version instead of the default
    one."""
    parser.add_argument(
        "--snapshot",
        type=Path,
        default=None,
        metavar="PATH",
        help="snapshot folder, store of snapshots, or version (YYYY.MM.DD[.N]) to use "
        "(default: the newest in the user store, else the bundled one; "
        "see 'spacecraft-data snapshots')",
    )


def snapshot_from(args: argparse.Namespace) -> Snapshot:
    """The snapshot named by ``--snapshot`` (a folder, or a version looked up as load() does), else
    load()'s."""
    from ..store import is_snapshot_version

    chosen = getattr(args, "snapshot", None)
    if chosen is not None and not chosen.exists() and is_snapshot_version(str(chosen)):
        return load(version=str(chosen))
    return load(chosen)


def path_to_write(text: str) -> Path:
    """A path a command writes to; an empty one (an unset shell variable, say) is a usage error, not the
    current folder, which ``Path("")`` would be."""
    if not text:
        raise argparse.ArgumentTypeError("an empty path (to write into the current folder, give '.')")
    return Path(text)


def add_publish_options(parser: argparse.ArgumentParser, raw_default: str) -> None:
    """Where a new snapshot, its raw pages and its changelog entry go (``harvest``, ``import-pages``).

    By default the user store (:mod:`spacecraft_data.locate`), never the current folder;
    the raw pages go to its ``raw/<name>`` folder, ``<name>`` being the last part of
    ``raw_default`` (``harvest``, ``imports``). The repository's scripts pass its own paths.
    """
    from ..locate import user_changelog, user_raw_dir, user_snapshots

    parser.add_argument(
        "--output",
        type=path_to_write,
        default=user_snapshots(),
        help="snapshot store to publish into (default: the user store, %(default)s)",
    )
    parser.add_argument(
        "--raw-dir",
        type=path_to_write,
        default=user_raw_dir(Path(raw_default).name),
        help="where the raw pages are kept, one folder per run (default: %(default)s)",
    )
    parser.add_argument(
        "--changelog",
        type=path_to_write,
        default=user_changelog(),
        help="data changelog to append the summary to (default: %(default)s)",
    )
    parser.add_argument("--no-changelog", action="store_true", help="do not append to a data changelog")
    # The API version becomes a folder name of the store: a value like '../x' would write outside it.
    parser.add_argument(
        "--api-version",
        default=DEFAULT_API_VERSION,
        type=api_version,
        metavar="N.N.N",
        help="API version (default: %(default)s)",
    )
    add_progress_options(parser)


def add_progress_options(parser: argparse.ArgumentParser) -> None:
    """``--progress`` / ``--quiet``: whether the library's progress lines reach stderr (harvest, imports,
    export).

    By default they do on a terminal only, so that a pipe or a CI log gets the result alone.
    """
    shown = parser.add_mutually_exclusive_group()
    shown.add_argument(
        "--progress",
        action="store_true",
        help="show progress on stderr even when it is not a terminal (default: on a terminal only)",
    )
    shown.add_argument(
        "--quiet", action="store_true", help="no progress on stderr (errors are still printed)"
    )
    parser.set_defaults(log_lines="progress")


def api_version(text: str) -> str:
    """``--api-version``'s type: ``N.N.N`` or a usage error (exit 2)."""
    if not API_VERSION.fullmatch(text):
        raise argparse.ArgumentTypeError(f"{text!r} does not look like N.N.N (e.g. 2.3.0)")
    return text


def publish_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """The keyword arguments :func:`add_publish_options` gives a publishing library call (``import_pages``
    …)."""
    kwargs: dict[str, Any] = {
        "output": args.output,
        "raw_dir": args.raw_dir,
        "changelog": None if args.no_changelog else args.changelog,
        "api_version": args.api_version,
    }
    return kwargs


def _holds_snapshots(folder: Path) -> bool:
    """``folder`` is a snapshot, or a store of them (``<api version>/<version>/manifest.json``)."""
    # lexists: a manifest that is there but damaged (a FIFO, a dangling symlink) makes a damaged snapshot,
    # which validate reports as a finding (1), not a wrong path (2).
    return os.path.lexists(folder / MANIFEST) or any(
        is_snapshot_version(m.parent.name) for m in folder.glob(f"*/*/{MANIFEST}")
    )


def require_inputs(paths: Iterable[str | Path]) -> None:
    """Refuse a PATH that cannot be read before any work starts, as a usage and I/O error (exit 2).

    Missing, unreadable (no permission, a name too long, a file where a folder should be on the
    way) or a folder that is neither a snapshot nor a store of snapshots: a typo in a path is then
    not reported as invalid data (exit 1). What the files hold is for the command to judge.
    """
    for given in paths:
        path = Path(given)
        try:
            # O_NONBLOCK: opening a FIFO for reading must not wait for a writer here.
            os.close(os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0)))
        except OSError as exc:
            raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
        if path.is_dir() and not _holds_snapshots(path):
            raise InputError(
                f"{path}: a folder, but neither a snapshot (no {MANIFEST}) nor a folder of snapshots"
            )
