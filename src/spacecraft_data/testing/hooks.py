"""The client libraries' own extension points (requests, httpx, urllib, sockets) pointed at an ``Offline``.

Details: docs/testing.md#use-it-in-your-tests
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from typing import Any

from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from .interceptor import Interceptor

__all__ = ["install"]


def install(offline: Interceptor) -> Callable[[], None]:
    """Hook every installed client library to ``offline``; return the function that undoes it (LIFO)."""
    undo: list[Callable[[], None]] = []
    try:
        for name, hook in (
            ("requests", _hook_requests),
            ("httpx", _hook_httpx),
            ("urllib", _hook_urllib),
            ("socket", _guard_sockets),
        ):
            if name in ("urllib", "socket") or importlib.util.find_spec(name) is not None:
                undo.append(hook(offline))
    except BaseException:
        for step in reversed(undo):
            step()
        raise

    def uninstall() -> None:
        for step in reversed(undo):
            step()

    return uninstall


# -- requests ---------------------------------------------------------------
def _hook_requests(offline: Interceptor) -> Callable[[], None]:
    import requests

    from .requests_adapter import OfflineAdapter

    adapter = OfflineAdapter(offline)
    original = requests.Session.get_adapter

    def get_adapter(self: requests.Session, url: str) -> Any:
        if offline.answers(url):
            return adapter
        offline.check_passthrough("", url, "requests")
        return original(self, url)

    get_adapter.__doc__ = original.__doc__
    requests.Session.get_adapter = get_adapter  # type: ignore[method-assign]

    def undo() -> None:
        requests.Session.get_adapter = original  # type: ignore[method-assign]

    return undo


# -- httpx ------------------------------------------------------------------
def _hook_httpx(offline: Interceptor) -> Callable[[], None]:
    import httpx

    from .httpx_transport import OfflineAsyncTransport, OfflineTransport

    transports: dict[Any, Any] = {
        httpx.Client: OfflineTransport(offline),
        httpx.AsyncClient: OfflineAsyncTransport(offline),
    }
    if not all(hasattr(cls, "_transport_for_url") for cls in transports):
        return _hook_httpx_init(offline, transports)
    originals = {cls: cls.__dict__["_transport_for_url"] for cls in transports}

    def wrap(cls: Any) -> Any:
        original = originals[cls]
        transport = transports[cls]

        def _transport_for_url(self: Any, url: httpx.URL) -> Any:
            # Strict mode refuses here, before any transport: no connection is opened.
            if offline.answers(str(url)):
                return transport
            offline.check_passthrough("", str(url), "httpx")
            return original(self, url)

        _transport_for_url.__doc__ = original.__doc__
        return _transport_for_url

    for cls in transports:
        # setattr, not an assignment: mypy refuses a plain assignment to a method
        setattr(cls, "_transport_for_url", wrap(cls))  # noqa: B010

    def undo() -> None:
        for cls, original in originals.items():
            setattr(cls, "_transport_for_url", original)  # noqa: B010

    return undo


def _hook_httpx_init(offline: Interceptor, transports: dict[Any, Any]) -> Callable[[], None]:
    """For an httpx without ``_transport_for_url``: mounts and a strict-mode request hook on each new
    client."""
    import httpx

    originals = {cls: cls.__init__ for cls in transports}

    def check(request: httpx.Request) -> None:
        if not offline.answers(str(request.url)):
            offline.check_passthrough(request.method, str(request.url), "httpx")

    async def async_check(request: httpx.Request) -> None:
        check(request)

    def wrap(cls: Any) -> Any:
        original = originals[cls]
        hook = async_check if cls is httpx.AsyncClient else check

        def __init__(
            self: Any,
            *args: Any,
            mounts: dict[str, Any] | None = None,
            event_hooks: dict[str, list[Any]] | None = None,
            **kwargs: Any,
        ) -> None:
            mounts = dict(mounts or {})
            for host in offline.hosts:
                mounts[f"all://{host}"] = transports[cls]
            hooks = {name: list(fns) for name, fns in (event_hooks or {}).items()}
            hooks["request"] = [hook, *hooks.get("request", [])]
            original(self, *args, mounts=mounts, event_hooks=hooks, **kwargs)

        __init__.__doc__ = original.__doc__
        return __init__

    for cls in originals:
        setattr(cls, "__init__", wrap(cls))  # noqa: B010

    def undo() -> None:
        for cls, original in originals.items():
            setattr(cls, "__init__", original)  # noqa: B010

    return undo


# -- urllib.request ---------------------------------------------------------
def _hook_urllib(offline: Interceptor) -> Callable[[], None]:
    import urllib.request

    from .urllib_handler import OfflineHandler

    # urllib keeps the installed opener in a module global and has no getter: read it to put it back.
    previous = getattr(urllib.request, "_opener", None)
    urllib.request.install_opener(urllib.request.build_opener(OfflineHandler(offline)))

    def undo() -> None:
        urllib.request.install_opener(previous)

    return undo


# -- sockets (strict mode) -------------------------------------------------------
def _guard_sockets(offline: Interceptor) -> Callable[[], None]:
    import socket

    wrappers = _guarded_methods(offline)
    methods = {name: socket.socket.__dict__.get(name) for name in wrappers}
    # The reverse lookups too (socket.getfqdn calls gethostbyaddr): each asks the resolver, the network.
    lookups = ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo")
    functions = {name: getattr(socket, name) for name in lookups}
    for name, wrapper in wrappers.items():
        setattr(socket.socket, name, wrapper)
    for name, wrapper in _guarded_lookups(offline, functions).items():
        setattr(socket, name, wrapper)

    def undo() -> None:
        for name, original in methods.items():
            if original is None:
                delattr(socket.socket, name)
            else:
                setattr(socket.socket, name, original)
        for name, function in functions.items():
            setattr(socket, name, function)

    return undo


def _guarded_methods(offline: Interceptor) -> dict[str, Any]:
    """``connect``, ``connect_ex``, ``sendto`` and ``sendmsg`` for ``socket.socket`` that check the address
    first."""
    import socket

    inet = (socket.AF_INET, socket.AF_INET6)
    # The C methods of _socket.socket, reached whether or not socket.socket overrides them now.
    socket_connect = socket.socket.connect
    socket_connect_ex = socket.socket.connect_ex
    socket_sendto = socket.socket.sendto
    socket_sendmsg = getattr(socket.socket, "sendmsg", None)  # not on Windows

    def connect(self: socket.socket, address: Any) -> None:
        if self.family in inet and isinstance(address, tuple) and address:
            offline.check_address(address[0], address[1] if len(address) > 1 else None, "connection to")
        return socket_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> int:
        if self.family in inet and isinstance(address, tuple) and address:
            offline.check_address(address[0], address[1] if len(address) > 1 else None, "connection to")
        return socket_connect_ex(self, address)

    def sendto(self: socket.socket, data: Any, *args: Any) -> int:
        address = args[-1] if args else None
        if self.family in inet and isinstance(address, tuple) and address:
            offline.check_address(address[0], address[1] if len(address) > 1 else None, "datagram to")
        return socket_sendto(self, data, *args)

    def sendmsg(self: socket.socket, buffers: Any, *args: Any) -> int:
        # sendmsg(buffers, ancdata, flags, address): the address, when given, is looked up and sent to in C.
        address = args[2] if len(args) > 2 else None
        if self.family in inet and isinstance(address, tuple) and address:
            offline.check_address(address[0], address[1] if len(address) > 1 else None, "datagram to")
        return socket_sendmsg(self, buffers, *args)  # type: ignore[misc]

    wrappers = {"connect": connect, "connect_ex": connect_ex, "sendto": sendto}
    return wrappers if socket_sendmsg is None else {**wrappers, "sendmsg": sendmsg}


def _guarded_lookups(offline: Interceptor, functions: dict[str, Any]) -> dict[str, Any]:
    """Name lookups that check the name first and note what it resolved to, calling ``functions``."""
    import socket

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        offline.check_address(host, port, "name lookup of")
        infos = functions["getaddrinfo"](host, port, *args, **kwargs)
        offline.resolved(host, [str(info[4][0]) for info in infos])
        return infos

    def gethostbyname(host: Any) -> Any:
        offline.check_address(host, None, "name lookup of")
        address = functions["gethostbyname"](host)
        offline.resolved(host, [address])
        return address

    def gethostbyname_ex(host: Any) -> Any:
        offline.check_address(host, None, "name lookup of")
        found = functions["gethostbyname_ex"](host)
        offline.resolved(host, found[2])
        return found

    def gethostbyaddr(host: Any) -> Any:
        offline.check_address(host, None, "name lookup of")
        return functions["gethostbyaddr"](host)

    def getnameinfo(address: Any, flags: int) -> Any:
        if isinstance(address, tuple) and address and not flags & socket.NI_NUMERICHOST:
            offline.check_address(address[0], address[1] if len(address) > 1 else None, "name lookup of")
        return functions["getnameinfo"](address, flags)

    return {
        "getaddrinfo": getaddrinfo,
        "gethostbyname": gethostbyname,
        "gethostbyname_ex": gethostbyname_ex,
        "gethostbyaddr": gethostbyaddr,
        "getnameinfo": getnameinfo,
    }
