"""Snapshot.respond and Snapshot.query: routes, status codes, bodies and hyperlinks, on the real bundled
data."""

from __future__ import annotations

import copy
import json
import re

import pytest

from spacecraft_data import ModeNotHeld
from spacecraft_data.api import Page
from spacecraft_data.errors import QueryError, RecordNotFound

LIST = "/2.3.0/spacecraft/"
NO_MATCH = {"detail": "No Spacecraft matches the given query."}
NOT_FOUND = {"detail": "Not found."}
INVALID_CHOICE = ["Select a valid choice. That choice is not one of the available choices."]


def ids(body):
    return [r["id"] for r in body["results"]]


# -- routes and status codes ------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/2.3.0/spacecraft",
        "/2.3.0/spacecraft/463/extra/",
        "/2.3.0/spacecraft/4.6/",
        "/2.3.0/nothing/",
        "/9.9.9/spacecraft/",
        "/2.3.0/launches",
    ],
)
def test_paths_that_ll2_does_not_have_answer_not_found(bundled, path):
    assert bundled.respond(path) == (404, NOT_FOUND)


@pytest.mark.parametrize("path", ["/2.2.0/spacecraft/", "/2.3.0/launches/", "/2.3.0/agencies/1/"])
def test_paths_ll2_has_that_the_snapshot_does_not_hold_answer_501(bundled, path):
    # tests/test_unserved_paths.py has the rest: the message, the API root, CLI, serve and offline() alike
    status, body = bundled.respond(path)
    assert status == 501 and f"LL2's {path} is not answered from the snapshot" in body["detail"]


def test_percent_encoded_path_is_decoded_before_routing(bundled):
    assert bundled.respond("/2.3.0/space%63raft/?limit=1")[0] == 200


def test_detail_route_of_a_held_record_says_detailed_mode_is_not_held(bundled):
    status, body = bundled.respond("/2.3.0/spacecraft/463/")
    assert status == 501
    assert bundled.version in body["detail"] and "harvest --mode detailed" in body["detail"]


def test_refused_filters_are_listed_in_the_filters_order_whatever_the_requests(bundled):
    # django-filter's form errors follow the FilterSet's field order; the JSON body keeps that order.
    status, body = bundled.respond(LIST + "?status=x&spacecraft_config=99999&name=%00&in_space=maybe")
    assert status == 400
    assert list(body) == ["name", "spacecraft_config", "status"]


def test_detail_route_runs_the_filters_before_the_mode_check(bundled):
    assert bundled.respond("/2.3.0/spacecraft/463/?in_space=true") == (404, NO_MATCH)
    assert bundled.respond("/2.3.0/spacecraft/463/?in_space=false")[0] == 501
    assert bundled.respond("/2.3.0/spacecraft/463/?search=dragon") == (404, NO_MATCH)
    assert bundled.respond("/2.3.0/spacecraft/463/?spacecraft_config=x") == (
        400,
        {"spacecraft_config": INVALID_CHOICE},
    )
    assert bundled.respond("/2.3.0/spacecraft/abc/?status=x") == (400, {"status": INVALID_CHOICE})


def test_detail_id_that_is_not_an_integer_is_not_found_and_an_unheld_id_matches_nothing(bundled):
    assert bundled.respond("/2.3.0/spacecraft/abc/") == (404, NOT_FOUND)
    assert bundled.respond("/2.3.0/spacecraft/9999/") == (404, NO_MATCH)
    assert bundled.respond("/2.3.0/spacecraft/+463/")[0] == 501  # int("+463"), as Django's lookup reads it


def test_list_in_detailed_mode_is_refused_only_after_the_parameters_are_checked(bundled):
    assert bundled.respond(LIST + "?mode=detailed&status=x") == (400, {"status": INVALID_CHOICE})
    status, body = bundled.respond(LIST + "?mode=detailed")
    assert status == 501 and "normal-mode" in body["detail"]
    # Only the exact word selects detailed mode; anything else is normal.
    for mode in ("Detailed", "list", "", "detailed "):
        assert bundled.respond(LIST + f"?mode={mode}")[0] == 200


def test_format_no_renderer_serves_is_not_found_before_anything_else(bundled):
    assert bundled.respond(LIST + "?format=xml&status=x") == (404, NOT_FOUND)
    assert bundled.respond(LIST + "?format=json")[0] == 200
    assert bundled.respond(LIST + "?format=api")[0] == 200
    assert bundled.respond(LIST + "?format=")[0] == 200


def test_all_refused_filters_are_reported_together(bundled):
    status, body = bundled.respond(LIST + "?status=99&spacecraft_config=1.0&name=a%00b&in_space=maybe")
    assert status == 400
    assert body == {
        "name": ["Null characters are not allowed."],
        "spacecraft_config": INVALID_CHOICE,
        "status": INVALID_CHOICE,
    }


def test_search_with_a_null_character_gets_drf_list_body(bundled):
    assert bundled.respond(LIST + "?search=soy%00uz") == (400, ["Null characters are not allowed."])


def test_too_many_parameters_are_refused_as_django_refuses_them(bundled):
    status, body = bundled.respond(LIST + "?" + "&".join(["a=1"] * 1001))
    assert status == 400 and "1000" in body["detail"]
    assert bundled.respond(LIST + "?" + "&".join(["a=1"] * 1000))[0] == 200


# -- filters on real records ---------------------------------------------------------------------
def test_config_id_that_exists_in_the_reference_table_but_is_unused_gives_an_empty_page(bundled):
    configs = {c["id"] for c in bundled.tables["spacecraft_configurations"]}
    used = {r["spacecraft_config"]["id"] for r in bundled}
    unused = min(configs - used)
    assert bundled.respond(LIST + f"?spacecraft_config={unused}") == (
        200,
        {"count": 0, "next": None, "previous": None, "results": []},
    )
    missing = next(i for i in range(1, 100) if i not in configs)
    assert bundled.respond(LIST + f"?spacecraft_config={missing}") == (
        400,
        {"spacecraft_config": INVALID_CHOICE},
    )


def test_status_filter_tolerates_spaces_and_refuses_non_integers(bundled):
    status, body = bundled.respond(LIST + "?status=+3+&limit=100")  # '+' decodes to a space
    assert status == 200 and ids(body) == [233]
    for bad in ("3.0", "1%2C2", "three", "%20"):
        assert bundled.respond(LIST + f"?status={bad}")[0] == 400, bad
    assert bundled.respond(LIST + "?status=")[0] == 200


def test_name_filter_is_exact_case_sensitive_and_stripped(bundled):
    assert ids(bundled.respond(LIST + "?name=+Soyuz+22+")[1]) == [185]
    assert bundled.respond(LIST + "?name=soyuz+22")[1]["count"] == 0
    assert bundled.respond(LIST + "?name=Soyuz")[1]["count"] == 0
    assert bundled.respond(LIST + "?name=+++")[1]["count"] == len(bundled) == 28


# The 20 seed records are all out of space; the 8 the space stations embed were docked when captured.
@pytest.mark.parametrize(
    "value,count",
    [
        ("true", 8),
        ("TRUE", 8),
        ("1", 8),
        ("false", 20),
        ("False", 20),
        ("0", 20),
        ("yes", 28),
        ("", 28),
        ("+true", 28),
        ("%00", 28),
    ],
)
def test_boolean_filter_reads_true_false_1_0_in_any_case_and_ignores_anything_else(bundled, value, count):
    assert bundled.respond(LIST + f"?in_space={value}&limit=1")[1]["count"] == count


def test_repeated_parameters_take_the_last_value(bundled):
    assert ids(bundled.respond(LIST + "?name=Soyuz+22&name=Progress+MS-01")[1]) == [243]
    assert ids(bundled.respond(LIST + "?ordering=id&ordering=-id&limit=1")[1]) == [629]


def test_search_matches_name_or_configuration_name_and_every_term(bundled):
    # config "Crew Dragon 2": names "Crew Dragon C204" and "Crew Dragon Freedom"
    assert ids(bundled.respond(LIST + "?search=dragon")[1]) == [233, 551]
    assert ids(bundled.respond(LIST + "?search=tianzhou")[1]) == [463, 627]
    assert bundled.respond(LIST + "?search=progress+ms-0")[1]["count"] == 9
    assert ids(bundled.respond(LIST + "?search=%22soyuz+7k-ok%22")[1]) == [491]
    assert bundled.respond(LIST + "?search=soyuz+progress")[1]["count"] == 0


# -- ordering and pagination on real records -------------------------------------------------------
def test_durations_are_ordered_as_durations_not_as_text(bundled):
    body = bundled.respond(LIST + "?ordering=time_in_space&limit=3")[1]
    assert [r["time_in_space"] for r in body["results"]] == ["PT6M20S", "P2DT23H57M", "P3DT14H30M1S"]


def test_limit_is_clamped_and_bad_limits_and_offsets_fall_back(bundled):
    assert len(bundled.respond(LIST + "?limit=1000")[1]["results"]) == 28
    for bad in ("0", "-1", "abc", "1.5", ""):
        body = bundled.respond(LIST + f"?limit={bad}")[1]
        assert len(body["results"]) == 10 and "limit=10" in body["next"], bad
    assert ids(bundled.respond(LIST + "?offset=-5&limit=1")[1]) == [167]
    assert ids(bundled.respond(LIST + "?offset=x&limit=1")[1]) == [167]


def test_next_and_previous_keep_every_parameter_sorted_with_the_effective_limit(bundled):
    body = bundled.respond(LIST + "?zeta=1&search=Soyuz+7K%2Cx&limit=1000&offset=2&format=json&a=&zeta=2")[1]
    assert body["next"] is None
    assert body["previous"] == (
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?a=&format=json&limit=100"
        "&search=Soyuz+7K%2Cx&zeta=1&zeta=2"
    )


# -- hyperlinks -----------------------------------------------------------------------------------
def test_hyperlinks_follow_the_request_host_and_format_and_images_are_untouched(bundled):
    stored = bundled.get(463)
    status, body = bundled.respond("http://127.0.0.1:8000/2.3.0/spacecraft/?name=Tianzhou-3&format=json")
    record = body["results"][0]
    assert record["url"] == "http://127.0.0.1:8000/2.3.0/spacecraft/463/?format=json"
    assert (
        record["spacecraft_config"]["url"]
        == "http://127.0.0.1:8000/2.3.0/spacecraft_configurations/25/?format=json"
    )
    assert record["spacecraft_config"]["agency"]["url"].startswith("http://127.0.0.1:8000/2.3.0/agencies/")
    assert record["image"] == stored["image"]
    plain = bundled.respond(LIST + "?name=Tianzhou-3")[1]["results"][0]
    assert plain["url"] == "https://ll.thespacedevs.com/2.3.0/spacecraft/463/"
    assert (
        bundled.respond(LIST + "?name=Tianzhou-3", base_url="http://localhost:9")[1]["results"][0]["url"]
        == "http://localhost:9/2.3.0/spacecraft/463/"
    )


def test_answering_never_modifies_the_stored_records(bundled):
    before = copy.deepcopy(bundled.records)
    bundled.respond("http://example.test/2.3.0/spacecraft/?limit=100&format=json")
    bundled.query(limit=100, base_url="http://other.test")
    assert bundled.records == before


def test_body_is_json_serialisable_as_the_api_sends_it(bundled):
    status, body = bundled.respond(LIST + "?limit=100&format=api")
    assert json.loads(json.dumps(body)) == body
    assert list(body) == ["count", "next", "previous", "results"]


# -- Snapshot.query -------------------------------------------------------------------------------
def test_query_and_respond_give_the_same_answer(bundled):
    page = bundled.query(search="soyuz", ordering=["-time_docked", "id"], in_space=False, limit=2, offset=1)
    status, body = bundled.respond(
        LIST + "?search=soyuz&ordering=-time_docked%2Cid&in_space=false&limit=2&offset=1"
    )
    assert isinstance(page, Page) and status == 200
    assert page.to_dict() == body


def test_query_raises_query_error_naming_the_parameter_with_ll2s_body(bundled):
    with pytest.raises(QueryError) as caught:
        bundled.query(spacecraft_config=23)
    assert caught.value.params == ("spacecraft_config",)
    assert caught.value.body == {"spacecraft_config": INVALID_CHOICE}
    assert "spacecraft_config=23" in str(caught.value)
    with pytest.raises(QueryError) as caught:
        bundled.query(search="a\x00")
    assert caught.value.params == ("search",) and caught.value.body == ["Null characters are not allowed."]


def test_query_in_detailed_mode_raises_mode_not_held_with_the_harvest_command(bundled):
    with pytest.raises(ModeNotHeld, match="harvest --mode detailed"):
        bundled.query(mode="detailed")


# --------------------------------------------------------------------------- URL splitting
@pytest.mark.parametrize(
    "url",
    [
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?search=soyuz&limit=2",
        "http://127.0.0.1:8000/2.3.0/spacecraft/463/",
        "http://localhost:8000?x=1",
        "https://h",
        "http://",
        "https://h/p?a=http://x?y",
        "/2.3.0/spacecraft/?next=http://x",
        "/",
        "/?",
        "https://h?q/r",
        "https://user@h:1/p",
        "http://h%20x/p",
        "https://h:port/",
        "/2.3.0/spacecraft/?search=союз",
        "https://h/a b",
        "https://h/\x01?\x7f",
        "/\x00",
        "https://h/p?q=\ud800",
    ],
)
def test_the_fast_url_split_is_urlsplit_on_the_urls_it_takes(url):
    from urllib.parse import urlsplit

    from spacecraft_data.api import split_plain

    parts = urlsplit(url)
    assert split_plain(url) == (parts.scheme, parts.netloc, parts.path, parts.query)


@pytest.mark.parametrize(
    "url",
    [
        "//h/2.3.0/spacecraft/",
        "HTTPS://h/",
        "https://[::1]/",
        "https://h/#f",
        " https://h/",
        "https://h/\t",
        "https://h/\r",
        "/\n",
        "ftp://h/",
        "2.3.0/spacecraft/",
        "https://hé/",
        "https://h]/",
        "\x00/",
    ],
)
def test_urls_the_fast_split_does_not_take_go_to_urlsplit(url):
    from spacecraft_data.api import split_plain

    assert split_plain(url) is None


# --------------------------------------------------------------------------- the service and the registry
def test_the_snapshot_keeps_one_api_that_owns_the_endpoint_state(bundled):
    from spacecraft_data.api import Api
    from spacecraft_data.endpoints import primary

    assert isinstance(bundled.api, Api) and bundled.api is bundled.api and bundled.api.snapshot is bundled
    assert "_api_served" not in vars(bundled)
    served = bundled.api.served(primary())
    assert served is bundled.api.served(primary()) and served.records is bundled.records


def test_snapshot_query_takes_exactly_the_primary_endpoints_declared_parameters(bundled):
    from spacecraft_data.endpoints import primary

    assert bundled.query(**{p: None for p in primary().parameters}) == bundled.query()
    with pytest.raises(
        TypeError, match=r"'agency': not a parameter of /2\.3\.0/spacecraft/ \(its parameters: in_space, "
    ):
        bundled.query(agency=121)
    assert (
        bundled.query(limit=1, base_url="http://other.test")
        .results[0]["url"]
        .startswith("http://other.test/")
    )


def test_an_endpoint_declared_at_run_time_is_answered_by_respond_query_and_serve(bundled, monkeypatch):
    import urllib.error
    import urllib.request

    from conftest import serving

    from spacecraft_data.endpoints import (
        ENDPOINTS,
        Endpoint,
        ModePlan,
        Querying,
        Routing,
        Storage,
    )

    statuses = ENDPOINTS["2.3.0"]["config/spacecraft_statuses"]
    again = Endpoint(
        routing=Routing(name="statuses_again", model="SpacecraftStatus"),
        storage=Storage(table=statuses.storage.table),
        query=Querying(
            filters=statuses.query.filters,
            search=statuses.query.search,
            ordering=statuses.query.ordering,
        ),
        modes=ModePlan(names=()),
    )
    monkeypatch.setitem(ENDPOINTS["2.3.0"], "statuses_again", again)
    expected = bundled.respond("/2.3.0/config/spacecraft_statuses/?limit=100")[1]["results"]
    status, body = bundled.respond("/2.3.0/statuses_again/?limit=100")
    assert status == 200 and body["results"] == expected
    assert bundled.respond(f"/2.3.0/statuses_again/{expected[0]['id']}/") == (200, expected[0])
    assert bundled.endpoint("statuses_again").query(limit=100).results == expected
    with serving(bundled) as url:
        with urllib.request.urlopen(f"{url}/2.3.0/statuses_again/?limit=100") as answer:
            assert json.loads(answer.read())["results"] == expected
        request = urllib.request.Request(f"{url}/2.3.0/statuses_again/", method="POST")
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(request)
        assert refused.value.code == 405  # a route of the server too, not a 404


# --------------------------------------------------------------------------- errors -> HTTP in one place
@pytest.mark.parametrize(
    "kind, args, status",
    [
        ("NotFound", (), 404),
        ("UnknownFormat", (), 404),
        ("NoMatch", ("Spacecraft", 1), 404),
        ("InvalidHost", ("a b", "Invalid Host header 'a b'"), 400),
        ("BadTarget", ("Bad request target.",), 400),
        ("NotAcceptable", (), 406),
        ("MethodNotAllowed", ("POST",), 405),
        ("RequestLineTooLong", ("Too long.",), 414),
        ("HeadersTooLarge", ("Too large.",), 431),
        ("MalformedRequest", (505, "Bad version."), 505),
        ("NotServed", ("Not here.",), 501),
        ("InternalError", (), 500),
    ],
)
def test_error_answer_gives_each_refusal_its_status_and_a_detail_body(kind, args, status):
    from spacecraft_data import refusals
    from spacecraft_data.api import error_answer

    refusal = getattr(refusals, kind)(*args)
    assert error_answer(refusal) == (status, {"detail": refusal.detail})


def test_error_answer_gives_query_refusals_and_unheld_modes_ll2s_bodies():
    from spacecraft_data.api import error_answer
    from spacecraft_data.query import InvalidFilters, InvalidSearch, TooManyFields

    assert error_answer(InvalidFilters({"status": ["bad"], "name": ["worse"]})) == (
        400,
        {"status": ["bad"], "name": ["worse"]},
    )
    assert error_answer(InvalidSearch({"search": ["Null characters are not allowed."]})) == (
        400,
        ["Null characters are not allowed."],
    )
    assert error_answer(TooManyFields({"query": ["too many"]})) == (400, {"detail": "too many"})
    assert error_answer(ModeNotHeld("not held")) == (501, {"detail": "not held"})
    with pytest.raises(TypeError, match="no HTTP answer is defined for ValueError"):
        error_answer(ValueError("x"))


def test_query_error_names_the_refused_parameters_from_the_refusal_not_from_the_body(bundled):
    with pytest.raises(QueryError) as caught:
        bundled.query(
            status="x", spacecraft_config="y", in_space="maybe"
        )  # a boolean LL2 ignores, not refuses
    assert caught.value.params == tuple(caught.value.body) and set(caught.value.params) == {
        "status",
        "spacecraft_config",
    }
    with pytest.raises(QueryError) as caught:
        bundled.query(format="xml")
    assert (caught.value.params, caught.value.status, caught.value.body) == (("format",), 404, NOT_FOUND)
    assert str(caught.value) == "HTTP 404 for format='xml': {'detail': 'Not found.'}"


# -- one record, two ways in ----------------------------------------------------------------------
def test_snapshot_get_and_endpoint_get_agree_on_every_record_and_on_a_missing_id(bundled):
    # The same record in the same mode; the API writes its hyperlinks as for a request without ?format=
    # (the stored ones keep the harvest's ?format=...), so those are compared with format dropped.
    def unformatted(node):
        if isinstance(node, dict):
            return {
                k: re.sub(r"\?format=[a-z]*\Z", "", v)
                if k == "url" and isinstance(v, str)
                else unformatted(v)
                for k, v in node.items()
            }
        return [unformatted(v) for v in node] if isinstance(node, list) else node

    spacecraft = bundled.endpoint("spacecraft")
    assert len(bundled.records) > 0
    for record in bundled.records:
        answered = spacecraft.get(record["id"])
        assert answered == unformatted(bundled.get(record["id"])), record["id"]
    missing = max(r["id"] for r in bundled.records) + 1
    with pytest.raises(RecordNotFound) as stored:
        bundled.get(missing)
    with pytest.raises(RecordNotFound) as answered:
        spacecraft.get(missing)
    # Both are KeyErrors naming the id; the API's also names the detail route and LL2's 404.
    assert isinstance(stored.value, KeyError) and isinstance(answered.value, KeyError)
    assert f"spacecraft {missing}" in str(stored.value)
    assert f"/2.3.0/spacecraft/{missing}/" in str(answered.value) and "HTTP 404" in str(answered.value)
    assert bundled.get(missing, None) is None


# -- what a URL's part before "?" gave is reused (issue 21 item 6) ------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "https://ll.thespacedevs.com/2.3.0/spacecraft/#x?limit=2",  # "?" inside the fragment: no query
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?limit=2#x",
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?limit=2&offset=1\t",  # urlsplit drops the tab
        "https://ll.thespacedevs.com/2.3.0/spacecraft/?lim\nit=2",
        "https://LL.thespacedevs.com/2.3.0/spacecraft/?limit=3",
        "/2.3.0/spacecraft/?limit=2&offset=3",
    ],
)
def test_a_url_answers_the_same_whether_its_part_before_the_query_was_seen_or_not(bundled, url):
    from spacecraft_data.api import Api

    fresh = Api(bundled).respond(url, base_url="http://localhost:1")
    seen = Api(bundled)
    head = url.partition("?")[0]
    for warm in (head, head + "?limit=1", head + "?format=json&limit=5&offset=1"):
        seen.respond(warm, base_url="http://127.0.0.1:2")
    assert seen.respond(url, base_url="http://localhost:1") == fresh


@pytest.mark.parametrize(
    "root",
    ["https://ll.thespacedevs.com/", "http://127.0.0.1:8000/prefix/"],
)
def test_a_stored_links_parts_are_those_urlsplit_and_parse_qs_give(bundled, root):
    # SYNTHETIC links beside the stored ones: the shortcut must agree with urlsplit/parse_qs on every one.
    from urllib.parse import parse_qs, urlsplit

    from spacecraft_data.views import View

    view = View([], None, root)
    tails = ["2.3.0/spacecraft/463/", "2.3.0/spacecraft/463/?format=api", "2.3.0/x/?format=json"]
    tails += ["2.3.0/x/?format=api&a=1", "2.3.0/x/?format=", "2.3.0/x/#frag", "2.3.0/x/?format=api#f"]
    tails += ["2.3.0/x/\t?format=api", "2.3.0/x/ ", "2.3.0/x/?a=1&a=2&format=api", "2.3.0/%41/"]
    stored = [
        r["url"].replace("https://ll.thespacedevs.com/", root)
        for table in bundled.tables.values()
        for r in table
        if isinstance(r.get("url"), str)
    ]
    for url in stored + [root + tail for tail in tails]:
        parts = urlsplit(url)
        pairs = parse_qs(parts.query, keep_blank_values=True).items()
        expected = (parts.path, [(k, v) for k, vs in pairs if k != "format" for v in vs])
        assert view._link_parts(url) == expected, url
