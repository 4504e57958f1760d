"""``spacecraft-data --version``: the code version and the data version the commands would use."""

from __future__ import annotations

import argparse

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


def version_text() -> str:
    """``spacecraft-data <code version>`` and a line naming the snapshot load() would use, with its origin.

    The snapshot is loaded as every command loads it, so a snapshot they would refuse is
    refused here too: :class:`~spacecraft_data.errors.SnapshotError` names it.
    """
    from .. import __version__, load

    snap = load()
    where = "the user store" if snap.origin == "user" else "the bundled snapshots"
    return (
        f"spacecraft-data {__version__}\ndata {snap.version} (LL2 API {snap.api_version}) from "
        f"{where}: {snap.path}"
    )


class VersionAction(argparse.Action):
    """Like argparse's ``version`` action, but the data line is worked out only when ``--version`` is
    given."""

    def __init__(
        self,
        option_strings: Sequence[str],
        dest: str = argparse.SUPPRESS,
        default: str = argparse.SUPPRESS,
        help: str | None = None,
    ) -> None:
        super().__init__(option_strings=option_strings, dest=dest, default=default, nargs=0, help=help)

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        from .. import __version__
        from ..errors import ExitCode, InputError, SpacecraftDataError

        try:
            text = version_text()
        except SpacecraftDataError as exc:
            print(f"spacecraft-data {__version__}", flush=True)
            # cli.main prints it and exits 2, whether the snapshot is missing or broken: what --version needs
            # is gone
            raise InputError(f"no usable snapshot: {exc}") from exc
        print(text, flush=True)
        parser.exit(ExitCode.OK)
