"""The ``spacecraft-data`` command: a thin shell over the library.

Each sub-command lives in its own module in this package and defines
``ORDER`` (its place in ``--help``), ``register(subparsers)`` which adds its
parser and sets ``run``, and keeps heavy imports inside ``run`` so that
``--help`` and ``query`` start fast.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from typing import Sequence

from .. import __version__
from ..errors import SpacecraftDataError

__all__ = ["main", "build_parser"]

EPILOG = """\
examples:
  spacecraft-data info
  spacecraft-data validate                      # the bundled snapshot
  spacecraft-data validate page.json --format json
  spacecraft-data query --search soyuz --ordering -time_in_space --limit 5
  spacecraft-data get '/2.3.0/spacecraft/?status=4&limit=2'

Data: The Space Devs, Launch Library 2 (https://thespacedevs.com).
"""


def _command_modules() -> list:
    modules = [importlib.import_module(f"{__name__}.{m.name}") for m in pkgutil.iter_modules(__path__)
               if not m.name.startswith("_")]
    return sorted((m for m in modules if hasattr(m, "register")), key=lambda m: (getattr(m, "ORDER", 99), m.__name__))


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``spacecraft-data`` with every sub-command registered."""
    parser = argparse.ArgumentParser(
        prog="spacecraft-data",
        description="Launch Library 2 /2.3.0/spacecraft/ as an offline, versioned, validated data package.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"spacecraft-data {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except SpacecraftDataError as exc:
        print(f"spacecraft-data {args.command}: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"spacecraft-data {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
