"""The build's plan, settled before any input is read: each source's endpoint declaration and the table
each mode of an endpoint goes to.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from ..endpoints import Endpoint, Registry
from ..errors import BuildError
from .sources import Source


@dataclass
class Plan:
    """What a build settles before reading anything: the declaration each endpoint name of the sources
    gives (None: unknown) and where each declared endpoint's records go, by mode (its
    :meth:`~spacecraft_data.endpoints.ModePlan.split` of the modes its sources hold)."""

    registry: Registry
    endpoint_of: dict[str, Endpoint | None]
    split: dict[str, tuple[dict[str, str], list[str]]]  # endpoint name -> (mode -> table apart, own modes)

    def apart(self, endpoint: Endpoint) -> dict[str, str]:
        """The modes of ``endpoint`` kept in a table of their own: mode -> table."""
        return self.split[endpoint.name][0]

    def own(self, endpoint: Endpoint) -> list[str]:
        """The modes the endpoint's own table keeps, sorted."""
        return self.split[endpoint.name][1]

    def table(self, endpoint: Endpoint, mode: str) -> str:
        """The table a record of ``endpoint`` in ``mode`` goes to."""
        return self.apart(endpoint).get(mode, endpoint.storage.table)


def plan_of(sources: Sequence[Source], declared: Registry) -> Plan:
    """The build's :class:`Plan` of ``sources``; refuses sources holding no record of the primary one."""
    main = declared.primary
    endpoint_of = {s.endpoint: declared.get(s.endpoint) for s in sources}
    if not any(endpoint_of[s.endpoint] is main for s in sources):
        raise BuildError(
            f"no {main.storage.table} input: at least one source must hold /{main.name}/ records"
        )
    split = {
        e.name: e.modes.split({s.mode for s in sources if endpoint_of[s.endpoint] is e}) for e in declared
    }
    return Plan(declared, endpoint_of, split)
