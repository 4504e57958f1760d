"""The oracle (real DRF + django-filter over SQLite) reproduces what is known of LL2.

Facts come from the two real saved pages and from research/api-semantics.md. If the
oracle is wrong here, every differential test built on it would be wrong too. The oracle holds the
seed records' snapshot (``seed_snapshot``: exactly the records of the two pages and the 46 configurations).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from oracle import Oracle, pg_upper
from oracle.synthetic import many, with_nulls_and_ties

LL2 = "https://ll.thespacedevs.com/2.3.0/spacecraft/"
INVALID_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]


@pytest.fixture(scope="module")
def oracle(seed_snapshot) -> Oracle:
    return Oracle.from_snapshot(seed_snapshot)


@pytest.fixture(scope="module")
def synthetic(seed_snapshot) -> Oracle:
    """SYNTHETIC records (NULLs, ties, booleans set, non-ASCII names) over the real reference tables."""
    return Oracle(
        with_nulls_and_ties(seed_snapshot.records),
        seed_snapshot.tables["spacecraft_configurations"],
        seed_snapshot.tables["spacecraft_statuses"],
    )


@pytest.fixture(scope="module")
def oracle_590(seed_snapshot) -> Oracle:
    """SYNTHETIC: 590 copies of the real records (ids 1..590), the count LL2 reported."""
    return Oracle(
        many(seed_snapshot.records, 590),
        seed_snapshot.tables["spacecraft_configurations"],
        seed_snapshot.tables["spacecraft_statuses"],
    )


def ids(body: dict) -> list[int]:
    return [r["id"] for r in body["results"]]


def get(oracle: Oracle, query: str = "", path: str = LL2) -> tuple[int, object]:
    return oracle.respond(f"{path}?{query}" if query else path)


# -- records and links --------------------------------------------------------------------------
def test_records_come_back_byte_for_byte_when_requested_like_the_seeds(oracle, seed_snapshot):
    status, body = get(oracle, "format=api&limit=100")
    assert status == 200 and body["count"] == len(seed_snapshot.records)
    served = {r["id"]: json.dumps(r, ensure_ascii=False) for r in body["results"]}
    assert served == {r["id"]: json.dumps(r, ensure_ascii=False) for r in seed_snapshot.records}


def test_seed_page_002_results_are_reproduced_from_the_real_records(oracle, seed_pages):
    """Seed 002 (ordering=-id, a unique key) lists 10 of the 20 held records; -id ordering is total."""
    page = next(p for p in seed_pages if "ordering=-id" in p.request.query)
    status, body = get(oracle, "format=api&ordering=-id&limit=100")
    order = ids(body)
    start = order.index(page.body["results"][0]["id"])
    status, body = get(oracle, f"format=api&ordering=-id&offset={start}&limit=10")
    assert status == 200
    assert json.dumps(body["results"], ensure_ascii=False) == json.dumps(
        page.body["results"], ensure_ascii=False
    )


@pytest.mark.parametrize("seed", [0, 1])
def test_seed_page_envelopes_are_reproduced_over_590_records(oracle_590, seed_pages, seed):
    page = seed_pages[seed]
    status, body = oracle_590.respond(page.request.url("https://ll.thespacedevs.com"))
    assert status == 200
    assert (body["count"], body["next"], body["previous"]) == (
        page.body["count"],
        page.body["next"],
        page.body["previous"],
    )


def test_links_follow_the_request_host_scheme_and_format_parameter(oracle):
    status, body = oracle.respond("http://127.0.0.1:8000/2.3.0/spacecraft/?format=json&limit=1&search=Cygnus")
    record = body["results"][0]
    assert record["url"] == "http://127.0.0.1:8000/2.3.0/spacecraft/167/?format=json"
    assert (
        record["spacecraft_config"]["url"]
        == "http://127.0.0.1:8000/2.3.0/spacecraft_configurations/19/?format=json"
    )
    assert (
        record["spacecraft_config"]["agency"]["url"]
        == "http://127.0.0.1:8000/2.3.0/agencies/257/?format=json"
    )
    assert (
        record["spacecraft_config"]["family"][0]["manufacturer"]["url"]
        == record["spacecraft_config"]["agency"]["url"]
    )
    status, body = oracle.respond("http://localhost/2.3.0/spacecraft/?limit=1")
    assert body["results"][0]["url"] == "http://localhost/2.3.0/spacecraft/167/"
    status, body = oracle.respond("http://localhost/2.3.0/spacecraft/?limit=1&format=")
    assert body["results"][0]["url"] == "http://localhost/2.3.0/spacecraft/167/?format="


def test_an_unknown_format_is_a_404(oracle):
    assert get(oracle, "format=xml") == (404, {"detail": "Not found."})


# -- filters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value, count",
    [
        ("yes", 20),
        ("on", 20),
        ("", 20),
        ("%20true", 20),
        ("true", 0),
        ("TRUE", 0),
        ("1", 0),
        ("false", 20),
        ("False", 20),
        ("0", 20),
    ],
)
def test_boolean_filters_accept_true_false_1_0_in_any_case_and_ignore_anything_else(oracle, value, count):
    status, body = get(oracle, f"in_space={value}")
    assert (status, body["count"]) == (200, count)


def test_boolean_filters_select_on_synthetic_records(synthetic):
    rows = synthetic.rows
    for param in ("in_space", "is_placeholder"):
        expected = sorted(r["id"] for r in rows if r[param])
        status, body = get(synthetic, f"{param}=True&limit=100")
        assert ids(body) == expected
        status, body = get(synthetic, f"{param}=0&limit=100")
        assert ids(body) == sorted(r["id"] for r in rows if not r[param])


def test_config_filter_400s_on_an_id_outside_the_reference_table(oracle):
    assert get(oracle, "spacecraft_config=99999") == (400, {"spacecraft_config": INVALID_CHOICE})


@pytest.mark.parametrize("value", ["33.0", "1,2", "abc", "\u00b2", str(2**63)])
def test_config_filter_400s_on_values_that_are_not_an_id(oracle, value):
    status, body = oracle.respond(LL2 + "?spacecraft_config=" + value)
    assert (status, body) == (400, {"spacecraft_config": INVALID_CHOICE})


@pytest.mark.parametrize("value", ["33", "%2033%20", "+33", "033", "\uff13\uff13", "3_3"])
def test_config_filter_takes_what_python_int_takes(oracle, value):
    status, body = oracle.respond(LL2 + "?spacecraft_config=" + value)
    assert (status, body["count"]) == (200, 11)


def test_config_filter_on_an_unused_id_in_the_table_is_an_empty_200(oracle, seed_snapshot):
    used = {r["spacecraft_config"]["id"] for r in seed_snapshot.records}
    unused = next(c["id"] for c in seed_snapshot.tables["spacecraft_configurations"] if c["id"] not in used)
    status, body = get(oracle, f"spacecraft_config={unused}")
    assert (status, body) == (200, {"count": 0, "next": None, "previous": None, "results": []})


def test_all_failing_filters_are_reported_together(oracle):
    status, body = get(oracle, "status=x&spacecraft_config=99999&name=%00&in_space=%00")
    assert status == 400
    assert body == {
        "name": ["Null characters are not allowed."],
        "spacecraft_config": INVALID_CHOICE,
        "status": INVALID_CHOICE,
    }


def test_status_universe_is_the_status_table(oracle, seed_snapshot):
    held = sorted(s["id"] for s in seed_snapshot.tables["spacecraft_statuses"])
    for status_id in held:
        assert get(oracle, f"status={status_id}")[0] == 200
    assert get(oracle, "status=99") == (400, {"status": INVALID_CHOICE})


def test_name_is_exact_case_sensitive_and_stripped(oracle):
    assert get(oracle, "name=Soyuz+22")[1]["count"] == 1
    assert get(oracle, "name=%20Soyuz%2022%09")[1]["count"] == 1
    assert get(oracle, "name=soyuz+22")[1]["count"] == 0
    assert get(oracle, "name=Soyuz")[1]["count"] == 0
    assert get(oracle, "name=%20%20")[1]["count"] == 20


def test_repeated_parameters_last_value_wins(oracle):
    status, body = get(oracle, "limit=2&limit=3&search=zzz&search=soyuz")
    assert len(body["results"]) == 3 and body["count"] == 5
    assert body["next"] == LL2 + "?limit=3&offset=3&search=zzz&search=soyuz"


# -- search -------------------------------------------------------------------------------------
def test_search_with_a_nul_is_a_400_with_a_list_body(oracle):
    assert get(oracle, "search=a%00b") == (400, ["Null characters are not allowed."])


@pytest.mark.parametrize(
    "search, expected",
    [
        ("progress+ms-0", [235, 236, 237, 238, 239, 240, 241, 242, 243]),
        ("progress%2Cms-0", [235, 236, 237, 238, 239, 240, 241, 242, 243]),
        ("%22Soyuz+7K-L1%22", [503, 513]),
        ("%22Soyuz+7K-L1+No%22+%22No.1%22", [513]),
        ("enhanced", [167]),  # the configuration's name, not the spacecraft's
        ("%22%22", "all"),  # the quoted empty phrase matches everything
        ("%20%09", "all"),  # blank: no search
        ("%25", []),  # LIKE wildcards are escaped
        ("_", []),
        ("dragon+dragon", [233]),
    ],
)
def test_search_splits_terms_and_matches_all_of_them_in_any_field(oracle, seed_snapshot, search, expected):
    status, body = get(oracle, f"search={search}&limit=100")
    assert status == 200
    assert ids(body) == (sorted(r["id"] for r in seed_snapshot.records) if expected == "all" else expected)


def test_search_folds_unicode_as_postgresql_upper_does(synthetic):
    assert ids(get(synthetic, "search=%D0%BF%D1%80%D0%BE%D0%B3%D1%80%D0%B5%D1%81%D1%81")[1]) == [
        185
    ]  # прогресс
    assert ids(get(synthetic, "search=%C3%A9t%C3%A9")[1]) == [239]  # été -> ÉTÉ
    # ß has no one-character upper case: PostgreSQL's upper() keeps it, so it does not match "SS".
    assert ids(get(synthetic, "search=%C3%9F&limit=100")[1]) == [236]
    assert ids(get(synthetic, "search=strasse")[1]) == []


def test_pg_upper_maps_one_character_at_a_time():
    assert pg_upper("Straße ﬁx é ı") == "STRAßE ﬁX É I"
    assert pg_upper(None) is None


# -- ordering -----------------------------------------------------------------------------------
def test_durations_sort_numerically_not_as_strings(oracle):
    order = ids(get(oracle, "ordering=time_in_space&limit=3")[1])
    assert order == [240, 521, 491]  # PT6M20S, P2DT23H57M, P3DT14H30M1S


@pytest.mark.parametrize("ordering", ["+id", "%20id", "id,-id", "name,id", "--id,id", "-,id"])
def test_ordering_drops_invalid_parts_and_a_literal_plus_is_ascending(oracle, seed_snapshot, ordering):
    assert ids(get(oracle, f"ordering={ordering}&limit=100")[1]) == sorted(
        r["id"] for r in seed_snapshot.records
    )


def test_ordering_descending_by_id(oracle, seed_snapshot):
    for ordering in ("-id", "-id,id", "name,-id,id", "%20-id%20"):
        assert ids(get(oracle, f"ordering={ordering}&limit=100")[1]) == sorted(
            (r["id"] for r in seed_snapshot.records), reverse=True
        )


def test_nulls_sort_last_ascending_and_first_descending_like_postgresql(synthetic):
    nulls = {r["id"] for r in synthetic.rows if r["flights_count"] is None}
    asc = ids(get(synthetic, "ordering=flights_count&limit=100")[1])
    desc = ids(get(synthetic, "ordering=-flights_count&limit=100")[1])
    assert set(asc[-len(nulls) :]) == nulls and set(desc[: len(nulls)]) == nulls


# -- pagination ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "limit, effective",
    [
        ("1000", 100),
        ("101", 100),
        ("abc", 10),
        ("0", 10),
        ("-1", 10),
        ("1.5", 10),
        ("%202", 2),
        ("%2B2", 2),
        ("", 10),
    ],
)
def test_limit_is_clamped_to_100_and_bad_values_fall_back_to_10(oracle_590, limit, effective):
    status, body = get(oracle_590, f"limit={limit}")
    assert len(body["results"]) == effective
    assert dict(parse_qsl(urlsplit(body["next"]).query))["limit"] == str(effective)


@pytest.mark.parametrize("offset", ["-5", "abc", "", "1.0"])
def test_bad_offsets_count_as_zero(oracle, offset):
    status, body = get(oracle, f"offset={offset}&limit=5")
    assert body["previous"] is None and ids(body) == ids(get(oracle, "limit=5")[1])


def test_previous_drops_the_offset_when_it_would_reach_zero(oracle):
    body = get(oracle, "offset=5&limit=10&format=api")[1]
    assert body["previous"] == LL2 + "?format=api&limit=10"
    assert body["next"] == LL2 + "?format=api&limit=10&offset=15"


def test_an_offset_past_the_end_is_an_empty_page_whose_previous_is_not_clamped(oracle):
    body = get(oracle, "offset=100&limit=10")[1]
    assert body == {"count": 20, "next": None, "previous": LL2 + "?limit=10&offset=90", "results": []}


def test_links_keep_every_parameter_sorted_and_reencoded(oracle):
    body = get(oracle, "zeta=1&alpha=%C3%A9+x&limit=2&blank=&search=Soyuz%207K,x")[1]
    assert body["count"] == 0
    body = get(oracle, "zeta=1&alpha=%C3%A9+x&limit=2&blank=&search=Soyuz%207K")[1]
    assert body["next"] == LL2 + "?alpha=%C3%A9+x&blank=&limit=2&offset=2&search=Soyuz+7K&zeta=1"


# -- detail route and modes ---------------------------------------------------------------------
def test_detail_route_runs_the_filters(oracle):
    assert get(oracle, "in_space=true", LL2 + "463/") == (
        404,
        {"detail": "No Spacecraft matches the given query."},
    )
    assert get(oracle, "spacecraft_config=x", LL2 + "463/") == (400, {"spacecraft_config": INVALID_CHOICE})
    assert get(oracle, "search=%00", LL2 + "463/") == (400, ["Null characters are not allowed."])
    assert get(oracle, "", LL2 + "abc/") == (404, {"detail": "Not found."})
    assert get(oracle, "", LL2 + "99999/") == (404, {"detail": "No Spacecraft matches the given query."})


def test_detailed_answers_are_not_held_by_the_oracle(oracle):
    answer = oracle.answer(LL2 + "463/")
    assert (answer.status, answer.detailed) == (501, True)
    answer = oracle.answer(LL2 + "?mode=detailed&search=nothing-matches")
    assert (answer.status, answer.detailed, answer.body["count"]) == (200, True, 0)
    for mode in ("normal", "list", "Detailed", ""):
        answer = oracle.answer(LL2 + f"?mode={mode}")
        assert (answer.status, answer.detailed) == (200, False)


# -- isolation ----------------------------------------------------------------------------------
def _run(code: str) -> subprocess.CompletedProcess[str]:
    tests = Path(__file__).resolve().parent
    return subprocess.run([sys.executable, "-c", code], cwd=tests, capture_output=True, text=True, timeout=60)


def test_importing_the_oracle_configures_nothing_until_it_answers():
    done = _run(
        "import oracle, oracle.synthetic; from django.conf import settings; print(settings.configured)"
    )
    assert (done.returncode, done.stdout.strip()) == (0, "False"), done.stderr


def test_the_oracle_refuses_django_settings_configured_by_someone_else():
    done = _run(
        "from django.conf import settings; settings.configure(INSTALLED_APPS=[]);"
        "import oracle; oracle.setup()"
    )
    assert done.returncode != 0 and "configured elsewhere" in done.stderr and "'oracle'" in done.stderr


def test_synthetic_snapshots_may_not_be_written_under_data(seed_snapshot, repo_root):
    from oracle.synthetic import write_snapshot

    with pytest.raises(ValueError, match="may not be written under"):
        write_snapshot(
            seed_snapshot, with_nulls_and_ties(seed_snapshot.records), repo_root / "data" / "snapshots" / "x"
        )
    assert not (repo_root / "data" / "snapshots" / "x").exists()
