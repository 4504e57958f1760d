"""A ``urllib.request`` handler that answers LL2 requests from the snapshot, in-process."""

from __future__ import annotations

import http.client
import io
import urllib.request
from urllib.error import URLError
from urllib.parse import unquote, urlsplit, urlunsplit

from ..typecheck import TYPE_CHECKING
from .interceptor import OfflineRefused

if TYPE_CHECKING:
    from .interceptor import Interceptor

__all__ = ["OfflineHandler"]


class OfflineHandler(urllib.request.BaseHandler):
    """Opens ``http(s)://`` URLs of LL2 hosts from the snapshot; others pass to the next handler.

    ``handler_order`` puts it ahead of the default ``HTTPHandler``/``HTTPSHandler`` (500),
    and returning None hands a request on to them. The answer is parsed by
    ``http.client.HTTPResponse`` from its bytes, so ``urlopen`` returns the same kind of
    object as over the network (``status``, ``reason``, ``headers``, ``getheaders()``);
    a non-2xx answer becomes an ``HTTPError`` through the opener's ``HTTPErrorProcessor``.
    """

    handler_order = 100

    def __init__(self, offline: Interceptor) -> None:
        self.offline = offline

    def http_open(self, req: urllib.request.Request) -> http.client.HTTPResponse | None:
        """Serve's answer for an LL2 host, None (pass on) for another, URLError when strict refuses it.

        The host is percent-decoded as urllib's ``Request`` decodes it before connecting (and sending
        it as ``Host``): ``http://ll%2ethespacedevs.com/`` goes to ``ll.thespacedevs.com``, so it is
        answered. ``full_url`` is read, not ``req.host``, which a proxy set from the environment replaces.
        """
        parts = urlsplit(req.full_url)
        url = urlunsplit(parts._replace(netloc=unquote(parts.netloc)))
        if not self.offline.answers(url):
            try:
                self.offline.check_passthrough(req.get_method(), url, "urllib")
            except OfflineRefused as exc:
                raise URLError(exc) from exc
            return None
        accept = [v for k, v in req.header_items() if k.lower() == "accept"]
        reply = self.offline.respond(req.get_method(), url, accept, "urllib")
        method = req.get_method()
        head = [f"HTTP/1.1 {reply.status} {reply.reason}", *(f"{k}: {v}" for k, v in reply.headers), "", ""]
        raw = "\r\n".join(head).encode("latin-1") + (b"" if method == "HEAD" else reply.body)
        response = http.client.HTTPResponse(_Bytes(raw), method=method, url=url)  # type: ignore[arg-type]
        response.begin()
        # What urllib's own do_open sets on the response it returns.
        response.url = url
        response.msg = response.reason  # type: ignore[assignment]
        return response

    https_open = http_open


class _Bytes:
    """The one socket method ``http.client.HTTPResponse`` calls: ``makefile``, over bytes already there."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def makefile(self, mode: str, *args: object) -> io.BytesIO:
        return io.BytesIO(self.data)
