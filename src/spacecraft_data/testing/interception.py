"""In-process answers to LL2 requests: what ``serve`` would send, without a socket.

:class:`Offline` decides, for one request URL, whether it is answered from the
snapshot (an LL2 host), refused (another host, in strict mode) or left to the
network (another host, by default). The answer itself is built by
:func:`spacecraft_data.server.answer`, the function the socket server sends, so
the status, headers, body and links are serve's own. The client libraries'
hooks (``requests``, ``httpx``, ``urllib.request``) only translate requests and
answers: see :mod:`.hooks`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import SplitResult, unquote, urlsplit

from .interceptor import OfflineRefused

from ..typecheck import TYPE_CHECKING
if TYPE_CHECKING:
    from ..server import Answer, Responder

__all__ = ["LL2_HOSTS", "Call", "Offline", "OfflineRefused"]

#: The hosts answered from the snapshot: LL2's production and development servers.
LL2_HOSTS = ("ll.thespacedevs.com", "lldev.thespacedevs.com")

#: Longest URL quoted whole in a strict-mode refusal; a longer one is cut there (not in :attr:`Offline.calls`).
_SHOWN_URL = 300


@dataclass(frozen=True)
class Call:
    """One request answered (or refused) while offline: what a test can assert on."""

    method: str
    url: str
    status: int | None  # None: refused (strict mode)
    via: str  # "requests", "httpx", "urllib"


class Offline:
    """Answer LL2 requests from ``snapshot`` in-process while active (a context manager).

    ``hosts`` are the host names answered (default :data:`LL2_HOSTS`). Requests to other
    hosts go to the network unless ``strict``, which refuses them with
    :class:`OfflineRefused`, except the hosts in ``allow`` (e.g. ``127.0.0.1`` for a
    local server). ``strict`` may be changed while active. ``calls`` lists every request
    seen, in order.
    """

    def __init__(self, snapshot: Responder | None = None, *, strict: bool = False,
                 hosts: Iterable[str] = LL2_HOSTS, allow: Iterable[str] = ()) -> None:
        if snapshot is None:
            from ..snapshot import load

            snapshot = load()
        self.snapshot = snapshot
        self.strict = strict
        self.hosts = frozenset(h.lower() for h in hosts)
        self.allow = frozenset(h.lower() for h in allow)
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._undo: list[Any] = []

    # -- deciding -----------------------------------------------------------
    def answers(self, url: str) -> bool:
        """True when a request to ``url`` is answered from the snapshot (its host is an LL2 host)."""
        return (urlsplit(url).hostname or "").lower() in self.hosts

    def check_passthrough(self, method: str, url: str, via: str) -> None:
        """Let a request to a non-LL2 ``url`` go to the network, or raise :class:`OfflineRefused` when strict.

        ``method`` may be empty where the hook does not know it (``requests`` picks the adapter by URL).
        """
        host = (urlsplit(url).hostname or "").lower()
        if self.strict and host not in self.allow:
            self._record(Call(method, url, None, via))
            shown = url if len(url) <= _SHOWN_URL else url[:_SHOWN_URL] + "..."
            what = f"{method} {shown}" if method else f"a request to {shown}"
            raise OfflineRefused(
                f"spacecraft_data offline (strict): refused {what} ({via}): only "
                f"{', '.join(sorted(self.hosts))} are answered offline"
                + (f" and {', '.join(sorted(self.allow))} allowed" if self.allow else "")
            )

    # -- answering ----------------------------------------------------------
    def respond(self, method: str, url: str, accept: list[str], via: str) -> Answer:
        """What ``serve`` answers to ``method url`` (``accept``: the Accept header values), or a 501.

        The 501 is for a path on an LL2 host that the snapshot cannot answer (another
        endpoint, another API version): such a request would otherwise reach LL2.
        """
        from ..refusals import NotServed
        from ..server import answer, api_route, refusal_answer  # the HTTP server module, only once a request comes

        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply = answer(self.snapshot, method.upper(), target, host=_host_header(parts), accept=accept,
                       scheme=parts.scheme or "https", request_line_length=len(f"{method} {target} HTTP/1.1\r\n"))
        # serve's 404 for a path outside its routes would be LL2's answer only if LL2 had no such
        # endpoint; offline cannot know, so it says so (a refused target keeps serve's 400).
        if reply.status == 404 and not api_route(self.snapshot.api_version).match(unquote(parts.path or "/")):
            reply = refusal_answer(self.snapshot, NotServed(f"spacecraft_data offline: {parts.path or '/'} is not "
                                                            f"answered from the snapshot (it holds {self._routes()})."))
        self._record(Call(method.upper(), url, reply.status, via))
        return reply

    def _routes(self) -> str:
        from ..endpoints import endpoints

        api_version = self.snapshot.api_version
        return ", ".join(e.list_path(api_version) for e in endpoints(api_version).values()) + " and their detail routes"

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # -- activation ---------------------------------------------------------
    def __enter__(self) -> Offline:
        from . import hooks

        self._undo.append(hooks.install(self))
        return self

    def __exit__(self, *exc: object) -> None:
        self._undo.pop()()


def _host_header(parts: SplitResult) -> str:
    """The ``Host`` a client sends for this URL: the host, and the port only when it is not the scheme's default."""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port is None or port == default else f"{host}:{port}"
