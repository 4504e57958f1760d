"""Exceptions raised by spacecraft-data: one base, each class with its exit status and, for refusals, HTTP.

Details: docs/cli.md#exit-status
"""

from __future__ import annotations

from enum import IntEnum

from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = [
    "SpacecraftDataError",
    "InputError",
    "ExitCode",
    "EXIT_FINDINGS",
    "EXIT_USAGE",
    "ApiError",
    "PageError",
    "SnapshotError",
    "SnapshotNotFound",
    "UnreadableInput",
    "BuildError",
    "RecordNotFound",
    "ModeNotHeld",
    "QueryError",
    "InvalidBaseUrl",
    "CannotListen",
]


class ExitCode(IntEnum):
    """The exit statuses of the ``spacecraft-data`` command: the only place they are written."""

    #: success
    OK = 0
    #: findings: invalid data, snapshots that differ under ``diff --exit-code``, an answer that is an LL2
    #: error
    INVALID = 1
    #: usage and I/O errors: bad options, missing or unreadable inputs, missing snapshots, the network
    USAGE = 2
    #: stopped by Ctrl-C (128 + SIGINT, as a shell reports it)
    INTERRUPTED = 130


#: exit status for findings (:attr:`ExitCode.INVALID`)
EXIT_FINDINGS = ExitCode.INVALID
#: exit status for usage and I/O errors (:attr:`ExitCode.USAGE`)
EXIT_USAGE = ExitCode.USAGE


class SpacecraftDataError(Exception):
    """Base class of every error this package raises: one ``except`` catches them all."""

    #: the command-line exit status when this error ends a command (see the module docstring)
    exit_code: int = ExitCode.INVALID


class InputError(SpacecraftDataError):
    """What a command was pointed at cannot be used: missing, unreadable, not what was expected.

    The usage and I/O class of errors (exit status 2), as opposed to data found
    wrong (exit status 1).
    """

    exit_code = ExitCode.USAGE


class ApiError(SpacecraftDataError):
    """A request the API answers with an error: LL2's HTTP ``status_code`` and JSON :meth:`body`.

    As DRF's ``APIException`` carries ``status_code``: each kind sets it as a class
    attribute (an instance may set its own), so
    :func:`spacecraft_data.api.error_answer` is a lookup, not a table. A kind whose
    ``status_code`` is None is abstract, never answered as it is.
    """

    status_code: int | None = None

    def body(self) -> Any:
        """The JSON body of the answer: DRF's ``{"detail": message}``."""
        return {"detail": str(self)}


class PageError(SpacecraftDataError, ValueError):
    """A saved API page (browsable text or JSON) could not be read.

    ``source`` is the file (or label) and ``line`` the 1-based line number where
    reading stopped, when known.
    """

    def __init__(self, source: str, line: int | None, message: str) -> None:
        self.source = source
        self.line = line
        self.reason = message
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {message}")


class SnapshotError(SpacecraftDataError):
    """A snapshot folder is missing, incomplete or does not match its manifest."""


class SnapshotNotFound(SnapshotError, InputError):
    """No snapshot can be read where one was named: no such folder or version, a folder that is not a
    snapshot, a store that cannot be listed, or a file of the snapshot that is missing."""


class UnreadableInput(PageError, InputError):
    """A file given as input cannot be read at all (missing, a folder, no permission): an I/O error,
    where :class:`PageError` itself is a page whose content is wrong."""


class BuildError(SpacecraftDataError):
    """Raw inputs could not be turned into a snapshot; nothing was published."""


class RecordNotFound(SpacecraftDataError, KeyError):
    """The snapshot holds no record with the requested id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModeNotHeld(ApiError):
    """A response mode (e.g. ``detailed``) was asked for that the snapshot does not hold: 501 over HTTP."""

    status_code = 501


class QueryError(SpacecraftDataError, ValueError):
    """A query parameter has a value the API would refuse with HTTP 400.

    ``params`` names the refused parameter(s); ``body`` is the JSON body LL2
    answers (django-filter's ``{"<param>": ["<message>"]}`` or DRF's
    ``["<message>"]`` for ``search``), so callers can show or forward it, and
    ``status`` its HTTP status. ``body`` is None for a value refused before any
    request could carry it (too long to send).
    """

    def __init__(
        self, message: str, params: tuple[str, ...] = (), body: object = None, status: int = 400
    ) -> None:
        self.params = params
        self.body = body
        self.status = status
        super().__init__(message)


class InvalidBaseUrl(InputError, ValueError):
    """A ``base_url`` (the host of an answer's links) that is not ``http(s)://host[:port]`` with a valid
    host."""


class CannotListen(InputError):
    """``serve`` cannot listen on the address and port it was given (taken, not this machine's, not
    allowed)."""
