"""A ``requests`` transport adapter that answers LL2 requests from the snapshot, in-process."""

from __future__ import annotations

import io
from typing import Any

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPHeaderDict, HTTPResponse

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .interceptor import Interceptor

__all__ = ["OfflineAdapter"]


class OfflineAdapter(HTTPAdapter):
    """Sends nothing: builds serve's answer and hands it to ``requests`` as a urllib3 response.

    ``HTTPAdapter.build_response`` (the documented step from a urllib3 response to a
    ``requests.Response``) sets the status, headers, encoding, cookies and URL exactly as for
    a real answer.
    """

    def __init__(self, offline: Interceptor) -> None:
        super().__init__()
        self.offline = offline

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: Any = None,
        verify: Any = True,
        cert: Any = None,
        proxies: Any = None,
    ) -> requests.Response:
        method = request.method or "GET"
        accept = [str(request.headers["Accept"])] if "Accept" in request.headers else []
        reply = self.offline.respond(method, request.url or "", accept, "requests")
        headers = HTTPHeaderDict()
        for name, value in reply.headers:
            headers.add(name, value)
        raw = HTTPResponse(
            body=io.BytesIO(b"" if method.upper() == "HEAD" else reply.body),
            headers=headers,
            status=reply.status,
            reason=reply.reason,
            preload_content=False,
            decode_content=False,
            request_method=method,
            request_url=request.url,
        )
        return self.build_response(request, raw)
