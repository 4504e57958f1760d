"""The build's read step: each source in input order, its records and the manifest entry saying where they
came from (a page or array source, or the records another endpoint's response embeds).

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Iterator
from urllib.parse import urlsplit

from ..embedded import EMBEDDED_KIND, Embedded, read_embedded
from ..endpoints import Endpoint
from ..errors import BuildError, PageError
from ..store import sha256_file
from .plan import Plan
from .sources import Record, SnapshotInputs, Source

# The package's logger, not one per module: ``spacecraft_data.build`` names every line a build logs.
# The build logs through one logger, whichever step speaks: docs/library.md names it.
log = logging.getLogger("spacecraft_data.build")


def _read_embedded_source(
    source: Source, endpoint: Endpoint, main: Endpoint, api_version: str
) -> tuple[Source, list[Embedded], dict[str, Any]]:
    """The records a response of another endpoint embeds, and the manifest entry that says where each was;
    ``main`` is the primary endpoint, whose records they are."""
    if endpoint is not main:
        raise BuildError(
            f"{source.file}: an {EMBEDDED_KIND!r} source yields {main.storage.table} records; its endpoint "
            f"must be {main.name!r}, not {source.endpoint!r}"
        )
    try:
        found = read_embedded(source.file, main)
    except PageError as exc:
        raise BuildError(str(exc)) from None
    request_path = urlsplit(source.request_url).path if source.request_url else None
    entry: dict[str, Any] = {
        "file": source.label or source.file.name,
        "sha256": sha256_file(source.file),
        "endpoint": f"/{api_version}/{source.endpoint}/",
        "kind": EMBEDDED_KIND,
        "embedded_in": request_path,
        "mode": main.modes.default,
        "request_url": source.request_url,
        "captured": source.captured,
        "received": source.received,
        "records": len(found),
        "count_reported": None,
        "ids": sorted(e.id for e in found),
        "paths": {str(e.id): e.path for e in sorted(found, key=lambda e: e.id)},
    }
    if source.origin:
        entry["origin"] = source.origin
    return source, found, entry


@dataclass
class DirectRead:
    """A page or array source as read: its records, the count its page reported and its manifest entry."""

    source: Source
    endpoint: Endpoint
    records: list[Record]
    count: int | None
    entry: dict[str, Any]


EmbeddedRead = tuple[Source, list[Embedded], dict[str, Any]]


def read_step(inputs: SnapshotInputs, plan: Plan) -> Iterator[DirectRead | EmbeddedRead]:
    """The read step: each source in input order, its records and manifest entry; refuses an unknown endpoint.

    A generator, so a bad input stops the build as soon as it is reached, after the merge of those before.
    """
    version, main = inputs.api_version, plan.registry.primary
    for source in inputs.sources:
        endpoint = plan.endpoint_of[source.endpoint]
        if endpoint is None:
            raise BuildError(
                f"{source.file}: unknown endpoint {source.endpoint!r} (known: {plan.registry.names})"
            )
        if source.kind == EMBEDDED_KIND:
            embedded = _read_embedded_source(source, endpoint, main, version)
            log.debug("read %s: %d records embedded", embedded[2]["file"], len(embedded[1]))
            yield embedded
        else:
            direct = _read_direct_source(source, endpoint, inputs.base_url, version)
            log.debug("read %s: %d %s records", direct.entry["file"], len(direct.records), source.mode)
            yield direct


def _read_direct_source(source: Source, endpoint: Endpoint, base_url: str, version: str) -> DirectRead:
    """The records of a page or array source, and the manifest entry that says where they came from."""
    try:
        records, count, url = source.read(base_url)
    except PageError as exc:
        raise BuildError(str(exc)) from None
    entry: dict[str, Any] = {
        "file": source.label or source.file.name,
        "sha256": sha256_file(source.file),
        "endpoint": f"/{version}/{source.endpoint}/",
        "mode": source.mode,
        "request_url": url,
        "captured": source.captured,
        "received": source.received,
        "records": len(records),
        "count_reported": count,
    }
    if source.origin:
        entry["origin"] = source.origin
    return DirectRead(source, endpoint, records, count, entry)
