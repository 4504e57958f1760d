"""spacecraft-data: Launch Library 2 ``/2.3.0/spacecraft/`` as an offline, versioned, validated data package.

>>> snap = spacecraft_data.load()          # the newest in the user store, else the bundled one

Details: docs/library.md. Data: The Space Devs, Launch Library 2 (https://thespacedevs.com).
"""

from __future__ import annotations

from .errors import ModeNotHeld, PageError, RecordNotFound, SnapshotError, SpacecraftDataError
from .locate import SnapshotInfo, snapshots
from .snapshot import Snapshot, load
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__version__ = "0.2.0"

__all__ = [
    "__version__",
    "data_version",
    "load",
    "snapshots",
    "SnapshotInfo",
    "validate",
    "schema",
    "offline",
    "Snapshot",
    "SpacecraftDataError",
    "SnapshotError",
    "PageError",
    "RecordNotFound",
    "ModeNotHeld",
]


def data_version() -> str:
    """The data version: the version of the snapshot :func:`load` answers from (e.g. ``"2026.12.01"``).

    The code version is ``__version__`` (SemVer); the data is versioned apart, by snapshot
    (README "Repository layout and versions"). Loads the snapshot as every command does.
    """
    return load().version


def validate(obj_or_path: Any, schema: str | None = None, **caps: int | None) -> Any:
    """Validate records, a page, a snapshot folder or a file against the bundled JSON Schema.

    ``schema`` holds every record of a page, record, array or NDJSON input to that schema; ``caps``
    (``max_problems``, ``max_record_problems``) bound the problems listed.
    See :func:`spacecraft_data.validation.validate`. jsonschema is imported only here.
    """
    from .validation import validate as _validate

    return _validate(obj_or_path, schema=schema, **caps)


def schema(name: str = "normal") -> dict[str, Any]:
    """The JSON Schema ``name`` (``normal``, ``detailed``, ``list``, …) from the package resources."""
    from .validation import schema as _schema

    return _schema(name)


def offline(snapshot: Any = None, *, strict: bool = False, allow: Any = ()) -> Any:
    """A context manager: LL2 requests (requests, httpx, urllib.request) answered in-process from
    ``snapshot``.

    See :func:`spacecraft_data.testing.offline` (default snapshot: ``load()``); the
    client libraries are imported only here.
    """
    from .testing import offline as _offline

    return _offline(snapshot, strict=strict, allow=allow)
