"""``httpx`` transports (sync and async) that answer LL2 requests from the snapshot, in-process."""

from __future__ import annotations

import httpx

from ..server import Answer
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .interceptor import Interceptor

__all__ = ["OfflineTransport", "OfflineAsyncTransport"]


def _answer(offline: Interceptor, request: httpx.Request) -> httpx.Response:
    accept = request.headers.get_list("Accept")
    reply: Answer = offline.respond(request.method, str(request.url), accept, "httpx")
    content = b"" if request.method.upper() == "HEAD" else reply.body
    return httpx.Response(
        reply.status,
        headers=list(reply.headers),
        content=content,
        request=request,
        extensions={"reason_phrase": reply.reason.encode("ascii"), "http_version": b"HTTP/1.1"},
    )


class OfflineTransport(httpx.BaseTransport):
    """A sync transport: serve's answer, built in-process (``Client(mounts=...)``)."""

    def __init__(self, offline: Interceptor) -> None:
        self.offline = offline

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        """Serve's answer to ``request``."""
        request.read()
        return _answer(self.offline, request)


class OfflineAsyncTransport(httpx.AsyncBaseTransport):
    """An async transport: serve's answer, built in-process (``AsyncClient(mounts=...)``)."""

    def __init__(self, offline: Interceptor) -> None:
        self.offline = offline

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Serve's answer to ``request`` (computed at once: answering never waits on I/O)."""
        await request.aread()
        return _answer(self.offline, request)
