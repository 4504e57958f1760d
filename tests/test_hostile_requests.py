"""Hostile requests to ``respond()`` and ``serve``: hosts, odd URLs, header sizes, bounded memory, the
command.

Each test here failed before the fix it guards (a 500, a traceback, an unbounded
cache, a slow stop, a port or host taken without a word).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest
from conftest import serving
from test_server import raw_request

import spacecraft_data
from spacecraft_data import hosts
from spacecraft_data import query as q
from spacecraft_data.endpoints.v2_3_0 import SPACECRAFT
from spacecraft_data.server import (
    MAX_HEADER_BYTES,
    MAX_HEADER_LINE,
    MAX_HEADERS,
    make_server,
    network_warning,
)

LIST = "/2.3.0/spacecraft/"


@pytest.fixture(scope="module")
def snap() -> spacecraft_data.Snapshot:
    return spacecraft_data.load()


@pytest.fixture(scope="module")
def base(snap) -> Iterator[str]:
    """The base URL of a live server over the bundled snapshot."""
    with serving(snap) as url:
        yield url


# --------------------------------------------------------------------------- hosts
DJANGO_HOSTS = [
    "example.org",
    "EXAMPLE.org:8000",
    "example.org.",
    "127.0.0.1",
    "127.0.0.1:1",
    "[::1]",
    "[::1]:8000",
    "[2001:db8::1]",
    "a-b.c",
    "localhost",
    "",
    " ",
    "a b",
    "evil.example/x?y=",
    "user@host",
    "host:",
    "host:x",
    "[::1",
    "::1",
    "::1:80",
    "[zz]",
    "ex_ample.org",
    "é.org",
    "host#frag",
    "a:1:2",
    "[::1]x",
]


@pytest.mark.parametrize("host", DJANGO_HOSTS)
def test_hosts_are_accepted_exactly_as_djangos_split_domain_port_accepts_them(host):
    from django.http.request import split_domain_port

    assert hosts.split_domain_port(host) == split_domain_port(host)


@pytest.mark.parametrize(
    "host", ["a" * (hosts.MAX_HOST_NAME_LENGTH + 1), "h:123456", "[1.2.3.4]", "[::1::]", "[:.]"]
)
def test_hosts_django_would_take_but_no_link_can_hold_are_refused(host):
    """Stricter than Django (documented): bounded length and port, and a bracketed address that is an IPv6
    address."""
    assert not hosts.valid_host(host)


@pytest.mark.parametrize("host", [b"[1.2.3.4]", b"[::1::]", b"[:.]", b"a" * 300])
def test_a_bracketed_or_overlong_host_header_is_a_json_400_not_a_500(base, host):
    status, headers, body = raw_request(
        base, b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    )
    assert status == 400 and headers["content-type"] == "application/json"
    assert body.startswith(b'{"detail":"Invalid Host header ')


@pytest.mark.parametrize("version", [b"HTTP/1.1", b"HTTP/1.0"])
def test_a_request_without_host_header_is_answered_on_the_servers_own_address(base, version):
    status, _, body = raw_request(base, b"GET " + LIST.encode() + b"?limit=1 " + version + b"\r\n\r\n")
    assert status == 200 and b'"next":"' + base.encode() + LIST.encode() in body


# --------------------------------------------------------------------------- respond() never raises
@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("http://[::1]/2.3.0/spacecraft/", 200),
        ("http://[bad/2.3.0/spacecraft/", 400),
        ("http://[1.2.3.4]/2.3.0/spacecraft/", 400),
        ("http://[::1::]:80/2.3.0/spacecraft/", 400),
        ("http://]x/2.3.0/spacecraft/", 400),
        ("http://a\uff03b/2.3.0/spacecraft/", 400),  # '#' under NFKC: urlsplit refuses it
        ("http://h\ud800/2.3.0/spacecraft/", 400),
        ("http://user:secret@host/2.3.0/spacecraft/", 400),
        ("//host/2.3.0/spacecraft/", 404),  # a path starting with "//": Django routes it nowhere
        ("//[bad/2.3.0/spacecraft/", 404),
        ("///2.3.0/spacecraft/", 404),
        ("\t//host/2.3.0/spacecraft/", 404),
        ("/2.3.0/spacecraft/?x=\ud800&limit=1", 200),  # a lone surrogate in a link
        ("/2.3.0/spacecraft/?x=\ud800&limit=1\t", 200),  # ... on the DRF-literal link path too
        ("/2.3.0/spacecraft/?limit=1&offset=" + "9" * 4300, 200),
        ("/2.3.0/spacecraft/?limit=" + "9" * 5000, 200),
        ("/2.3.0/spacecraft/" + "9" * 5000 + "/", 404),
        ("/2.3.0/spacecraft/?status=" + "9" * 5000, 400),
        ("/2.3.0/spacecraft/\x00/", 404),
        ("/2.3.0/spacecraft/?search=%ff%fe%00", 400),
    ],
)
def test_respond_answers_every_str_url_with_a_status_never_an_exception(snap, url, status):
    got, body = snap.respond(url)
    assert got == status, body
    if status == 400 and "Host" in str(body):
        assert "secret" not in str(body) or url.startswith("http://user")


def test_a_lone_surrogate_reaches_links_percent_encoded(snap):
    _, body = snap.respond("/2.3.0/spacecraft/?x=\ud800&limit=1")
    assert body["next"].endswith("&x=%ED%A0%80")


def test_an_ordering_naming_a_field_many_times_sorts_once(snap):
    engine = snap.api.served(SPACECRAFT).engine
    long = ",".join(["-time_in_space", "id"] * 1500)
    results = snap.respond(f"{LIST}?ordering={long}&limit=100")[1]["results"]
    assert results == snap.respond(f"{LIST}?ordering=-time_in_space,id&limit=100")[1]["results"]
    assert ("order", tuple(long.split(","))) not in engine.cache  # no entry per spelling


# --------------------------------------------------------------------------- header sizes
def test_a_header_line_past_the_limit_is_431_in_json(base):
    status, headers, body = raw_request(
        base,
        b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * MAX_HEADER_LINE + b"\r\n\r\n",
    )
    assert status == 431 and headers["content-type"] == "application/json"
    assert str(MAX_HEADER_LINE).encode() in body and headers["connection"] == "close"


def test_headers_past_the_total_limit_are_431(base):
    lines = b"".join(
        b"X-%d: %s\r\n" % (i, b"a" * (MAX_HEADER_LINE - 20))
        for i in range(MAX_HEADER_BYTES // MAX_HEADER_LINE + 1)
    )
    status, _, body = raw_request(
        base, b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n"
    )
    assert status == 431 and str(MAX_HEADER_BYTES).encode() in body


def test_more_header_lines_than_the_limit_are_431(base):
    lines = b"".join(b"X-%d: a\r\n" % i for i in range(MAX_HEADERS + 1))
    status, _, _ = raw_request(base, b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n")
    assert status == 431


def test_headers_within_the_limits_are_answered(base):
    lines = b"".join(b"X-%d: %s\r\n" % (i, b"a" * 200) for i in range(MAX_HEADERS - 2))
    status, _, _ = raw_request(
        base, b"GET " + LIST.encode() + b"?limit=1 HTTP/1.1\r\nHost: x\r\n" + lines + b"\r\n"
    )
    assert status == 200


@pytest.mark.parametrize(
    "lines, detail",
    [
        (b"Bad Name: x\r\n", b"the header line 'Bad Name: x' is not 'name: value'"),
        (b"Accept : */*\r\n", b"the header line 'Accept : */*' is not 'name: value'"),
        (b"no colon\r\n", b"the header line 'no colon' is not 'name: value'"),
        (b": no name\r\n", b"a header line is not 'name: value'"),
        (b"Host: y\r\n", b"more than one Host header"),
    ],
)
def test_a_malformed_header_line_or_a_second_host_is_a_json_400_that_closes(base, lines, detail):
    # Today's bug: the stdlib took 'Bad Name: x' for the start of a body and dropped it with every header
    # after it (here the Connection: close, so the connection stayed open); a second Host was ignored.
    head = (
        b"GET " + LIST.encode() + b"?limit=1 HTTP/1.1\r\nHost: x\r\n" + lines + b"Connection: close\r\n\r\n"
    )
    status, headers, body = raw_request(base, head)
    assert (
        status == 400 and headers["content-type"] == "application/json" and headers["connection"] == "close"
    )
    assert body == b'{"detail":"Bad request: ' + detail + b'."}'


# --------------------------------------------------------------------------- bounded memory
def _rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


@pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="needs /proc (Linux)")
def test_fifty_thousand_distinct_terms_and_hosts_stay_within_the_cache_limits(snap):
    served = snap.api.served(SPACECRAFT)
    for i in range(500):  # warm-up: indexes, the interpreter's own free lists
        snap.respond(f"http://h{i}.example/2.3.0/spacecraft/?limit=2&search=w{i:06d}{'x' * 200}&name=n{i}")
    before = _rss_bytes()
    for i in range(50_000):
        # SYNTHETIC request values: a distinct host, search term and filter value every time, and a distinct
        # parameter that the next link quotes (percent-encoded as quote() writes it, not as links do).
        snap.respond(f"http://h{i}.example/2.3.0/spacecraft/?limit=2&search=t{i:06d}{'x' * 200}&name=n{i}")
        snap.respond(f"http://h{i}.example/2.3.0/spacecraft/?limit=2&utm_term=u{i:06d}%20{'y' * 200}")
    growth = _rss_bytes() - before
    caches = [served.engine.cache, served.rendered, q.search.SPLIT_CACHE, q.pagination.QUOTE_CACHE]
    for cache in caches:  # each filled by these requests alone, whatever ran before
        assert 0 < cache.nbytes <= cache.max_bytes, cache
    assert len(served.engine.cache) < 50_000 and len(served.rendered) < 50_000  # entries were evicted
    limits = sum(cache.max_bytes for cache in caches)
    assert growth < limits + (32 << 20), (
        f"RSS grew {growth >> 20} MiB; the caches' limits total {limits >> 20} MiB"
    )


# --------------------------------------------------------------------------- the command
@pytest.mark.parametrize("port", ["70000", "-1", "abc", "8000.5", ""])
def test_a_port_out_of_range_is_a_usage_error(port, capsys):
    from spacecraft_data.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["serve", "--port", port])
    assert exit_info.value.code == 2
    assert re.search(
        r"spacecraft-data serve: error: argument --port: .*(0 to 65535)", capsys.readouterr().err
    )


@pytest.mark.parametrize("host", ["a\x00b", "é" * 70])  # a NUL; a label too long for IDNA
def test_a_host_no_socket_can_bind_is_one_line_exit_2(host, capsys):
    # Today's bug: '--host $'\\xff'' was a TypeError traceback ('encoding of hostname failed') from bind().
    from spacecraft_data.cli import main

    assert main(["serve", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(
        f"spacecraft-data serve: error: cannot listen on {host}:0: not a host name or address ("
    )
    assert err.count("\n") == 1


def test_only_a_loopback_address_is_served_without_a_warning(snap):
    for host, warned in (("127.0.0.1", False), ("0.0.0.0", True)):
        server = make_server(snap, host, 0, quiet=True)
        try:
            assert (network_warning(server) is not None) == warned
        finally:
            server.server_close()


def _start_serve(*args: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacecraft_data", "serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    line = proc.stdout.readline()
    match = re.search(r"http://[^/]+:(\d+)/2\.3\.0/spacecraft/", line)
    assert match, line
    return proc, match.group(1)


@pytest.mark.slow
def test_serving_on_every_interface_warns_that_the_data_is_reachable_from_the_network():
    proc, _ = _start_serve("--host", "0.0.0.0", "--quiet")
    try:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert "spacecraft-data serve: warning: listening on every interface" in err
    assert "reachable from the network" in err and "Traceback" not in err


@pytest.mark.slow
def test_sigterm_stops_the_server_within_half_a_second_even_with_a_connection_open():
    proc, port = _start_serve("--quiet")
    try:
        sock = socket.create_connection(("127.0.0.1", int(port)), timeout=10)
        sock.sendall(b"GET " + LIST.encode() + b"?limit=1 HTTP/1.1\r\nHost: x\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200")  # answered; the keep-alive connection stays open
        sent = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)
        elapsed = time.monotonic() - sent
        sock.close()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == 0
    assert elapsed < 0.5, f"took {elapsed:.2f} s to stop"
