"""Strict ``offline()`` refuses the network below the hooked clients; contexts overlap; hosts are normalised.

Every refusal here is aimed only at names under ``.invalid``, which never resolve.
A counting resolver (:func:`network`) is installed *before* each context is
entered: it records every name lookup and connection that gets past ``offline()``,
and refuses any that is not loopback itself, so that nothing here reaches a
network even where ``offline()`` fails to refuse. "Refused before any name lookup"
is then: the error is ``OfflineRefused`` naming strict mode, and the resolver saw
nothing.
"""

from __future__ import annotations

import asyncio
import http.client
import socket
import subprocess
import sys
import threading
import urllib.request

import aiohttp
import httpx
import pytest
import requests
import urllib3

import spacecraft_data
from spacecraft_data.testing import Offline, OfflineRefused, interception

SOYUZ = "/2.3.0/spacecraft/?search=soyuz"
INVALID = "http://example.invalid/"


class Network:
    """What got past ``offline()`` to the socket module: lookups and connections (loopback ones answered)."""

    def __init__(self) -> None:
        self.lookups: list[object] = []
        self.connections: list[object] = []


@pytest.fixture
def network(monkeypatch):
    """A counting, refusing resolver and connect, installed before any ``offline()`` context is entered."""
    seen = Network()
    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect

    def getaddrinfo(host, port, *args, **kwargs):
        seen.lookups.append(host)
        if host not in (None, "localhost", "127.0.0.1", b"127.0.0.1", "::1"):
            raise socket.gaierror(socket.EAI_NONAME, f"test resolver: {host!r} is not looked up here")
        return real_getaddrinfo(host, port, *args, **kwargs)

    def connect(self, address):
        seen.connections.append(address)
        if self.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1"):
            raise ConnectionRefusedError(f"test socket: {address!r} is not connected to here")
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


def aimed_at_invalid(names: list[object]) -> list[object]:
    return [n for n in names if "invalid" in str(n) or "thespacedevs" in str(n)]


# -- every client, made before activation, is refused before any lookup --------------------------
def run_async(coroutine_function):
    return asyncio.run(coroutine_function())


def made_before(kind: str):
    """A client of ``kind`` created now (before activation), and the call that aims it at ``.invalid``."""
    if kind == "httpx.Client":
        client = httpx.Client(timeout=2)
        return lambda: client.get(INVALID)
    if kind == "httpx.AsyncClient":
        client = httpx.AsyncClient(timeout=2)
        return lambda: run_async(lambda: client.get(INVALID))
    if kind == "requests.Session":
        session = requests.Session()
        return lambda: session.get(INVALID, timeout=2)
    if kind == "urllib3.PoolManager":
        pool = urllib3.PoolManager(retries=False)
        return lambda: pool.request("GET", INVALID, timeout=2)
    if kind == "http.client":
        connection = http.client.HTTPConnection("example.invalid", 80, timeout=2)
        return lambda: connection.request("GET", "/")
    if kind == "urllib.build_opener":
        opener = urllib.request.build_opener()
        return lambda: opener.open(INVALID, timeout=2)
    if kind == "socket.create_connection":
        return lambda: socket.create_connection(("example.invalid", 80), timeout=2)
    if kind == "socket.connect":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        return lambda: sock.connect(("example.invalid", 80))
    if kind == "socket.connect_ex":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        return lambda: sock.connect_ex(("example.invalid", 80))
    if kind == "socket.sendto":
        sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        return lambda: sock.sendto(b"x", ("example.invalid", 53))
    raise AssertionError(kind)


KINDS = [
    "httpx.Client",
    "httpx.AsyncClient",
    "requests.Session",
    "urllib3.PoolManager",
    "http.client",
    "urllib.build_opener",
    "socket.create_connection",
    "socket.connect",
    "socket.connect_ex",
    "socket.sendto",
]


@pytest.mark.parametrize("kind", KINDS)
def test_strict_refuses_a_client_made_before_activation_before_any_lookup(network, bundled, kind):
    call = made_before(kind)
    with Offline(bundled, strict=True):
        with pytest.raises(OfflineRefused) as raised:
            call()
    message = str(raised.value)
    assert "offline (strict)" in message and "example.invalid" in message, message
    assert aimed_at_invalid(network.lookups) == [] and aimed_at_invalid(network.connections) == []


@pytest.mark.parametrize(
    "call",
    [
        lambda: socket.gethostbyaddr("example.invalid"),
        lambda: socket.getfqdn("example.invalid"),
        lambda: socket.getnameinfo(("example.invalid", 80), 0),
        lambda: socket.socket(socket.AF_INET, socket.SOCK_DGRAM).sendmsg(
            [b"x"], [], 0, ("example.invalid", 53)
        ),
    ],
    ids=["gethostbyaddr", "getfqdn", "getnameinfo", "sendmsg"],
)
def test_strict_refuses_reverse_lookups_and_sendmsg_before_the_resolver(monkeypatch, bundled, call):
    # Each resolves in C, past the getaddrinfo guard: strict mode let them ask the resolver, the network.
    # Stand-ins installed first see what gets through, and refuse it themselves.
    seen = []

    def refuse(name):
        def stand_in(*args):
            seen.append((name, args))
            raise socket.gaierror(socket.EAI_NONAME, "test resolver: nothing is looked up here")

        return stand_in

    for name in ("gethostbyaddr", "getnameinfo"):
        monkeypatch.setattr(socket, name, refuse(name))
    monkeypatch.setattr(socket.socket, "sendmsg", refuse("sendmsg"), raising=False)
    with Offline(bundled, strict=True):
        with pytest.raises(
            OfflineRefused, match=r"offline \(strict\): (name lookup of|datagram to) example\.invalid"
        ):
            call()
    assert seen == []


def test_strict_refuses_aiohttp_made_before_activation_before_any_lookup(network, bundled):
    async def fetch() -> None:
        async with aiohttp.ClientSession() as session:
            with Offline(bundled, strict=True):
                async with session.get(INVALID, timeout=aiohttp.ClientTimeout(total=2)):
                    pass

    with pytest.raises(
        OfflineRefused, match=r"offline \(strict\): name lookup of example\.invalid:80 refused"
    ):
        asyncio.run(fetch())
    assert aimed_at_invalid(network.lookups) == []


def test_the_refusal_names_the_host_strict_mode_and_the_fixture(network, ll2_offline):
    ll2_offline.strict = True
    with pytest.raises(OfflineRefused) as raised:
        urllib3.PoolManager(retries=False).request("GET", "https://ll2.invalid/2.3.0/spacecraft/")
    assert str(raised.value) == (
        "spacecraft_data offline (strict): name lookup of ll2.invalid:443 refused; "
        "ll2_offline allows only loopback and the LL2 hosts answered from the snapshot"
    )
    assert ll2_offline.calls[-1].url == "ll2.invalid:443" and ll2_offline.calls[-1].status is None


def test_an_ll2_host_from_an_unhooked_client_is_refused_saying_the_client_is_not_answered(network, bundled):
    pool = urllib3.PoolManager(retries=False)
    with Offline(bundled, strict=True):
        with pytest.raises(
            OfflineRefused, match="ll.thespacedevs.com:443 refused; this client is not answered"
        ):
            pool.request("GET", "https://ll.thespacedevs.com" + SOYUZ)
    assert aimed_at_invalid(network.lookups) == []


@pytest.mark.parametrize("strict", [True, False])
def test_a_pre_made_httpx_client_is_answered_from_the_snapshot_on_ll2_hosts(network, bundled, strict):
    # Decided: answered, in both modes (a module-level client is common), not refused.
    client, async_client = httpx.Client(timeout=5), httpx.AsyncClient(timeout=5)
    with Offline(bundled, strict=strict) as offline:
        assert client.get("https://ll.thespacedevs.com" + SOYUZ).json()["count"] == 7
        assert run_async(lambda: async_client.get("https://ll.thespacedevs.com" + SOYUZ)).json()["count"] == 7
    assert [call.via for call in offline.calls] == ["httpx", "httpx"]
    assert network.lookups == [] and network.connections == []


def test_strict_lets_loopback_and_the_allowed_through(network, ll2_server, bundled):
    port = int(ll2_server.url.rsplit(":", 1)[1])
    with Offline(bundled, strict=True, allow="api.example.invalid"):
        socket.create_connection(("127.0.0.1", port), timeout=5).close()
        socket.create_connection(("localhost", port), timeout=5).close()
        assert urllib3.PoolManager().request("GET", ll2_server.url + SOYUZ).json()["count"] == 7
        with pytest.raises(socket.gaierror, match="test resolver"):  # allowed: the lookup goes on (and fails)
            socket.create_connection(("api.example.invalid", 80), timeout=2)
    assert "api.example.invalid" in network.lookups


def test_outside_strict_mode_the_socket_module_is_left_alone(network, bundled):
    with Offline(bundled):
        with pytest.raises(socket.gaierror, match="test resolver"):
            socket.create_connection(("example.invalid", 80), timeout=2)
    assert network.lookups == ["example.invalid"]


# -- overlapping contexts ------------------------------------------------------------------------
def hook_state() -> tuple:
    """Everything offline() replaces while active."""
    return (
        requests.Session.get_adapter,
        httpx.Client._transport_for_url,
        httpx.AsyncClient._transport_for_url,
        getattr(urllib.request, "_opener", None),
        socket.socket.__dict__.get("connect"),
        socket.socket.__dict__.get("connect_ex"),
        socket.socket.__dict__.get("sendto"),
        socket.socket.__dict__.get("sendmsg"),
        socket.getaddrinfo,
        socket.gethostbyname,
        socket.gethostbyname_ex,
        socket.gethostbyaddr,
        socket.getnameinfo,
    )


def answered_by(url: str) -> int:
    return requests.get(url, timeout=5).status_code


@pytest.mark.parametrize("order", ["first in, first out", "last in, first out"])
def test_overlapping_contexts_in_one_thread_keep_hooks_exactly_while_one_is_active(bundled, order):
    before = hook_state()
    a, b = Offline(bundled), Offline(bundled, strict=True)
    a.__enter__()
    b.__enter__()
    assert hook_state() != before
    first, second = (a, b) if order == "first in, first out" else (b, a)
    first.__exit__(None, None, None)
    assert hook_state() != before and interception._REGISTRY.installed
    assert answered_by("https://ll.thespacedevs.com" + SOYUZ) == 200
    assert second.calls and second.calls[-1].status == 200  # the context still active answers
    second.__exit__(None, None, None)
    assert hook_state() == before and not interception._REGISTRY.installed


def test_overlapping_contexts_in_two_threads_leave_no_hook_after_the_last_exit(bundled):
    before = hook_state()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, object] = {}

    def thread_a() -> None:
        with Offline(bundled):
            a_in.set()
            b_in.wait(10)
        a_out.set()

    def thread_b() -> None:
        a_in.wait(10)
        with Offline(bundled) as b:
            b_in.set()
            a_out.wait(10)
            seen["after A's exit"] = hook_state() != before
            seen["answered"] = answered_by("https://ll.thespacedevs.com" + SOYUZ)
            seen["by B"] = len(b.calls)

    threads = [threading.Thread(target=thread_a), threading.Thread(target=thread_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert seen == {"after A's exit": True, "answered": 200, "by B": 1}
    assert hook_state() == before and not interception._REGISTRY.installed


def test_many_threads_entering_and_leaving_at_random_leave_no_hook(bundled):
    before = hook_state()
    start = threading.Barrier(8)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            start.wait(10)
            for _ in range(40):
                with Offline(bundled):
                    assert interception._REGISTRY.installed
        except BaseException as exc:  # collected: a thread's failure must fail the test
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert hook_state() == before and not interception._REGISTRY.installed


def test_one_context_entered_twice_unwinds_once_per_exit(bundled):
    before = hook_state()
    a = Offline(bundled)
    with a:
        with a:
            pass
        assert interception._REGISTRY.installed
    assert hook_state() == before


# -- host names as each client sends them --------------------------------------------------------
def via_requests(url):
    return requests.get(url, timeout=5)


SESSION = requests.Session()  # made before any context: the hook reaches it too
HTTPX_CLIENT = httpx.Client(timeout=5)


def via_session(url):
    return SESSION.get(url, timeout=5)


def via_httpx(url):
    return httpx.get(url, timeout=5)


def via_httpx_client(url):
    return HTTPX_CLIENT.get(url)


def via_urllib(url):
    with urllib.request.urlopen(url, timeout=5) as reply:
        return reply


CLIENTS = {
    "requests": via_requests,
    "requests.Session": via_session,
    "httpx.get": via_httpx,
    "httpx.Client": via_httpx_client,
    "urllib": via_urllib,
}
PERCENT_DECODING = {"requests", "requests.Session", "urllib"}  # seen: they look up ll.thespacedevs.com


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("host", ["ll.thespacedevs.com.", "LL.TheSpaceDevs.com.", "lldev.thespacedevs.com."])
def test_a_trailing_dot_and_any_case_are_answered_from_the_snapshot(network, bundled, client, host):
    with Offline(bundled) as offline:
        reply = CLIENTS[client](f"https://{host}{SOYUZ}")
    assert (
        reply.status_code if isinstance(reply, (requests.Response, httpx.Response)) else reply.status
    ) == 200
    assert offline.calls[-1].status == 200
    assert network.lookups == []


@pytest.mark.parametrize("client", CLIENTS)
def test_a_percent_encoded_dot_is_answered_where_the_client_decodes_it(network, bundled, client):
    url = "https://ll%2ethespacedevs.com" + SOYUZ
    with Offline(bundled) as offline:
        if client in PERCENT_DECODING:
            CLIENTS[client](url)
            assert offline.calls[-1].status == 200 and network.lookups == []
        else:  # httpx looks up the name as written, which is no LL2 host: not answered, and not LL2 reached
            with pytest.raises(httpx.ConnectError, match="test resolver"):
                CLIENTS[client](url)
            assert network.lookups == ["ll%2ethespacedevs.com"]


@pytest.mark.parametrize("client", ["httpx.get", "httpx.Client"])
def test_an_idna_mapped_host_is_answered_where_the_client_maps_it(network, bundled, client):
    # httpx maps the ideographic full stop to a dot (UTS 46); requests and urllib refuse such a URL.
    with Offline(bundled) as offline:
        assert CLIENTS[client]("https://ll\u3002thespacedevs.com" + SOYUZ).json()["count"] == 7
    assert offline.calls[-1].status == 200 and network.lookups == []


@pytest.mark.parametrize(
    ("given", "compared"),
    [
        ("ll.thespacedevs.com.", "ll.thespacedevs.com"),
        ("LL.TheSpaceDevs.COM", "ll.thespacedevs.com"),
        ("ll\u3002thespacedevs\uff0ecom", "ll.thespacedevs.com"),
        (b"ll.thespacedevs.com.", "ll.thespacedevs.com"),
        ("ll%2ethespacedevs.com", "ll%2ethespacedevs.com"),
        (None, ""),
    ],
)
def test_host_names_are_compared_after_idna_case_and_trailing_dot(given, compared):
    assert interception.normal_host(given) == compared


# -- typed options -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (True, True),
        (False, False),
        ("false", False),
        ("False", False),
        ("0", False),
        ("no", False),
        ("off", False),
        ("true", True),
        ("1", True),
        ("yes", True),
        (1, True),
        (0, False),
    ],
)
def test_strict_is_a_boolean_and_false_text_is_false(bundled, value, expected):
    assert Offline(bundled, strict=value).strict is expected
    offline = Offline(bundled, strict=not expected)
    offline.strict = value  # set inside a test, as ll2_offline.strict = ...
    assert offline.strict is expected
    assert interception.as_flag(value, "strict") is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("127.0.0.1", {"127.0.0.1"}),
        ("127.0.0.1, localhost", {"127.0.0.1", "localhost"}),
        (["127.0.0.1", "API.example.invalid."], {"127.0.0.1", "api.example.invalid"}),
        ((), set()),
        ("", set()),
        ("[::1]", {"::1"}),
    ],
)
def test_allow_takes_a_list_or_a_comma_separated_string(bundled, value, expected):
    assert Offline(bundled, allow=value).allow == expected
    assert interception.as_hosts(value, "allow") == expected


@pytest.mark.parametrize(
    ("option", "value"), [("strict", "maybe"), ("strict", None), ("allow", 5), ("allow", [5])]
)
def test_an_option_of_the_wrong_type_is_a_clear_error(bundled, option, value):
    with pytest.raises(ValueError, match=f"offline\\({option}=...\\): "):
        Offline(bundled, **{option: value})


# SYNTHETIC: a test module of someone's project, using the marker's options as text.
PLUGIN_OPTIONS = """
import pytest


@pytest.mark.ll2_offline(strict="false")
def test_false_text(ll2_offline):
    assert ll2_offline.strict is False


@pytest.mark.ll2_offline(strict="true", allow="127.0.0.1")
def test_one_host(ll2_offline):
    assert ll2_offline.strict is True and ll2_offline.allow == {"127.0.0.1"}


@pytest.mark.ll2_offline(allow="127.0.0.1, localhost")
def test_comma_separated(ll2_offline):
    assert ll2_offline.allow == {"127.0.0.1", "localhost"}


@pytest.mark.ll2_offline(allow=["127.0.0.1"])
def test_list(ll2_offline):
    assert ll2_offline.allow == {"127.0.0.1"}


def test_ini(ll2_offline, pytestconfig):
    assert ll2_offline.strict is (pytestconfig.getini("ll2_offline_strict") is True)
"""


def run_pytest_on(tmp_path, source: str, *args: str) -> subprocess.CompletedProcess:
    (tmp_path / "test_it.py").write_text(source, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ini", ["false", "true"])
def test_the_plugin_reads_strict_and_allow_as_typed_options(tmp_path, ini):
    out = run_pytest_on(tmp_path, PLUGIN_OPTIONS, "-o", f"ll2_offline_strict={ini}")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "5 passed" in out.stdout


@pytest.mark.parametrize(
    ("marker", "message"),
    [
        ('strict="maybe"', "@pytest.mark.ll2_offline(strict=...): 'maybe' is not a boolean"),
        ("allow=5", "@pytest.mark.ll2_offline(allow=...): 5 is not a list of host names"),
    ],
)
def test_a_mistyped_marker_option_is_a_usage_error(tmp_path, marker, message):
    out = run_pytest_on(
        tmp_path, f"import pytest\n@pytest.mark.ll2_offline({marker})\ndef test_x(ll2_offline): pass\n"
    )
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_the_readme_strict_example_names_no_real_host():
    # The docs show a refusal (docs/testing.md, once the README's): it must be aimed at a name that never
    # resolves.
    from conftest import ROOT

    section = (
        (ROOT / "docs" / "testing.md").read_text(encoding="utf-8").split("\n## Use it in your tests\n", 1)[1]
    )
    assert "example.org" not in section.split("\n## ", 1)[0]


def test_the_public_offline_takes_the_same_options(bundled):
    with spacecraft_data.offline(bundled, strict="false", allow="127.0.0.1") as offline:
        assert offline.strict is False and offline.allow == {"127.0.0.1"}
