"""Detailed mode from a snapshot that holds detailed spacecraft records.

Every detailed spacecraft record here is SYNTHETIC: LL2's detailed records were never
captured (the bundled snapshot holds only normal ones). Each is made from a real normal
record of the bundled snapshot: ``response_mode`` "detailed", the real detailed
configuration of its ``spacecraft_config`` (from the bundled configurations table), and
one SYNTHETIC flight whose launch, launch provider and spacecraft carry API hyperlinks
(so link rewriting is proven inside a list of flights). Synthetic records are built in
``tmp_path`` only; nothing under ``data/`` is touched.

Snapshots are built through the real paths: ``build.build_snapshot`` from saved JSON
arrays (normal and detailed spacecraft sources, as a harvest of both modes leaves
them), and ``harvest`` against ``tests/fakeapi.py`` serving its own SYNTHETIC detailed
records with ``detailed=True``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import strategies
from conftest import strip_formats
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spacecraft_data
from spacecraft_data.api import mode_not_held_message
from spacecraft_data.build import SnapshotInputs, Source, build_snapshot
from spacecraft_data.diff import diff_snapshots
from spacecraft_data.endpoints import registry
from spacecraft_data.endpoints import v2_3_0 as ep
from spacecraft_data.errors import ModeNotHeld
from spacecraft_data.store import dump_json
from spacecraft_data.validation import problems_for_table, validate, validate_records

ROOT = Path(__file__).resolve().parents[1]
#: where a snapshot holding both modes keeps its detailed spacecraft records (spacecraft.json keeps the
#: normal ones)
DETAILED_FILE = "spacecraft_detailed.json"
SPEC = ROOT / "data" / "raw" / "ll2-openapi" / "ll_2.3.0.json"
LL2 = "https://ll.thespacedevs.com"
HOST = "http://127.0.0.1:8000"
LIST = "/2.3.0/spacecraft/"


# --------------------------------------------------------------------------- synthetic detailed records
def synthetic_flight(record: dict, n: int) -> dict:
    """A SYNTHETIC SpacecraftFlightNormal of ``record`` (schema-valid; every nested object with a url has
    one)."""
    agency = ep.AGENCY_MINI.apply(record["spacecraft_config"]["agency"])
    launch_id = f"00000000-0000-4000-8000-{record['id']:012d}"
    launch = {
        "id": launch_id,
        "url": f"{LL2}/2.3.0/launches/{launch_id}/?format=api",
        "name": f"SYNTHETIC launch of {record['name']}",
        "response_mode": "normal",
        "slug": "synthetic-launch",
        "launch_designator": None,
        "status": None,
        "last_updated": "2026-11-25T00:00:00Z",
        "net": "2026-11-25T00:00:00Z",
        "net_precision": None,
        "window_end": "2026-11-25T00:00:00Z",
        "window_start": "2026-11-25T00:00:00Z",
        "image": None,
        "infographic": None,
        "probability": None,
        "weather_concerns": None,
        "failreason": None,
        "hashtag": None,
        "launch_service_provider": agency,
        "rocket": None,
        "mission": None,
        "pad": None,
        "webcast_live": False,
        "program": None,
        **{
            f"{what}_launch_attempt_count{year}": None
            for what in ("orbital", "location", "pad", "agency")
            for year in ("", "_year")
        },
    }
    return {
        "id": 900000 + n,
        "url": f"{LL2}/2.3.0/spacecraft/flights/{900000 + n}/?format=api",
        "destination": "SYNTHETIC destination",
        "mission_end": None,
        "spacecraft": record,
        "launch": launch,
        "landing": None,
        "duration": None,
        "turn_around_time": None,
        "response_mode": "normal",
    }


def synthetic_detailed(record: dict, configurations: dict[int, dict]) -> dict:
    """A SYNTHETIC detailed (SpacecraftEndpointDetailed) record made from the real normal ``record``."""
    out = copy.deepcopy(record)
    out["response_mode"] = "detailed"
    out["spacecraft_config"] = copy.deepcopy(configurations[record["spacecraft_config"]["id"]])
    out["flights"] = [synthetic_flight(record, record["id"])]
    return out


def build_both_modes(
    folder: Path,
    detailed_ids: set[int] | None = None,
    modes: tuple[str, ...] = ("normal", "detailed"),
) -> Path:
    """A snapshot of both modes built by build.build_snapshot from saved arrays (detailed ones SYNTHETIC).

    ``detailed_ids``: the ids whose detailed record the detailed source holds (default: all);
    ``modes``: the spacecraft sources given (``("detailed",)``: a snapshot of detailed mode alone).
    """
    bundled = spacecraft_data.load()
    configurations = {c["id"]: c for c in bundled.tables["spacecraft_configurations"]}
    detailed = [
        synthetic_detailed(r, configurations)
        for r in bundled.records
        if detailed_ids is None or r["id"] in detailed_ids
    ]
    raw = folder / "raw"
    raw.mkdir(parents=True)
    arrays = {
        "normal.json": bundled.records,
        "detailed.json": detailed,
        "configurations.json": bundled.tables["spacecraft_configurations"],
        "statuses.json": bundled.tables["spacecraft_statuses"],
    }
    for name, rows in arrays.items():
        (raw / name).write_bytes(dump_json(rows))
    sources = [
        Source(raw / f"{mode}.json", "spacecraft", kind="array", mode=mode, captured="2026-11-25")
        for mode in modes
    ] + [
        Source(raw / "configurations.json", "spacecraft_configurations", kind="array", mode="detailed"),
        Source(raw / "statuses.json", "config/spacecraft_statuses", kind="array"),
    ]
    return build_snapshot(SnapshotInputs(sources), folder / "snapshots", validate=problems_for_table)


def rewritten(obj, origin: str, fmt: str | None):
    """``obj`` with every API hyperlink moved to ``origin`` and ``format`` set, worked out the plain way."""
    if isinstance(obj, list):
        return [rewritten(v, origin, fmt) for v in obj]
    if isinstance(obj, dict):
        out = {}
        for key, value in obj.items():
            if key == "url" and isinstance(value, str) and value.startswith(LL2 + "/"):
                path = urlsplit(value).path
                value = origin + path + (f"?format={fmt}" if fmt is not None else "")
            out[key] = rewritten(value, origin, fmt)
        return out
    return obj


@pytest.fixture(scope="module")
def both(tmp_path_factory) -> Path:
    return build_both_modes(tmp_path_factory.mktemp("both"))


@pytest.fixture()
def snap(both):
    return spacecraft_data.load(
        both
    )  # a fresh object: per-snapshot caches and lazily read tables start empty


@pytest.fixture(scope="module")
def detailed_by_id(both) -> dict[int, dict]:
    return {r["id"]: r for r in json.loads((both / DETAILED_FILE).read_text())}


# --------------------------------------------------------------------------- the declaration
@pytest.fixture(scope="module")
def schemas() -> dict:
    return json.loads(SPEC.read_text())["components"]["schemas"]


def test_the_normal_projection_has_the_keys_order_and_response_mode_of_spacecraft_normal(schemas):
    normal = schemas["SpacecraftNormal"]["properties"]
    assert ep.SPACECRAFT_NORMAL.keys == tuple(normal)
    assert ep.SPACECRAFT_NORMAL.response_mode == normal["response_mode"]["default"] == "normal"
    detailed = schemas["SpacecraftEndpointDetailed"]["properties"]
    # SpacecraftNormal is the detailed component without `flights`, and only spacecraft_config narrows.
    assert tuple(detailed) == ep.SPACECRAFT_NORMAL.keys + ("flights",)
    differing = [k for k in normal if json.dumps(normal[k]) != json.dumps(detailed[k])]
    assert differing == ["response_mode", "spacecraft_config"]
    assert normal["spacecraft_config"]["$ref"].endswith("/SpacecraftConfigNormal")
    assert ep.SPACECRAFT_NORMAL.nested == {"spacecraft_config": ep.CONFIGURATION_NORMAL}


def test_the_endpoint_declares_normal_as_a_projection_and_detailed_as_its_own_table():
    assert ep.SPACECRAFT.modes.derived == {"normal": ("detailed", ep.SPACECRAFT_NORMAL)}
    assert ep.SPACECRAFT.modes.tables == {"detailed": "spacecraft_detailed"}
    assert registry().files["spacecraft_detailed"] == DETAILED_FILE


def test_projecting_a_detailed_record_gives_back_the_real_normal_record_key_for_key(bundled):
    """Modulo ``?format=`` on links: the bundled configurations were saved from format=json pages, the
    spacecraft
    from format=api ones."""
    configurations = {c["id"]: c for c in bundled.tables["spacecraft_configurations"]}
    for record in bundled.records:
        projected = ep.SPACECRAFT_NORMAL.apply(synthetic_detailed(record, configurations))
        assert json.dumps(strip_formats(projected)) == json.dumps(strip_formats(record)), record["id"]


# --------------------------------------------------------------------------- a snapshot of both modes
def test_the_detail_route_answers_the_detailed_record_with_links_on_the_request_host_and_format(
    snap, detailed_by_id
):
    record_id = snap.records[3]["id"]
    stored = detailed_by_id[record_id]
    status, body = snap.respond(f"{HOST}/2.3.0/spacecraft/{record_id}/?format=json")
    assert status == 200
    assert body == rewritten(stored, HOST, "json")
    flight = body["flights"][0]
    assert flight["url"] == f"{HOST}/2.3.0/spacecraft/flights/{900000 + record_id}/?format=json"
    assert flight["launch"]["url"].startswith(f"{HOST}/2.3.0/launches/") and flight["launch"]["url"].endswith(
        "/?format=json"
    )
    assert flight["launch"]["launch_service_provider"]["url"].startswith(f"{HOST}/2.3.0/agencies/")
    assert flight["spacecraft"]["url"] == f"{HOST}/2.3.0/spacecraft/{record_id}/?format=json"
    assert body["spacecraft_config"]["agency"]["url"].startswith(f"{HOST}/2.3.0/agencies/")
    assert body["image"] == stored["image"]  # image URLs are not API hyperlinks
    assert stored["flights"][0]["url"].startswith(LL2)  # the stored record was copied, not changed
    assert snap.endpoint("spacecraft").get(record_id, mode="detailed") == rewritten(stored, LL2, None)


QUERIES = [
    "",
    "?ordering=-time_in_space",
    "?search=dragon&ordering=flights_count",
    "?in_space=false&ordering=-mission_ends_count&limit=3&offset=2",
    "?is_placeholder=false&status=4&ordering=time_docked,-id",
    "?limit=5&offset=15&format=json",
    "?search=soyuz&format=api",
]


@pytest.mark.parametrize("query", QUERIES)
def test_a_detailed_list_holds_the_detailed_records_of_the_ids_the_normal_query_selects_in_its_order(
    snap, detailed_by_id, query
):
    normal_status, normal = snap.respond(HOST + LIST + query)
    joiner = "&" if query else "?"
    status, body = snap.respond(HOST + LIST + query + joiner + "mode=detailed")
    assert normal_status == status == 200
    fmt = dict(p.split("=") for p in query[1:].split("&") if p).get("format")
    assert body["count"] == normal["count"]
    assert body["results"] == [rewritten(detailed_by_id[r["id"]], HOST, fmt) for r in normal["results"]]
    assert {r["response_mode"] for r in body["results"]} <= {"detailed"}
    if normal["next"]:
        assert body["next"].startswith(HOST + LIST) and "mode=detailed" in body["next"]


def test_a_list_query_needs_at_least_one_record_to_be_meaningful(snap):
    # Guards the parametrized test above against comparing empty pages only.
    counts = [snap.respond(LIST + q)[1]["count"] for q in QUERIES]
    assert all(c > 0 for c in counts)


def test_refused_values_are_refused_in_detailed_mode_as_in_normal_mode(snap):
    assert snap.respond(LIST + "?mode=detailed&status=x") == snap.respond(LIST + "?status=x")
    assert snap.respond(LIST + "?mode=detailed&status=x")[0] == 400
    assert snap.respond(LIST + "9999999/")[0] == 404


def test_normal_mode_answers_exactly_what_the_bundled_snapshot_answers(snap, bundled):
    for query in QUERIES + ["?mode=normal&ordering=-id"]:
        assert snap.respond(HOST + LIST + query) == bundled.respond(HOST + LIST + query), query


def test_query_in_detailed_mode_returns_a_page_of_detailed_records(snap, detailed_by_id):
    page = snap.query(mode="detailed", in_space=False, ordering="-time_in_space", limit=3)
    ids = [r["id"] for r in snap.query(in_space=False, ordering="-time_in_space", limit=3).results]
    assert page.results == [rewritten(detailed_by_id[i], LL2, None) for i in ids] and len(ids) == 3


def test_modes_and_info_say_detailed_is_held(both, snap):
    assert snap.modes == ("normal", "detailed")
    out = subprocess.run(
        [sys.executable, "-m", "spacecraft_data", "info", "--snapshot", str(both)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "mode normal:   held" in out
    assert "mode detailed: held" in out and "matched by id" in out
    assert f"table spacecraft_detailed: {len(snap)} rows" in out


def test_load_and_normal_queries_leave_the_detailed_file_unread_until_a_detailed_answer(snap):
    snap.query(search="soyuz", ordering="-time_in_space")
    snap.respond(LIST + "?mode=normal")
    assert "spacecraft_detailed" not in snap.tables._loaded
    snap.respond(LIST + "?mode=detailed&limit=1")
    assert "spacecraft_detailed" in snap.tables._loaded


def test_load_and_a_normal_query_of_such_a_snapshot_import_nothing_heavy_and_never_open_the_detailed_file(
    both,
):
    probe = f"""
import builtins, io, json, sys
opened = []
real_open = io.open
def spy(file, *a, **k):
    opened.append(str(file))
    return real_open(file, *a, **k)
import pathlib
real_read = pathlib.Path.read_text
pathlib.Path.read_text = lambda self, *a, **k: (opened.append(str(self)), real_read(self, *a, **k))[1]
import os
real_os_open = os.open  # snapshot files are opened with os.open (non-blocking, so a FIFO cannot hang)
os.open = lambda path, *a, **k: (opened.append(str(path)), real_os_open(path, *a, **k))[1]
import spacecraft_data
snap = spacecraft_data.load({str(both)!r})
snap.query(search="soyuz", ordering="-time_in_space", limit=5)
snap.respond("/2.3.0/spacecraft/?search=dragon&format=json")
print(json.dumps([sorted(m for m in sys.modules if m.split(".")[0] in ("jsonschema", "requests", "pandas")),
                  [f for f in opened if f.endswith({DETAILED_FILE!r})]]))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == [[], []]
    # The spy sees reads: the same probe asking for mode=detailed opens the file.
    out = subprocess.run(
        [sys.executable, "-c", probe.replace("format=json", "mode=detailed")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out.strip().splitlines()[-1])[1] == [str(both / DETAILED_FILE)]


@pytest.fixture(scope="module")
def detailed_only(tmp_path_factory):
    return spacecraft_data.load(
        build_both_modes(tmp_path_factory.mktemp("detailed_only"), modes=("detailed",))
    )


def test_the_oracle_snapshot_stores_detailed_records_in_its_table(detailed_only):
    assert detailed_only.modes == ("detailed",) and not (Path(detailed_only.path) / DETAILED_FILE).exists()


@pytest.fixture(scope="module")
def both_snap(both):
    return spacecraft_data.load(both)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(url=st.one_of(strategies.urls(hostile=True), strategies.urls(hostile=False)))
def test_every_url_is_answered_alike_by_the_two_ways_a_snapshot_can_hold_detailed_records(
    both_snap, detailed_only, url
):
    """Both modes side by side (detailed matched by id) vs detailed alone (the engine over detailed records,
    normal projected): two storage layouts of the same SYNTHETIC records, one answer for every request
    (about one clean URL in six asks for detailed mode or the detail route)."""
    assert both_snap.respond(url) == detailed_only.respond(url)


def test_the_two_layouts_do_differ_in_what_they_store(both_snap, detailed_only):
    # Guards the property above against comparing one layout with itself.
    assert both_snap.records != detailed_only.records
    assert both_snap.respond(LIST + "463/") == detailed_only.respond(LIST + "463/")
    assert both_snap.respond(LIST + "463/")[1]["flights"]


# --------------------------------------------------------------------------- validation and diff
def test_validating_the_folder_covers_the_detailed_file(both):
    report = validate(both)
    assert report.valid, str(report)
    assert report.records_checked == 28 + 46 + 3 + 28  # spacecraft, configurations, statuses, detailed


def test_a_corrupted_detailed_record_is_reported_with_its_id_and_json_path(both, tmp_path):
    copy_dir = tmp_path / "snap"
    shutil.copytree(both, copy_dir)
    path = copy_dir / DETAILED_FILE
    rows = json.loads(path.read_text())
    rows[4]["flights"][0]["launch"]["webcast_live"] = "yes"
    rows[7]["response_mode"] = "normal"  # a normal record in the detailed file is not a detailed one
    path.write_bytes(dump_json(rows))
    problems = validate(copy_dir).problems
    located = {(p.source, p.record, p.path) for p in problems}
    assert (str(path), rows[4]["id"], "$.flights[0].launch.webcast_live") in located
    assert (str(path), rows[7]["id"], "$.response_mode") in located
    assert any(p.source == str(path) and p.record is None and "sha256" in p.message for p in problems)
    assert all(p.source == str(path) for p in problems)
    # The same record in spacecraft.json would have been taken for a normal one by its response_mode.
    assert validate_records([rows[7]], endpoint="spacecraft").problems[0].path != "$.response_mode"


def test_diff_compares_the_detailed_table_only_when_a_snapshot_has_it(snap, bundled):
    d = diff_snapshots(bundled, snap)
    assert list(d.tables) == [
        "spacecraft",
        "spacecraft_configurations",
        "spacecraft_statuses",
        "spacecraft_detailed",
    ]
    assert d.tables["spacecraft_detailed"].added == sorted(r["id"] for r in bundled.records)
    assert not d.tables["spacecraft"].added and not d.tables["spacecraft"].changed
    assert "spacecraft_detailed" not in diff_snapshots(bundled, bundled).tables


# --------------------------------------------------------------------------- a harvest discrepancy
@pytest.fixture(scope="module")
def partial(tmp_path_factory) -> tuple[object, int]:
    bundled = spacecraft_data.load()
    lacking = bundled.records[5]["id"]
    folder = build_both_modes(
        tmp_path_factory.mktemp("partial"), {r["id"] for r in bundled.records} - {lacking}
    )
    return spacecraft_data.load(folder), lacking


def test_an_id_held_in_normal_mode_but_not_in_the_detailed_file_is_a_501_naming_it(partial):
    snap, lacking = partial
    status, body = snap.respond(f"{LIST}{lacking}/")
    assert status == 501
    assert f"id {lacking}:" in body["detail"] and DETAILED_FILE in body["detail"]
    assert "harvest --mode both" in body["detail"]
    with pytest.raises(ModeNotHeld, match=f"id {lacking}:"):
        snap.endpoint("spacecraft").get(lacking, mode="detailed")


def test_a_detailed_page_holding_the_missing_id_is_a_501_and_one_without_it_is_answered(partial):
    snap, lacking = partial
    status, body = snap.respond(LIST + "?mode=detailed")
    assert status == 501 and f"id {lacking}:" in body["detail"]
    with pytest.raises(ModeNotHeld):
        snap.query(mode="detailed")
    others = [r["id"] for r in snap.records if r["id"] != lacking]
    position = [r["id"] for r in snap.records].index(lacking)
    status, body = snap.respond(LIST + f"?mode=detailed&limit={position}")
    assert status == 200 and [r["id"] for r in body["results"]] == others[:position]
    assert snap.respond(f"{LIST}{others[0]}/")[0] == 200
    assert snap.respond(LIST)[0] == 200  # normal mode is whole


# --------------------------------------------------------------------------- snapshots without detailed
# records
def test_the_bundled_snapshot_still_answers_501_with_the_same_message(bundled):
    expected = {"detail": mode_not_held_message(bundled.version, "detailed", ("normal",))}
    assert bundled.respond(f"{LIST}463/") == (501, expected)
    assert bundled.respond(f"{LIST}?mode=detailed") == (501, expected)
    assert "harvest --mode detailed" in expected["detail"]


# --------------------------------------------------------------------------- the harvest path
# (tests/fakeapi.py)
TODAY = dt.datetime(2026, 11, 25, 12, 0, tzinfo=dt.timezone.utc)


def harvested(tmp_path: Path, modes: tuple[str, ...]):
    from fakeapi import FakeLL2

    from spacecraft_data.harvest import HarvestOptions, harvest

    with FakeLL2(detailed=True) as api:  # its detailed records are SYNTHETIC (see tests/fakeapi.py)
        result = harvest(
            HarvestOptions(
                base_url=api.base_url,
                output=tmp_path / "out",
                raw_dir=tmp_path / "raw",
                changelog=tmp_path / "CHANGES.md",
                page_size=10,
                read_timeout=2,
                connect_timeout=2,
                sleep=lambda s: None,
                now=lambda: TODAY,
                modes=modes,
            )
        )
    return spacecraft_data.load(result.snapshot), result.snapshot


def test_a_harvest_of_both_modes_answers_detailed_mode_from_its_detailed_file(tmp_path, pinned_home):
    snap, folder = harvested(tmp_path, ("normal", "detailed"))
    stored = {r["id"]: r for r in json.loads((folder / DETAILED_FILE).read_text())}
    ids = [r["id"] for r in snap.query(ordering="-time_in_space", limit=100).results]
    page = snap.query(mode="detailed", ordering="-time_in_space", limit=100)
    # The fake's records link to LL2's host while its manifest's base_url is the fake's, so nothing is
    # rewritten.
    assert page.results == [stored[i] for i in ids] and len(ids) == len(spacecraft_data.load())
    assert snap.endpoint("spacecraft").get(ids[0], mode="detailed") == stored[ids[0]]
    assert snap.modes == ("normal", "detailed")


def test_a_harvest_of_detailed_mode_alone_answers_normal_mode_as_the_projection_of_its_records(
    tmp_path, bundled
):
    snap, _ = harvested(tmp_path, ("detailed",))
    assert snap.modes == ("detailed",)
    normal = snap.query(ordering="id", limit=100).results
    assert normal == [ep.SPACECRAFT_NORMAL.apply(r) for r in sorted(snap.records, key=lambda r: r["id"])]
    assert validate_records(normal, endpoint="spacecraft").valid
    assert {r["response_mode"] for r in normal} == {"normal"} and all("flights" not in r for r in normal)
    # The fake's detailed record is the real normal one renamed: its projection is the real one but for the
    # name (and the format the harvest asked for on its links).
    real = {r["id"]: strip_formats(r) for r in bundled.records}
    assert all(strip_formats(dict(r, name=real[r["id"]]["name"])) == real[r["id"]] for r in normal)
    assert snap.query(mode="detailed", limit=100).results == snap.records


# --------------------------------------------------------------------------- the server and the CLI
def test_the_server_answers_the_detail_route_with_links_on_its_own_address(snap, detailed_by_id):
    import threading
    import urllib.request

    from spacecraft_data.server import make_server

    server = make_server(snap, "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        record_id = snap.records[0]["id"]
        with urllib.request.urlopen(f"{server.url}{LIST}{record_id}/?format=json", timeout=5) as reply:
            body = json.loads(reply.read())
        assert body == rewritten(detailed_by_id[record_id], server.url, "json")
        assert body["flights"][0]["url"].startswith(server.url + "/2.3.0/spacecraft/flights/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


def test_the_get_command_prints_the_detailed_record(both, detailed_by_id):
    record_id = next(iter(detailed_by_id))
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacecraft_data",
            "get",
            f"{LIST}{record_id}/",
            "--snapshot",
            str(both),
            "--compact",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert json.loads(out) == rewritten(detailed_by_id[record_id], LL2, None)
