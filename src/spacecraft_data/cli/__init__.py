"""The ``spacecraft-data`` command: a thin shell over the library, one module per sub-command.

Details: docs/cli.md, docs/architecture.md#the-shell-cli-server-testing
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from ..errors import ExitCode, SpacecraftDataError
from ..typecheck import TYPE_CHECKING
from ._version import VersionAction

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any

    from ..endpoints import Endpoint, Registry

__all__ = ["main", "build_parser", "os_error_message", "COMMANDS", "HelpFormatter"]

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
    "import-embedded": "import_embedded",
    "diff": "diff",
    "snapshots": "snapshots",
}

_EPILOG = """\
examples:
  spacecraft-data info
  spacecraft-data snapshots                     # which snapshot every command uses, and the others
  spacecraft-data validate                      # the snapshot in use (see: spacecraft-data snapshots)
  spacecraft-data validate page.json --format json
  spacecraft-data query{query} --limit 5
  spacecraft-data get '{path}?{filter}limit=2'
  spacecraft-data serve --port 8000

exit status:
  0  success
  1  findings: invalid data (validate), snapshots that differ (diff --exit-code),
     an answer that is an LL2 error (get, query)
  2  usage and I/O errors: a bad option, a missing or unreadable file or folder,
     a missing snapshot, a folder that is not a snapshot, a port it cannot listen on,
     a network harvest cannot reach, a store another run keeps locked (harvest, import-*)
  Errors are one line on stderr: 'spacecraft-data COMMAND: error: ...'.

Data: The Space Devs, Launch Library 2 (https://thespacedevs.com).
"""


def help_examples(endpoint: Endpoint) -> dict[str, str]:
    """The declaration's help examples: ``filter``, ``search`` and ``ordering`` (those it gives).

    Each is the declaration's ``cli_<kind>`` example where it gives one, else its browsable-page
    example ``<kind>``, which LL2's own description text fixes even when it matches no record.
    """
    given = endpoint.presentation.examples
    chosen = {kind: given.get(f"cli_{kind}") or given.get(kind) for kind in ("filter", "search", "ordering")}
    return {kind: value for kind, value in chosen.items() if value}


def _epilog(declared: Registry) -> str:
    """The top-level help's epilog: examples (the primary endpoint's, from its declaration) and exit
    statuses."""
    main = declared.primary
    examples = help_examples(main)
    query = "".join(
        f" --{param.replace('_', '-')} {examples[kind]}"
        for kind, param in (("search", main.query.search.param), ("ordering", main.query.ordering.param))
        if examples.get(kind)
    )
    return _EPILOG.format(
        query=query,
        path=main.routing.list_path(declared.api_version),
        filter=f"{examples['filter']}&" if examples.get("filter") else "",
    )


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
    """argparse's formatter, sized like shutil would size it; examples in descriptions and epilogs kept as
    written."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        super().__init__(
            prog, indent_increment, max_help_position, _columns() - 2 if width is None else width
        )

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        # Prose lines are wrapped to the terminal; indented lines (examples) are kept as written.
        import textwrap

        return "\n".join(
            indent + line
            if line.startswith(" ") or not line.strip()
            else textwrap.fill(line, width, initial_indent=indent, subsequent_indent=indent)
            for line in text.splitlines()
        )


class _Parser(argparse.ArgumentParser):
    """An argument parser whose help uses :class:`HelpFormatter` unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def build_parser(only: str | None = None, declared: Registry | None = None) -> argparse.ArgumentParser:
    """The argument parser of ``spacecraft-data``: every sub-command, or just ``only``.

    Its texts come from ``declared`` (default: the default API version's registry), which the parsed
    arguments carry as ``args.registry``.
    """
    if declared is None:
        from ..endpoints import registry

        declared = registry()
    parser = _Parser(
        prog="spacecraft-data",
        description=f"Launch Library 2 {declared.primary.routing.list_path(declared.api_version)} as an "
        "offline, versioned, validated data package.",
        epilog=_epilog(declared),
    )
    parser.add_argument(
        "--version",
        action=VersionAction,
        help="show the code version and the data version in use, with its origin, and exit",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name, module in COMMANDS.items():
        if only is None or name == only:
            importlib.import_module(f"{__name__}.{module}").register(sub, declared)
    parser.set_defaults(registry=declared)
    return parser


def os_error_message(exc: OSError) -> str:
    """An ``OSError`` as ``PATH: reason`` (both paths for a rename), without Python's ``[Errno N]``."""
    reason = exc.strerror or str(exc)
    names = [
        os.fsdecode(n) if isinstance(n, bytes) else str(n)
        for n in (exc.filename, exc.filename2)
        if n is not None
    ]
    return f"{' -> '.join(names)}: {reason}" if names else reason


def main(argv: Sequence[str] | None = None) -> int:
    """Run the CLI; returns the process exit code.

    Commands raise; this is the one place an error becomes its line on stderr and its exit code.
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(only=argv[0] if argv and argv[0] in COMMANDS else None)
    prog = parser.prog
    handler = None
    try:
        args = parser.parse_args(argv)  # --version raises when no snapshot is usable
        if not getattr(args, "run", None):
            parser.print_help(sys.stderr)
            return ExitCode.USAGE
        prog = f"{parser.prog} {args.command}"
        if getattr(args, "api_version", None):
            from ..endpoints import registry

            args.registry = registry(args.api_version)
        handler = _log_handler(args)
        return int(args.run(args) or ExitCode.OK)
    except KeyboardInterrupt:
        print(f"{prog}: interrupted", file=sys.stderr)
        return ExitCode.INTERRUPTED
    except BrokenPipeError:
        return ExitCode.OK
    except (SpacecraftDataError, OSError) as exc:
        # The error's class says whether it is a finding (1) or a usage or I/O error (2): see errors.py. An
        # OSError no module turned into its own message (a path that cannot be read or written) is one of the
        # latter, still one line naming the path, never a traceback.
        print(f"{prog}: error: {os_error_message(exc) if isinstance(exc, OSError) else exc}", file=sys.stderr)
        return int(exc.exit_code if isinstance(exc, SpacecraftDataError) else ExitCode.USAGE)
    finally:
        if handler is not None:
            handler.close_log()


class _LogHandler:
    """The one stderr handler a command's run gets on the ``spacecraft_data`` logger, and how to take it off.

    ``main`` may run many times in one process (tests do): each run takes off what it put on, level included.
    """

    def __init__(self) -> None:
        import logging

        self._logger = logging.getLogger("spacecraft_data")
        self._handler = logging.StreamHandler(sys.stderr)
        self._handler.setFormatter(logging.Formatter("%(message)s"))
        self._handler.setLevel(logging.INFO)
        self._level = self._logger.level
        # The logger's own level decides before any handler sees a record; INFO lines need it at INFO.
        if self._level == logging.NOTSET or self._level > logging.INFO:
            self._logger.setLevel(logging.INFO)
        self._logger.addHandler(self._handler)

    def close_log(self) -> None:
        """Take the handler off and give the logger back its level."""
        self._logger.removeHandler(self._handler)
        self._logger.setLevel(self._level)
        self._handler.flush()


def _log_handler(args: argparse.Namespace) -> _LogHandler | None:
    """A stderr handler for this run's log lines, or None: ``args.log_lines`` says when a command shows them.

    ``always`` (serve: its request log); ``progress`` (harvest, imports, export): on a terminal or with
    ``--progress``, never with ``--quiet``. The library only logs; showing its lines is the command's choice.
    """
    when = getattr(args, "log_lines", None)
    if when == "progress":
        if getattr(args, "quiet", False):
            return None
        if not (getattr(args, "progress", False) or _is_terminal(sys.stderr)):
            return None
    elif when != "always":
        return None
    return _LogHandler()


def _is_terminal(stream: Any) -> bool:
    try:
        terminal = bool(stream.isatty())
    except (AttributeError, ValueError):  # a replaced or closed stream
        terminal = False
    return terminal


if __name__ == "__main__":
    sys.exit(main())
