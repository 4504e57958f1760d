"""The HTML browsable page: its text is the saved-page layout, its links and form follow the data, nothing is
unescaped."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
import requests
from conftest import urls_in
from helpers_browsable import page_text

from spacecraft_data.browsable import render_html, view_name
from spacecraft_data.endpoints import registry
from spacecraft_data.endpoints.v2_3_0 import ENDPOINTS
from spacecraft_data.pages import parse_page, render_browsable
from spacecraft_data.server import PAGE_HEADERS, description_of

API = "2.3.0"


class Elements(HTMLParser):
    """Every start tag with its attributes, in order."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def of(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def elements(page: str) -> Elements:
    parser = Elements()
    parser.feed(page)
    return parser


TARGETS = [
    f"/{API}/spacecraft/?format=api",
    f"/{API}/spacecraft/?format=api&limit=2&offset=2&search=soyuz",
    f"/{API}/spacecraft/?format=api&status=banana",
    f"/{API}/spacecraft_configurations/?format=api&limit=4",
    f"/{API}/spacecraft_configurations/6/?format=api",
    f"/{API}/config/spacecraft_statuses/?format=api",
    f"/{API}/spacecraft/?format=api&limit=100&ordering=-time_in_space",
]


def page_of(bundled, target: str) -> tuple[str, int, object]:
    status, body = bundled.respond("https://ll.thespacedevs.com" + target)
    description = description_of(registry(API), target)
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    return render_html(body, target, status, reason, PAGE_HEADERS, description, registry(API)), status, body


@pytest.mark.parametrize("target", TARGETS)
def test_page_text_is_exactly_the_saved_page_layout(bundled, target):
    html, status, body = page_of(bundled, target)
    description = description_of(registry(API), target)
    reason = "OK" if status == 200 else "Bad Request"
    assert page_text(html) == render_browsable(body, target, status, reason, PAGE_HEADERS, description)
    page = parse_page(page_text(html))
    assert (page.status, page.body, page.request.full_path) == (status, body, target)


@pytest.mark.parametrize("target", TARGETS)
def test_every_url_in_the_json_is_a_link_and_nothing_is_loaded(bundled, target):
    html, _, body = page_of(bundled, target)
    found = elements(html)
    links = [a["href"] for a in found.of("a") if a.get("id") not in ("next", "previous")]
    assert links == urls_in(body)
    assert not found.of("script") and not found.of("link") and not found.of("img") and not found.of("iframe")
    assert not any("src" in attrs for _, attrs in found.tags)


@pytest.mark.parametrize("endpoint", ENDPOINTS.values(), ids=lambda e: e.name)
def test_the_form_has_a_field_for_every_declared_parameter_of_the_endpoint(bundled, endpoint):
    target = endpoint.routing.list_path(API) + "?format=api&limit=2&search=dr"
    html, _, body = page_of(bundled, target)
    found = elements(html)
    (form,) = found.of("form")
    assert form["action"] == endpoint.routing.list_path(API) and form["method"] == "get"
    names = [i["name"] for i in found.of("input")]
    expected = [p for p in endpoint.parameters if p not in ("offset", "format")]
    if not endpoint.query.search.fields:
        expected.remove(endpoint.query.search.param)
    if not endpoint.query.ordering.fields:
        expected.remove(endpoint.query.ordering.param)
    assert names == [*expected, "format"]  # format kept hidden: the answer stays a page
    values = {i["name"]: i["value"] for i in found.of("input")}
    assert (values["limit"], values["format"]) == ("2", "api")
    assert values.get("search", "dr") == "dr"
    assert view_name(endpoint, False) in html


def test_pager_buttons_point_at_next_and_previous(bundled):
    html, _, body = page_of(bundled, TARGETS[1])
    anchors = {a["id"]: a["href"] for a in elements(html).of("a") if a.get("id")}
    assert anchors == {"next": body["next"], "previous": body["previous"]}
    html, _, body = page_of(bundled, TARGETS[0])
    assert (
        body["previous"] is None
        and 'id="previous"' in html
        and "previous" not in {a.get("id") for a in elements(html).of("a")}
    )


def test_a_detail_page_has_no_form_and_is_named_instance(bundled):
    html, status, _ = page_of(bundled, f"/{API}/spacecraft_configurations/6/?format=api")
    assert status == 200 and not elements(html).of("form")
    assert "<h1>Spacecraft Configuration Instance</h1>" in html


# SYNTHETIC: a record no LL2 answer holds, carrying markup and a script URL in every kind of field.
HOSTILE = "<script>alert('x')</script>"
SYNTHETIC = {
    "count": 1,
    "next": "javascript:alert(1)",
    "previous": None,
    "results": [
        {
            "id": 1,
            "url": 'https://ll.thespacedevs.com/2.3.0/spacecraft/1/?a=1&b=<x>"',
            "name": HOSTILE,
            "description": '"><img src=x onerror=alert(1)>',
            HOSTILE: "key",
            "image": "javascript:alert(2)",
            "nested": [{"text": "</pre><script>"}],
        }
    ],
}


def test_everything_from_the_data_and_the_request_is_escaped():
    target = f'/{API}/spacecraft/?format=api&search=%3Cscript%3E&name="><script>x</script>'
    html = render_html(SYNTHETIC, target, 200, "OK", PAGE_HEADERS, "<b>desc</b>", registry(API))
    found = elements(html)
    assert [name for name, _ in found.tags if name in ("script", "img", "b")] == []
    assert "javascript:" not in " ".join(str(attrs.get("href")) for attrs in found.of("a"))
    assert not any(k.startswith("on") for _, attrs in found.tags for k in attrs)
    # ...and the text still reads back to the same body and request.
    page = parse_page(page_text(html))
    assert page.body == SYNTHETIC and page.request.full_path == target
    assert page.description == "<b>desc</b>"


def test_serve_escapes_the_request_it_echoes(ll2_server):
    url = ll2_server.url + f"/{API}/spacecraft/?format=api&search=%3Cscript%3Ealert(1)%3C/script%3E"
    response = requests.get(url, timeout=10)
    assert response.headers["Content-Type"] == "text/html; charset=utf-8"
    assert "<script" not in response.text.lower()
    values = {i["name"]: i["value"] for i in elements(response.text).of("input")}
    assert values["search"] == "<script>alert(1)</script>"  # decoded into the field, as typed
