"""In-process answers to LL2 requests: what ``serve`` would send, without a socket.

Details: docs/testing.md#use-it-in-your-tests, docs/architecture.md#the-shell-cli-server-testing
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from ..typecheck import TYPE_CHECKING
from .interceptor import OfflineRefused

if TYPE_CHECKING:
    from collections.abc import Callable

    from ..server import Answer, Responder

__all__ = ["LL2_HOSTS", "Call", "Offline", "OfflineRefused", "normal_host", "as_flag", "as_hosts"]

#: The hosts answered from the snapshot: LL2's production and development servers.
LL2_HOSTS = ("ll.thespacedevs.com", "lldev.thespacedevs.com")

#: Longest URL quoted whole in a strict-mode refusal; a longer one is cut there (not in
#: :attr:`Offline.calls`).
_SHOWN_URL = 300

#: The names that resolve to loopback without a lookup (RFC 6761); IP literals are judged by ``ipaddress``.
_LOOPBACK_NAMES = frozenset({"localhost"})


def normal_host(host: str | bytes | None) -> str:
    """``host`` as a name is compared: lower case, without a trailing dot, IDNA-mapped (``。`` is a dot).

    No percent-decoding: each hook passes the host its client connects to, decoded
    where that client decodes (requests and urllib do, httpx does not).
    """
    if host is None:
        return ""
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not host.isascii():
        try:  # the stdlib IDNA codec maps the ideographic and full-width dots and case, as a resolver would
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # not a name a client could look up: compared as it is, matching no LL2 host
    return host.lower().removesuffix(".")


def as_flag(value: object, what: str) -> bool:
    """A boolean option given as a bool or as text (``"false"``, ``"0"``, ``"no"``, ``"off"`` are false)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value != 0
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "1", "yes", "on"):
            return True
        if text in ("false", "0", "no", "off", ""):
            return False
    raise ValueError(f"{what}: {value!r} is not a boolean (true/false, yes/no, on/off, 1/0)")


def as_hosts(value: object, what: str) -> frozenset[str]:
    """Host names given as a list (any iterable of str) or as one comma-separated string, normalised."""
    if isinstance(value, (str, bytes)):
        text = value.decode("ascii", "replace") if isinstance(value, bytes) else value
        items: list[object] = list(text.split(","))
    else:
        try:
            items = list(value)  # type: ignore[call-overload]
        except TypeError:
            raise ValueError(
                f"{what}: {value!r} is not a list of host names or a comma-separated string"
            ) from None
    hosts = set()
    for item in items:
        if not isinstance(item, str):
            raise ValueError(f"{what}: {item!r} is not a host name (a string)")
        if item.strip():
            hosts.add(normal_host(item.strip().strip("[]")))
    return frozenset(hosts)


@dataclass(frozen=True)
class Call:
    """One request answered (or refused) while offline: what a test can assert on."""

    method: str
    url: str
    status: int | None  # None: refused (strict mode)
    via: str  # "requests", "httpx", "urllib", "socket"


class Offline:
    """Answer LL2 requests from ``snapshot`` in-process while active (a context manager).

    ``hosts`` are the host names answered (default :data:`LL2_HOSTS`). Requests to other
    hosts go to the network unless ``strict``, which refuses them with
    :class:`OfflineRefused`, except the hosts in ``allow`` (a list, or one comma-separated
    string; e.g. ``127.0.0.1`` for a local server). Strict mode also refuses, at the socket,
    any connection or name lookup from any client (urllib3, ``http.client``, aiohttp, raw
    sockets, an httpx client made before activation) to an address other than loopback and
    ``allow``. ``strict`` may be changed while active. ``calls`` lists every request seen,
    in order. ``label`` names the context in refusals (the plugin's fixture says ``ll2_offline``).
    """

    def __init__(
        self,
        snapshot: Responder | None = None,
        *,
        strict: bool | str = False,
        hosts: Iterable[str] = LL2_HOSTS,
        allow: Iterable[str] | str = (),
        label: str = "offline()",
    ) -> None:
        if snapshot is None:
            from ..snapshot import load

            snapshot = load()
        self.snapshot = snapshot
        self.strict = strict
        self.hosts = as_hosts(hosts, "offline(hosts=...)")
        self.allow = as_hosts(allow, "offline(allow=...)")
        self.label = label
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        #: addresses the names in ``allow`` resolved to while strict (a connection to them is allowed)
        self._resolved: set[str] = set()

    @property
    def strict(self) -> bool:
        """Whether other hosts, and any address off loopback, are refused; may be set while active."""
        return self._strict

    @strict.setter
    def strict(self, value: bool | str) -> None:
        self._strict = as_flag(value, "offline(strict=...)")

    # -- deciding -----------------------------------------------------------
    def answers(self, url: str) -> bool:
        """True when a request to ``url`` is answered from the snapshot (its host is an LL2 host)."""
        return normal_host(urlsplit(url).hostname) in self.hosts

    def check_passthrough(self, method: str, url: str, via: str) -> None:
        """Let a request to a non-LL2 ``url`` go to the network, or raise :class:`OfflineRefused` when strict.

        ``method`` may be empty where the hook does not know it (``requests`` picks the adapter by URL).
        """
        host = normal_host(urlsplit(url).hostname)
        if self.strict and host not in self.allow:
            self._record(Call(method, url, None, via))
            shown = url if len(url) <= _SHOWN_URL else url[:_SHOWN_URL] + "..."
            what = f"{method} {shown}" if method else f"a request to {shown}"
            raise OfflineRefused(
                f"spacecraft_data offline (strict): refused {what} ({via}): {self.label} answers only "
                f"{', '.join(sorted(self.hosts))}"
                + (f" and allows {', '.join(sorted(self.allow))}" if self.allow else "")
            )

    def check_address(self, host: str | bytes | None, port: object, what: str) -> None:
        """In strict mode, raise :class:`OfflineRefused` unless ``host`` is loopback or allowed.

        ``host`` is a name or an IP literal, about to be looked up or connected to
        (``what``: ``"name lookup of"``, ``"connection to"``, ``"datagram to"``); called by the socket guard
        before
        the lookup or connection is made.
        """
        if not self.strict or self._allowed_address(host):
            return
        name = normal_host(host)
        where = f"{name}:{port}" if port not in (None, "", 0) else name
        self._record(Call("", where, None, "socket"))
        if name in self.hosts:
            reason = (
                f"this client is not answered from the snapshot ({self.label} answers requests, httpx and "
                "urllib.request on the LL2 hosts) and strict mode allows no network"
            )
        else:
            allowed = f", {', '.join(sorted(self.allow))}" if self.allow else ""
            reason = (
                f"{self.label} allows only loopback{allowed} and the LL2 hosts answered from the snapshot"
            )
        raise OfflineRefused(f"spacecraft_data offline (strict): {what} {where} refused; {reason}")

    def resolved(self, host: str | bytes | None, addresses: Iterable[str]) -> None:
        """Note the addresses a name in ``allow`` resolved to: connections to them are allowed."""
        if normal_host(host) in self.allow:
            with self._lock:
                self._resolved.update(addresses)

    def _allowed_address(self, host: str | bytes | None) -> bool:
        name = normal_host(host)
        if not name or name in _LOOPBACK_NAMES or name in self.allow or name in self._resolved:
            return True  # no host (getaddrinfo(None, ...)) is the local host
        from ipaddress import ip_address

        try:
            address = ip_address(name.split("%", 1)[0])  # an IPv6 zone does not change where it goes
        except ValueError:
            return False
        mapped = getattr(address, "ipv4_mapped", None)
        return address.is_loopback or (mapped is not None and mapped.is_loopback)

    # -- answering ----------------------------------------------------------
    def respond(self, method: str, url: str, accept: list[str], via: str) -> Answer:
        """What ``serve`` answers to ``method url`` (``accept``: the Accept header values), for any path."""
        from ..server import answer  # the HTTP server module, only once a request comes

        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        reply = answer(
            self.snapshot,
            method.upper(),
            target,
            host=_host_header(parts),
            accept=accept,
            scheme=parts.scheme or "https",
            request_line_length=len(f"{method} {target} HTTP/1.1\r\n"),
        )
        self._record(Call(method.upper(), url, reply.status, via))
        return reply

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # -- activation ---------------------------------------------------------
    def __enter__(self) -> Offline:
        _REGISTRY.enter(self)
        return self

    def __exit__(self, *exc: object) -> None:
        _REGISTRY.exit(self)


class _Registry:
    """The active :class:`Offline` contexts and the one installation of the hooks they share.

    The hooks are given :class:`_Current`, which asks the context entered last at each
    request: so any order of exits (A in, B in, A out, B out, in one thread or two)
    leaves the hooks while a context is active, answering for one still active, and
    none after the last exit.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: list[Offline] = []
        self._uninstall: Callable[[], None] | None = None

    def enter(self, offline: Offline) -> None:
        with self._lock:
            if not self._active:
                from . import hooks

                self._uninstall = hooks.install(_Current(self))
            self._active.append(offline)

    def exit(self, offline: Offline) -> None:
        with self._lock:
            for i in range(len(self._active) - 1, -1, -1):
                if self._active[i] is offline:
                    del self._active[i]
                    break
            else:
                raise RuntimeError(f"{offline.label}: exited without being entered")
            if not self._active and self._uninstall is not None:
                uninstall, self._uninstall = self._uninstall, None
                uninstall()

    def current(self) -> Offline | None:
        """The context entered last among those active, or None when none is."""
        active = self._active  # a list read in one step: no lock needed to look at its last item
        try:
            return active[-1]
        except IndexError:
            return None

    @property
    def installed(self) -> bool:
        """Whether the hooks are installed (exactly while a context is active)."""
        return self._uninstall is not None


_REGISTRY = _Registry()


class _Current:
    """The :class:`~.interceptor.Interceptor` the hooks are given: the active context entered last.

    A request seen in the instant after the last exit (another thread's) is left to the network.
    """

    def __init__(self, registry: _Registry) -> None:
        self._registry = registry

    def _offline(self) -> Offline | None:
        return self._registry.current()

    @property
    def hosts(self) -> frozenset[str]:
        offline = self._offline()
        return offline.hosts if offline else frozenset()

    def answers(self, url: str) -> bool:
        offline = self._offline()
        return offline is not None and offline.answers(url)

    def check_passthrough(self, method: str, url: str, via: str) -> None:
        offline = self._offline()
        if offline is not None:
            offline.check_passthrough(method, url, via)

    def check_address(self, host: str | bytes | None, port: object, what: str) -> None:
        offline = self._offline()
        if offline is not None:
            offline.check_address(host, port, what)

    def resolved(self, host: str | bytes | None, addresses: Iterable[str]) -> None:
        offline = self._offline()
        if offline is not None:
            offline.resolved(host, addresses)

    def respond(self, method: str, url: str, accept: list[str], via: str) -> Answer:
        offline = self._offline()
        if offline is None:
            raise OfflineRefused(
                f"spacecraft_data offline: {url} was being answered when the last offline() context exited"
            )
        return offline.respond(method, url, accept, via)


def _host_header(parts: SplitResult) -> str:
    """The ``Host`` a client sends for this URL: the host, and the port only when it is not the scheme's
    default."""
    host = parts.hostname or ""
    host = f"[{host}]" if ":" in host else host
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme)
    return host if port is None or port == default else f"{host}:{port}"
