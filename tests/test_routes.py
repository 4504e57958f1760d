"""One route parser and one API-version pattern: the API, serve and the offline transports read paths alike.

``tests/routes_recorded.json`` holds what the three route checks before this one (``Api._route``, serve's
``api_route`` regex and ``routes.route_of``) and ``respond()`` gave for the paths of ``tests/route_paths.py``,
recorded on main before they were merged into :func:`spacecraft_data.routes.api_route`.
"""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from route_paths import paths

from spacecraft_data.cli._common import api_version as cli_api_version
from spacecraft_data.endpoints import endpoints
from spacecraft_data.harvest.options import HarvestOptions, HarvestUsageError, check_options
from spacecraft_data.routes import API_VERSION, api_route, route_of
from spacecraft_data.server import answer

SRC = Path(__file__).resolve().parent.parent / "src" / "spacecraft_data"
RECORDED = json.loads((Path(__file__).parent / "routes_recorded.json").read_text())
PREFIX = "/2.3.0/"


def _digest(body: object) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=True).encode()).hexdigest()[:16]


def _parsed(path: str) -> list:
    routed = api_route(unquote(path if path.startswith("/") else "/" + path), PREFIX, endpoints("2.3.0"))
    if routed is None:
        return ["unrouted"]
    declared, pk = routed
    if declared is None:
        return ["root"]
    return ["list", declared.name] if pk is None else ["detail", declared.name, pk]


def test_the_recording_covers_every_kind_of_route():
    assert len(RECORDED) == len(paths()) > 1000
    kinds = {v["api"][0] for v in RECORDED.values()}
    assert kinds == {"root", "list", "detail", "404", "501"}


def test_the_one_parser_routes_every_recorded_path_as_the_api_did():
    for path in paths():
        before = RECORDED[path]["api"]
        expected = ["unrouted"] if before[0] in ("404", "501") else before
        assert _parsed(path) == expected, path


def test_the_one_parser_finds_the_routes_serve_answered_405_on(bundled):
    # serve's old regex over the decoded path, for every path that gets past serve's target checks
    for path in paths():
        decoded = unquote(path)
        if decoded in ("/", PREFIX) or not path.startswith("/") or not decoded.isprintable():
            # serve refuses (400) a target without its "/" or with a control character before routing
            continue
        # "/2.3.0//" is the API root to respond() (as before) but no route to serve's 405 check (as before)
        assert (_parsed(path)[0] in ("list", "detail")) is RECORDED[path]["server"], path


def test_serve_answers_405_on_a_route_and_404_elsewhere_as_recorded(bundled):
    for path in paths():
        if (
            not path.startswith("/")
            or not path.isascii()
            or not path.isprintable()
            or " " in path
            or "?" in path
        ):
            continue
        reply = answer(bundled, "POST", path, host="127.0.0.1:8000")
        if reply.status == 400:  # refused target ('.' segments, bad escapes): never routed
            continue
        assert reply.status == (405 if RECORDED[path]["server"] else 404), path


def test_respond_answers_every_recorded_path_byte_for_byte_as_before(bundled):
    for path in paths():
        status, body = bundled.api.respond(path)
        assert [status, _digest(body)] == RECORDED[path]["respond"], path


def test_route_of_reads_every_recorded_path_as_before():
    for path in paths():
        r = route_of(path)
        assert [r.version, r.endpoint, r.record_id] == RECORDED[path]["route_of"], path


def test_the_api_version_pattern_is_defined_once_in_the_source():
    version_pattern = re.compile(r"(\\d|\[0-9\])\+\\\\?\.(\\d|\[0-9\])\+")
    found = [
        f"{p.relative_to(SRC)}:{n}"
        for p in sorted(SRC.rglob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if version_pattern.search(line)
    ]
    assert found == [f"routes.py:{_line_of(SRC / 'routes.py', 'API_VERSION = re.compile')}"], found


def test_no_route_pattern_or_parser_is_left_outside_routes():
    served = [path.relative_to(SRC).as_posix() for path in sorted((SRC / "server").glob("*.py"))]
    answering = ("api.py", "served.py", "views.py", "urls.py")
    for name in (*answering, *served, "testing/interception.py", "testing/hooks.py", "testing/plugin.py"):
        text = (SRC / name).read_text(encoding="utf-8")
        assert "[^/.]+" not in text and "def _route(" not in text and "def api_route(" not in text, name


@pytest.mark.parametrize("text", ["2.3.0", "10.0.12"])
def test_an_api_version_is_ascii_digits_matched_whole_everywhere(text):
    assert API_VERSION.fullmatch(text) and cli_api_version(text) == text
    assert route_of(f"/{text}/spacecraft/").version == text


@pytest.mark.parametrize("text", ["2.3.0\n", "\u0662.\u0663.\u0660", "2.3", "v2.3.0", "2.3.0.1"])
def test_what_is_no_api_version_is_refused_alike_by_paths_the_cli_and_harvest(text, tmp_path):
    # Before, routes and locate took Unicode digits (\d) and the CLI and harvest a trailing newline ($).
    assert not API_VERSION.fullmatch(text)
    assert route_of(f"/{text}/spacecraft/").version is None
    with pytest.raises(Exception, match="does not look like N.N.N"):
        cli_api_version(text)
    with pytest.raises(HarvestUsageError, match="does not look like N.N.N"):
        check_options(HarvestOptions(base_url="http://127.0.0.1:9", output=tmp_path / "o", api_version=text))


def _line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)
