"""`spacecraft_data.validate()` and `spacecraft-data validate`: every input kind, every problem named, exit
codes.

Corrupted inputs are copies of the real records with one change each; they say so where made.
"""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data.build import SnapshotInputs, Source, assemble
from spacecraft_data.cli import main
from spacecraft_data.endpoints import registry
from spacecraft_data.errors import BuildError
from spacecraft_data.pages import render_browsable
from spacecraft_data.validation import (
    Report,
    ValidationFailed,
    problems_for_table,
    record_schema_name,
    validate,
)

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "raw" / "seeds").glob("*.txt"))


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = main(["validate", *argv])
    return code, capsys.readouterr().out


def _corrupt(record: dict) -> dict:
    """A copy of a real record with one wrong field type (synthetic corruption)."""
    bad = copy.deepcopy(record)
    bad["flights_count"] = "one"
    return bad


@pytest.fixture
def snapshot_copy(tmp_path, bundled) -> Path:
    target = tmp_path / "2026.11.22"
    shutil.copytree(Path(str(bundled.path)), target)
    return target


# -- realistic corruptions of real records --------------------------------------------------

CORRUPTIONS = {
    "missing key": (lambda r: r.pop("name"), "$.name", "required property is missing"),
    "extra key": (lambda r: r.__setitem__("launcher_stage", []), "$.launcher_stage", "unexpected property"),
    "nested extra key": (
        lambda r: r["spacecraft_config"]["agency"].__setitem__("logo", None),
        "$.spacecraft_config.agency.logo",
        "unexpected property",
    ),
    "wrong type": (lambda r: r.__setitem__("in_space", "false"), "$.in_space", "is not of type boolean"),
    "null where not nullable": (
        lambda r: r.__setitem__("status", None),
        "$.status",
        "null is not of type object",
    ),
    "bad duration": (
        lambda r: r.__setitem__("time_in_space", "54 days, 1:56:34"),
        "$.time_in_space",
        "is not a valid duration",
    ),
    "wrong response_mode": (
        lambda r: r.__setitem__("response_mode", "list"),
        "$.response_mode",
        "'list' is not the expected 'normal'",
    ),
    "wrong nested response_mode": (
        lambda r: r["spacecraft_config"]["agency"].__setitem__("response_mode", "normal"),
        "$.spacecraft_config.agency.response_mode",
        "is not the expected 'list'",
    ),
}


@pytest.mark.parametrize("kind", sorted(CORRUPTIONS))
def test_corrupted_real_spacecraft_record_is_rejected_with_id_and_path(seed_records, kind):
    change, path, words = CORRUPTIONS[kind]
    record = copy.deepcopy(seed_records[3])  # synthetic: a real record with one change
    change(record)
    report = validate(record)
    assert not report.valid
    assert [(p.record, p.path) for p in report.problems] == [(record["id"], path)]
    text = str(report.problems[0])
    assert f"record {record['id']}: {path}: " in text and words in text


@pytest.mark.parametrize(
    "change, path, words",
    [
        (lambda r: r.pop("human_rated"), "$.human_rated", "required property is missing"),
        (lambda r: r.__setitem__("crew_capacity", "3"), "$.crew_capacity", "is not of type integer or null"),
        (lambda r: r.__setitem__("response_mode", "normal"), "$.capability", "unexpected property"),
        (
            lambda r: r["family"][0].__setitem__("maiden_flight", "28/11/1966"),
            "$.family[0].maiden_flight",
            "not a valid date",
        ),
        (
            lambda r: r.__setitem__("fastest_turnaround", "P0DT5H"),
            "$.fastest_turnaround",
            "not a valid duration",
        ),
    ],
)
def test_corrupted_real_configuration_is_rejected_with_id_and_path(configurations, change, path, words):
    soyuz = next(c for c in configurations if c["id"] == 1)  # it has a family with a maiden flight
    record = copy.deepcopy(soyuz)  # synthetic: a real record with one change
    change(record)
    problems = validate(record).problems
    assert any(p.record == record["id"] and p.path == path and words in p.message for p in problems), problems


def test_a_registry_stands_for_its_api_version():
    # A caller that resolved the registry once hands it down; the answers are those of its version.
    declared = registry("2.3.0")
    record = {"url": "https://x/2.3.0/config/spacecraft_statuses/4/"}
    assert record_schema_name(record, api_version=declared) == record_schema_name(record) == "status"
    assert problems_for_table(
        "spacecraft_statuses", [{"id": 4, "name": "x"}], declared
    ) == problems_for_table("spacecraft_statuses", [{"id": 4, "name": "x"}], "2.3.0")


def test_each_public_entry_takes_an_api_version_its_registry_or_none():
    # The package's entries resolve what they are given once (registry() answers a Registry as it is).
    from spacecraft_data.validation import validate_records, validator

    record = {"id": 4, "name": "x", "url": "https://x/2.3.0/config/spacecraft_statuses/4/"}  # SYNTHETIC
    reports = [validate_records([record], api_version=given) for given in (registry("2.3.0"), "2.3.0", None)]
    answers = {(tuple(map(str, r.problems)), tuple(r.schemas["<records>"][0])) for r in reports}
    assert len(answers) == 1 and next(iter(answers))[1] == ("status",)
    assert validator("status", registry("2.3.0")) is validator("status", "2.3.0") is validator("status")


def test_record_endpoint_and_mode_rule():
    assert (
        record_schema_name(
            {"url": "https://x/2.3.0/spacecraft_configurations/1/", "response_mode": "detailed"}
        )
        == "configuration.detailed"
    )
    assert record_schema_name({"url": "https://x/2.3.0/spacecraft/1/"}) == "normal"
    assert record_schema_name({"response_mode": "bogus", "flights": []}) == "detailed"
    # Keys never choose the endpoint: with no url naming another, a record is taken for a spacecraft
    assert record_schema_name({"agency": {}, "capability": ""}) == "normal"
    assert record_schema_name({"id": 4, "name": "Single Use"}) == "normal"
    assert record_schema_name({"id": 4, "name": "x"}, endpoint="config/spacecraft_statuses") == "status"
    assert record_schema_name({"url": "https://x/2.3.0/config/spacecraft_statuses/4/"}) == "status"


# -- the Python API --------------------------------------------------------------------------


def test_validate_report_and_raise_for_problems(seed_records):
    ok = spacecraft_data.validate(seed_records)
    assert ok.valid and ok.records_checked == 20 and ok.raise_for_problems() is ok
    bad = spacecraft_data.validate([seed_records[0], _corrupt(seed_records[1])])
    assert not bad.valid and bad.records_checked == 2
    with pytest.raises(ValidationFailed, match=rf"record {seed_records[1]['id']}: \$\.flights_count: 'one'"):
        bad.raise_for_problems()


def test_validate_accepts_a_loaded_snapshot_and_none_for_the_bundled_one(bundled):
    assert validate(bundled).records_checked == 77  # 28 spacecraft + 46 configurations + 3 statuses
    assert validate(None).valid


def test_validate_refuses_an_unsupported_object():
    with pytest.raises(TypeError, match="got int"):
        validate(5)


# -- input kinds through the CLI ----------------------------------------------------------------


def test_cli_with_no_path_checks_the_bundled_snapshot(capsys, latest_bundled):
    code, out = _cli(capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert (
        lines[-1] == f"{_rows(latest_bundled.path)} record(s) in 1 input(s) checked: valid"
    )  # 77 in 2026.12.01
    assert [line.split(": ", 1)[1] for line in lines[:-1]] == [  # which schema checked each table file
        "checked with normal (snapshot table spacecraft)",
        "checked with configuration.detailed (snapshot table spacecraft_configurations)",
        "checked with status (snapshot table spacecraft_statuses)",
    ]


def test_cli_accepts_the_real_browsable_pages(capsys):
    code, out = _cli(capsys, *map(str, SEEDS))
    assert code == 0 and "20 record(s) in 2 input(s) checked: valid" in out


def test_cli_reports_a_corrupted_browsable_page_with_file_record_and_path(capsys, tmp_path, seed_pages):
    page = seed_pages[0]
    body = copy.deepcopy(page.body)
    body["results"][2] = _corrupt(body["results"][2])  # synthetic corruption of a real page
    file = tmp_path / "page.txt"
    file.write_text(render_browsable(body, page.request.full_path, headers=page.headers), encoding="utf-8")
    code, out = _cli(capsys, str(file))
    assert code == 1
    assert (
        f"{file}: record {body['results'][2]['id']}: $.flights_count: 'one' is not of type integer or null"
        in out
    )


def test_cli_checks_a_json_list_page_envelope_too(capsys, tmp_path, seed_pages):
    body = copy.deepcopy(seed_pages[1].body)
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text(json.dumps(body))
    body["next"] = "?offset=360"  # synthetic: a relative link where DRF writes an absolute URI
    del body["previous"]
    bad.write_text(json.dumps(body))
    assert _cli(capsys, str(good))[0] == 0
    code, out = _cli(capsys, str(bad))
    assert code == 1
    assert f"{bad}: $.next: '?offset=360' is not a valid uri" in out
    assert f"{bad}: $.previous: required property is missing" in out


def test_cli_accepts_a_configuration_list_page(capsys, tmp_path, configurations):
    file = tmp_path / "configs.json"
    file.write_text(json.dumps({"count": 46, "next": None, "previous": None, "results": configurations}))
    code, out = _cli(capsys, str(file))
    assert code == 0 and "46 record(s)" in out


def test_cli_accepts_a_single_record_and_a_json_array(capsys, tmp_path, seed_records, configurations):
    one, many = tmp_path / "one.json", tmp_path / "many.json"
    one.write_text(json.dumps(configurations[5], indent=4))
    many.write_text(json.dumps(seed_records))
    code, out = _cli(capsys, str(one), str(many))
    assert code == 0 and "21 record(s) in 2 input(s) checked: valid" in out


@pytest.mark.parametrize("name", ["records.ndjson", "records.json"])
def test_cli_reports_the_ndjson_line_of_a_bad_record(capsys, tmp_path, seed_records, name):
    file = tmp_path / name
    lines = [json.dumps(r) for r in seed_records[:4]]
    lines[2] = json.dumps(_corrupt(seed_records[2]))  # synthetic corruption on line 3
    file.write_text("\n".join(lines) + "\n")
    code, out = _cli(capsys, str(file))
    assert code == 1
    assert f"{file}:3: record {seed_records[2]['id']}: $.flights_count:" in out
    assert "4 record(s) in 1 input(s) checked: INVALID: 1 problem(s)" in out


def test_cli_names_file_and_line_of_unreadable_input(capsys, tmp_path):
    broken = tmp_path / "broken.json"
    broken.write_text('{\n  "count": 1,\n  "results": [\n    {"id": 1,}\n  ]\n}\n')
    page = tmp_path / "page.txt"
    page.write_text("GET /2.3.0/spacecraft/\nHTTP/1.1 200 OK\n\n{}")
    nd = tmp_path / "x.ndjson"
    nd.write_text('{"id": 1}\nnot json\n')
    code, out = _cli(capsys, str(broken), str(page), str(nd))
    assert code == 1
    assert f"{broken}:4: expected valid JSON in the body" in out
    assert f"{page}:2: expected the status line" in out
    assert f"{nd}:2: expected one JSON record on this line (NDJSON)" in out
    # A PATH that is not there is a usage error (2), named on stderr, not a finding
    # (tests/test_exit_codes.py).
    code, out = _cli(capsys, str(tmp_path / "absent.json"))
    assert code == 2 and out == ""


def test_cli_reports_an_error_page(capsys, tmp_path):
    file = tmp_path / "404.txt"
    file.write_text(render_browsable({"detail": "Not found."}, "/2.3.0/spacecraft/9999/", 404, "Not Found"))
    code, out = _cli(capsys, str(file))
    assert code == 1 and "the page answered HTTP 404 Not Found" in out


def test_a_saved_json_error_body_is_reported_as_such(tmp_path):
    file = tmp_path / "throttled.json"
    file.write_text(json.dumps({"detail": "Request was throttled. Expected available in 60 seconds."}))
    assert [str(p) for p in validate(file).problems] == [
        f"{file}: $: an API error body ('Request was throttled. Expected available in 60 "
        "seconds.'), not a record"
    ]


def test_the_validation_module_imports_jsonschema_only_when_validating():
    code = (
        "import sys, spacecraft_data.validation as v; a = 'jsonschema' in sys.modules; "
        "v.validate([]); print(a, 'jsonschema' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]  # an empty list needs no validator
    out = subprocess.run(
        [sys.executable, "-c", code.replace("v.validate([])", "v.validate([{}])")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert out.split() == ["False", "True"]


def test_cli_json_format_is_machine_readable(capsys, tmp_path, seed_records):
    file = tmp_path / "bad.json"
    file.write_text(json.dumps([seed_records[0], _corrupt(seed_records[1])]))
    code, out = _cli(capsys, str(file), "--format", "json")
    report = json.loads(out)
    assert code == 1
    assert report["valid"] is False and report["records_checked"] == 2 and report["problem_count"] == 1
    assert report["problems"] == [
        {
            "source": str(file),
            "line": None,
            "record": seed_records[1]["id"],
            "path": "$.flights_count",
            "message": "'one' is not of type integer or null",
        }
    ]


# -- snapshot folders -----------------------------------------------------------------------------


def test_a_copy_of_the_bundled_snapshot_validates(capsys, snapshot_copy):
    code, out = _cli(capsys, str(snapshot_copy))
    assert code == 0 and "77 record(s)" in out


def test_a_modified_snapshot_file_is_reported_by_name(capsys, snapshot_copy):
    table = snapshot_copy / "spacecraft_statuses.json"
    table.write_text(table.read_text().replace("Destroyed", "Destroyed "))  # still schema-valid
    code, out = _cli(capsys, str(snapshot_copy))
    assert code == 1
    assert f"{table}: sha256 " in out and "differs from manifest.json" in out


def test_an_invalid_record_in_a_snapshot_is_reported_with_checksum_and_schema_problems(capsys, snapshot_copy):
    table = snapshot_copy / "spacecraft.json"
    rows = json.loads(table.read_text())
    rows[0]["time_docked"] = "43 days"  # synthetic corruption of a real record
    table.write_text(json.dumps(rows, indent=2))
    code, out = _cli(capsys, str(snapshot_copy), "--format", "json")
    problems = json.loads(out)["problems"]
    assert code == 1
    assert {(p["source"], p["record"], p["path"]) for p in problems} == {
        (str(table), None, ""),
        (str(table), rows[0]["id"], "$.time_docked"),
    }


def test_a_missing_snapshot_file_and_a_wrong_row_count_are_reported(snapshot_copy):
    (snapshot_copy / "spacecraft_statuses.json").unlink()
    rows = json.loads((snapshot_copy / "spacecraft_configurations.json").read_text())
    (snapshot_copy / "spacecraft_configurations.json").write_text(json.dumps(rows[:-1]))
    messages = [str(p) for p in validate(snapshot_copy).problems]
    assert any("spacecraft_statuses.json: missing, but listed in manifest.json" in m for m in messages)
    assert any(
        "spacecraft_configurations.json: holds 45 records; manifest.json says 46" in m for m in messages
    )


def _rows(folder) -> int:
    """Records of every table of the snapshot ``folder``, as its manifest counts them."""
    manifest = json.loads((Path(str(folder)) / "manifest.json").read_text(encoding="utf-8"))
    return sum(table["rows"] for table in manifest["tables"].values())


def test_a_folder_of_snapshots_checks_each_snapshot(capsys):
    code, out = _cli(capsys, str(ROOT / "data" / "snapshots"))
    snapshots = [
        p for p in (ROOT / "data" / "snapshots" / "2.3.0").iterdir() if (p / "manifest.json").is_file()
    ]
    assert code == 0 and f"{sum(_rows(p) for p in snapshots)} record(s)" in out  # 77 with the bundle alone


def test_a_folder_that_is_no_snapshot_is_reported(capsys, tmp_path):
    code = main(["validate", str(tmp_path)])  # a usage error (2): the message goes to stderr
    assert code == 2 and "neither a snapshot" in capsys.readouterr().err


# -- the build --------------------------------------------------------------------------------------


def test_the_build_refuses_a_raw_page_with_an_invalid_record(tmp_path, seed_pages):
    page = seed_pages[1]
    body = copy.deepcopy(page.body)
    body["results"][0]["spacecraft_config"]["family"] = {}  # synthetic corruption of a real page
    raw = tmp_path / "page.txt"
    raw.write_text(render_browsable(body, page.request.full_path))
    inputs = SnapshotInputs([Source(file=raw, endpoint="spacecraft", received="2026-11-22")])
    with pytest.raises(
        BuildError,
        match=rf"spacecraft: record {body['results'][0]['id']}: "
        r"\$\.spacecraft_config\.family: \{\} is not of type array or null",
    ):
        assemble(inputs, validate=problems_for_table)


def test_cli_runs_as_a_subprocess_with_exit_code(tmp_path, seed_records):
    file = tmp_path / "bad.ndjson"
    file.write_text(json.dumps(_corrupt(seed_records[0])) + "\n")
    proc = subprocess.run(
        [sys.executable, "-m", "spacecraft_data", "validate", str(file)], capture_output=True, text=True
    )
    assert proc.returncode == 1, proc.stderr
    assert f"{file}:1: record {seed_records[0]['id']}: $.flights_count" in proc.stdout


def test_report_merging_keeps_every_problem():
    a, b = validate([{"id": 1}]), validate([{"id": 2}])
    merged = Report()
    merged.extend(a)
    merged.extend(b)
    assert len(merged.problems) == len(a.problems) + len(b.problems) and merged.records_checked == 2


# -- a resource declared outside the package ---------------------------------------------------------
# SYNTHETIC: a "widgets" endpoint that LL2 does not have, declared in this test alone with its schemas
# given inline; validation must find it in the registry and check its records with the same rules.

WIDGET_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "urn:spacecraft-data-test:widget",
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "label": {"type": "string"},
        "made": {"type": "string", "format": "date"},
    },
    "required": ["id", "label", "made"],
    "additionalProperties": False,
}
WIDGET_LIST_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "properties": {
        "count": {"type": "integer", "minimum": 0},
        "next": {"type": ["string", "null"]},
        "previous": {"type": ["string", "null"]},
        "results": {"type": "array", "items": {"$ref": "urn:spacecraft-data-test:widget"}},
    },
    "required": ["count", "next", "previous", "results"],
    "additionalProperties": False,
}
WIDGETS = [
    {"id": 1, "label": "sprocket", "made": "2026-11-30"},
    {"id": 2, "label": "gear", "made": "2026-12-01"},
]


@pytest.fixture
def widgets(monkeypatch):
    from spacecraft_data.endpoints import (
        ENDPOINTS,
        Endpoint,
        ModePlan,
        Querying,
        Routing,
        Schema,
        Storage,
        Validation,
    )

    declared = Endpoint(
        routing=Routing(name="widgets", model="Widget"),
        storage=Storage(table="widgets"),
        query=Querying(),
        modes=ModePlan(names=()),
        validation=Validation(
            marker_keys=("label",),
            schemas={
                "record": Schema("widget", "widget", document=WIDGET_SCHEMA),
                "list": Schema("widget.list", "widget.list", document=WIDGET_LIST_SCHEMA),
            },
        ),
    )
    monkeypatch.setitem(ENDPOINTS["2.3.0"], "widgets", declared)
    return declared


def _bad_widget() -> dict:
    return {**WIDGETS[1], "made": "2026-13-01"}  # synthetic: no 13th month


def test_a_declared_resource_is_checked_against_its_inline_schema_with_formats(widgets):
    from spacecraft_data.validation import SCHEMA_NAMES

    assert SCHEMA_NAMES["widget"] == "widget" and spacecraft_data.schema("widget") == WIDGET_SCHEMA
    assert record_schema_name(WIDGETS[0]) == "normal"  # its marker key is a hint, never a choice
    assert record_schema_name(WIDGETS[0], endpoint="widgets") == "widget"
    assert "some have the keys of a /widgets/ record" in validate(WIDGETS).schemas["<object>"][1]
    report = validate([WIDGETS[0], _bad_widget()], schema="widget")
    assert report.schemas["<object>"][0] == ["widget"]
    assert [(p.record, p.path) for p in report.problems] == [(2, "$.made")]
    assert "is not a valid date" in report.problems[0].message
    page = {"count": 2, "next": None, "previous": None, "results": WIDGETS}
    assert not validate(page).valid  # nothing names /widgets/: checked as spacecraft
    assert validate(page, schema="widget").valid


def test_cli_validates_a_saved_page_of_a_declared_resource(capsys, tmp_path, widgets):
    page = tmp_path / "widgets.txt"
    body = {"count": 2, "next": None, "previous": None, "results": [WIDGETS[0], _bad_widget()]}
    page.write_text(render_browsable(body, "/2.3.0/widgets/?format=api"), encoding="utf-8")
    code, out = _cli(capsys, str(page))
    assert code == 1
    assert f"{page}: record 2: $.made: '2026-13-01' is not a valid date" in out
    assert (
        f"{page}: checked with widget, widget.list (endpoint /2.3.0/widgets/ named by the request line "
        "'GET /2.3.0/widgets/?format=api')"
    ) in out
    code, out = _cli(capsys, str(page), "--schema", "widget")
    assert code == 1 and "checked with widget, widget.list (--schema widget)" in out


def test_cli_validates_a_declared_resources_table_in_a_snapshot(capsys, snapshot_copy, widgets):
    import hashlib

    table = snapshot_copy / "widgets.json"
    manifest_path = snapshot_copy / "manifest.json"
    manifest = json.loads(manifest_path.read_text())

    def write(rows: list) -> None:
        data = json.dumps(rows).encode()
        table.write_bytes(data)
        manifest["files"]["widgets.json"] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        manifest["tables"]["widgets"] = {"file": "widgets.json", "rows": len(rows), "complete": True}
        manifest_path.write_text(json.dumps(manifest, indent=2))

    write(WIDGETS)
    code, out = _cli(capsys, str(snapshot_copy))
    assert code == 0 and "79 record(s) in 1 input(s) checked: valid" in out
    assert f"{table}: checked with widget (snapshot table widgets)" in out
    write([WIDGETS[0], _bad_widget()])
    code, out = _cli(capsys, str(snapshot_copy))
    assert code == 1 and f"{table}: record 2: $.made: '2026-13-01' is not a valid date" in out


def test_a_page_of_another_declared_api_version_is_checked_with_that_versions_declarations(
    capsys, tmp_path, monkeypatch, widgets
):
    from spacecraft_data.endpoints import ENDPOINTS

    monkeypatch.setitem(ENDPOINTS, "9.9.9", {"widgets": widgets})  # SYNTHETIC API version
    monkeypatch.setattr(widgets.storage, "primary", True)
    page = tmp_path / "widgets.txt"
    page.write_text(
        render_browsable(
            {"count": 1, "next": None, "previous": None, "results": [_bad_widget()]}, "/9.9.9/widgets/"
        ),
        encoding="utf-8",
    )
    code, out = _cli(capsys, str(page))
    assert code == 1 and "is of LL2 API" not in out
    assert f"{page}: record 2: $.made: '2026-13-01' is not a valid date" in out
    assert "checked with widget, widget.list (endpoint /9.9.9/widgets/ named by" in out


def test_a_declared_resource_without_schema_is_left_unchecked_by_the_build_check(monkeypatch):
    from spacecraft_data.endpoints import (
        ENDPOINTS,
        Endpoint,
        ModePlan,
        Querying,
        Routing,
        Storage,
    )

    bare = Endpoint(
        routing=Routing(name="gadgets", model="Gadget"),
        storage=Storage(table="gadgets"),
        query=Querying(),
        modes=ModePlan(names=()),
    )  # SYNTHETIC, declares no schema
    monkeypatch.setitem(ENDPOINTS["2.3.0"], "gadgets", bare)
    assert problems_for_table("gadgets", [{"id": 1}]) == []
    with pytest.raises(KeyError, match="no endpoint keeps a table 'nope'"):
        problems_for_table("nope", [])


# -- nothing named: the primary endpoint, never a guess from keys (issue 19) -------------------------


def test_a_spacecraft_stripped_to_id_and_name_fails_when_nothing_names_the_endpoint(capsys, tmp_path):
    file = tmp_path / "stripped.json"
    file.write_text(json.dumps([{"id": 5, "name": "x"}]))  # SYNTHETIC: what a stripped API answer would hold
    code, out = _cli(capsys, str(file))
    assert code == 1
    for key in ("url", "status", "spacecraft_config", "time_in_space", "response_mode"):
        assert f"{file}: record 5: $.{key}: required property is missing" in out
    assert f"{file}: checked with normal (as spacecraft: the primary endpoint, nothing named another" in out
    assert "some have the keys of a /config/spacecraft_statuses/ record" in out  # a hint, not a choice
    assert out.strip().splitlines()[-1] == "1 record(s) in 1 input(s) checked: INVALID: 14 problem(s)"


def test_a_records_own_url_names_its_endpoint_and_the_report_says_so(configurations, seed_records):
    report = validate([configurations[0], seed_records[0]])
    assert report.valid
    names, chosen_by = report.schemas["<object>"]
    assert names == ["configuration.detailed", "normal"]
    assert chosen_by == (
        "as spacecraft_configurations: named by the record's own url (1 record(s)); "
        "as spacecraft: named by the record's own url (1 record(s))"
    )


def _statuses_page(bundled, **links) -> dict:
    """A list page of the real statuses of the pinned snapshot (3 records)."""
    rows = [dict(r) for r in bundled.tables["spacecraft_statuses"]]
    return {"count": len(rows), "next": links.get("next"), "previous": links.get("previous"), "results": rows}


def test_a_real_statuses_page_saved_with_its_get_line_validates_as_statuses(capsys, tmp_path, bundled):
    page = tmp_path / "statuses.txt"
    page.write_text(
        render_browsable(_statuses_page(bundled), "/2.3.0/config/spacecraft_statuses/?format=api"),
        encoding="utf-8",
    )
    code, out = _cli(capsys, str(page))
    assert code == 0, out
    assert (
        f"{page}: checked with status (endpoint /2.3.0/config/spacecraft_statuses/ named by the request line "
        "'GET /2.3.0/config/spacecraft_statuses/?format=api')"
    ) in out
    assert "3 record(s) in 1 input(s) checked: valid" in out
    bare = tmp_path / "statuses.json"  # the same records with nothing naming their endpoint: spacecraft
    bare.write_text(json.dumps(_statuses_page(bundled)))
    code, out = _cli(capsys, str(bare))
    assert code == 1 and "as spacecraft: the primary endpoint, nothing named another" in out


def test_a_real_statuses_page_saved_with_its_links_validates_as_statuses(capsys, tmp_path, bundled):
    next_ = "https://ll.thespacedevs.com/2.3.0/config/spacecraft_statuses/?limit=3&offset=3"
    body = _statuses_page(bundled, next=next_)
    body["count"] = 4  # SYNTHETIC: a first page of a longer list, so that it has a next link
    page = tmp_path / "statuses.json"
    page.write_text(json.dumps(body))
    code, out = _cli(capsys, str(page))
    assert code == 0, out
    assert (
        "checked with status (endpoint /2.3.0/config/spacecraft_statuses/ named by the envelope's 'next' "
        "link)"
    ) in out


def test_a_real_configurations_page_saved_with_its_get_line_validates_as_configurations(
    capsys, tmp_path, configurations
):
    body = {"count": 46, "next": None, "previous": None, "results": configurations[:10]}
    page = tmp_path / "configurations.txt"
    page.write_text(
        render_browsable(body, "/2.3.0/spacecraft_configurations/?format=api&mode=detailed"), encoding="utf-8"
    )
    code, out = _cli(capsys, str(page))
    assert code == 0, out
    assert (
        "checked with configuration.detailed, configuration.list (endpoint /2.3.0/spacecraft_configurations/ "
        "named by the request line 'GET /2.3.0/spacecraft_configurations/?format=api&mode=detailed', "
        "mode detailed)"
    ) in out
