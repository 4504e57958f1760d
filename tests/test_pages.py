"""The page parser reads real saved pages exactly and names file, line and expectation on bad input."""

from __future__ import annotations

import json
import time

import pytest
from conftest import SEED_FILES

from spacecraft_data.errors import PageError
from spacecraft_data.pages import Request, parse_page, read_page, render_browsable


def _body_text(path) -> str:
    text = path.read_text(encoding="utf-8")
    return text[text.index("\n\n{") + 2 :]


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_seed_page_parses_into_request_status_headers_and_body(path):
    page = read_page(path)
    assert page.status == 200 and page.reason == "OK"
    assert page.headers == {"Allow": "GET", "Content-Type": "application/json", "Vary": "Accept"}
    assert page.request is not None and page.request.path == "/2.3.0/spacecraft/"
    assert ("format", "api") in page.request.params
    assert page.body == json.loads(_body_text(path))
    assert page.body["count"] == 590 and len(page.records()) == 10
    assert page.description.startswith("Modes")


def test_seed_request_line_is_kept_as_sent():
    page = read_page(SEED_FILES[0])
    assert page.request.full_path == "/2.3.0/spacecraft/?format=api&offset=290&ordering=-mission_ends_count"
    assert page.request.url("https://ll.thespacedevs.com/") == (
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?format=api&offset=290&ordering=-mission_ends_count"
    )


def test_body_is_parsed_without_relying_on_indentation():
    body = {"count": 1, "next": None, "previous": None, "results": [{"id": 1, "name": "x"}]}
    for dumped in (json.dumps(body), json.dumps(body, indent=2), json.dumps(body, indent=7)):
        text = f"Some description\n\nGET /2.3.0/spacecraft/?limit=1\nHTTP 200 OK\nAllow: GET\n\n{dumped}\n"
        assert parse_page(text).body == body


def test_json_page_without_browsable_wrapper_is_accepted():
    page = parse_page('\n  {"count": 0, "next": null, "previous": null, "results": []}')
    assert page.is_list and page.request is None and page.records() == []


def test_error_pages_keep_their_status_and_body():
    page = parse_page(
        "GET /2.3.0/spacecraft/?status=x\nHTTP 400 Bad Request\nAllow: GET\n\n"
        '{"status": ["Select a valid choice. That choice is not one of the available choices."]}'
    )
    assert page.status == 400 and page.reason == "Bad Request" and "status" in page.body


@pytest.mark.parametrize(
    "text, line, expected",
    [
        ("just words\nno request here\n", 1, "GET /path?query"),
        ("desc\nGET /2.3.0/spacecraft/\nHTTTP 200 OK\n\n{}", 3, "HTTP <code> <reason>"),
        ("GET /2.3.0/spacecraft/\nHTTP 200 OK\nAllow GET\n\n{}", 3, "header line"),
        ("GET /2.3.0/spacecraft/\nHTTP 200 OK\nAllow: GET", 3, "blank line"),
        ("GET /2.3.0/spacecraft/\nHTTP 200 OK\nAllow: GET\n\n", 5, "JSON body"),
        (
            'GET /2.3.0/spacecraft/\nHTTP 200 OK\nAllow: GET\n\n{\n  "count": 1,\n  "results": [\n',
            8,
            "valid JSON",
        ),
    ],
)
def test_malformed_page_error_names_file_line_and_expectation(text, line, expected):
    with pytest.raises(PageError) as info:
        parse_page(text, source="broken.txt")
    assert info.value.source == "broken.txt"
    assert info.value.line == line, str(info.value)
    assert str(info.value).startswith(f"broken.txt:{line}: ")
    assert expected in str(info.value)


def test_truncated_copy_of_a_real_seed_reports_its_line(tmp_path):
    text = SEED_FILES[1].read_text(encoding="utf-8")
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(PageError) as info:
        read_page(cut)
    assert str(cut) in str(info.value) and info.value.line > 30


def test_unreadable_and_non_utf8_files_are_named(tmp_path):
    with pytest.raises(PageError, match="missing.txt: cannot read"):
        read_page(tmp_path / "missing.txt")
    bad = tmp_path / "latin1.txt"
    bad.write_bytes(b"GET /x\n\xff\xfe")
    with pytest.raises(PageError, match="latin1.txt: not UTF-8"):
        read_page(bad)


@pytest.mark.parametrize("path", SEED_FILES, ids=lambda p: p.name)
def test_rendering_a_parsed_seed_gives_back_its_bytes(path):
    page = read_page(path)
    again = render_browsable(
        page.body,
        page.request.full_path,
        page.status,
        page.reason,
        page.headers,
        description=page.description,
    )
    assert again == path.read_text(encoding="utf-8")


def test_request_from_url_splits_host_and_query():
    req = Request.from_url("http://127.0.0.1:8000/2.3.0/spacecraft/?a=1&a=2&b=")
    assert req.path == "/2.3.0/spacecraft/" and req.params == [("a", "1"), ("a", "2"), ("b", "")]


def test_a_header_repeated_300000_times_is_joined_in_linear_time():
    # Joining each repeat onto the text so far copied it every line: 300,000 lines took about 18 s.
    text = render_browsable({"id": 1}, "/2.3.0/spacecraft/1/", headers=[("Vary", "Accept")] * 300_000)
    started = time.process_time()
    page = parse_page(text)
    assert time.process_time() - started < 3
    assert page.headers == {"Vary": ", ".join(["Accept"] * 300_000)}
    assert len(page.header_list) == 300_000
