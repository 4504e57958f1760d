"""The ``spacecraft-data`` command: a thin shell over the library.

Each sub-command lives in its own module in this package and defines
``register(subparsers)``, which adds its parser and sets ``run``; heavy imports
stay inside ``run``. Only the module of the command being run is imported, so
``spacecraft-data query`` starts about as fast as the interpreter does.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import SpacecraftDataError
from ..extras import MissingExtra
from ._version import VersionAction

# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

__all__ = ["main", "build_parser", "COMMANDS", "HelpFormatter"]

#: command name -> module in this package, in the order ``--help`` lists them
COMMANDS = {
    "info": "info",
    "validate": "validate",
    "query": "query",
    "get": "get",
    "export": "export",
    "serve": "serve",
    "harvest": "harvest",
    "import-pages": "import_pages",
    "diff": "diff",
    "snapshots": "snapshots",
}

EPILOG = """\
examples:
  spacecraft-data info
  spacecraft-data snapshots                     # which snapshot every command uses, and the others
  spacecraft-data validate                      # the snapshot in use (see: spacecraft-data snapshots)
  spacecraft-data validate page.json --format json
  spacecraft-data query --search soyuz --ordering -time_in_space --limit 5
  spacecraft-data get '/2.3.0/spacecraft/?status=4&limit=2'
  spacecraft-data serve --port 8000

Data: The Space Devs, Launch Library 2 (https://thespacedevs.com).
"""


def _columns() -> int:
    # shutil.get_terminal_size's rule (COLUMNS, then the terminal, then 80), without importing
    # shutil: argparse builds a formatter for every add_argument, and shutil (with zlib, bz2 and
    # lzma) would cost every run ~1.8 ms, a fifth of an interpreter start-up.
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 80
    return columns or 80


class HelpFormatter(argparse.RawDescriptionHelpFormatter):
    """argparse's formatter, sized like shutil would size it; examples in descriptions and epilogs kept as written."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # Prose lines are wrapped to the terminal; indented lines (examples) are kept as written.
        import textwrap

        return "\n".join(
            indent + line if line.startswith(" ") or not line.strip()
            else textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
            for line in text.splitlines()
        )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help uses :class:`HelpFormatter` unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``spacecraft-data``: every sub-command, or just ``only``."""
    parser = _Parser(
        prog="spacecraft-data",
        description="Launch Library 2 /2.3.0/spacecraft/ as an offline, versioned, validated data package.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action=VersionAction,
                        help="show the code version and the data version in use, with its origin, and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{module}").register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv and argv[0] in COMMANDS else None)
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        return int(args.run(args) or 0)
    except MissingExtra as exc:  # an install problem, not a finding: a usage error (2)
        print(f"spacecraft-data {args.command}: error: {exc}", file=sys.stderr)
        return 2
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
