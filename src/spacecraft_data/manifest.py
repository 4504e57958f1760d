"""The shape of a snapshot's ``manifest.json``, and the rule for the file names it may list.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import os
import re

from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import Any

__all__ = ["manifest_problems", "file_name_problem", "inside", "checksums"]

_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_INT = "an integer"
_OPT_INT = "an integer or null"
_STR = "a string"
_OPT_STR = "a string or null"
_BOOL = "a boolean"
_OBJ = "an object"
_LIST = "an array"

#: JSON path -> expected type, for the fields the package reads ("*" is any key or index)
_FIELDS: dict[str, str] = {
    "$.snapshot_version": _STR,
    "$.api_version": _STR,
    "$.endpoint": _STR,
    "$.base_url": _OPT_STR,
    "$.attribution": _STR,
    "$.records": _OBJ,
    "$.records.held": _OPT_INT,
    "$.records.reported": _OPT_INT,
    "$.records.complete": _BOOL,
    "$.modes": _OBJ,
    "$.modes.*": _OBJ,
    "$.modes.*.held": _BOOL,
    "$.modes.*.why": _STR,
    "$.modes.*.file": _STR,
    "$.tables": _OBJ,
    "$.tables.*": _OBJ,
    "$.tables.*.file": _STR,
    "$.tables.*.rows": _OPT_INT,
    "$.tables.*.complete": _BOOL,
    "$.tables.*.modes": _LIST,
    "$.tables.*.modes.*": _STR,
    "$.tables.*.derived_from": _STR,
    "$.sources": _LIST,
    "$.sources.*": _OBJ,
    "$.sources.*.file": _STR,
    "$.sources.*.endpoint": _STR,
    "$.sources.*.records": _OPT_INT,
    "$.sources.*.request_url": _OPT_STR,
    "$.sources.*.captured": _OPT_STR,
    "$.sources.*.received": _OPT_STR,
    "$.notes": _LIST,
    "$.notes.*": _STR,
    "$.files": _OBJ,
    "$.files.*": _OBJ,
    "$.files.*.sha256": _STR,
    "$.files.*.bytes": _INT,
}
_REQUIRED = ("snapshot_version", "api_version")
#: pattern of an object -> the keys it must have (what `info` prints of each source)
_REQUIRED_KEYS = {"$.sources.*": ("file", "records")}


def _fits(value: Any, expected: str) -> bool:
    if expected == _INT:
        return type(value) is int
    if expected == _OPT_INT:
        return value is None or type(value) is int
    if expected == _STR:
        return isinstance(value, str)
    if expected == _OPT_STR:
        return value is None or isinstance(value, str)
    if expected == _BOOL:
        return isinstance(value, bool)
    if expected == _OBJ:
        return isinstance(value, dict)
    return isinstance(value, list)


def manifest_problems(manifest: Any) -> list[tuple[str, str]]:
    """``(JSON path, message)`` for each field of ``manifest`` that is missing or of the wrong type."""
    if not isinstance(manifest, dict):
        return [("$", f"a manifest is a JSON object; found {type(manifest).__name__}")]
    problems = [(f"$.{key}", "required field is missing") for key in _REQUIRED if key not in manifest]
    stack: list[tuple[Any, str, str]] = [(manifest, "$", "$")]  # (value, its pattern, its path)
    while stack:
        node, pattern, path = stack.pop()
        items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
        for key, child in items:
            child_path = f"{path}[{key}]" if isinstance(key, int) else f"{path}.{key}"
            for child_pattern in (f"{pattern}.{key}", f"{pattern}.*"):
                expected = _FIELDS.get(child_pattern)
                if expected is None:
                    continue
                if not _fits(child, expected):
                    problems.append((child_path, f"expected {expected}; found {_describe(child)}"))
                else:
                    stack.append((child, child_pattern, child_path))
                    problems.extend(
                        (f"{child_path}.{key}", "required field is missing")
                        for key in _REQUIRED_KEYS.get(child_pattern, ())
                        if key not in child
                    )
                break
    for name, entry in (
        (manifest.get("files") or {}).items() if isinstance(manifest.get("files"), dict) else ()
    ):
        sha = entry.get("sha256") if isinstance(entry, dict) else None
        if isinstance(sha, str) and not _SHA256.match(sha):
            problems.append((f"$.files[{name!r}].sha256", "expected 64 lowercase hex digits"))
        problem = file_name_problem(name)
        if problem:
            problems.append((f"$.files[{name!r}]", problem))
    return sorted(problems)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"the boolean {str(value).lower()}"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return "an array" if isinstance(value, list) else "an object"


def file_name_problem(name: str) -> str | None:
    """Why ``name`` may not be listed by a manifest (None when it may): files of the manifest's own folder
    only."""
    if not name:
        return "an empty file name"
    if "\\" in name or "\x00" in name:
        return "a file name may not hold a backslash or NUL"
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "an absolute path: a manifest lists files of its own folder only"
    if ".." in name.split("/"):
        return "a path with '..': a manifest lists files of its own folder only"
    return None


def inside(folder: str | os.PathLike[str], name: str) -> str | None:
    """The real path of ``folder/name`` when it stays inside ``folder`` (symlinks resolved), else None."""
    root = os.path.realpath(folder)
    real = os.path.realpath(os.path.join(root, name))
    return real if os.path.commonpath([root, real]) == root and real != root else None


def checksums(manifest: Any) -> dict[str, str] | None:
    """File name -> expected sha256 from the manifest's ``files`` (None when the manifest lists none)."""
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, dict):
        return None
    return {
        name: entry["sha256"]
        for name, entry in files.items()
        if isinstance(entry, dict) and isinstance(entry.get("sha256"), str)
    }
