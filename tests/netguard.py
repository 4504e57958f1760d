"""The suite's own network guard: nothing in the test process looks up or connects to a host but loopback.

The project's rule is that no test aims at anything but loopback, and that refusals are proved with names
under
``.invalid``. This makes the rule hold by construction in the pytest process: a ``.invalid`` name fails at
once
as the resolver fails it (no query leaves the machine), and any other name or non-loopback address is refused,
recorded, and fails the session at its end even when the test caught the error. Subprocesses are not covered:
they aim at the loopback stand-in by their arguments (tests/fakeapi.py), and the docs runner refuses blocks
that
could reach a network (scripts/docs_examples.py).
"""

from __future__ import annotations

import ipaddress
import os
import socket
from typing import Any

#: what was refused, as "lookup NAME" / "connect ADDRESS", for the end of the session
REFUSED: list[str] = []

_LOOPBACK_NAMES = {"", "localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback"}


def _loopback_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified  # 0.0.0.0 and :: reach this machine


def _name(host: Any) -> str | None:
    if host is None:
        return None
    if isinstance(host, (bytes, bytearray)):
        host = bytes(host).decode("ascii", "replace")
    return str(host).rstrip(".").lower()


def _check_name(host: Any) -> None:
    name = _name(host)
    if name is None or name in _LOOPBACK_NAMES or _loopback_ip(name):
        return
    if name.endswith(".invalid") or name == "invalid":
        raise socket.gaierror(
            socket.EAI_NONAME, "Name or service not known"
        )  # as glibc answers, with no query
    REFUSED.append(f"lookup {name} in {os.environ.get('PYTEST_CURRENT_TEST', '?')}")
    raise socket.gaierror(
        socket.EAI_NONAME,
        f"the test suite looks up only loopback and .invalid names: {name!r} refused (tests/netguard.py)",
    )


def _check_address(address: Any) -> None:
    if not (isinstance(address, tuple) and address and isinstance(address[0], str)) or _loopback_ip(
        address[0]
    ):
        return
    try:
        ipaddress.ip_address(address[0].split("%", 1)[0])
    except ValueError:
        _check_name(address[0])  # a name given to connect() is looked up by it: the same rule
        return
    REFUSED.append(f"connect {address[0]} in {os.environ.get('PYTEST_CURRENT_TEST', '?')}")
    raise ConnectionRefusedError(
        f"the test suite connects only to loopback: {address[0]!r} refused (tests/netguard.py)"
    )


def install() -> None:
    """Wrap the socket module's lookups and connects (once)."""
    if getattr(socket.getaddrinfo, "_netguard", False):
        return
    real_getaddrinfo, real_byname, real_byname_ex = (
        socket.getaddrinfo,
        socket.gethostbyname,
        socket.gethostbyname_ex,
    )
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        _check_name(host)
        return real_getaddrinfo(host, *args, **kwargs)

    def gethostbyname(host: Any) -> Any:
        _check_name(host)
        return real_byname(host)

    def gethostbyname_ex(host: Any) -> Any:
        _check_name(host)
        return real_byname_ex(host)

    def connect(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check_address(address)
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        if self.family in (socket.AF_INET, socket.AF_INET6):
            _check_address(address)
        return real_connect_ex(self, address)

    getaddrinfo._netguard = True  # type: ignore[attr-defined]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname  # type: ignore[assignment]
    socket.gethostbyname_ex = gethostbyname_ex  # type: ignore[assignment]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
