"""One answer for paths the snapshot does not hold: the API root, LL2's other routes (501), the rest (404).

``respond``, ``spacecraft-data get``, a live ``serve`` and ``offline()`` must give the same
answer. What LL2 has is declared once in the registry (``LL2_PATHS``), typed from LL2's own
OpenAPI document, which the wheel does not ship: the first test keeps the two equal. The API
root is compared with what Django REST Framework's own ``DefaultRouter`` answers.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
import requests
from conftest import RAW

import spacecraft_data
from spacecraft_data.endpoints import LL2_API_VERSIONS, LL2_PATHS, endpoints, ll2_has

NOT_FOUND = {"detail": "Not found."}
OPENAPI = RAW / "ll2-openapi" / "ll_2.3.0.json"
#: paths LL2 has that the snapshot does not hold (list, detail, nested list, another API version)
UNSERVED = [
    "/2.3.0/launches/",
    "/2.3.0/launches/abc/",
    "/2.3.0/agencies/1/",
    "/2.3.0/launches/upcoming/",
    "/2.3.0/config/orbits/",
    "/2.3.0/api-throttle/",
    "/2.3.0/spacecraft_flights/7/",
    "/2.2.0/spacecraft/",
]
#: paths LL2 does not have
UNKNOWN = [
    "/",
    "/2.3.0/nothing/",
    "/2.3.0/launches",
    "/2.3.0/launches/1/flights/",
    "/2.3.0/launches/a.b/",
    "/2.3.0/api-throttle/1/",
    "/2.3.0/config/",
    "/9.9.9/spacecraft/",
    "/2.3.0/spacecraft/463/extra/",
    "/favicon.ico",
]


# -- the registry's routes are LL2's OpenAPI document's paths ------------------------------------------
def test_the_registry_declares_exactly_the_paths_of_ll2s_openapi_document():
    documented = [p.removeprefix("/2.3.0/") for p in json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"]]
    assert all(p.startswith("/2.3.0/") for p in json.loads(OPENAPI.read_text(encoding="utf-8"))["paths"])
    assert len(LL2_PATHS["2.3.0"]) == len(set(LL2_PATHS["2.3.0"]))
    assert sorted(LL2_PATHS["2.3.0"]) == sorted(documented)


def test_every_declared_endpoint_is_an_ll2_route_with_a_detail_route():
    for name, declared in endpoints("2.3.0").items():
        assert ll2_has(declared.routing.list_path("2.3.0")) and ll2_has(
            declared.routing.detail_path("2.3.0", 1)
        ), name


def test_the_snapshots_api_version_is_one_ll2_serves(bundled):
    assert bundled.api_version in LL2_API_VERSIONS and bundled.api_version in LL2_PATHS


# -- respond ------------------------------------------------------------------------------------------
def _held(snap) -> list[str]:
    return [e.routing.list_path(snap.api_version) for e in snap.registry]


@pytest.mark.parametrize("path", UNSERVED)
def test_a_path_ll2_has_that_the_snapshot_does_not_hold_is_a_501_naming_what_it_holds(bundled, path):
    status, body = bundled.respond(path + "?limit=3&format=json")
    assert status == 501 and list(body) == ["detail"]
    assert body["detail"].startswith(
        f"LL2's {path} is not answered from the snapshot: snapshot {bundled.version} "
    )
    for held in _held(bundled):
        assert held in body["detail"]


def test_every_documented_route_the_snapshot_does_not_hold_is_a_501(bundled):
    held = {e.name for e in endpoints("2.3.0").values()}
    for template in LL2_PATHS["2.3.0"]:
        route = template.removesuffix("{id}/").rstrip("/")
        if route in held:
            continue
        for path in {
            f"/2.3.0/{template}".replace("{id}", "1"),
            f"/2.3.0/{template}".replace("{id}", "x-y_z"),
        }:
            assert bundled.respond(path)[0] == 501, path


@pytest.mark.parametrize("path", UNKNOWN)
def test_a_path_ll2_does_not_have_is_djangos_404(bundled, path):
    assert bundled.respond(path) == (404, NOT_FOUND)
    assert bundled.respond("http://127.0.0.1:8000" + path) == (404, NOT_FOUND)


def test_the_501_shows_a_long_or_odd_path_bounded_and_percent_encoded(bundled):
    status, body = bundled.respond("/2.3.0/launches/" + "\u00e9" * 5000 + "/")
    assert status == 501 and len(body["detail"]) < 1000
    assert "/2.3.0/launches/%C3%A9%C3%A9" in body["detail"] and "..." in body["detail"]
    status, body = bundled.respond("/2.3.0/launches/\ud800/")  # a lone surrogate: no HTTP request carries one
    assert status == 501 and "%ED%A0%80" in body["detail"]
    json.dumps(body, ensure_ascii=False).encode("utf-8")  # what serve would send must encode


def test_the_host_is_checked_before_the_path(bundled):
    assert bundled.respond("http://bad host/2.3.0/launches/")[0] == 400
    assert bundled.respond("http://bad host/2.3.0/")[0] == 400


# -- the API root, as DRF's DefaultRouter answers it --------------------------------------------------
def test_the_api_root_lists_every_endpoint_answered_in_registry_order(bundled):
    status, body = bundled.respond("/2.3.0/")
    assert status == 200
    assert list(body) == list(endpoints("2.3.0"))
    assert body == {name: f"https://ll.thespacedevs.com/2.3.0/{name}/" for name in endpoints("2.3.0")}
    for name, url in body.items():  # each link is a route that answers
        assert bundled.respond(url)[0] == 200, name


@pytest.fixture(scope="module")
def drf_root():
    """GET through Django REST Framework's own ``DefaultRouter`` holding the oracle's viewsets at our
    prefixes."""
    from tests.oracle import setup

    setup()
    from django.test import Client, override_settings
    from django.urls import include, re_path
    from rest_framework.routers import DefaultRouter

    from tests.oracle import views

    viewsets = {
        "spacecraft": views.SpacecraftViewSet,
        "spacecraft_configurations": views.ConfigurationViewSet,
        "config/spacecraft_statuses": views.StatusViewSet,
    }
    assert list(viewsets) == list(endpoints("2.3.0"))  # the registry's order is the order registered
    router = DefaultRouter()
    for prefix, viewset in viewsets.items():
        router.register(prefix, viewset, basename=prefix.replace("/", "-"))

    class URLConf:
        urlpatterns = [re_path(r"^2\.3\.0/", include(router.urls))]

    client = Client(raise_request_exception=True)

    def get(url: str) -> tuple[int, object]:
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        with override_settings(ROOT_URLCONF=URLConf):
            response = client.get(
                parts.path, QUERY_STRING=parts.query, HTTP_HOST=parts.netloc, secure=parts.scheme == "https"
            )
        return response.status_code, json.loads(response.content)

    return get


@pytest.mark.parametrize(
    "query",
    [
        "",
        "format=json",
        "format=",
        "format=api",
        "format=xml",
        "format=json&format=api",
        "limit=3&search=soyuz&ordering=-id",
        "format=%4Ason",
        "format=json%20",
    ],
)
@pytest.mark.parametrize("origin", ["https://ll.thespacedevs.com", "http://127.0.0.1:8000", "http://[::1]:9"])
def test_the_api_root_is_what_drfs_api_root_view_answers(bundled, drf_root, origin, query):
    url = f"{origin}/2.3.0/" + (f"?{query}" if query else "")
    assert bundled.respond(url) == drf_root(url)


# -- respond, get, serve and offline() agree -----------------------------------------------------------
AGREE = ["/2.3.0/launches/", "/2.3.0/nothing/", "/2.3.0/"]


def _get_cli(snap, path: str) -> tuple[int, object]:
    out = subprocess.run(
        [sys.executable, "-m", "spacecraft_data", "get", "--snapshot", str(snap.path), "--compact", path],
        capture_output=True,
        text=True,
        timeout=120,
    )
    status = re.fullmatch(r"HTTP (\d+)\n", out.stderr)
    assert out.returncode == (0 if status is None else 1), out.stderr
    return 200 if status is None else int(status.group(1)), json.loads(out.stdout)


@pytest.mark.parametrize("path", [*AGREE, "/2.2.0/spacecraft/"])
def test_respond_and_the_get_command_agree(bundled, path):
    assert _get_cli(bundled, path) == bundled.respond(path)


@pytest.fixture(scope="module")
def serve_process(bundled):
    """A real ``spacecraft-data serve`` subprocess on a free loopback port; yields its base URL."""
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spacecraft_data",
            "serve",
            "--snapshot",
            str(bundled.path),
            "--port",
            "0",
            "--host",
            "127.0.0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        found = re.search(r"http://127\.0\.0\.1:\d+", proc.stdout.readline())
        assert found, proc.stderr.read() if proc.poll() is not None else "no URL on serve's first line"
        yield found.group(0)
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()


@pytest.mark.parametrize("path", [*AGREE, "/2.2.0/spacecraft/"])
def test_respond_and_a_live_serve_agree(bundled, serve_process, path):
    got = requests.get(serve_process + path, timeout=30)
    assert (got.status_code, got.json()) == bundled.respond(serve_process + path)


@pytest.mark.parametrize("path", [*AGREE, "/2.2.0/spacecraft/"])
def test_respond_and_offline_agree(bundled, path):
    with spacecraft_data.offline(bundled):
        got = requests.get("https://ll.thespacedevs.com" + path, timeout=30)
    assert (got.status_code, got.json()) == bundled.respond("https://ll.thespacedevs.com" + path)
