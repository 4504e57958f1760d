"""LL2 offline inside tests: in-process answers for ``requests``, ``httpx`` and ``urllib``, and a pytest
plugin.

Details: docs/testing.md#use-it-in-your-tests
"""

from __future__ import annotations

from contextlib import contextmanager

from .interception import LL2_HOSTS, Call, Offline, OfflineRefused

__all__ = ["LL2_HOSTS", "Call", "Offline", "OfflineRefused", "offline", "running_server"]

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

    from ..server import Responder, SpacecraftServer


def offline(
    snapshot: Responder | None = None, *, strict: bool | str = False, allow: Iterable[str] | str = ()
) -> Offline:
    """A context manager answering LL2 requests in-process from ``snapshot`` (default ``load()``).

    ``strict=True`` (or ``"true"``; ``"false"`` is false) refuses requests to any other host
    (except those in ``allow``: a list, or one comma-separated string) with
    :class:`OfflineRefused`, so that a test proves it makes no other call; below the hooked
    clients, any connection or name lookup off loopback is refused too, from any client.
    Contexts may overlap and exit in any order.
    """
    return Offline(snapshot, strict=strict, allow=allow)


@contextmanager
def running_server(snapshot: Responder, host: str = "127.0.0.1") -> Iterator[SpacecraftServer]:
    """``serve`` on a free port of ``host`` in a daemon thread, yielded running, then stopped and closed."""
    import threading

    from ..server import make_server

    server = make_server(snapshot, host, 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, name="ll2-server", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)
