"""Exceptions raised by spacecraft-data.

Every error names what was wrong and where (file, line, record id, JSON path or
query parameter), so that a message alone is enough to find the problem.
"""

from __future__ import annotations

__all__ = [
    "SpacecraftDataError",
    "PageError",
    "SnapshotError",
    "BuildError",
    "RecordNotFound",
    "ModeNotHeld",
    "QueryError",
]


class SpacecraftDataError(Exception):
    """Base class of every error this package raises on purpose."""


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


class BuildError(SpacecraftDataError):
    """Raw inputs could not be turned into a snapshot; nothing was published."""


class RecordNotFound(SpacecraftDataError, KeyError):
    """The snapshot holds no record with the requested id."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class ModeNotHeld(SpacecraftDataError):
    """A response mode (e.g. ``detailed``) was asked for that the snapshot does not hold."""


class QueryError(SpacecraftDataError, ValueError):
    """A query parameter has a value the API would refuse with HTTP 400.

    ``params`` names the refused parameter(s); ``body`` is the JSON body LL2
    answers (django-filter's ``{"<param>": ["<message>"]}`` or DRF's
    ``["<message>"]`` for ``search``), so callers can show or forward it.
    """

    def __init__(self, message: str, params: tuple[str, ...] = (), body: object = None, status: int = 400) -> None:
        self.params = params
        self.body = body
        self.status = status
        super().__init__(message)
