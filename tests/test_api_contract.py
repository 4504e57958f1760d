"""The library's contract at its edges: what ``query()``, ``respond()`` and ``base_url`` refuse, and how.

``query()`` raises :class:`QueryError` naming the parameter for every value it refuses (never
a ``UnicodeEncodeError`` or a bare ``ValueError``); ``respond()`` takes a ``str`` and says so;
``base_url``, written into every link, is checked as a request's ``Host`` is, and the
commands turn a bad one into one line and exit status 2.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from spacecraft_data.errors import InputError, InvalidBaseUrl, QueryError

LIST = "/2.3.0/spacecraft/"
SURROGATE = ["Surrogate characters are not allowed: U+D800."]


# -- query() -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("value", ["\ud800", "soyuz \ud800", "é\ud800"])
def test_a_lone_surrogate_in_search_is_the_query_error_respond_answers(bundled, value):
    with pytest.raises(QueryError) as caught:
        bundled.query(search=value)
    assert caught.value.params == ("search",)
    assert (
        (caught.value.status, caught.value.body)
        == (400, SURROGATE)
        == bundled.respond(LIST + "?search=" + value)
    )


def test_a_lone_surrogate_elsewhere_is_answered_as_respond_answers_it(bundled):
    # A value of no Unicode text is what no request carries: query() answers what respond() does with it in a
    # URL.
    for params, query in (
        ({"name": "\ud800"}, "name=\ud800"),
        ({"ordering": "\udfff,id"}, "ordering=\udfff,id"),
    ):
        page = bundled.query(**params)
        assert page.to_dict() == bundled.respond(f"{LIST}?{query}")[1]
    with pytest.raises(QueryError) as caught:
        bundled.endpoint("spacecraft_configurations").query(agency="\ud800")
    assert caught.value.params == ("agency",) and caught.value.status == 400


@pytest.mark.parametrize(
    "params", [{"limit": 10**5000}, {"offset": 10**5000}, {"status": [4, 10**5000]}, {"limit": -(10**5000)}]
)
def test_an_integer_too_long_to_write_is_a_query_error_naming_the_parameter(bundled, params):
    ((name, _),) = params.items()
    with pytest.raises(QueryError) as caught:
        bundled.query(**params)
    assert caught.value.params == (name,) and caught.value.body is None
    assert str(caught.value).startswith(f"{name}: the value cannot be written in a query")


def test_a_big_integer_that_can_be_written_is_answered_as_ll2_answers_its_digits(bundled):
    assert bundled.query(limit=10**4000).to_dict() == bundled.respond(f"{LIST}?limit={10**4000}")[1]


def test_a_refused_long_value_is_shown_shortened_in_the_message(bundled):
    with pytest.raises(QueryError) as caught:
        bundled.query(status="x" * 5000)
    assert caught.value.params == ("status",) and len(str(caught.value)) < 400


def test_non_ascii_values_are_answered_as_the_same_url_is(bundled):
    for params in ({"search": "союз"}, {"name": "Тяньчжоу"}, {"search": "é", "ordering": "-id", "limit": 3}):
        url = LIST + "?" + "&".join(f"{k}={v}" for k, v in params.items())
        assert bundled.query(**params).to_dict() == bundled.respond(url)[1]


# -- respond() ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("url", [b"/2.3.0/spacecraft/", None, 42, bytearray(b"/"), ["/2.3.0/spacecraft/"]])
def test_respond_refuses_what_is_not_a_str_saying_what_it_takes(bundled, url):
    with pytest.raises(TypeError) as caught:
        bundled.respond(url)
    message = str(caught.value)
    assert message.startswith("respond() takes the URL as a str") and type(url).__name__ in message


# -- base_url ----------------------------------------------------------------------------------------
BAD_BASE_URLS = [
    "javascript://x",
    "ftp://x",
    "data://x",
    "http://u:p@x",
    "http://user@x",
    "http://x/path",
    "http://x/?q=1",
    "http://x#f",
    "http://a b",
    "http://x:",
    "http://x:123456",
    "http://[::1",
    "http://[1.2.3.4]",
    "http://x\u00e9",
    "http:x",
    "http://",
    "//x",
    "x",
    " http://x",
    "http://x/\nSet-Cookie: a=b",
    "http://" + "a" * 300,
]


@pytest.mark.parametrize("base_url", BAD_BASE_URLS)
def test_a_base_url_that_is_not_http_s_and_a_valid_host_is_refused_everywhere(bundled, base_url):
    configs = bundled.endpoint("spacecraft_configurations")
    for call in (
        lambda: bundled.respond(LIST + "?limit=2", base_url=base_url),
        lambda: bundled.respond("http://127.0.0.1:8000" + LIST, base_url=base_url),
        lambda: bundled.query(limit=2, base_url=base_url),
        lambda: configs.query(limit=2, base_url=base_url),
        lambda: configs.get(6, base_url=base_url),
    ):
        with pytest.raises(InvalidBaseUrl) as caught:
            call()
        assert str(caught.value).startswith("base_url ") and "http:// or https://" in str(caught.value)
        assert isinstance(caught.value, ValueError) and isinstance(caught.value, InputError)
        assert len(str(caught.value)) < 500


@pytest.mark.parametrize(
    "base_url,origin",
    [
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://ll.thespacedevs.com/", "https://ll.thespacedevs.com"),
        ("http://[::1]:9", "http://[::1]:9"),
        ("http://localhost", "http://localhost"),
        ("HTTP://Example.test:80", "http://Example.test:80"),
        ("", "https://ll.thespacedevs.com"),
        (None, "https://ll.thespacedevs.com"),
    ],
)
def test_a_base_url_of_scheme_and_host_is_the_origin_of_links(bundled, base_url, origin):
    assert bundled.respond(LIST + "?limit=2", base_url=base_url)[1]["next"].startswith(origin + LIST + "?")
    assert bundled.query(limit=2, base_url=base_url).next.startswith(origin + LIST + "?")


def test_a_base_url_that_is_no_str_is_a_type_error(bundled):
    with pytest.raises(TypeError, match="base_url takes a str"):
        bundled.respond(LIST, base_url=b"http://x")


@pytest.mark.parametrize("command", [["get", LIST + "?limit=1"], ["query", "--limit", "1"]])
def test_the_commands_refuse_a_bad_base_url_in_one_line_with_exit_status_2(bundled, command):
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacecraft_data",
            *command,
            "--snapshot",
            str(bundled.path),
            "--base-url",
            "javascript://x",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2, out.stderr
    assert out.stdout == "" and "Traceback" not in out.stderr
    assert out.stderr.startswith(f"spacecraft-data {command[0]}: error: base_url 'javascript://x': ")
    assert out.stderr.count("\n") == 1
