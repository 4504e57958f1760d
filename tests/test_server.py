"""``spacecraft-data serve``: real clients (requests, urllib, http.client, raw sockets) over loopback.

The server must answer exactly what ``Snapshot.respond`` answers for the same
URL, render it as DRF does, refuse what is not an API request, and never
answer 500 or show a traceback for anything a client sends.
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import threading
import urllib.request
from typing import Any, Iterator
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests
from conftest import serving
from helpers_browsable import page_text
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spacecraft_data
from spacecraft_data.endpoints import endpoint, primary
from spacecraft_data.pages import parse_page, read_page
from spacecraft_data.server import MAX_REQUEST_LINE, PAGE_HEADERS, make_server
from spacecraft_data.snapshot import Snapshot

LIST = "/2.3.0/spacecraft/"


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return spacecraft_data.load()


@pytest.fixture(scope="module")
def base(snap) -> Iterator[str]:
    """The base URL of a live server over the bundled snapshot."""
    with serving(snap) as url:
        yield url


def raw_request(base: str, request_bytes: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send bytes as they are on a fresh socket (clients would normalise the hostile ones) and read one
    answer."""
    host, port = urlsplit(base).hostname, urlsplit(base).port
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(request_bytes)
        response = http.client.HTTPResponse(sock)
        response.begin()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()


def get_raw_target(base: str, target: bytes) -> tuple[int, dict[str, str], bytes]:
    host = urlsplit(base).netloc.encode()
    return raw_request(
        base, b"GET " + target + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    )


def strip_format(value: Any) -> Any:
    """Records with every API hyperlink reduced to its path: what the server's host and ``?format`` change."""
    if isinstance(value, dict):
        return {
            k: (urlsplit(v).path if k == "url" and isinstance(v, str) else strip_format(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [strip_format(v) for v in value]
    return value


# URLs a client of LL2 sends: list, filters, search, ordering, paging, detail, bad values, unknown paths.
CLIENT_URLS = [
    LIST,
    LIST + "?format=json",
    LIST + "?limit=5&offset=5",
    LIST + "?limit=3&offset=18&ordering=-time_in_space",
    LIST + "?search=soyuz",
    LIST + "?search=%22crew+dragon%22&format=json",
    LIST + "?search=%D0%9F%D1%80%D0%BE%D0%B3%D1%80%D0%B5%D1%81%D1%81",  # Cyrillic
    LIST + "?status=4&ordering=-id&limit=100",
    LIST + "?status=banana",
    LIST + "?spacecraft_config=99999&status=x",
    LIST + "?search=a%00b",
    LIST + "?in_space=yes&limit=-1&offset=abc",
    LIST + "?mode=detailed",
    LIST + "463/",
    LIST + "abc/",
    LIST + "99999/",
    "/2.3.0/launches/",
]


@pytest.mark.parametrize("path", CLIENT_URLS)
def test_answer_equals_snapshot_respond_for_the_same_url(base, snap, path):
    response = requests.get(base + path, timeout=10)
    status, body = snap.respond(base + path)
    assert response.status_code == status
    assert response.json() == body
    assert response.headers["Content-Type"] == "application/json"
    assert response.headers["Allow"] == "GET"
    assert response.headers["Vary"] == "Accept"
    assert status != 500


def test_json_is_rendered_as_drf_jsonrenderer_does_compact_and_utf8(base, snap):
    path = LIST + "?ordering=id&offset=3&limit=1"  # id 235, Progress MS-09
    body = urllib.request.urlopen(base + path, timeout=10).read()
    expected = snap.respond(base + path)[1]
    assert body == json.dumps(expected, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    assert "Прогресс".encode() in body  # non-ASCII is literal, not \\u-escaped


def test_next_and_previous_links_point_at_the_local_server(base):
    page = requests.get(base + LIST + "?limit=5&offset=5&format=json", timeout=10).json()
    assert page["next"].startswith(base + LIST) and page["previous"].startswith(base + LIST)
    # Following the links walks the snapshot without ever leaving the server.
    seen, url = [], base + LIST + "?limit=7"
    while url:
        assert url.startswith(base)
        page = requests.get(url, timeout=10).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert len(seen) == len(set(seen)) == page["count"]


def test_record_links_carry_the_local_host_not_ll2(base):
    record = requests.get(base + LIST + "?limit=1&format=json", timeout=10).json()["results"][0]
    assert record["url"].startswith(base + LIST)
    assert "ll.thespacedevs.com" not in json.dumps(record)


@pytest.mark.parametrize(
    "path",
    [
        LIST + "?format=api&limit=100",
        LIST + "?format=api&search=soyuz&ordering=-id",
        LIST + "?limit=4&offset=8&format=api",
    ],
)
def test_browsable_page_saved_from_serve_parses_into_the_same_records(base, snap, tmp_path, path):
    response = requests.get(base + path, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    saved = tmp_path / "page.txt"
    saved.write_text(page_text(response.text), encoding="utf-8")  # the page's text, as a browser saves it

    page = read_page(saved)
    status, body = snap.respond(base + path)
    assert (page.status, page.reason) == (status, "OK")
    assert page.request.full_path == path  # the GET line is the request as sent
    assert page.headers == PAGE_HEADERS
    assert page.description == primary().description.strip()  # the declaration's text is the saved page's
    assert page.body == body
    # The records are the stored ones; only their hyperlinks follow the request (host, ?format=api).
    stored = {r["id"]: r for r in snap.records}
    assert page.records() and all(r["url"].endswith("/?format=api") for r in page.records())
    assert [strip_format(r) for r in page.records()] == [
        strip_format(stored[r["id"]]) for r in page.records()
    ]


def test_browsable_page_layout_matches_the_saved_ll2_pages(base, repo_root):
    """The text before the body is laid out as in the real seed page, line for line (the body differs: other
    records)."""
    seed = (repo_root / "data/raw/seeds/000_6bd17e1b5860eff2.txt").read_text(encoding="utf-8")
    path = LIST + "?format=api&offset=290&ordering=-mission_ends_count"
    ours = page_text(requests.get(base + path, timeout=10).text)
    assert ours.split("\n{", 1)[0] == seed.split("\n{", 1)[0]


def test_browsable_page_of_an_error_keeps_its_status(base, snap):
    path = LIST + "?format=api&status=banana"
    response = requests.get(base + path, timeout=10)
    page = parse_page(page_text(response.text))
    assert response.status_code == page.status == 400
    assert page.reason == "Bad Request"
    assert page.body == snap.respond(base + path)[1]


@pytest.mark.parametrize(
    ("accept", "content_type"),
    [
        (
            "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
            "text/html; charset=utf-8",
        ),  # a browser
        ("application/json", "application/json"),
        ("*/*", "application/json"),
        ("text/*", "text/html; charset=utf-8"),
    ],
)
def test_accept_header_picks_the_renderer_as_drf_negotiates(base, accept, content_type):
    response = requests.get(base + LIST + "?limit=1", headers={"Accept": accept}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"] == content_type


def test_format_parameter_overrides_accept_and_unknown_formats_are_404(base):
    assert (
        requests.get(base + LIST + "?format=json", headers={"Accept": "text/html"}, timeout=10).headers[
            "Content-Type"
        ]
        == "application/json"
    )
    response = requests.get(base + LIST + "?format=xml", timeout=10)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})
    # Last value wins; a blank format is no format.
    assert requests.get(base + LIST + "?format=xml&format=json", timeout=10).status_code == 200
    assert requests.get(base + LIST + "?format=", timeout=10).status_code == 200


def test_format_is_read_from_the_decoded_query_as_django_reads_it(base, snap):
    path = LIST + "?%66ormat=api&limit=2"
    response = requests.get(base + path, timeout=10)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert parse_page(page_text(response.text)).body == snap.respond(base + path)[1]


def test_too_many_query_parameters_is_the_engines_400_in_json(base, snap):
    path = LIST + "?" + "&".join(f"p{i}=1" for i in range(1001))
    response = requests.get(base + path, timeout=10)
    assert (response.status_code, response.json()) == snap.respond(base + path)
    assert response.status_code == 400


def test_unsatisfiable_accept_header_is_406(base):
    response = requests.get(base + LIST, headers={"Accept": "image/png"}, timeout=10)
    assert response.status_code == 406
    assert response.json() == {"detail": "Could not satisfy the request Accept header."}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "OPTIONS", "PURGE"])
@pytest.mark.parametrize("path", [LIST, LIST + "463/"])
def test_methods_other_than_get_are_405_with_drf_text(base, method, path):
    response = requests.request(method, base + path, data=b'{"name": "x"}', timeout=10)
    assert response.status_code == 405
    assert response.json() == {"detail": f'Method "{method}" not allowed.'}
    assert response.headers["Allow"] == "GET"


def test_method_not_allowed_outside_the_routes_is_404(base):
    response = requests.post(base + "/2.3.0/launches/", timeout=10)
    assert (response.status_code, response.json()) == (404, {"detail": "Not found."})


def test_head_sends_the_get_headers_without_a_body(base):
    get = requests.get(base + LIST + "?search=soyuz", timeout=10)
    head = requests.head(base + LIST + "?search=soyuz", timeout=10)
    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["Content-Length"] == str(len(get.content))
    assert head.headers["Content-Type"] == get.headers["Content-Type"]


def test_keep_alive_connection_answers_several_requests(base):
    conn = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port, timeout=10)
    try:
        socks = set()
        for path in (LIST, LIST + "?search=soyuz", LIST + "?status=banana", LIST + "463/"):
            conn.request("GET", path)
            response = conn.getresponse()
            json.loads(response.read())
            socks.add(id(conn.sock))
            assert response.getheader("Connection") != "close"
        assert len(socks) == 1
    finally:
        conn.close()


def test_a_post_body_does_not_poison_the_next_request(base):
    """A body the server does not read must not be taken for the next request line."""
    host = urlsplit(base).netloc.encode()
    status, headers, body = raw_request(
        base,
        b"POST " + LIST.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nContent-Length: 20\r\n\r\n"
        b"GET /etc/passwd HTTP",
    )
    assert status == 405 and headers["connection"] == "close"


@pytest.mark.parametrize(
    ("target", "status"),
    [
        (b"/../etc/passwd", 400),
        (b"/2.3.0/../../etc/passwd", 400),
        (b"/2.3.0/spacecraft/../../../etc/passwd", 400),
        (b"/2.3.0/%2e%2e/%2E%2E/etc/passwd", 400),
        (b"/2.3.0/spacecraft/%2e/", 400),
        (b"/2.3.0/spacecraft/..%2f..%2fetc%2fpasswd", 400),
        (b"/2.3.0/spacecraft/..%5c..%5cetc%5cpasswd", 400),
        (b"/2.3.0/spacecraft/%00/", 400),
        (b"/2.3.0/spacecraft/%ff/", 400),
        (b"/2.3.0/spacecraft/\xd0\x9f/", 400),
        (b"/2.3.0/spacecraft/#frag", 400),
        (b"http://evil.example/2.3.0/spacecraft/", 400),
        (b"*", 400),
        (b"/etc/passwd", 404),
        (b"/2.3.0", 404),
        (b"/2.2.0/spacecraft/", 501),  # LL2 serves 2.2.0; the snapshot does not hold it
        (b"/" + b"a" * (MAX_REQUEST_LINE + 10), 414),
        (LIST.encode() + b"?search=" + b"x" * (MAX_REQUEST_LINE + 10), 414),
        (LIST.encode() + b"?search=" + b"x" * 70_000, 414),  # beyond the stdlib's own 64 KiB limit
    ],
)
def test_paths_outside_the_api_are_refused_with_a_json_detail(base, target, status):
    got, headers, body = get_raw_target(base, target)
    assert got == status
    assert headers["content-type"] == "application/json"
    detail = json.loads(body)["detail"]
    assert "root:" not in detail and "Traceback" not in body.decode()


@pytest.mark.parametrize("host", [b"evil.example/x?y=", b"a b", b"[zz]", b"x" * 300 + b":1:2"])
def test_a_host_header_that_could_rewrite_links_is_refused(base, host):
    status, _, body = raw_request(
        base, b"GET " + LIST.encode() + b" HTTP/1.1\r\nHost: " + host + b"\r\nConnection: close\r\n\r\n"
    )
    assert status == 400 and json.loads(body)["detail"].startswith("Invalid Host header")


def test_the_host_header_names_the_links_host(base):
    """A client that reaches the server under another name gets links under that name, as Django builds
    them."""
    page = requests.get(
        base + LIST + "?limit=1", headers={"Host": "spacecraft.local:8080"}, timeout=10
    ).json()
    assert page["next"].startswith("http://spacecraft.local:8080/2.3.0/spacecraft/?")


def test_a_request_without_host_header_gets_links_on_the_servers_own_address(base):
    status, _, body = raw_request(base, f"GET {LIST}?limit=1 HTTP/1.0\r\n\r\n".encode())
    assert status == 200 and json.loads(body)["next"].startswith(base + LIST + "?")


def test_a_versionless_request_line_gets_a_full_http_answer_not_a_bare_body(base, snap):
    status, headers, body = raw_request(base, b"GET " + LIST.encode() + b"?limit=1\r\n\r\n")
    assert status == 200 and headers["content-type"] == "application/json"
    assert json.loads(body)["count"] == len(snap)


def test_malformed_request_lines_get_a_json_400(base):
    for line in (b"GARBAGE\r\n\r\n", b"GET / HTTP/9.9\r\n\r\n", b"GET / HTTP/1.1 extra\r\n\r\n"):
        status, headers, body = raw_request(base, line)
        assert status in (400, 505)
        assert headers["content-type"] == "application/json" and "detail" in json.loads(body)


_NAMES = st.sampled_from(
    [
        "search",
        "ordering",
        "limit",
        "offset",
        "status",
        "spacecraft_config",
        "in_space",
        "is_placeholder",
        "name",
        "mode",
        "format",
        "id",
        "x%00",
        "",
    ]
)
_VALUES = st.text(
    st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=("Cs",)), max_size=12
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.lists(st.tuples(_NAMES, _VALUES), max_size=4),
    detail=st.sampled_from(["", "463/", "x/", "0/"]),
    raw=st.booleans(),
)
def test_hostile_query_values_never_get_a_500_or_a_traceback(base, snap, params, detail, raw):
    from urllib.parse import quote, urlencode

    if raw:  # percent-encoding sloppily, as a careless client might
        query = "&".join(f"{quote(k, safe='%')}={quote(v, safe='%+,&=')}" for k, v in params)
    else:
        query = urlencode(params)
    path = LIST + detail + ("?" + query if query else "")
    conn = http.client.HTTPConnection(urlsplit(base).hostname, urlsplit(base).port, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        body = response.read()
    finally:
        conn.close()
    assert response.status != 500
    assert b"Traceback" not in body
    formats = [v for k, v in parse_qsl(urlsplit(path).query, keep_blank_values=True) if k == "format"]
    renderer = formats[-1] if formats and formats[-1] else "json"
    if renderer not in ("json", "api"):  # DRF: no renderer for that format
        assert (response.status, json.loads(body)) == (404, {"detail": "Not found."})
    elif renderer == "json":
        assert (response.status, json.loads(body)) == snap.respond(base + path)
    else:
        page = parse_page(body.decode("utf-8"))
        assert (page.status, page.body) == snap.respond(base + path)
        assert page.request.full_path == path


class _Exploding:
    """A responder that fails as a bug in the engine would, on the list only (test double: no data
    involved)."""

    version = "test"
    api_version = "2.3.0"

    @property
    def api(self) -> _Exploding:  # serve answers through snapshot.api.respond
        return self

    def respond(self, url: str) -> tuple[int, Any]:
        if LIST in url:
            raise RuntimeError("secret internal state /home/user/.ssh")
        return 404, {"detail": "Not found."}


def test_an_engine_failure_is_a_bare_500_without_traceback():
    server = make_server(_Exploding(), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        response = requests.get(server.url + LIST, timeout=10)
        assert response.status_code == 500
        assert response.json() == {"detail": "Internal server error"}
        assert "secret" not in response.text and "Traceback" not in response.text
        # The server survives and keeps answering.
        assert requests.get(server.url + "/etc/passwd", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_server_binds_loopback_by_default_and_reports_its_url(snap):
    server = make_server(snap, port=0, quiet=True)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", server.url)
    finally:
        server.server_close()


@pytest.mark.slow
@pytest.mark.parametrize("signame", ["SIGTERM", "SIGINT"])
def test_serve_command_stops_cleanly_on_a_signal(signame):
    import os
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "spacecraft_data", "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        first_line = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/2\.3\.0/spacecraft/", first_line).group(1)
        assert requests.get(url + LIST + "?limit=1", timeout=10).status_code == 200
        proc.send_signal(getattr(signal, signame))
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert re.search(rf'"GET {re.escape(LIST)}\?limit=1 HTTP/1.1" 200 \d+\n', err)  # one log line per request
    assert err.rstrip().endswith("stopped")


def test_serve_command_reports_a_taken_port_clearly(snap, capsys):
    from spacecraft_data.cli import main

    busy = make_server(snap, "127.0.0.1", 0, quiet=True)
    try:
        code = main(["serve", "--port", str(busy.server_address[1]), "--quiet"])
    finally:
        busy.server_close()
    assert code == 2  # an I/O error
    assert f"cannot listen on 127.0.0.1:{busy.server_address[1]}" in capsys.readouterr().err


def _ids_and_records_modulo_links(records: list[dict]) -> list[dict]:
    return [strip_format(r) for r in sorted(records, key=lambda r: r["id"])]


@pytest.mark.slow
def test_pages_saved_from_serve_import_into_a_snapshot_of_the_same_records(base, snap, tmp_path):
    """The page importer (``import-pages``) reads what ``serve`` renders back into the served records."""
    harvest = pytest.importorskip("spacecraft_data.harvest")
    files = []
    for n, path in enumerate(
        [
            LIST + "?format=api&limit=7&ordering=id",
            LIST + "?format=api&limit=7&offset=7&ordering=id",
            LIST + "?format=api&limit=100&offset=14&ordering=id",
        ]
    ):
        files.append(tmp_path / f"page{n}.txt")
        files[-1].write_text(page_text(requests.get(base + path, timeout=10).text), encoding="utf-8")
    published = harvest.import_pages(
        files,
        output=tmp_path / "out",
        raw_dir=tmp_path / "raw",
        changelog=None,
    )
    imported = spacecraft_data.load(published)
    assert len(imported) == len(snap)
    assert _ids_and_records_modulo_links(imported.records) == _ids_and_records_modulo_links(snap.records)


@pytest.mark.slow
def test_harvester_pointed_at_serve_rebuilds_the_served_snapshot(base, snap, tmp_path):
    """End to end: ``harvest --base-url <serve>`` publishes the records ``serve`` serves."""
    harvest = pytest.importorskip("spacecraft_data.harvest")
    result = harvest.harvest(
        harvest.HarvestOptions(
            base_url=base,
            output=tmp_path / "out",
            raw_dir=tmp_path / "raw",
            changelog=None,
            retries=0,
            sleep=lambda seconds: None,
        )
    )
    harvested = spacecraft_data.load(result.snapshot)
    assert harvested.reported_count == len(harvested) == len(snap)
    assert _ids_and_records_modulo_links(harvested.records) == _ids_and_records_modulo_links(snap.records)
    # serve answers the reference tables too (declared endpoints); their links carry serve's host, as the
    # records'.
    for table in ("spacecraft_configurations", "spacecraft_statuses"):
        assert _ids_and_records_modulo_links(harvested.tables[table]) == _ids_and_records_modulo_links(
            snap.tables[table]
        )
    assert harvested.manifest["tables"]["spacecraft_configurations"]["modes"] == ["detailed"]


def test_ipv6_loopback_is_served_with_bracketed_links(snap):
    try:
        server = make_server(snap, "::1", 0, quiet=True)
    except OSError:
        pytest.skip("no IPv6 loopback on this machine")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert re.fullmatch(r"http://\[::1\]:\d+", server.url)
        page = requests.get(server.url + LIST + "?limit=1", timeout=10).json()
        assert page["next"].startswith(server.url + LIST + "?")
    finally:
        server.shutdown()
        server.server_close()


def test_browsable_pages_of_each_endpoint_carry_that_endpoints_description(base):
    """The configurations and statuses pages describe their own view, not the spacecraft one."""
    import urllib.request

    for name in ("spacecraft_configurations", "config/spacecraft_statuses"):
        with urllib.request.urlopen(f"{base}/2.3.0/{name}/?format=api&limit=1") as answer:
            page = parse_page(page_text(answer.read().decode("utf-8")))
        assert page.description == endpoint(name).description.strip()
        assert (
            f"/{name}/?format=json" in page.description and "spacecraft_config__name" not in page.description
        )
        assert page.body["results"]


def test_root_answers_what_respond_answers_for_the_api_root(base, snap):
    """``/`` is served through the library (the API root under the version prefix), not computed by the
    server."""
    for path in ("/", "/?format=json", "/2.3.0/"):
        response = requests.get(base + path, timeout=10)
        status, body = snap.api.respond(base + "/2.3.0/" + path.partition("?")[1] + path.partition("?")[2])
        assert (response.status_code, response.json()) == (status, body), path
        assert response.headers["Content-Type"] == "application/json"


@pytest.mark.parametrize("path", ["/", "/2.3.0/"])
def test_methods_other_than_get_on_the_api_root_are_405_as_drfs_api_root_view(base, path):
    response = requests.post(base + path, timeout=10)
    assert response.status_code == 405
    assert response.json() == {"detail": 'Method "POST" not allowed.'}
    assert response.headers["Allow"] == "GET"


def test_root_lists_the_endpoints_served_as_drfs_api_root(base, snap):
    """DRF's DefaultRouter API root: an object of endpoint name -> absolute URL on this server; HTML for
    browsers."""
    response = requests.get(base + "/", timeout=10)
    assert response.status_code == 200
    listing = response.json()
    assert listing == requests.get(base + "/2.3.0/", timeout=10).json()
    assert isinstance(listing, dict) and base + LIST in listing.values()
    for name, url in listing.items():
        assert isinstance(name, str) and url.startswith(base + "/2.3.0/") and url.endswith("/")
        assert requests.get(url, params={"limit": 1}, timeout=10).status_code == 200, url
    page = requests.get(base + "/", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert f'href="{base + LIST}' in page.text


@pytest.mark.parametrize("quiet", [False, True])
def test_the_request_log_goes_to_the_servers_logger_not_to_stderr(snap, caplog, capsys, quiet):
    # The library logs; 'spacecraft-data serve' shows the log on stderr (test_serve_command_stops_cleanly...).
    import logging

    caplog.set_level(logging.INFO, logger="spacecraft_data.server")
    server = make_server(snap, "127.0.0.1", 0, quiet=quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        assert requests.get(server.url + LIST + "?limit=1", timeout=10).status_code == 200
    finally:
        server.shutdown()
        server.server_close()
    lines = [r.getMessage() for r in caplog.records if r.name == "spacecraft_data.server"]
    if quiet:
        assert lines == []
    else:
        assert len(lines) == 1
        assert re.fullmatch(
            rf'127\.0\.0\.1 - - \[.+\] "GET {re.escape(LIST)}\?limit=1 HTTP/1.1" 200 \d+', lines[0]
        )
    assert capsys.readouterr().err == ""
