"""Turn raw inputs (saved pages, JSON arrays) into a versioned snapshot folder, byte for byte reproducibly.

Its steps (plan, read, merge, manifest) are modules of :mod:`spacecraft_data.assembly`, where ``sources``
describes the inputs. Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Callable

from .assembly.manifest import manifest_step
from .assembly.merge import Problems, check_tables, merge_step
from .assembly.plan import plan_of
from .assembly.read import read_step
from .assembly.sources import Record, SnapshotInputs, Source, read_sources
from .endpoints import registry
from .store import MANIFEST, publish

__all__ = [
    "Source",
    "SnapshotInputs",
    "read_sources",
    "assemble",
    "build_snapshot",
]

log = logging.getLogger(__name__)


def assemble(
    inputs: SnapshotInputs,
    validate: Callable[[str, list[Record]], Problems] | None = None,
) -> dict[str, bytes]:
    """Build the files of a snapshot (name -> bytes) from ``inputs`` without writing anything.

    Every table is an endpoint's of the registry (:mod:`spacecraft_data.endpoints`) for
    ``inputs.api_version``: a source names its endpoint, whose declaration says which
    table its records go to. ``validate(table, records)`` may return a list of problems;
    any problem stops the build with a :class:`BuildError` listing them. Steps: plan, read, merge, manifest.
    """
    # The build's one registry lookup: every step below reads the plan's.
    plan = plan_of(inputs.sources, registry(inputs.api_version))
    reads = read_step(inputs, plan)  # lazy: each source is read as the merge reaches it
    merged = merge_step(reads, plan, inputs.notes)
    if validate is not None:
        check_tables(validate, plan, merged.held)
    return manifest_step(inputs, plan, merged)


def build_snapshot(
    inputs: SnapshotInputs,
    out_root: Path,
    replace: bool = False,
    validate: Callable[[str, list[Record]], Problems] | None = None,
) -> Path:
    """Assemble a snapshot from ``inputs`` and publish it atomically under ``out_root``.

    Returns the snapshot folder ``out_root/<api version>/<snapshot version>``.
    """
    files = assemble(inputs, validate=validate)
    manifest = json.loads(files[MANIFEST])
    target = publish(
        files, Path(out_root) / inputs.api_version / manifest["snapshot_version"], replace=replace
    )
    for table in manifest["tables"].values():
        log.info("wrote %s (%d rows)", target / table["file"], table["rows"])
    log.info("wrote %s (%d files)", target, len(files))
    return target
