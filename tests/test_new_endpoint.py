"""A resource declared in this test alone works through every layer, with no change to ``src/``.

The proof of the registry (issue #13): one :class:`~spacecraft_data.endpoints.Endpoint`
declaration, added to ``ENDPOINTS["2.3.0"]`` for the test's duration, is built into a
snapshot, loaded, answered by ``respond`` and by a live ``serve``, validated against the
schema it declares, exported and queried from the CLI.

Everything about ``synthetic_gadgets`` is SYNTHETIC: LL2 has no such endpoint, and its
records are made up here and live only in the test's temporary folders.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
import urllib.request
from pathlib import Path

import pytest
from conftest import serving

import spacecraft_data
from spacecraft_data.build import build_snapshot, read_sources
from spacecraft_data.cli import main
from spacecraft_data.endpoints import (
    ENDPOINTS,
    Endpoint,
    Harvesting,
    ModePlan,
    Presentation,
    Querying,
    Routing,
    Schema,
    Storage,
    Validation,
)
from spacecraft_data.errors import QueryError
from spacecraft_data.query import BooleanFilter, ChoiceFilter, ExactFilter, OrderingFilter, SearchFilter

NAME = "synthetic_gadgets"
BASE = "https://ll.thespacedevs.com"

#: SYNTHETIC records: not LL2 data
GADGETS = [
    {
        "id": 1,
        "url": f"{BASE}/2.3.0/{NAME}/1/",
        "name": "Widget Alpha",
        "in_use": True,
        "maker": {"id": 7, "name": "Acme"},
    },
    {
        "id": 2,
        "url": f"{BASE}/2.3.0/{NAME}/2/",
        "name": "Gizmo Beta",
        "in_use": False,
        "maker": {"id": 8, "name": "Initech"},
    },
    {
        "id": 3,
        "url": f"{BASE}/2.3.0/{NAME}/3/",
        "name": "Widget Gamma",
        "in_use": True,
        "maker": {"id": 8, "name": "Initech"},
    },
]

GADGET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://example.invalid/synthetic_gadget.schema.json",
    "type": "object",
    "required": ["id", "url", "name", "in_use", "maker"],
    "additionalProperties": False,
    "properties": {
        "id": {"type": "integer"},
        "url": {"type": "string", "format": "uri"},
        "name": {"type": "string"},
        "in_use": {"type": "boolean"},
        "maker": {
            "type": "object",
            "required": ["id", "name"],
            "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
        },
    },
}

DECLARATION = Endpoint(
    routing=Routing(name=NAME, model="SyntheticGadget"),
    storage=Storage(table=NAME),
    query=Querying(
        filters=(BooleanFilter("in_use"), ExactFilter("name"), ChoiceFilter("maker")),
        search=SearchFilter(("name", "maker.name")),
        ordering=OrderingFilter({"id": "number", "name": "text"}),
    ),
    modes=ModePlan(names=()),
    validation=Validation(
        schemas={"record": Schema("gadget", "synthetic_gadget", document=GADGET_SCHEMA)},
        marker_keys=("maker",),
    ),
    harvest=Harvesting(mode=None, included=False),
    presentation=Presentation(
        text_columns=(("id", lambda r: r.get("id")), ("name", lambda r: r.get("name"))),
        help={"maker": "maker id"},
    ),
)


@pytest.fixture
def declared(monkeypatch):
    """The synthetic declaration, in the registry for this test only."""
    monkeypatch.setitem(ENDPOINTS["2.3.0"], NAME, DECLARATION)
    return DECLARATION


@pytest.fixture
def snapshot_dir(declared, repo_root, tmp_path) -> Path:
    """A snapshot built from the real raw sources plus one SYNTHETIC page of the declared endpoint."""
    raw = tmp_path / "raw"
    shutil.copytree(repo_root / "data" / "raw", raw)
    page = {"count": len(GADGETS), "next": None, "previous": None, "results": GADGETS}
    (raw / "synthetic_gadgets.json").write_text(json.dumps(page), encoding="utf-8")
    sources = json.loads((raw / "sources.json").read_text(encoding="utf-8"))
    sources["sources"].append(
        {
            "file": "synthetic_gadgets.json",
            "kind": "page",
            "endpoint": NAME,
            "mode": "normal",
            "request_url": f"{BASE}/2.3.0/{NAME}/?format=json",
            "complete": True,
            "origin": "SYNTHETIC test records (tests/test_new_endpoint.py)",
        }
    )
    (raw / "sources.json").write_text(json.dumps(sources), encoding="utf-8")
    return build_snapshot(read_sources(raw), tmp_path / "snapshots")


def test_a_declared_resource_is_built_into_the_snapshot_and_loaded(snapshot_dir):
    snap = spacecraft_data.load(snapshot_dir)
    assert [r["id"] for r in snap.tables[NAME]] == [1, 2, 3]
    assert snap.manifest["tables"][NAME]["rows"] == 3


def test_a_declared_resource_is_answered_with_drf_semantics(snapshot_dir):
    snap = spacecraft_data.load(snapshot_dir)
    status, body = snap.respond(f"/2.3.0/{NAME}/?in_use=true&ordering=-name&search=widget")
    assert status == 200
    assert [r["id"] for r in body["results"]] == [3, 1]
    assert body["count"] == 2
    status, body = snap.respond(f"http://localhost:9/2.3.0/{NAME}/2/")
    assert (status, body["url"]) == (200, f"http://localhost:9/2.3.0/{NAME}/2/")
    assert snap.respond(f"/2.3.0/{NAME}/99/") == (
        404,
        {"detail": "No SyntheticGadget matches the given query."},
    )
    assert snap.respond(f"/2.3.0/{NAME}/?maker=5") == (
        400,
        {"maker": ["Select a valid choice. That choice is not one of the available choices."]},
    )
    page = snap.endpoint(NAME).query(maker=8, ordering="name")
    assert [r["name"] for r in page.results] == ["Gizmo Beta", "Widget Gamma"]
    with pytest.raises(QueryError) as refused:
        snap.endpoint(NAME).query(maker="x")
    assert refused.value.params == ("maker",)


def test_a_declared_resource_is_served_over_http(snapshot_dir):
    snap = spacecraft_data.load(snapshot_dir)
    with serving(snap) as url:
        with urllib.request.urlopen(
            f"{url}/2.3.0/{NAME}/?name=Gizmo%20Beta&format=json", timeout=10
        ) as response:
            body = json.load(response)
    assert body["count"] == 1
    assert body["results"][0]["url"] == f"{url}/2.3.0/{NAME}/2/?format=json"


def test_a_declared_resource_is_validated_against_its_declared_schema(snapshot_dir, tmp_path, capsys):
    assert main(["validate", str(snapshot_dir)]) == 0
    bad = tmp_path / "bad.json"
    broken = dict(GADGETS[1], in_use="sometimes")
    bad.write_text(
        json.dumps({"count": 1, "next": None, "previous": None, "results": [broken]}), encoding="utf-8"
    )
    capsys.readouterr()
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "record 2" in out and "in_use" in out


def test_a_declared_resource_is_queried_and_exported_from_the_cli(snapshot_dir, tmp_path, capsys):
    assert (
        main(
            ["query", "--snapshot", str(snapshot_dir), "--endpoint", NAME, "--maker", "8", "--format", "json"]
        )
        == 0
    )
    page = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in page["results"]] == [2, 3]
    assert main(["query", "--snapshot", str(snapshot_dir), "--endpoint", NAME, "--ordering", "name"]) == 0
    text = capsys.readouterr().out
    assert text.index("Gizmo Beta") < text.index("Widget Alpha")
    assert (
        main(["query", "--snapshot", str(snapshot_dir), "--endpoint", NAME, "--all", "--format", "csv"]) == 0
    )
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [row["id"] for row in rows] == ["1", "2", "3"]
    out = tmp_path / "export"
    assert (
        main(
            [
                "export",
                "--snapshot",
                str(snapshot_dir),
                "--endpoint",
                NAME,
                "--format",
                "json",
                "--output",
                str(out),
                "--in-use",
                "true",
            ]
        )
        == 0
    )
    exported = json.loads(next(out.glob("*.json")).read_text(encoding="utf-8"))
    assert [r["id"] for r in exported] == [1, 3]


def test_the_declaration_is_gone_after_the_test(repo_root):
    # Guards the tests above against leaking their declaration into the rest of the suite.
    assert NAME not in ENDPOINTS["2.3.0"]
