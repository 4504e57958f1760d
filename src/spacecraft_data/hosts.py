"""Which Host headers (and URL hosts) may name the host of an answer's links: Django's rule, bounded.

Details: docs/serve.md, docs/architecture.md#answers-apipy-refusalspy-hostspy
"""

from __future__ import annotations

import re

__all__ = ["MAX_HOST_NAME_LENGTH", "split_domain_port", "valid_host", "invalid_host_body"]

#: Longest host name accepted, in characters (RFC 1035's 253, plus the trailing dot a name may carry).
MAX_HOST_NAME_LENGTH = 254

# django.http.request.host_validation_re, with the port bounded to five digits.
_HOST = re.compile(r"([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::([0-9]{1,5}))?")


def split_domain_port(host: str) -> tuple[str, str]:
    """``(domain, port)`` of a Host header, the domain lower-cased without a trailing dot; ``("", "")`` if
    invalid.

    Django's ``split_domain_port``, plus this module's bounds.
    """
    if len(host) > MAX_HOST_NAME_LENGTH + 6 or not host.isascii():
        return "", ""
    match = _HOST.fullmatch(host.lower())
    if match is None:
        return "", ""
    domain, port = match.group(1), match.group(2) or ""
    if domain.startswith("["):
        if not _ipv6(domain[1:-1]):
            return "", ""
    elif len(domain) > MAX_HOST_NAME_LENGTH:
        return "", ""
    return domain.removesuffix("."), port


def valid_host(host: str) -> bool:
    """Whether ``host`` (a Host header: name or ``[IPv6]``, optional ``:port``) may appear in links."""
    return bool(split_domain_port(host)[0])


def invalid_host_body(host: str) -> dict[str, str]:
    """The JSON body of the 400 answering an invalid ``host`` (shown shortened, escaped)."""
    shown = repr(host[:100]) + ("..." if len(host) > 100 else "")
    return {
        "detail": f"Invalid Host header {shown}: a host name or a bracketed IPv6 address is expected, "
        f"with an optional port (at most {MAX_HOST_NAME_LENGTH} characters)."
    }


def _ipv6(text: str) -> bool:
    from ipaddress import IPv6Address  # only for bracketed hosts: most requests name a host

    try:
        IPv6Address(text)
    except ValueError:
        return False
    return True
