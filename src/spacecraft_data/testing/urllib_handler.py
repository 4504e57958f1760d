"""A ``urllib.request`` handler that answers LL2 requests from the snapshot, in-process."""

from __future__ import annotations

import email.message
import io
import urllib.request
from urllib.error import URLError
from urllib.response import addinfourl

from .interception import Offline, OfflineRefused

__all__ = ["OfflineHandler"]


class OfflineHandler(urllib.request.BaseHandler):
    """Opens ``http(s)://`` URLs of LL2 hosts from the snapshot; others pass to the next handler.

    ``handler_order`` puts it ahead of the default ``HTTPHandler``/``HTTPSHandler`` (500),
    and returning None hands a request on to them. A non-2xx answer becomes an
    ``HTTPError`` through the opener's ``HTTPErrorProcessor``, as for a real answer.
    """

    handler_order = 100

    def __init__(self, offline: Offline) -> None:
        self.offline = offline

    def http_open(self, req: urllib.request.Request) -> addinfourl | None:
        """Serve's answer for an LL2 host, None (pass on) for another, URLError when strict refuses it."""
        url = req.full_url
        if not self.offline.answers(url):
            try:
                self.offline.check_passthrough(req.get_method(), url, "urllib")
            except OfflineRefused as exc:
                raise URLError(exc) from exc
            return None
        accept = [v for k, v in req.header_items() if k.lower() == "accept"]
        reply = self.offline.respond(req.get_method(), url, accept, "urllib")
        headers = email.message.Message()
        for name, value in reply.headers:
            headers[name] = value
        body = b"" if req.get_method() == "HEAD" else reply.body
        response = addinfourl(io.BytesIO(body), headers, url, reply.status)
        response.msg = reply.reason  # what http.client's response carries as .msg / .reason
        response.reason = reply.reason  # type: ignore[attr-defined]
        return response

    https_open = http_open
