"""The HTTP answer to one request (method, target, ``Host``, ``Accept``), whatever carries it.
Details: docs/architecture.md#the-shell-cli-server-testing"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Protocol
from urllib.parse import unquote

from ..api import error_answer
from ..hosts import invalid_host_body, valid_host
from ..refusals import BadTarget, InvalidHost, MethodNotAllowed, NotFound, Refusal, RequestLineTooLong
from ..routes import api_route
from ..typecheck import TYPE_CHECKING
from .limits import MAX_REQUEST_LINE
from .negotiation import choose_renderer

if TYPE_CHECKING:
    from ..api import Api
    from ..endpoints import Registry

JSON_TYPE = "application/json"
PAGE_TYPE = "text/html; charset=utf-8"
#: The headers LL2's browsable pages list above the body (the JSON response's own headers).
PAGE_HEADERS = {"Allow": "GET", "Content-Type": JSON_TYPE, "Vary": "Accept"}

# Printable ASCII only: what a well-formed request target is made of (RFC 3986).
_TARGET = re.compile(r"^/[\x21-\x7e]*$")
_ALLOWED = ("GET", "HEAD")


class Responder(Protocol):
    """What the server needs from a snapshot: its :class:`~spacecraft_data.api.Api` and its versions."""

    @property
    def version(self) -> str:
        """The snapshot version, sent as ``X-Snapshot-Version``."""

    @property
    def api_version(self) -> str:
        """The API version the routes live under (``2.3.0``)."""

    @property
    def api(self) -> Api:
        """The service answering URLs from the snapshot (:meth:`~spacecraft_data.api.Api.respond`)."""

    @property
    def registry(self) -> Registry:
        """The declarations of its API version: the routes a 405 is answered on, the pages' descriptions."""


@dataclass(frozen=True)
class Answer:
    """One HTTP answer as ``serve`` sends it: status, reason, headers in order, and the body bytes.

    ``body`` is the GET body even for HEAD (whose ``Content-Length`` is the GET's): the
    transport that writes the answer leaves it out. ``Connection`` is the transport's too.
    """

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The value of header ``name`` (any case), or None."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


def answer(
    snapshot: Responder,
    method: str,
    target: str,
    *,
    host: str | None,
    accept: list[str] | tuple[str, ...] = (),
    scheme: str = "http",
    default_host: str = "127.0.0.1",
    request_line_length: int = 0,
) -> Answer:
    """The answer ``serve`` sends to ``method target`` with these ``Host`` and ``Accept`` headers.

    This is the whole of serve's HTTP semantics (target checks, renderer choice, 405s,
    rendering, headers); the socket server and the in-process transports of
    :mod:`spacecraft_data.testing` both send what it returns, so they cannot differ.
    ``scheme`` is the one the record URLs and ``next``/``previous`` links get (``https``
    for a request that was made to ``https://ll.thespacedevs.com``); ``default_host`` is
    used when the request has no ``Host``; ``request_line_length`` is the request line's
    size in bytes (0: not checked).
    """
    renderer = "json"  # DRF renders the errors found before a renderer is chosen as JSON
    try:
        if request_line_length > MAX_REQUEST_LINE:
            raise RequestLineTooLong(
                f"Request line too long ({request_line_length} bytes; the limit is {MAX_REQUEST_LINE})."
            )
        refusal = _refuse_target(target)
        if refusal:
            raise BadTarget(refusal)
        path, _, query = target.partition("?")
        decoded = unquote(path)
        root = f"/{snapshot.api_version}/"
        api_target = target
        if (
            decoded == "/"
        ):  # the server's root is the API root, as DRF's DefaultRouter lists it under the version
            api_target = root + target[len(path) :]
        if host is None:  # Django (PEP 3333) rebuilds it from the server's name and port
            host = default_host
        elif not valid_host(host):  # anything else could smuggle a path or query into the answer's links
            raise InvalidHost(host, invalid_host_body(host)["detail"])
        renderer = choose_renderer(query, list(accept))
        if method not in _ALLOWED:
            # A DRF route (or the API root) that is not GET is a 405; any other path a 404, as in Django.
            if decoded not in ("/", root):
                routed = api_route(decoded, root, snapshot.registry.endpoints)
                if routed is None or routed[0] is None:  # "/2.3.0//" is not the root's view here
                    raise NotFound()
            raise MethodNotAllowed(method)  # the API root is a GET-only view too (DRF's APIRootView)
        status, body = snapshot.api.respond(f"{scheme}://{host}{api_target}")
    except Refusal as exc:
        status, body = error_answer(exc)
    return _render(snapshot, status, body, renderer, target)


def refusal_answer(snapshot: Responder, refusal: Refusal) -> Answer:
    """The JSON answer, with serve's headers, to a request refused outright (malformed, internal error,
    ...)."""
    status, body = error_answer(refusal)
    return _render(snapshot, status, body, "json", "")


def _render(snapshot: Responder, status: int, body: Any, renderer: str, target: str) -> Answer:
    reason = reason_phrase(status)
    if renderer == "api":
        from ..browsable import render_html

        content = render_html(
            body,
            target,
            status,
            reason,
            PAGE_HEADERS,
            description_of(snapshot.registry, target),
            snapshot.registry,
        ).encode("utf-8")
        content_type = PAGE_TYPE
    else:
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
        content_type = JSON_TYPE
    headers = (
        ("Content-Type", content_type),
        ("Content-Length", str(len(content))),
        ("Allow", "GET"),
        ("Vary", "Accept"),
        ("X-Snapshot-Version", snapshot.version),
    )
    return Answer(status, reason, headers, content)


def description_of(declared: Registry, target: str) -> str:
    """The view description (:attr:`Endpoint.description`) of ``declared`` for a browsable page of
    ``target``.

    Empty outside the declared endpoints.
    """
    path = target.split("?", 1)[0]
    for name, endpoint in declared.endpoints.items():
        if path.startswith(f"/{declared.api_version}/{name}/"):
            return endpoint.description
    return ""


def reason_phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Unknown"


def _refuse_target(target: str) -> str | None:
    """Why the request target is refused (a 400 detail), or None when it may be looked up."""
    if not _TARGET.match(target):
        return "Bad request target: only an absolute path of printable ASCII characters is accepted."
    path = target.partition("?")[0]
    if "#" in target:
        return "Bad request target: a fragment ('#') is not part of a request."
    try:
        decoded = unquote(path, errors="strict") if "%" in path else path
    except UnicodeDecodeError:
        return "Bad request target: the percent-encoded path is not UTF-8."
    if any(ch < " " or ch == "\x7f" or ch == "\\" for ch in decoded):
        return "Bad request target: the path holds a control character or a backslash."
    if any(segment in (".", "..") for segment in decoded.split("/")):
        return "Bad request target: '.' and '..' path segments are refused."
    return None
