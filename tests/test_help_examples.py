"""The CLI's help examples hold: each finds at least one record of the pinned snapshot.

They come from each endpoint's declaration (``Presentation.examples``: the ``cli_`` keys, else the
browsable page's); the browsable page's description keeps LL2's own examples. Every ``query``,
``get`` and ``export`` line of every help text is also run, as a user would copy it.
"""

from __future__ import annotations

import json
import shlex
import urllib.parse

import pytest

from spacecraft_data.cli import COMMANDS, build_parser, help_examples, main
from spacecraft_data.endpoints import DEFAULT_API_VERSION, endpoints, primary

DECLARED = [(e.name, kind, value) for e in endpoints().values() for kind, value in help_examples(e).items()]


def test_the_declarations_give_help_examples():
    kinds = {(name, kind) for name, kind, _ in DECLARED}
    assert {(primary().name, "filter"), (primary().name, "search"), (primary().name, "ordering")} <= kinds


@pytest.mark.parametrize("name, kind, value", DECLARED, ids=[f"{n}-{k}" for n, k, _ in DECLARED])
def test_each_help_example_of_each_endpoint_matches_a_record(bundled, name, kind, value):
    endpoint = endpoints()[name]
    query = value if kind == "filter" else urllib.parse.urlencode({kind: value})
    status, body = bundled.api.respond(f"{endpoint.routing.list_path(DEFAULT_API_VERSION)}?{query}")
    assert status == 200, body
    assert body["count"] >= 1, f"{name}: the help example {kind} {value!r} matches no record"


def test_the_browsable_page_keeps_ll2s_own_examples():
    # The seed pages' description text is LL2's: the CLI's examples do not replace it.
    described = primary().description
    assert "Example - /spacecraft/?search=Endeavour" in described
    assert "Example - /spacecraft/?is_placeholder=True" in described


def _help_lines() -> list[list[str]]:
    """argv of every ``spacecraft-data query|get|export`` line of every help text."""
    texts = [build_parser().format_help()]
    for command in COMMANDS:
        parser = build_parser(only=command)
        sub = next(a for a in parser._actions if a.dest == "command")
        texts.append(sub.choices[command].format_help())
    lines = []
    for text in texts:
        for line in text.splitlines():
            words = line.split("#")[0].split(">")[0].strip()
            if words.startswith(("spacecraft-data query", "spacecraft-data get", "spacecraft-data export")):
                argv = shlex.split(words)[1:]
                if argv not in lines:
                    lines.append(argv)
    return lines


HELP_LINES = _help_lines()


def _as_query(argv: list[str]) -> list[str]:
    """An ``export`` line's selection as a ``query``: its flags less where and how it writes."""
    out, skip = ["query"], False
    for word in argv[1:]:
        if skip:
            skip = False
        elif word in ("--format", "--output"):
            skip = True
        elif word not in ("--force", "--referenced-only"):
            out.append(word)
    return out


def test_the_help_texts_have_query_get_and_export_lines():
    assert {argv[0] for argv in HELP_LINES} == {"query", "get", "export"}
    assert len(HELP_LINES) >= 10


@pytest.mark.parametrize("argv", HELP_LINES, ids=[" ".join(a) for a in HELP_LINES])
def test_each_help_line_answers_at_least_one_record(pinned_home, capsys, argv):
    if argv[0] == "export":
        argv = _as_query(argv)
    if argv[0] == "query":
        argv = [w for i, w in enumerate(argv) if w != "--format" and (i == 0 or argv[i - 1] != "--format")]
        argv = [*argv, "--format", "json"]
    assert main(argv) == 0, capsys.readouterr().err
    body = json.loads(capsys.readouterr().out)
    count = body["count"] if "count" in body else 1 if "id" in body else 0
    assert count >= 1, f"the help example 'spacecraft-data {' '.join(argv)}' answers no record"
