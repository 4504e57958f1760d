"""Records of the primary endpoint (spacecraft) that other LL2 responses embed, found by shape, in normal
mode. Each function takes that endpoint (``Registry.primary``) from its caller.

Details: docs/harvest.md#records-embedded-in-other-responses-import-embedded
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .errors import BuildError, SnapshotError
from .pages import read_page
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .endpoints import Endpoint, Projection

__all__ = [
    "EMBEDDED_KIND",
    "MAX_DEPTH",
    "Embedded",
    "projection",
    "looks_like_spacecraft",
    "find_embedded",
    "read_embedded",
]

#: the ``kind`` of a ``sources.json`` entry whose file embeds spacecraft records
EMBEDDED_KIND = "embedded"
#: deepest nesting walked; LL2 responses nest about ten levels, so deeper input is refused, not followed
MAX_DEPTH = 200


def projection(main: Endpoint) -> Projection:
    """What an embedded record is brought to: the primary endpoint ``main``'s default mode as a projection
    of another."""
    return main.modes.derived[main.modes.default][1]


class _Shape:
    """What :func:`looks_like_spacecraft` compares an object with, read from the declarations once per
    walk."""

    __slots__ = ("keys", "url", "markers")

    def __init__(self, main: Endpoint, keys: tuple[str, ...]) -> None:
        self.keys = frozenset(keys)
        self.url = re.compile(rf"/{re.escape(main.name)}/(\d+)/")
        self.markers = main.validation.marker_keys


def _shape(main: Endpoint) -> _Shape:
    return _Shape(main, projection(main).keys)


@dataclass(frozen=True)
class Embedded:
    """One spacecraft record found in a response: its normal-mode form and every JSON path it was found at."""

    record: dict[str, Any]
    paths: tuple[str, ...]

    @property
    def id(self) -> int:
        """The record's id."""
        return int(self.record["id"])

    @property
    def path(self) -> str:
        """The first JSON path (document order) the record was found at."""
        return self.paths[0]


def looks_like_spacecraft(obj: Any, main: Endpoint) -> bool:
    """True when ``obj`` has the shape of a record of the primary endpoint ``main`` (every key of its
    default mode, e.g. ``SpacecraftNormal``'s, and its own URL)."""
    return _looks_like(obj, _shape(main))


def _looks_like(obj: Any, shape: _Shape) -> bool:
    if not isinstance(obj, dict) or not shape.keys <= obj.keys():
        return False
    url, record_id = obj.get("url"), obj.get("id")
    match = shape.url.search(url) if isinstance(url, str) else None
    return (
        isinstance(record_id, int)
        and not isinstance(record_id, bool)
        and match is not None
        and int(match.group(1)) == record_id
        and all(isinstance(obj.get(key), dict) for key in shape.markers)
    )


def find_embedded(body: Any, main: Endpoint, where: str = "<response>") -> list[Embedded]:
    """Every record of the primary endpoint ``main`` in ``body`` (parsed JSON), in its default (normal) mode,
    in document order, one per id.

    The same id found twice must be the same record once projected: two different
    copies are a :class:`BuildError` naming both paths (never a guess). A record of
    the right shape that lacks a nested field is an error naming its JSON path.
    """
    shape, normal = _shape(main), projection(main)
    found: dict[int, tuple[dict[str, Any], list[str]]] = {}
    # An explicit stack, not recursion: a hostile file cannot exhaust the interpreter's stack.
    stack: list[tuple[str, Any, int]] = [("$", body, 0)]
    while stack:
        path, obj, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise BuildError(f"{where}: {path}: nested deeper than {MAX_DEPTH} levels; not an LL2 response")
        if _looks_like(obj, shape):
            try:
                record = normal.apply(obj, path)
            except SnapshotError as exc:
                raise BuildError(f"{where}: {exc}") from None
            held = found.get(record["id"])
            if held is None:
                found[record["id"]] = (record, [path])
            elif held[0] != record:
                raise BuildError(
                    f"{where}: spacecraft {record['id']} at {path} differs from the copy at "
                    f"{held[1][0]}; refusing to guess which is right"
                )
            else:
                held[1].append(path)
            continue
        # Children are pushed in reverse so that they are visited in document order.
        if isinstance(obj, dict):
            stack.extend((f"{path}.{key}", value, depth + 1) for key, value in reversed(list(obj.items())))
        elif isinstance(obj, list):
            stack.extend((f"{path}[{i}]", value, depth + 1) for i, value in reversed(list(enumerate(obj))))
    return [Embedded(record, tuple(paths)) for record, paths in found.values()]


def read_embedded(file: Path, main: Endpoint) -> list[Embedded]:
    """The records of the primary endpoint ``main`` embedded in a saved response (a JSON body or a
    browsable-API page)."""
    try:
        page = read_page(file)  # a PageError (unreadable, not JSON) keeps its own class and exit code
    except RecursionError:
        raise BuildError(f"{file}: JSON nested too deeply to parse; not an LL2 response") from None
    if page.status != 200:
        raise BuildError(
            f"{file}: page answered HTTP {page.status} {page.reason}; only 200 pages hold records"
        )
    return find_embedded(page.body, main, str(file))
