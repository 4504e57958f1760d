"""What can be validated, and which check each input goes to: an object, a saved page, a file, a snapshot
folder or a folder of snapshots (:func:`validate_input`, behind :func:`spacecraft_data.validation.validate`).

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..pages import Page
from ..store import MANIFEST
from ..typecheck import TYPE_CHECKING
from .bodies import context, validate_body, validate_page
from .files import validate_file
from .folders import snapshot_folders, validate_snapshot
from .limits import Limits
from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS, Problem, Report

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..endpoints import Registry


def _validate_path(
    path: Path,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: Limits | None = None,
) -> Report:
    if path.is_dir():
        if os.path.lexists(
            path / MANIFEST
        ):  # whatever it is (a FIFO, a folder), it is the snapshot's to report
            return validate_snapshot(path, registries, limits)
        folders = snapshot_folders(path)
        if not folders:
            return Report(
                [
                    Problem(
                        str(path),
                        None,
                        "",
                        f"a folder, but neither a snapshot (no {MANIFEST}) nor a folder of snapshots",
                    )
                ],
                0,
                [str(path)],
            )
        report = Report()
        for folder in folders:
            report.extend(validate_snapshot(folder, registries, limits))
        return report
    if not path.exists():
        return Report([Problem(str(path), None, "", "no such file or folder")], 0, [str(path)])
    return validate_file(path, registries, schema_name, limits)


def validate_input(
    obj_or_path: Any,
    registries: Mapping[str, Registry],
    schema: str | None = None,
    max_problems: int | None = MAX_PROBLEMS,
    max_record_problems: int | None = MAX_RECORD_PROBLEMS,
) -> Report:
    """:func:`spacecraft_data.validation.validate` of one path or object, ``schema`` already known, with
    ``registries``: the :class:`~spacecraft_data.endpoints.Registry` of each declared API version, by
    version (an input is checked with the one its page or manifest names, else the default version's)."""
    limits = Limits(max_problems, max_record_problems)
    from ..snapshot import Snapshot

    if obj_or_path is None:
        from ..locate import resolve  # the snapshot load() would use (user store, then bundled)

        return _validate_path(Path(str(resolve()[1])), registries, None, limits)
    if isinstance(obj_or_path, (str, Path)):
        return _validate_path(Path(obj_or_path), registries, schema, limits)
    if isinstance(obj_or_path, Snapshot):
        return _validate_path(Path(str(obj_or_path.path)), registries, None, limits)
    if isinstance(obj_or_path, Page):
        return validate_page(obj_or_path, registries, schema, limits)
    if isinstance(obj_or_path, (dict, list)):
        ctx = context(obj_or_path, "<object>", registries, schema_name=schema)
        return validate_body(obj_or_path, "<object>", ctx, limits=limits)
    raise TypeError(
        f"validate() takes a path, a record, a list of records, a page body, a Page or a Snapshot; "
        f"got {type(obj_or_path).__name__}"
    )
