"""The suite's network guard (tests/netguard.py) refuses every name and address but loopback's.

The checks are called directly, never through a real lookup or connect, so a broken guard sends nothing.
"""

from __future__ import annotations

import socket

import netguard
import pytest


@pytest.fixture
def refusals():
    before = list(netguard.REFUSED)
    yield netguard.REFUSED
    netguard.REFUSED[:] = before  # these refusals are the test's own, not a leak of the suite's


def test_the_guard_is_installed_for_the_whole_session():
    assert getattr(socket.getaddrinfo, "_netguard", False)


@pytest.mark.parametrize("name", ["localhost", "127.0.0.1", "::1", "127.5.6.7", None, "LOCALHOST."])
def test_loopback_names_pass(name, refusals):
    count = len(refusals)
    netguard._check_name(name)
    assert len(refusals) == count


def test_an_invalid_name_fails_as_the_resolver_fails_it_and_is_not_recorded(refusals):
    count = len(refusals)
    with pytest.raises(socket.gaierror, match="Name or service not known"):
        netguard._check_name("ll2.invalid")
    assert len(refusals) == count


@pytest.mark.parametrize("name", ["ll.thespacedevs.com", b"example.org", "ll.thespacedevs.com."])
def test_any_other_name_is_refused_and_recorded(name, refusals):
    with pytest.raises(socket.gaierror, match="netguard"):
        netguard._check_name(name)
    assert refusals[-1].startswith("lookup ")


@pytest.mark.parametrize("address", [("192.0.2.1", 80), ("2001:db8::1", 443, 0, 0)])
def test_a_connect_to_a_non_loopback_address_is_refused(address, refusals):
    with pytest.raises(ConnectionRefusedError, match="netguard"):
        netguard._check_address(address)
    assert refusals[-1].startswith(f"connect {address[0]} in ")


def test_a_connect_to_loopback_passes(refusals):
    count = len(refusals)
    netguard._check_address(("127.0.0.1", 8080))
    netguard._check_address(("::1", 8080, 0, 0))
    assert len(refusals) == count
