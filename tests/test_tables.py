"""The normalised tables: flat rows, merging, empty cells, the CSV round trip and pandas.

Tests that need a record the snapshot does not hold build one by copying a real
record and changing it; each such test says so (synthetic, test-only data).
"""

from __future__ import annotations

import copy
import datetime
import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from helpers_rebuild import configurations_from_tables, records_from_tables

from spacecraft_data import tables as T
from spacecraft_data.endpoints import registry


def _write(files: dict[str, bytes], root: Path) -> Path:
    for rel, data in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(data)
    return root / "datapackage.json"


def _fake_snapshot(records, configurations=(), statuses=()):
    """A stand-in snapshot around test-made records (synthetic, test-only)."""
    return SimpleNamespace(
        records=list(records),
        version="0000.00.00",
        api_version="2.3.0",
        registry=registry("2.3.0"),
        modes=("normal",),
        manifest={"sources": [], "records": {}},
        tables={"spacecraft_configurations": list(configurations), "spacecraft_statuses": list(statuses)},
    )


@pytest.fixture(scope="module")
def tables(bundled):
    return T.snapshot_tables(bundled)


@pytest.fixture(scope="module")
def read_back(bundled, tmp_path_factory):
    """The bundled snapshot's tables written as CSV and read back through the descriptor."""
    root = tmp_path_factory.mktemp("pkg")
    return T.read_package(_write(T.package_files(bundled, table_dir="tables"), root))


# -- flat spacecraft rows ---------------------------------------------------------------------------------
def test_spacecraft_rows_are_flat_with_ids_for_nested_objects(bundled):
    rows = T.spacecraft_rows(bundled.records)
    assert len(rows) == len(bundled.records) == 28
    first = next(r for r in rows if r["id"] == 167)
    assert list(first) == list(T.SPACECRAFT_COLUMNS)
    assert first["image_id"] == 1910 and first["status_id"] == 4 and first["spacecraft_config_id"] == 19
    assert first["time_in_space"] == "P54DT1H56M34S"
    assert first["time_in_space_seconds"] == 54 * 86400 + 1 * 3600 + 56 * 60 + 34
    assert first["serial_number"] is None and first["fastest_turnaround_seconds"] is None
    assert all(not isinstance(v, (dict, list)) for row in rows for v in row.values())


def test_duration_seconds_are_the_iso_strings_in_the_compact_form(bundled):
    import isodate

    rows = T.spacecraft_rows(bundled.records)
    checked = 0
    for row in rows:
        for name in ("time_in_space", "time_docked", "fastest_turnaround"):
            if row[name] is not None:
                seconds = row[f"{name}_seconds"]
                assert isodate.duration_isoformat(datetime.timedelta(seconds=seconds)) == row[name]
                checked += 1
    assert checked >= 20


def test_duration_with_years_is_refused_naming_the_field():
    with pytest.raises(T.TableError, match=r"spacecraft 7 \.time_docked: 'P1Y2D' has years or months"):
        T.spacecraft_rows([{"id": 7, "time_docked": "P1Y2D"}])  # synthetic partial record
    with pytest.raises(T.TableError, match="not an ISO 8601 duration"):
        T.duration_seconds("3 days", "x")


# -- the normalised tables ----------------------------------------------------------------------------------
def test_tables_hold_every_object_of_the_snapshot_once(bundled, tables):
    assert [r["id"] for r in tables["spacecraft"]] == sorted(r["id"] for r in bundled.records)
    assert len(tables["spacecraft_configurations"]) == 46
    assert all(r["held_as"] == "detailed" for r in tables["spacecraft_configurations"])
    assert {r["id"] for r in tables["spacecraft_statuses"]} == {1, 3, 4}
    # agencies of the spacecraft records (mini copies) are merged with the detailed configurations' copies
    agency = next(r for r in tables["agencies"] if r["id"] == 257)
    assert agency["held_as"] == "normal" and agency["name"] == "Northrop Grumman Space Systems"
    assert agency["url"] == "https://ll.thespacedevs.com/2.3.0/agencies/257/"
    assert set(tables) == {
        n for n, t in T.TABLES.items() if t.needs_mode is None
    }  # no flights: no detailed records
    for name in tables:
        keys = [tuple(r[k] for k in T.TABLES[name].primary_key) for r in tables[name]]
        assert keys == sorted(set(keys)), f"{name}: primary key not unique or not sorted"


def test_every_foreign_key_points_at_an_existing_row(tables):
    checked = 0
    for name in tables:
        for column in T.TABLES[name].columns:
            if column.ref:
                ref_table, ref_field = column.ref
                targets = {r[ref_field] for r in tables[ref_table]}
                for row in tables[name]:
                    if row[column.name] is not None:
                        assert row[column.name] in targets, f"{name}.{column.name}={row[column.name]}"
                        checked += 1
    assert checked > 300


def test_image_rows_state_their_licence(tables):
    licences = {r["id"]: r for r in tables["image_licenses"]}
    assert {r["name"] for r in licences.values()} >= {"Unknown", "NASA Image and Media Guidelines"}
    for image in tables["images"]:
        licence = licences[image["license_id"]]
        assert (image["license_name"], image["license_link"]) == (licence["name"], licence["link"])


def test_conflicting_copies_of_an_object_fail_naming_table_id_and_field(bundled):
    records = copy.deepcopy(bundled.records)  # synthetic: one nested agency copy renamed
    record = next(r for r in records if r["spacecraft_config"]["agency"]["id"] == 257)
    record["spacecraft_config"]["agency"]["name"] = "Someone Else"
    with pytest.raises(T.TableError) as info:
        T.build_tables(records, bundled.tables["spacecraft_configurations"])
    message = str(info.value)
    assert "table agencies, id 257: field 'name'" in message
    assert "'Northrop Grumman Space Systems'" in message and "'Someone Else'" in message
    assert f"(id {record['id']}).spacecraft_config.agency" in message


def test_object_of_an_unexpected_shape_fails_naming_the_place(bundled):
    records = copy.deepcopy(bundled.records[:1])  # synthetic: a key dropped from the nested image
    del records[0]["image"]["credit"]
    with pytest.raises(
        T.TableError, match=r"spacecraft\[0\] \(id 167\)\.image: keys .* differ from the LL2 shape"
    ):
        T.build_tables(records)


def test_null_family_list_is_refused_because_a_link_table_cannot_hold_it(bundled):
    records = copy.deepcopy(bundled.records[:1])  # synthetic: family null (the spec allows it; unseen)
    records[0]["spacecraft_config"]["family"] = None
    with pytest.raises(T.TableError, match=r"spacecraft_config\.family: expected a list, found null"):
        T.build_tables(records)


def test_a_record_of_an_unknown_mode_is_refused_with_the_reason(bundled):
    record = dict(bundled.records[0], response_mode="list")  # synthetic
    with pytest.raises(T.TableError, match="response_mode 'list'; spacecraft records are normal or detailed"):
        T.build_tables([record])


def test_a_detailed_record_without_flights_is_refused_naming_the_shape(bundled):
    record = dict(bundled.records[0], response_mode="detailed")  # synthetic: detailed mode, normal keys
    with pytest.raises(T.TableError, match=r"keys .* differ from the LL2 shape"):
        T.build_tables([record])


def test_subset_tables_hold_the_records_and_only_the_rows_they_reference(bundled):
    chosen = [r for r in bundled.records if r["id"] in (167, 562)]
    sub = T.snapshot_tables(bundled, chosen, referenced_only=True)
    assert [r["id"] for r in sub["spacecraft"]] == [167, 562]
    assert {r["id"] for r in sub["spacecraft_configurations"]} == {19, 33}
    assert all(r["held_as"] == "detailed" for r in sub["spacecraft_configurations"])
    assert {r["id"] for r in sub["spacecraft_statuses"]} == {4}
    assert records_from_tables(sub) == chosen


# -- CSV and the round trip ---------------------------------------------------------------------------------
def test_csv_files_are_utf8_with_header_and_newline_line_ends(bundled):
    files = T.package_files(bundled, table_dir="t")
    data = files["t/spacecraft.csv"]
    text = data.decode("utf-8")
    assert text.splitlines()[0] == ",".join(T.SPACECRAFT_COLUMNS)
    assert text.endswith("\n")
    # every \r is part of a quoted text value (descriptions hold \r\n); rows end with \n alone
    in_values = sum(str(v).count("\r") for row in T.spacecraft_rows(bundled.records) for v in row.values())
    assert in_values > 0 and text.count("\r") == in_values
    assert sorted(files) == sorted(
        [f"t/{n}.csv" for n, t in T.TABLES.items() if t.needs_mode is None] + ["datapackage.json"]
    )


def test_round_trip_through_the_csv_files_rebuilds_the_records_exactly(bundled, read_back):
    rebuilt = records_from_tables(read_back)
    assert rebuilt == bundled.records
    # == ignores key order and 1 == 1.0; the serialised form does not
    assert json.dumps(rebuilt, ensure_ascii=False) == json.dumps(bundled.records, ensure_ascii=False)


def test_round_trip_rebuilds_the_detailed_configurations_exactly(bundled, read_back):
    rebuilt = configurations_from_tables(read_back, "format=json")
    original = bundled.tables["spacecraft_configurations"]
    assert json.dumps(rebuilt, ensure_ascii=False) == json.dumps(original, ensure_ascii=False)


def test_round_trip_reads_the_same_rows_as_were_written(tables, read_back):
    assert read_back == tables


def test_empty_text_in_a_never_null_column_stays_empty_text(bundled, read_back):
    schema = T.table_schema(
        T.TABLES["spacecraft_configurations"], T.snapshot_tables(bundled)["spacecraft_configurations"]
    )
    info_link = next(f for f in schema["fields"] if f["name"] == "info_link")
    assert info_link["missingValues"] == [] and info_link["constraints"]["required"] is True
    assert sum(r["info_link"] == "" for r in read_back["spacecraft_configurations"]) == 31
    # flight_life is nullable by the spec but holds "" and no null here: "" must survive
    assert [r["flight_life"] for r in read_back["spacecraft_configurations"]].count("") == 1


def test_text_column_with_both_null_and_empty_text_uses_the_null_marker(bundled, tmp_path):
    first, second = copy.deepcopy(
        bundled.records[:2]
    )  # synthetic: serial_number null in one, "" in the other
    first["serial_number"], second["serial_number"] = None, ""
    snap = _fake_snapshot([first, second])
    files = T.package_files(snap, table_dir="")
    descriptor = json.loads(files["datapackage.json"])
    spacecraft = next(r for r in descriptor["resources"] if r["name"] == "spacecraft")
    field = next(f for f in spacecraft["schema"]["fields"] if f["name"] == "serial_number")
    assert field["missingValues"] == ["\\N"]
    assert "\\N" in files["spacecraft.csv"].decode()
    back = T.read_package(_write(files, tmp_path))
    assert {r["id"]: r["serial_number"] for r in back["spacecraft"]} == {first["id"]: None, second["id"]: ""}
    assert records_from_tables(back) == sorted([first, second], key=lambda r: r["id"])


def test_a_real_value_equal_to_the_null_marker_is_refused(bundled):
    first, second, third = copy.deepcopy(bundled.records[:3])  # synthetic
    first["serial_number"], second["serial_number"], third["serial_number"] = None, "", "\\N"
    with pytest.raises(T.TableError, match=r"column 'serial_number' holds the text '\\\\N'"):
        T.package_files(_fake_snapshot([first, second, third]))


def test_package_files_logs_one_line_per_csv_it_makes(bundled, caplog):
    with caplog.at_level("INFO", logger="spacecraft_data.tables.package"):
        files = T.package_files(bundled, table_dir="t")
    lines = [r.getMessage() for r in caplog.records if r.name == "spacecraft_data.tables.package"]
    rows = len(T.snapshot_tables(bundled)["spacecraft"])
    assert f"made t/spacecraft.csv ({rows} rows)" in lines
    assert len(lines) == len([name for name in files if name.endswith(".csv")])


def test_read_package_names_file_row_and_column_of_a_bad_cell(bundled, tmp_path):
    descriptor = _write(T.package_files(bundled, table_dir=""), tmp_path)
    csv_path = tmp_path / "spacecraft_statuses.csv"
    csv_path.write_text(csv_path.read_text().replace("3,Destroyed", "three,Destroyed"))
    with pytest.raises(
        T.TableError, match=r"spacecraft_statuses\.csv: row 3, id: 'three' is not a valid integer"
    ):
        T.read_package(descriptor)


# -- pandas -------------------------------------------------------------------------------------------------
def test_to_pandas_gives_the_table_with_nullable_dtypes(bundled):
    frame = bundled.to_pandas()
    assert list(frame.columns) == list(T.SPACECRAFT_COLUMNS) and len(frame) == 28
    assert str(frame["id"].dtype) == "Int64"
    assert str(frame["in_space"].dtype) == "boolean"
    assert str(frame["time_in_space_seconds"].dtype) == "Int64"
    assert str(frame["time_in_space"].dtype) == "timedelta64[ns]"
    assert (
        str(frame["fastest_turnaround"].dtype) == "timedelta64[ns]"
        and frame["fastest_turnaround"].isna().sum() == 27
    )
    assert frame.set_index("id").loc[551, "fastest_turnaround"].total_seconds() == 18924126  # P219DT42M6S
    assert str(frame["name"].dtype).startswith("string")
    assert frame["serial_number"].isna().sum() == 2  # 167 (a seed) and 626 (Cygnus NG-24, embedded)
    assert frame.set_index("id").loc[167, "time_in_space_seconds"] == 4672594
    assert frame.set_index("id").loc[167, "time_in_space"].total_seconds() == 4672594
    configs = bundled.to_pandas("spacecraft_configurations")
    assert str(configs["maiden_flight"].dtype).startswith("datetime64")
    assert len(configs) == 46


def test_to_pandas_unknown_table_lists_the_tables(bundled):
    with pytest.raises(
        T.TableError, match="unknown table 'statuses'; the tables are: spacecraft, spacecraft_statuses"
    ):
        bundled.to_pandas("statuses")


def test_to_pandas_without_pandas_names_the_extra():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "import spacecraft_data\n"
        "try:\n"
        "    spacecraft_data.load().to_pandas()\n"
        "except ImportError as exc:\n"
        "    print(exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "pip install 'spacecraft-data[pandas]'" in out


def test_importing_the_tables_module_imports_nothing_heavy():
    # logging too: `query --format csv` reads csv_bytes from the tables, and a query's path stays clear of it.
    code = (
        "import sys, spacecraft_data.tables\nprint(sorted(m for m in ('pandas', 'isodate', "
        "'frictionless', 'jsonschema', 'requests', 'duckdb', 'logging') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


# -- the columns follow the LL2 OpenAPI document ------------------------------------------------------------
# table -> OpenAPI schema whose properties its columns come from (the widest shape the table holds)
_SPEC_SCHEMAS = {
    "spacecraft": "SpacecraftNormal",
    "spacecraft_configurations": "SpacecraftConfigDetailed",
    "spacecraft_families": "SpacecraftConfigFamilyNormal",
    "agencies": "AgencyNormal",
    "images": "Image",
    "image_licenses": "ImageLicense",
    "countries": "Country",
}
# columns that are not properties of that schema: made here, or from a nested object
_NOT_SPEC = {"held_as", "position", "license_name", "license_link"}


def test_column_nullability_matches_the_openapi_document(repo_root):
    spec = json.loads((repo_root / "data/raw/ll2-openapi/ll_2.3.0.json").read_text(encoding="utf-8"))
    schemas = spec["components"]["schemas"]
    compared = 0
    for table_name, schema_name in _SPEC_SCHEMAS.items():
        properties = dict(schemas[schema_name]["properties"])
        if table_name == "spacecraft_families":  # the detailed family adds the launch/landing counts
            for key, value in schemas["SpacecraftConfigFamilyDetailed"]["properties"].items():
                properties.setdefault(key, value)
        for column in T.TABLES[table_name].columns:
            name = column.name
            if name in _NOT_SPEC:
                continue
            if name.endswith("_seconds"):
                name = name[: -len("_seconds")]
            elif name.endswith("_id") and name[: -len("_id")] in properties:
                name = name[: -len("_id")]
            assert name in properties, f"{table_name}.{column.name}: no property {name!r} in {schema_name}"
            assert column.nullable == bool(properties[name].get("nullable")), f"{table_name}.{column.name}"
            compared += 1
    assert compared > 80


def test_records_of_an_endpoint_without_a_normalised_table_flatten_by_one_rule():
    records = [  # SYNTHETIC: a resource with no table in T.TABLES
        {
            "id": 1,
            "name": "SYNTHETIC Alpha",
            "kind": {"id": 7, "name": "Gear"},
            "tags": ["a"],
            "mass": 1.5,
            "active": True,
            "note": "",
        },
        {
            "id": 2,
            "name": "SYNTHETIC Beta",
            "kind": None,
            "tags": [],
            "mass": 2,
            "active": False,
            "note": None,
        },
        {"id": 3, "name": "SYNTHETIC Gamma", "kind": 8, "extra": "late"},
    ]
    table, rows = T.flat_rows(records, "widgets")
    # Nested objects become <key>_id (a bare scalar there is kept), lists are left out, columns in first-seen
    # order.
    assert table.column_names == ("id", "name", "kind_id", "mass", "active", "note", "extra")
    assert [r["kind_id"] for r in rows] == [7, None, 8]
    assert [c.type for c in table.columns] == [
        "integer",
        "string",
        "integer",
        "number",
        "boolean",
        "string",
        "string",
    ]
    lines = T.flat_csv(records, "widgets").decode().splitlines()
    assert lines == [
        "id,name,kind_id,mass,active,note,extra",
        "1,SYNTHETIC Alpha,7,1.5,true,,",  # null is empty, but \N in a text column that has ""
        "2,SYNTHETIC Beta,,2,false,\\N,",
        "3,SYNTHETIC Gamma,8,,,\\N,late",
    ]
