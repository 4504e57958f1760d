"""The two ways into an answer (``Api.respond`` and ``snapshot.endpoint(name)``) agree, and limits come from
the declarations."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from spacecraft_data.endpoints import endpoints
from spacecraft_data.errors import ModeNotHeld

SRC = Path(__file__).resolve().parent.parent / "src" / "spacecraft_data"


def _without_format_api(node):
    # The pinned snapshot's records were saved from LL2's pages, so their links end in "?format=api" (or
    # json); an answer to a request without ``format`` writes them without it, as LL2 does.
    if isinstance(node, dict):
        return {k: _without_format_api(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_without_format_api(v) for v in node]
    return re.sub(r"\?format=(api|json)\Z", "", node) if isinstance(node, str) else node


def test_snap_get_and_endpoint_get_agree_on_every_record_of_the_pinned_snapshot(bundled):
    spacecraft = bundled.endpoint("spacecraft")
    assert [r["id"] for r in bundled.records]
    for record in bundled.records:
        got = spacecraft.get(record["id"])
        assert got["id"] == record["id"] and got == _without_format_api(bundled.get(record["id"]))


@pytest.mark.parametrize("name", list(endpoints("2.3.0")))
def test_endpoint_get_gives_every_record_as_the_list_answers_it_in_the_default_mode(bundled, name):
    queried = bundled.endpoint(name)
    limit = queried.endpoint.query.pagination.max_limit
    listed, offset = [], 0
    while True:
        page = queried.query(limit=limit, offset=offset)
        listed += page.results
        if page.next is None:
            break
        offset += limit
    assert listed and len(listed) == page.count
    for record in listed:
        assert queried.get(record["id"]) == record, (name, record["id"])


def test_endpoint_get_of_the_detail_mode_is_the_detail_route_answer(bundled):
    configs = bundled.endpoint("spacecraft_configurations")
    status, body = bundled.respond("/2.3.0/spacecraft_configurations/33/")
    assert status == 200 and configs.get(33, mode="detailed") == body
    # the bundled snapshot holds no detailed spacecraft: the detail route is a 501, and get(mode=) says so
    assert bundled.respond("/2.3.0/spacecraft/463/")[0] == 501
    with pytest.raises(ModeNotHeld, match="/2.3.0/spacecraft/463/"):
        bundled.endpoint("spacecraft").get(463, mode="detailed")


def test_api_has_one_answering_path_and_no_second_query_or_get():
    tree = ast.parse((SRC / "api.py").read_text(encoding="utf-8"))
    methods = {
        cls.name: {f.name for f in cls.body if isinstance(f, ast.FunctionDef)}
        for cls in tree.body
        if isinstance(cls, ast.ClassDef)
    }
    assert not methods["Api"] & {"query", "get", "answer", "_route"}
    assert {"respond", "_answer"} <= methods["Api"] and {"query", "get"} <= methods["EndpointQuery"]


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """The lines of ``path`` outside its module docstring."""
    text = path.read_text(encoding="utf-8")
    tree = ast.parse(text)
    skip: set[int] = set()
    if tree.body and isinstance(tree.body[0], ast.Expr) and isinstance(tree.body[0].value, ast.Constant):
        skip = set(range(tree.body[0].lineno, tree.body[0].end_lineno + 1))
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if n not in skip]


def test_the_page_size_limit_is_written_only_where_pagination_declares_it():
    # "100" next to a limit, a page size or "max" anywhere in the code (module docstrings, being prose, aside)
    limit_100 = re.compile(
        r"(limit|page.size|max|most|1\.\.)\W{0,12}100\b(?! char)|\b100\W{0,12}(limit|page.size)", re.I
    )
    found = [
        f"{p.relative_to(SRC)}:{n}"
        for p in sorted(SRC.rglob("*.py"))
        for n, line in _code_lines(p)
        if limit_100.search(line) or re.search(r"(page_size|limit)[^=\n]{0,12}=+\W*100\b|\+= 100\b", line)
    ]
    assert found == [
        "query/pagination.py:" + str(_line(SRC / "query" / "pagination.py", "MAX_LIMIT = 100"))
    ], found


def _line(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if text in line)
