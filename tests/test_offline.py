"""``spacecraft_data.offline()`` and the pytest fixtures: unmodified client code gets serve's answers.

Every client library (requests, httpx sync and async, urllib.request) is driven
through both fixtures: ``ll2_offline`` (in-process, on LL2's own host names) and
``ll2_server`` (a real ``serve`` on loopback). The in-process answer is compared
byte for byte with what the socket server sends for the same request.
"""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

import httpx
import pytest
import requests

import spacecraft_data
from spacecraft_data.testing import Offline, OfflineRefused

LL2 = "https://ll.thespacedevs.com"
SOYUZ = "/2.3.0/spacecraft/?search=soyuz"


# -- the client code under test: plain library calls, nothing of spacecraft_data -----
def get_requests(url: str) -> tuple[int, dict]:
    response = requests.get(url, timeout=10)
    return response.status_code, response.json()


def get_requests_session(url: str) -> tuple[int, dict]:
    with requests.Session() as session:
        response = session.get(url, timeout=10)
        return response.status_code, response.json()


def get_httpx(url: str) -> tuple[int, dict]:
    response = httpx.get(url, timeout=10)
    return response.status_code, response.json()


def get_httpx_client(url: str) -> tuple[int, dict]:
    with httpx.Client(timeout=10) as client:
        response = client.get(url)
        return response.status_code, response.json()


def get_httpx_async(url: str) -> tuple[int, dict]:
    async def fetch() -> tuple[int, dict]:
        async with httpx.AsyncClient(timeout=10) as client:
            response = await client.get(url)
            return response.status_code, response.json()

    return asyncio.run(fetch())


def get_urllib(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as reply:
            return reply.status, json.loads(reply.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


CLIENTS = {
    "requests": get_requests,
    "requests.Session": get_requests_session,
    "httpx.get": get_httpx,
    "httpx.Client": get_httpx_client,
    "httpx.AsyncClient": get_httpx_async,
    "urllib": get_urllib,
}


def every_record(get, url: str) -> list[int]:
    """The ids of every record of a list, following ``next`` to the end (as a client pages)."""
    ids: list[int] = []
    pages = 0
    while url:
        status, body = get(url)
        assert status == 200, body
        ids += [record["id"] for record in body["results"]]
        url = body["next"]
        pages += 1
        assert pages < 100, "next never ends"
    return ids


@pytest.fixture(params=["ll2_offline", "ll2_server"])
def base(request) -> str:
    """The base URL a client calls: LL2's own (answered in-process) or a loopback serve's."""
    if request.param == "ll2_offline":
        request.getfixturevalue("ll2_offline")
        return LL2
    return request.getfixturevalue("ll2_server").url


@pytest.mark.parametrize("client", CLIENTS)
@pytest.mark.parametrize("query", ["", "&limit=2", "&limit=1&ordering=-id"])
def test_paging_soyuz_through_next_yields_every_record_once(base, bundled, client, query):
    ids = every_record(CLIENTS[client], base + SOYUZ + query)
    expected = [
        r["id"]
        for r in bundled.respond(
            SOYUZ + query.replace("&limit=1", "").replace("&limit=2", "") + "&limit=100"
        )[1]["results"]
    ]
    assert ids == expected and len(set(ids)) == len(ids) == 7


@pytest.mark.parametrize("client", CLIENTS)
def test_record_links_are_on_the_host_the_client_called(base, client):
    status, body = CLIENTS[client](base + SOYUZ + "&limit=2")
    assert status == 200
    assert body["next"].startswith(base + "/2.3.0/spacecraft/?")
    assert all(r["url"].startswith(base + "/2.3.0/spacecraft/") for r in body["results"])


# -- in-process answers are serve's, byte for byte ------------------------------------
TARGETS = [
    "/2.3.0/spacecraft/",
    "/2.3.0/spacecraft/?search=soyuz&limit=2&offset=2",
    "/2.3.0/spacecraft/463/",
    "/2.3.0/spacecraft/999999/",
    "/2.3.0/spacecraft/?limit=abc",
    "/2.3.0/spacecraft/?status=x",
    "/2.3.0/spacecraft/?format=api&limit=2",
    "/2.3.0/spacecraft/?format=xml",
    "/2.3.0/spacecraft/?mode=detailed",
    "/2.3.0/spacecraft_configurations/6/",
    "/2.3.0/config/spacecraft_statuses/?ordering=-id",
    "/2.3.0/spacecraft/?name=%E2%98%83",
    "/2.3.0/spacecraft/%2e%2e/",
]


def serve_raw(server_url: str, method: str, target: str, host: str, accept: str | None = None):
    """What the socket server sends for one request with this Host (status, headers, body)."""
    parts = urlsplit(server_url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        headers = {"Host": host, **({"Accept": accept} if accept else {})}
        connection.request(method, target, headers=headers)
        reply = connection.getresponse()
        hidden = {"date", "server", "connection"}  # the socket's own, not the answer's
        return reply.status, [(k, v) for k, v in reply.getheaders() if k.lower() not in hidden], reply.read()
    finally:
        connection.close()


@pytest.mark.parametrize("target", TARGETS)
@pytest.mark.parametrize("accept", [None, "text/html", "image/png"])
def test_in_process_answer_is_what_serve_sends_byte_for_byte(ll2_server, ll2_offline, target, accept):
    expected = serve_raw(ll2_server.url, "GET", target, "ll.thespacedevs.com", accept)
    headers = {"Accept": accept} if accept else {}
    got_requests = requests.get("http://ll.thespacedevs.com" + target, headers=headers, timeout=10)
    got_httpx = httpx.get("http://ll.thespacedevs.com" + target, headers=headers)
    assert (got_requests.status_code, list(got_requests.headers.items()), got_requests.content) == expected
    assert (got_httpx.status_code, list(got_httpx.headers.items()), got_httpx.content) == (
        expected[0],
        [(k.lower(), v) for k, v in expected[1]],
        expected[2],
    )
    request = urllib.request.Request("http://ll.thespacedevs.com" + target, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            got_urllib = (reply.status, reply.getheaders(), reply.read())
    except urllib.error.HTTPError as error:
        got_urllib = (error.code, list(error.headers.items()), error.read())
    assert got_urllib == expected


def test_head_and_post_are_answered_as_serve_answers_them(ll2_server, ll2_offline):
    for method in ("HEAD", "POST", "DELETE"):
        expected = serve_raw(ll2_server.url, method, "/2.3.0/spacecraft/", "ll.thespacedevs.com")
        got = requests.request(method, "http://ll.thespacedevs.com/2.3.0/spacecraft/", timeout=10)
        assert (got.status_code, list(got.headers.items()), got.content) == expected, method
        got = httpx.request(method, "http://ll.thespacedevs.com/2.3.0/spacecraft/")
        assert (got.status_code, got.content) == (expected[0], expected[2]), method


def test_links_carry_the_host_as_a_client_sends_it(ll2_offline):
    # A default port is not part of the Host header; another port is, and so it is in the links.
    body = requests.get("https://LL.thespacedevs.com:443" + SOYUZ + "&limit=2", timeout=10).json()
    assert body["next"].startswith("https://ll.thespacedevs.com/2.3.0/spacecraft/?")
    body = httpx.get("http://ll.thespacedevs.com:8080" + SOYUZ + "&limit=2").json()
    assert body["next"].startswith("http://ll.thespacedevs.com:8080/2.3.0/spacecraft/?")


def test_lldev_is_answered_too_with_its_own_links(ll2_offline):
    body = requests.get("https://lldev.thespacedevs.com" + SOYUZ + "&limit=2", timeout=10).json()
    assert body["next"].startswith("https://lldev.thespacedevs.com/2.3.0/spacecraft/?")


# -- what the snapshot cannot answer, and other hosts -----------------------------------
# Paths the snapshot does not hold, or that no route takes: whatever the library answers them, offline
# answers the same, byte for byte, and never from the network.
# serve's own root "/" lists the API root, as DRF's DefaultRouter does under the version; respond() and `get`
# answer LL2's paths only, so "/" is the one path where offline (which answers as serve) and respond() part.
NOT_HELD = [
    "/2.3.0/launches/",
    "/2.3.0/launches/upcoming/?limit=5",
    "/2.2.0/spacecraft/",
    "/",
    "/2.3.0/",
    "/2.3.0/spacecraft/1/flights/",
    "/nowhere/",
]


@pytest.mark.parametrize("path", NOT_HELD)
def test_every_path_on_an_ll2_host_gets_the_librarys_answer_never_the_network(
    ll2_server, bundled, path, monkeypatch
):
    expected = serve_raw(ll2_server.url, "GET", path, "ll.thespacedevs.com")  # plain http: http links
    library = "/2.3.0/" if path == "/" else path
    assert (expected[0], json.loads(expected[2])) == bundled.respond("http://ll.thespacedevs.com" + library)
    status, body = bundled.respond("https://ll.thespacedevs.com" + library)  # what respond() and `get` answer
    lookups: list[object] = []
    real = socket.getaddrinfo

    def counting(host, *args, **kwargs):  # installed before offline(): sees whatever gets past it
        lookups.append(host)
        if host != "127.0.0.1":
            raise socket.gaierror(socket.EAI_NONAME, f"test resolver: {host!r} is not looked up here")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", counting)
    with Offline(bundled) as offline:  # not strict: a request that escaped would reach the resolver
        for name, client in CLIENTS.items():
            assert client(LL2 + path) == (status, body), name
    assert lookups == []
    assert [call.status for call in offline.calls] == [status] * len(CLIENTS)


def test_other_hosts_are_untouched_by_default(ll2_server, ll2_offline):
    # The loopback serve is "another host": its answer comes over the socket, with its own links.
    for client in CLIENTS.values():
        status, body = client(ll2_server.url + SOYUZ + "&limit=2")
        assert status == 200 and body["next"].startswith(ll2_server.url)
    assert all(call.url.startswith(LL2) for call in ll2_offline.calls)


@pytest.mark.parametrize("client", CLIENTS)
def test_strict_mode_refuses_other_hosts_naming_the_url(ll2_server, ll2_offline, client):
    ll2_offline.strict = True
    with pytest.raises((OfflineRefused, urllib.error.URLError)) as raised:
        CLIENTS[client](ll2_server.url + SOYUZ)
    assert "refused" in str(raised.value) and ll2_server.url + SOYUZ in str(raised.value)
    assert "(strict)" in str(raised.value) and "ll2_offline answers only" in str(raised.value)
    assert ll2_offline.calls[-1].status is None
    assert CLIENTS[client](LL2 + SOYUZ)[0] == 200  # LL2 itself is still answered


@pytest.mark.ll2_offline(strict=True, allow=["127.0.0.1"])
def test_strict_marker_with_allow_lets_the_allowed_hosts_through(ll2_server, ll2_offline):
    assert ll2_offline.strict
    assert get_requests(ll2_server.url + SOYUZ)[0] == 200
    with pytest.raises(OfflineRefused, match="localhost"):
        get_requests(ll2_server.url.replace("127.0.0.1", "localhost") + SOYUZ)


# -- activation --------------------------------------------------------------------------
def test_every_hook_is_undone_on_exit_and_nesting_unwinds(monkeypatch):
    before = (
        requests.Session.get_adapter,
        httpx.Client.__init__,
        httpx.AsyncClient.__init__,
        httpx.Client._transport_for_url,
        httpx.AsyncClient._transport_for_url,
        getattr(urllib.request, "_opener", None),
        socket.getaddrinfo,
        socket.socket.__dict__.get("connect"),
    )
    with spacecraft_data.offline() as outer:
        with spacecraft_data.offline(strict=True):
            with pytest.raises(OfflineRefused):
                requests.get("http://127.0.0.1:9/", timeout=1)
        with pytest.raises(requests.ConnectionError):  # outer is not strict: it goes to the network
            requests.get("http://127.0.0.1:9/", timeout=1)
        assert get_requests(LL2 + SOYUZ)[0] == 200
        assert outer.calls[-1].url == LL2 + SOYUZ
    assert (
        requests.Session.get_adapter,
        httpx.Client.__init__,
        httpx.AsyncClient.__init__,
        httpx.Client._transport_for_url,
        httpx.AsyncClient._transport_for_url,
        getattr(urllib.request, "_opener", None),
        socket.getaddrinfo,
        socket.socket.__dict__.get("connect"),
    ) == before
    lookups: list[object] = []

    def resolver(host, *args, **kwargs):  # stands in for the network: nothing leaves the machine
        lookups.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "test resolver: nothing is looked up here")

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    with pytest.raises(requests.ConnectionError):
        requests.get(LL2 + SOYUZ, timeout=0.01)
    assert lookups == [
        "ll.thespacedevs.com"
    ]  # it went for the name, as with no offline(): the adapter is gone


def test_a_session_created_before_activation_is_answered_too(bundled):
    with requests.Session() as session:
        with Offline(bundled):
            assert session.get(LL2 + SOYUZ, timeout=10).json()["count"] == 7


def test_a_missing_client_library_is_skipped(monkeypatch):
    monkeypatch.setitem(sys.modules, "httpx", None)  # "not installed": import fails, find_spec is None
    before = httpx.Client.__init__
    with spacecraft_data.offline():
        assert httpx.Client.__init__ is before
        assert get_requests(LL2 + SOYUZ)[0] == 200
    monkeypatch.setitem(sys.modules, "requests", None)
    with spacecraft_data.offline():
        assert get_urllib(LL2 + SOYUZ)[0] == 200


# -- the plugin itself ---------------------------------------------------------------------
def run_pytest_on(tmp_path, source: str, *args: str) -> subprocess.CompletedProcess:
    """pytest in a subprocess on one SYNTHETIC test module, with the plugin from the installed entry point."""
    (tmp_path / "test_it.py").write_text(source, encoding="utf-8")
    (tmp_path / "pytest.ini").write_text("[pytest]\naddopts = --strict-markers\n", encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_plugin_is_loaded_from_the_entry_point_and_lists_its_options(tmp_path):
    out = run_pytest_on(tmp_path, "", "--help")
    assert "--ll2-snapshot=PATH" in out.stdout and "ll2_offline_strict" in out.stdout
    out = run_pytest_on(tmp_path, "", "--markers")
    assert "@pytest.mark.ll2_snapshot(path)" in out.stdout and "@pytest.mark.ll2_offline(" in out.stdout


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "import pytest\n@pytest.mark.ll2_offline(stric=True)\ndef test_x(ll2_offline): pass\n",
            "@pytest.mark.ll2_offline: unknown option(s) stric (known: strict, allow)",
        ),
        (
            "import pytest\n@pytest.mark.ll2_snapshot()\ndef test_x(ll2_server): pass\n",
            "@pytest.mark.ll2_snapshot takes one argument: the snapshot path",
        ),
        (
            "import pytest\n@pytest.mark.ll2_snapshot('nowhere')\ndef test_x(ll2_offline): pass\n",
            "nowhere: no such snapshot folder",
        ),
    ],
)
def test_a_misused_marker_is_a_clear_error_not_a_traceback(tmp_path, source, message):
    out = run_pytest_on(tmp_path, source)
    assert out.returncode != 0
    assert message in out.stdout + out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def test_the_session_servers_are_stopped_at_the_end(tmp_path):
    source = "import pathlib\ndef test_x(ll2_server):\n    pathlib.Path('url').write_text(ll2_server.url)\n"
    out = run_pytest_on(tmp_path, source)
    assert out.returncode == 0, out.stdout + out.stderr
    with pytest.raises(requests.ConnectionError):  # nothing listens there any more
        requests.get((tmp_path / "url").read_text() + SOYUZ, timeout=5)


def test_running_server_stops_and_closes_its_port(bundled):
    from spacecraft_data.testing import running_server

    with running_server(bundled) as server:
        url = server.url
        assert requests.get(url + SOYUZ, timeout=5).json()["count"] == 7
    with pytest.raises(requests.ConnectionError):
        requests.get(url + SOYUZ, timeout=5)
