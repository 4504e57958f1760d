"""The second endpoint, /2.3.0/spacecraft_configurations/, and /2.3.0/config/spacecraft_statuses/.

What is proved here with the real bundled data (46 detailed configurations, 2026-07-15):

* normal mode is a projection declared as data (``endpoint.CONFIGURATION_NORMAL``) whose
  key lists and ``response_mode`` values are the OpenAPI components' own;
* that projection of each configuration the 20 real seed records use is, JSON-equal
  (key order included), the ``spacecraft_config`` LL2 nested in those seed pages;
* every projected record validates against the package's ``configuration.normal`` schema,
  and the detailed answers against ``configuration.detailed``;
* both modes are answered although the table stores only detailed records; the
  spacecraft endpoint's 501 for detailed is unchanged;
* routing, the Python API and the spacecraft endpoint share one configuration table.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
import requests

from spacecraft_data.endpoints import v2_3_0 as ep
from spacecraft_data.errors import ModeNotHeld, QueryError, RecordNotFound
from spacecraft_data.server import make_server
from spacecraft_data.validation import validator

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "data" / "raw" / "ll2-openapi" / "ll_2.3.0.json"
LL2 = "https://ll.thespacedevs.com"
CONFIGS = "/2.3.0/spacecraft_configurations/"
STATUSES = "/2.3.0/config/spacecraft_statuses/"


@pytest.fixture(scope="module")
def spec() -> dict:
    return json.loads(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def normal_by_id(bundled) -> dict[int, dict]:
    """Every configuration in normal mode as ``respond`` answers a ``?format=api`` list (as the seeds were
    saved)."""
    status, body = bundled.respond(LL2 + CONFIGS + "?format=api&limit=100")
    assert status == 200 and body["count"] == 46 and body["next"] is None
    return {r["id"]: r for r in body["results"]}


def _projections(root: ep.Projection):
    yield root
    for inner in root.nested.values():
        yield from _projections(inner)


def _ref(prop: dict) -> str | None:
    if "$ref" in prop:
        return prop["$ref"].rsplit("/", 1)[-1]
    if len(prop.get("allOf", ())) == 1:
        return _ref(prop["allOf"][0])
    if prop.get("type") == "array":
        return _ref(prop.get("items", {}))
    return None


# --------------------------------------------------------------------------- the declaration
@pytest.mark.parametrize("projection", list(_projections(ep.CONFIGURATION_NORMAL)), ids=lambda p: p.component)
def test_each_projection_has_the_keys_order_and_response_mode_of_its_openapi_component(spec, projection):
    component = spec["components"]["schemas"][projection.component]
    assert projection.keys == tuple(component["properties"])
    assert projection.response_mode == component["properties"]["response_mode"]["default"]
    for key, inner in projection.nested.items():
        assert _ref(component["properties"][key]) == inner.component, key


def test_the_projection_narrows_exactly_the_fields_the_detailed_component_widens(spec):
    """Nested projections are declared where, and only where, SpacecraftConfigDetailed refers to a wider
    component."""
    schemas = spec["components"]["schemas"]

    def check(projection: ep.Projection, wider: str) -> None:
        for key in projection.keys:
            narrow_ref = _ref(schemas[projection.component]["properties"][key])
            wide_ref = _ref(schemas[wider]["properties"][key])
            if narrow_ref != wide_ref:
                assert key in projection.nested, f"{projection.component}.{key}: {wide_ref} -> {narrow_ref}"
                check(projection.nested[key], wide_ref)
            else:
                assert key not in projection.nested, f"{projection.component}.{key} needs no projection"

    check(ep.CONFIGURATION_NORMAL, "SpacecraftConfigDetailed")


def test_the_declaration_is_the_one_in_the_endpoints_openapi_parameters(spec):
    """Filters, search, ordering, pagination: the spec's parameter list, nothing more (modes: from its
    text)."""
    declared = set(ep.SPACECRAFT_CONFIGURATIONS.parameters) - {"mode", "format"}
    listed = {p["name"] for p in spec["paths"][CONFIGS]["get"]["parameters"]}
    assert declared == listed
    description = spec["paths"][CONFIGS]["get"]["description"]
    assert "Fields searched - `agency__abbrev`, `agency__name`, `name`" in description
    assert [f.replace("__", ".") for f in ("agency__abbrev", "agency__name", "name")] == list(
        ep.SPACECRAFT_CONFIGURATIONS.query.search.fields
    )
    assert "Ordering\nFields - `name`" in description and list(
        ep.SPACECRAFT_CONFIGURATIONS.query.ordering.fields
    ) == ["name"]
    assert "`normal`, `detailed`" in description and ep.SPACECRAFT_CONFIGURATIONS.modes.names == (
        "normal",
        "detailed",
    )
    statuses = {p["name"] for p in spec["paths"][STATUSES]["get"]["parameters"]}
    assert statuses == set(ep.SPACECRAFT_STATUSES.parameters) - {"format"}
    assert not ep.SPACECRAFT_STATUSES.query.search.fields and not ep.SPACECRAFT_STATUSES.query.ordering.fields


def test_a_stored_record_missing_a_projected_field_is_an_error_naming_its_json_path(bundled):
    from spacecraft_data.errors import SnapshotError

    broken = json.loads(json.dumps(bundled.tables["spacecraft_configurations"][5]))
    del broken["family"][1]["parent"]["name"]
    expected = r"record\.family\[1\]\.parent: no field 'name'.*SpacecraftConfigFamilyMini"
    with pytest.raises(SnapshotError, match=expected):
        ep.CONFIGURATION_NORMAL.apply(broken)


# --------------------------------------------------------------------------- the seed proof
def test_normal_mode_of_each_seed_records_configuration_is_the_one_ll2_nested_in_the_seed_page(
    seed_records, normal_by_id
):
    """The 20 real seed records (two saved LL2 pages) against the projection of the stored detailed
    records."""
    used = {r["spacecraft_config"]["id"] for r in seed_records}
    assert len(seed_records) == 20 and len(used) == 6
    for record in seed_records:
        nested = record["spacecraft_config"]
        projected = normal_by_id[nested["id"]]
        assert json.dumps(projected) == json.dumps(nested), f"seed record {record['id']}"


def test_the_spacecraft_endpoint_and_this_one_read_the_same_configuration_table(bundled):
    table = bundled.tables["spacecraft_configurations"]
    assert bundled.api.served(ep.SPACECRAFT_CONFIGURATIONS).records is table
    assert bundled.respond(f"/2.3.0/spacecraft/?spacecraft_config={table[-1]['id']}")[0] == 200
    assert bundled.respond("/2.3.0/spacecraft/?spacecraft_config=23")[0] == 400  # 23 is no configuration


# --------------------------------------------------------------------------- schemas
def test_every_projected_record_validates_against_the_normal_configuration_schema(normal_by_id):
    check = validator("configuration.normal")
    for record in normal_by_id.values():
        assert not list(check.iter_errors(record)), record["id"]
    assert not list(
        validator("configuration.list").iter_errors(
            {"count": 46, "next": None, "previous": None, "results": list(normal_by_id.values())}
        )
    )


def test_detailed_answers_validate_against_the_detailed_configuration_schema(bundled):
    check = validator("configuration.detailed")
    status, body = bundled.respond(CONFIGS + "?mode=detailed&limit=100&format=json")
    assert status == 200 and len(body["results"]) == 46
    for record in body["results"]:
        assert not list(check.iter_errors(record)), record["id"]
    status, one = bundled.respond(CONFIGS + "6/")
    assert status == 200 and not list(check.iter_errors(one))


# --------------------------------------------------------------------------- modes
def test_both_modes_are_answered_from_the_detailed_table_and_the_detail_route_is_detailed(bundled):
    assert bundled.manifest["tables"]["spacecraft_configurations"]["modes"] == ["detailed"]
    stored = {c["id"]: c for c in bundled.tables["spacecraft_configurations"]}
    for mode, expected in (
        (None, "normal"),
        ("normal", "normal"),
        ("list", "normal"),
        ("detailed", "detailed"),
    ):
        query = "?limit=100" + (f"&mode={mode}" if mode else "")
        status, body = bundled.respond(LL2 + CONFIGS + query)
        assert status == 200 and {r["response_mode"] for r in body["results"]} == {expected}, mode
    status, detail = bundled.respond(LL2 + CONFIGS + "6/?mode=normal&format=json")
    assert status == 200 and detail == stored[6]  # the stored record; its links were saved with ?format=json


def test_the_spacecraft_endpoint_still_answers_501_for_detailed(bundled):
    status, body = bundled.respond("/2.3.0/spacecraft/?mode=detailed")
    assert status == 501 and "harvest --mode detailed" in body["detail"]
    with pytest.raises(ModeNotHeld):
        bundled.query(mode="detailed")


def test_answers_do_not_modify_the_stored_records(bundled):
    before = json.dumps(bundled.tables["spacecraft_configurations"])
    bundled.respond("http://127.0.0.1:9/2.3.0/spacecraft_configurations/?format=api&limit=100")
    bundled.respond("http://127.0.0.1:9/2.3.0/spacecraft_configurations/?mode=detailed&limit=100")
    assert json.dumps(bundled.tables["spacecraft_configurations"]) == before


# --------------------------------------------------------------------------- filters, search, ordering
def test_filters_select_what_the_stored_fields_say(bundled):
    table = bundled.tables["spacecraft_configurations"]
    page = bundled.endpoint("spacecraft_configurations").query(agency=121, human_rated=True, limit=100)
    assert [r["id"] for r in page.results] == [
        c["id"] for c in table if c["agency"]["id"] == 121 and c["human_rated"]
    ]
    page = bundled.endpoint("spacecraft_configurations").query(in_use="False", limit=100)
    assert page.count == sum(not c["in_use"] for c in table)
    assert bundled.endpoint("spacecraft_configurations").query(name=" Soyuz MS ").count == 1


def test_an_agency_with_no_configuration_is_refused_offline_as_not_a_known_choice(bundled):
    """Energia (1000) manufactures a family but owns no configuration: LL2 answers 200/count 0; offline
    400."""
    with pytest.raises(QueryError) as raised:
        bundled.endpoint("spacecraft_configurations").query(agency=1000)
    assert raised.value.params == ("agency",) and raised.value.status == 400


def test_search_covers_agency_abbrev_agency_name_and_name(bundled):
    configs = bundled.endpoint("spacecraft_configurations")
    assert {r["agency"]["abbrev"] for r in configs.query(search="spx", limit=100).results} == {"SpX"}
    assert configs.query(search="roscosmos").count == sum(
        c["agency"]["id"] == 63 for c in bundled.tables["spacecraft_configurations"]
    )
    assert [r["name"] for r in configs.query(search="starliner").results] == ["CST-100 Starliner"]


def test_ordering_by_name_is_code_point_order_with_ties_by_id(bundled):
    names = [
        r["name"]
        for r in bundled.endpoint("spacecraft_configurations").query(ordering="name", limit=100).results
    ]
    assert names == sorted(names) and names[:2] == ["Apollo Command/Service Module", "Apollo Lunar Module"]
    assert names.index("HTV-X") > names.index("H-II Transfer Vehicle (HTV)")  # '-' (0x2D) < 'T' (0x54)
    desc = [
        r["name"]
        for r in bundled.endpoint("spacecraft_configurations").query(ordering="-name", limit=100).results
    ]
    assert desc == names[::-1]


# --------------------------------------------------------------------------- statuses
def test_statuses_list_and_detail_come_from_the_statuses_table_and_ignore_search_and_ordering(bundled):
    statuses = bundled.tables["spacecraft_statuses"]
    status, body = bundled.respond(STATUSES + "?search=nothing&ordering=-name&mode=detailed")
    assert status == 200 and body["results"] == statuses and body["count"] == len(statuses)
    assert bundled.respond(STATUSES + f"{statuses[0]['id']}/") == (200, statuses[0])
    assert bundled.respond(STATUSES + "2/") == (
        404,
        {"detail": "No SpacecraftStatus matches the given query."},
    )
    assert (
        bundled.respond(STATUSES + "?search=%00")[0] == 400
    )  # DRF validates search before it sees no fields


# --------------------------------------------------------------------------- routing and the Python API
@pytest.mark.parametrize(
    "path, status",
    [
        ("/2.3.0/config/", 404),
        ("/2.3.0/config/spacecraft_statuses", 404),
        ("/2.3.0/spacecraft_statuses/", 404),
        ("/2.3.0/config/spacecraft_statuses/4/x/", 404),
        ("/2.3.0/config/spacecraft_statuses/4.0/", 404),
        ("/2.3.0/spacecraft_configurations/6/", 200),
        ("/2.3.0/spacecraft_configurations/abc/", 404),
        ("/2.3.0/spacecraft/config/spacecraft_statuses/", 404),
    ],
)
def test_routes_with_and_without_the_config_prefix(bundled, path, status):
    assert bundled.respond(path)[0] == status


def test_endpoint_query_refuses_a_parameter_the_endpoint_lacks_by_name(bundled):
    configs = bundled.endpoint("spacecraft_configurations")
    with pytest.raises(TypeError, match=r"'status': not a parameter of /2\.3\.0/spacecraft_configurations/"):
        configs.query(status=4)
    with pytest.raises(KeyError, match="unknown endpoint 'agencies'"):
        bundled.endpoint("agencies")
    with pytest.raises(RecordNotFound, match="spacecraft_configurations/23/"):
        configs.get(23)
    assert configs.get(6, base_url="http://localhost:8000")["url"] == "http://localhost:8000" + CONFIGS + "6/"


def test_serve_answers_both_new_routes_and_405s_on_them(bundled):
    server = make_server(bundled, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for path in (CONFIGS + "?ordering=name&limit=3", CONFIGS + "6/", STATUSES, STATUSES + "4/"):
            got = requests.get(server.url + path, timeout=10)
            assert (got.status_code, got.json()) == bundled.respond(server.url + path), path
        assert requests.post(server.url + STATUSES, timeout=10).status_code == 405
        assert requests.post(server.url + CONFIGS + "6/", timeout=10).status_code == 405
        assert requests.post(server.url + "/2.3.0/config/", timeout=10).status_code == 404
    finally:
        server.shutdown()
        server.server_close()


def test_a_manifest_that_does_not_say_the_tables_mode_is_read_from_the_records(bundled, tmp_path):
    """An older manifest without ``tables.spacecraft_configurations.modes``: the records' response_mode
    decides."""
    import shutil

    from spacecraft_data.snapshot import Snapshot

    folder = tmp_path / "snap"
    shutil.copytree(bundled.path, folder)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["tables"]["spacecraft_configurations"]["modes"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    snap = Snapshot(folder)
    for mode in ("normal", "detailed"):
        status, body = snap.respond(CONFIGS + f"?mode={mode}&limit=1")
        assert status == 200 and body["results"][0]["response_mode"] == mode
    assert snap.respond("/2.3.0/spacecraft/?mode=detailed")[0] == 501
