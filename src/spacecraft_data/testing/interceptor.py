"""What the client libraries' hooks need of an offline interceptor, and the refusal they pass on.

The hooks (:mod:`.hooks` and the adapters it installs) depend on this module
only, never on :mod:`.interception`, which installs them: imports run one way.
:class:`~.interception.Offline` is the :class:`Interceptor` they are given.
"""

from __future__ import annotations

from ..errors import SpacecraftDataError
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Protocol

    from ..server import Answer

    class Interceptor(Protocol):
        """Decides, for one request URL, whether it is answered in-process, refused or let through."""

        @property
        def hosts(self) -> frozenset[str]:
            """The host names answered in-process."""

        def answers(self, url: str) -> bool:
            """True when a request to ``url`` is answered in-process."""

        def check_passthrough(self, method: str, url: str, via: str) -> None:
            """Let a request to another host through, or raise :class:`OfflineRefused`."""

        def check_address(self, host: str | bytes | None, port: object, what: str) -> None:
            """In strict mode, raise :class:`OfflineRefused` for a lookup or connection off loopback."""

        def resolved(self, host: str | bytes | None, addresses: Iterable[str]) -> None:
            """Note what a name looked up resolved to (the socket guard allows the names in ``allow``)."""

        def respond(self, method: str, url: str, accept: list[str], via: str) -> Answer:
            """The answer to ``method url``."""


__all__ = ["OfflineRefused"]


class OfflineRefused(SpacecraftDataError):
    """A request to a host that strict offline mode does not answer (it would have gone to the network)."""
