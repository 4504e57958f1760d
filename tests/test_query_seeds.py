"""The two real seed pages, reproduced by the engine as far as the snapshot's records allow.

How the count is treated: LL2 answered ``count: 590``; the seed records' snapshot (``seed_snapshot``) holds 20
records, so the engine's count for the same query is 20 (it answers as LL2 would if
LL2 held exactly these records) and offsets 290 and 350 are past its end. The tests
therefore check, separately:

* the records: the seed's query without its offset, with ``limit=100``, returns every
  seed record byte for byte (hyperlinks rebuilt with ``?format=api`` from the request);
* the order: for ``-id`` (unique keys) exactly the seed's order; for
  ``-mission_ends_count`` every key is 1, LL2's tie order is PostgreSQL's arbitrary one,
  and the engine's documented tie-break (id ascending) is checked instead;
* the links: the pagination code, given the seed's request and LL2's count of 590,
  builds exactly the seed's ``next`` and ``previous``;
* the count: 20 held, and the manifest keeps LL2's reported 590.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from spacecraft_data.query import LimitOffsetPagination, QueryParams

HOST = "https://ll.thespacedevs.com"


def _without_offset(page) -> str:
    pairs = [(k, v) for k, v in page.request.params if k != "offset"] + [("limit", "100")]
    return f"{page.request.path}?{urlencode(pairs)}"


@pytest.mark.parametrize("index", [0, 1], ids=["seed000_-mission_ends_count", "seed002_-id"])
def test_seed_query_returns_every_seed_record_byte_for_byte(seed_snapshot, seed_pages, index):
    page = seed_pages[index]
    status, body = seed_snapshot.respond(_without_offset(page))
    assert status == 200
    by_id = {r["id"]: r for r in body["results"]}
    for record in page.body["results"]:
        assert by_id[record["id"]] == record, f"record {record['id']} differs from the seed"


def test_seed_ordered_by_descending_id_comes_back_in_the_seed_order(seed_snapshot, seed_pages):
    page = seed_pages[1]
    assert page.request.params == [("format", "api"), ("offset", "350"), ("ordering", "-id")]
    status, body = seed_snapshot.respond(_without_offset(page))
    seed_ids = [r["id"] for r in page.body["results"]]
    ours = [r["id"] for r in body["results"] if r["id"] in set(seed_ids)]
    assert ours == seed_ids


def test_seed_ordered_by_tied_key_uses_the_documented_id_ascending_tie_break(seed_snapshot, seed_pages):
    page = seed_pages[0]
    assert {r["mission_ends_count"] for r in page.body["results"]} == {1}  # every key tied
    status, body = seed_snapshot.respond(_without_offset(page))
    ids = [r["id"] for r in body["results"]]
    assert ids == sorted(ids)
    # LL2's own order for these ties is arbitrary: it is not id order.
    seed_ids = [r["id"] for r in page.body["results"]]
    assert seed_ids != sorted(seed_ids)


@pytest.mark.parametrize("index", [0, 1])
def test_pagination_builds_the_seed_next_and_previous_links_from_its_request(seed_pages, index):
    page = seed_pages[index]
    params = QueryParams(page.request.params)
    pagination = LimitOffsetPagination()
    limit, offset = pagination.get_limit(params), pagination.get_offset(params)
    url = page.request.url(HOST)
    count = page.body["count"]
    assert pagination.get_next_link(url, count, offset, limit) == page.body["next"]
    assert pagination.get_previous_link(url, count, offset, limit) == page.body["previous"]


def test_seed_request_answers_the_held_count_and_the_manifest_keeps_ll2s(seed_snapshot, seed_pages):
    for page in seed_pages:
        status, body = seed_snapshot.respond(page.request.full_path)
        assert status == 200
        assert body["count"] == len(seed_snapshot) == 20
        assert body["results"] == []  # offset 290/350 is past the 20 held records
        assert seed_snapshot.reported_count == page.body["count"] == 590
