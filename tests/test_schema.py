"""The JSON Schemas in schema/: generated from LL2's OpenAPI spec, agreeing with it, and tight where the data
is."""

from __future__ import annotations

import copy
import datetime as dt
import json
import runpy
from pathlib import Path

import isodate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

import spacecraft_data
from spacecraft_data import schemagen
from spacecraft_data.endpoints import registry
from spacecraft_data.errors import SpacecraftDataError
from spacecraft_data.validation import (
    SCHEMA_NAMES,
    format_checker,
    problems_for_table,
    schema_dir,
    validate,
    validator,
)

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = ROOT / "data" / "raw" / "ll2-openapi" / "ll_2.3.0.json"
SPEC = json.loads(SPEC_PATH.read_text(encoding="utf-8"))
COMPONENTS = SPEC["components"]["schemas"]
ID_BASE = "https://spacecraft-data.readthedocs.io/schema/2.3.0/"
DOCS = {
    stem: json.loads((ROOT / "schema" / f"{stem}.schema.json").read_text(encoding="utf-8"))
    for stem in SCHEMA_NAMES.values()
}


def _build_schema_main() -> object:
    return runpy.run_path(str(ROOT / "scripts" / "build_schema.py"))["main"]


# -- generation ------------------------------------------------------------------------


def test_committed_schema_files_match_a_rebuild_from_the_spec():
    assert _build_schema_main()(["--check"]) == 0


def test_build_schema_check_fails_when_a_schema_file_was_edited(tmp_path, capsys):
    out = tmp_path / "schema"
    main = _build_schema_main()
    assert main(["--out", str(out)]) == 0
    edited = out / "spacecraft.normal.schema.json"
    edited.write_text(edited.read_text().replace('"maxLength": 255', '"maxLength": 256', 1))
    assert main(["--out", str(out), "--check"]) == 1
    assert "spacecraft.normal.schema.json" in capsys.readouterr().err


def test_generation_is_deterministic():
    first = {n: schemagen.render(d) for n, d in schemagen.build_documents(SPEC, registry()).items()}
    second = {
        n: schemagen.render(d) for n, d in schemagen.build_documents(copy.deepcopy(SPEC), registry()).items()
    }
    assert first == second
    for name, data in first.items():
        assert data.endswith(b"}\n") and (ROOT / "schema" / name).read_bytes() == data


@pytest.mark.parametrize("stem", sorted(SCHEMA_NAMES.values()))
def test_every_schema_is_draft_2020_12_with_a_stable_id(stem):
    doc = DOCS[stem]
    Draft202012Validator.check_schema(doc)
    assert doc["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert doc["$id"] == f"{ID_BASE}{stem}.schema.json"  # published ids: never change them silently


def test_schema_is_served_from_the_package_resources_as_a_copy():
    assert (
        Path(str(schema_dir())) == ROOT / "schema"
    )  # source checkout: falls back to the repository's schema/
    normal = spacecraft_data.schema("normal")
    assert normal == DOCS["spacecraft.normal"]
    normal["$defs"].clear()
    assert spacecraft_data.schema("normal")["$defs"], "schema() must hand out a copy"
    assert (
        spacecraft_data.schema("spacecraft.detailed.schema.json")["$id"]
        == f"{ID_BASE}spacecraft.detailed.schema.json"
    )
    assert spacecraft_data.schema(f"{ID_BASE}spacecraft_configuration.list.schema.json")["title"].endswith(
        "envelope)"
    )


def test_unknown_schema_name_lists_the_known_ones():
    with pytest.raises(SpacecraftDataError, match=r"unknown schema 'nromal'; known: normal, detailed, list"):
        spacecraft_data.schema("nromal")


# -- agreement with the OpenAPI components ------------------------------------------------


def _object_defs():
    for stem, doc in DOCS.items():
        for name, sub in doc["$defs"].items():
            if sub.get("type") == "object":
                yield stem, name, sub


def _accepts_null(stem: str, component: str, prop: str) -> bool:
    pointer = {"$ref": f"{DOCS[stem]['$id']}#/$defs/{component}/properties/{prop}"}
    from referencing import Registry, Resource

    documents = Registry().with_resources((d["$id"], Resource.from_contents(d)) for d in DOCS.values())
    return Draft202012Validator(pointer, registry=documents).is_valid(None)


def test_every_component_a_record_reaches_is_a_def_named_as_in_the_spec():
    for stem, (root, kind, _) in schemagen.documents(registry()).items():
        if kind == "record":
            assert sorted(DOCS[stem]["$defs"]) == schemagen.reachable_components(SPEC, root)
            assert DOCS[stem]["$ref"] == f"#/$defs/{root}"


def test_schema_has_the_same_properties_in_the_same_order_as_each_openapi_component():
    checked = 0
    for _, name, sub in _object_defs():
        assert list(sub["properties"]) == list(COMPONENTS[name]["properties"]), name
        checked += 1
    assert checked >= 60  # 49 components in the spacecraft documents alone, across 7 files


def test_schema_has_the_same_nullability_as_each_openapi_component_except_the_documented_widenings():
    differences = set()
    for stem, name, sub in _object_defs():
        for prop, raw in COMPONENTS[name]["properties"].items():
            if _accepts_null(stem, name, prop) != bool(raw.get("nullable")):
                differences.add((name, prop))
    assert differences == set(schemagen.WIDENED_NULLABLE)
    for key in differences:
        assert not COMPONENTS[key[0]]["properties"][key[1]].get("nullable")  # widened, never narrowed


def test_every_object_is_closed_and_requires_every_property():
    for _, name, sub in _object_defs():
        assert sub["additionalProperties"] is False, name
        assert sub["required"] == list(sub["properties"]), name
        # The rule is a superset of the spec's own required lists, never a contradiction.
        assert set(COMPONENTS[name].get("required", [])) <= set(sub["required"]), name


def test_response_mode_is_the_constant_the_spec_declares_for_each_object_kind():
    consts = {
        name: sub["properties"]["response_mode"]["const"]
        for _, name, sub in _object_defs()
        if "response_mode" in sub["properties"]
    }
    assert consts["SpacecraftNormal"] == "normal" and consts["SpacecraftEndpointDetailed"] == "detailed"
    assert consts["AgencyMini"] == "list" and consts["SpacecraftConfigFamilyMini"] == "list"
    for name, value in consts.items():
        assert value == COMPONENTS[name]["properties"]["response_mode"]["default"], name


def test_list_results_are_a_oneof_of_the_record_schemas_by_id():
    results = DOCS["spacecraft.list"]["$defs"]["PolymorphicSpacecraftEndpoint"]
    assert results == {
        "oneOf": [{"$ref": "spacecraft.normal.schema.json"}, {"$ref": "spacecraft.detailed.schema.json"}]
    }
    envelope = DOCS["spacecraft.list"]["$defs"]["PaginatedPolymorphicSpacecraftEndpointList"]
    assert envelope["required"] == ["count", "next", "previous", "results"]


# -- the real data ------------------------------------------------------------------------


def _errors(name: str, instance) -> list[str]:
    return [f"{e.json_path}: {e.message}" for e in validator(name).iter_errors(instance)]


def test_every_bundled_spacecraft_record_validates(bundled):
    assert len(bundled.records) == 28
    for record in bundled.records:
        assert _errors("normal", record) == [], record["id"]


def test_all_46_real_configurations_validate_in_detailed_mode(configurations):
    assert len(configurations) == 46
    for record in configurations:
        assert _errors("configuration.detailed", record) == [], record["id"]


def test_nested_configuration_of_each_spacecraft_validates_in_normal_mode(seed_records):
    for record in seed_records:
        assert _errors("configuration.normal", record["spacecraft_config"]) == [], record["id"]


def test_real_seed_pages_validate_against_the_list_schema_with_cross_file_refs(seed_pages):
    for page in seed_pages:
        assert page.body["count"] == 590
        assert _errors("list", page.body) == []


def test_the_blank_uri_exception_is_grounded_in_real_records(configurations):
    for component, prop in schemagen.BLANK_URI_FIELDS:
        assert component == "SpacecraftConfigDetailed"
        assert any(c[prop] == "" for c in configurations), prop
    assert _errors("configuration.detailed", {**configurations[0], "wiki_link": "not a link"})


def test_detailed_schema_accepts_a_real_record_widened_with_its_real_detailed_configuration(
    seed_records, configurations
):
    # Synthetic combination (no real detailed spacecraft record is held): a real normal
    # record, its real detailed configuration, and no flights.
    by_id = {c["id"]: c for c in configurations}
    record = seed_records[0]
    detailed = {
        **record,
        "response_mode": "detailed",
        "spacecraft_config": by_id[record["spacecraft_config"]["id"]],
        "flights": [],
    }
    assert _errors("detailed", detailed) == []
    assert any(
        "'flights' is a required property" in e
        for e in _errors("detailed", {**record, "response_mode": "detailed"})
    )


# -- formats ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fmt, good, bad",
    [
        ("duration", "P309DT20H20M49S", "P1Y2M"),
        ("duration", "P0D", "PT0S"),
        ("duration", "PT1.5S", "banana"),
        ("uri", "https://ll.thespacedevs.com/2.3.0/spacecraft/167/?format=api", "not a uri"),
        ("date", "1966-11-28", "1966-02-30"),
        ("date-time", "2024-11-19T10:00:00Z", "2024-11-19 10:00"),
    ],
)
def test_format_checkers_are_active_and_reject_bad_values(fmt, good, bad):
    checker = format_checker()
    assert checker.conforms(good, fmt)
    assert not checker.conforms(bad, fmt)  # a silently inactive checker would accept it


@pytest.mark.parametrize(
    "path, value",
    [
        (("time_in_space",), "P2DT23H60M"),
        (("url",), "ll.thespacedevs.com/2.3.0/spacecraft/167/"),
        (("spacecraft_config", "family", 0, "maiden_flight"), "2013-09-31"),
    ],
)
def test_schema_format_checks_run_inside_record_validation(seed_records, path, value):
    record = copy.deepcopy(seed_records[-1])
    target = record
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    report = validate(record)
    json_path = "$" + "".join(f"[{k}]" if isinstance(k, int) else f".{k}" for k in path)
    assert [p.path for p in report.problems] == [json_path]


@settings(max_examples=150, deadline=None)
@given(st.timedeltas(min_value=dt.timedelta(days=-20000), max_value=dt.timedelta(days=20000)))
def test_every_duration_isodate_writes_passes_pattern_and_checker(td):
    text = isodate.duration_isoformat(td)
    assert format_checker().conforms(text, "duration"), text
    import re

    assert re.match(schemagen.DURATION_PATTERN, text), text


@pytest.mark.parametrize(
    "text", ["P0DT1H", "PT24H", "PT60M", "PT1.50S", "P1W", "P01D", "PT", "P", "P1DT", "-P0D", "PT0S"]
)
def test_duration_pattern_rejects_non_compact_forms(text):
    import re

    assert not re.match(schemagen.DURATION_PATTERN, text)
    assert not format_checker().conforms(text, "duration")


# -- the build ----------------------------------------------------------------------------


def test_problems_for_table_names_table_record_and_path(seed_records):
    bad = copy.deepcopy(seed_records[:2])
    bad[1]["status"]["name"] = 4
    assert problems_for_table("spacecraft", seed_records) == []
    assert problems_for_table("spacecraft", bad) == [
        f"spacecraft: record {bad[1]['id']}: $.status.name: 4 is not of type string"
    ]


def test_snapshot_build_check_still_passes_with_schema_validation_wired_in():
    main = runpy.run_path(str(ROOT / "scripts" / "build_snapshot.py"))
    assert main["_validator"]() is problems_for_table
    assert main["main"](["--check"]) == 0
