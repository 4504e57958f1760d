"""The stock DRF classes on SQLite differ from LL2 (PostgreSQL) in three documented ways, and only those.

The oracle's ``postgres`` flavour adds thin adapters (see ``oracle/core.py``) that
undo exactly these differences; the differential tests use it. Here the ``stock``
flavour (the classes as LL2 configures them, nothing added) is run beside it:

1. NULL order: SQLite puts NULL first ascending and last descending; PostgreSQL last
   ascending and first descending.
2. Case folding: SQLite's ``LIKE`` folds ASCII only; PostgreSQL's ``UPPER()`` folds
   Unicode, so a non-ASCII term in another case matches only there.
3. Ties and no ordering: unspecified in both databases (SQLite happens to follow
   its rowid, which is the id); the adapter makes id ascending the rule, the engine's.

The property test shows that once the stock answer is re-sorted by PostgreSQL's
NULL rule and id (1, 3), and unless the search term has non-ASCII letters (2), the
two flavours give the same status and body.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from oracle import Oracle
from oracle.synthetic import with_nulls_and_ties
from strategies import urls

LL2 = "https://ll.thespacedevs.com/2.3.0/spacecraft/"
NULLABLE = ("flights_count", "mission_ends_count", "time_in_space", "time_docked")


def _pair(bundled, records: list[dict]) -> tuple[Oracle, Oracle]:
    tables = bundled.tables["spacecraft_configurations"], bundled.tables["spacecraft_statuses"]
    return Oracle(records, *tables, flavour="stock"), Oracle(records, *tables, flavour="postgres")


@pytest.fixture(scope="module")
def flavours(bundled) -> tuple[Oracle, Oracle]:
    """SYNTHETIC records (NULLs, ties, non-ASCII names), in an order that is not id order."""
    records = with_nulls_and_ties(bundled.records)
    return _pair(bundled, records[::2] + records[1::2])


def ids(oracle: Oracle, query: str) -> list[int]:
    status, body = oracle.respond(f"{LL2}?{query}")
    assert status == 200, body
    return [r["id"] for r in body["results"]]


@pytest.mark.parametrize("field", NULLABLE)
def test_divergence_1_sqlite_sorts_nulls_first_ascending_where_postgresql_sorts_them_last(flavours, field):
    stock, pg = flavours
    nulls = {r["id"] for r in pg.rows if r[field] is None}
    assert nulls, "the synthetic records must hold NULLs in every nullable sort key"
    n = len(nulls)
    stock_asc, pg_asc = ids(stock, f"ordering={field}&limit=100"), ids(pg, f"ordering={field}&limit=100")
    assert set(stock_asc[:n]) == nulls and set(pg_asc[-n:]) == nulls
    stock_desc, pg_desc = ids(stock, f"ordering=-{field}&limit=100"), ids(pg, f"ordering=-{field}&limit=100")
    assert set(stock_desc[-n:]) == nulls and set(pg_desc[:n]) == nulls
    by_id = {r["id"]: r[field] for r in pg.rows}
    # Apart from where the NULLs go, both sort the same values the same way.
    assert [by_id[i] for i in stock_asc[n:]] == [by_id[i] for i in pg_asc[:-n]]
    assert [by_id[i] for i in stock_desc[:-n]] == [by_id[i] for i in pg_desc[n:]]


@pytest.mark.parametrize(
    "term, stock_hits, pg_hits",
    [
        ("прогресс", [], [185]),  # Cyrillic in another case: only Unicode folding matches
        ("ПРОГРЕСС", [], [185]),
        ("Прогресс", [185], [185]),  # the stored case: both match
        ("élan", [], [239]),  # É/é: not ASCII either
        ("ÉLAN", [239], [239]),  # "Été Élan": É stored, LAN folded as ASCII by both
        ("PROGRESS ms", "same", "same"),  # ASCII: SQLite folds it too
    ],
)
def test_divergence_2_sqlite_folds_only_ascii_case_in_search(flavours, term, stock_hits, pg_hits):
    stock, pg = flavours
    got_stock, got_pg = ids(stock, f"search={term}&limit=100"), ids(pg, f"search={term}&limit=100")
    if stock_hits == "same":
        assert got_stock and sorted(got_stock) == sorted(got_pg)
    else:
        assert (sorted(got_stock), got_pg) == (stock_hits, pg_hits)


def test_divergence_3_ll2_orders_ties_arbitrarily_where_the_adapter_orders_them_by_id(bundled, seed_pages):
    """Seed 000 (real LL2, ordering=-mission_ends_count, every value 1): LL2's order is not id order.

    SQLite's stock answer happens to be id order (the id is SQLite's rowid, and a scan
    follows it), which no database promises; the adapter makes id order the rule.
    """
    page = next(p for p in seed_pages if "mission_ends_count" in p.request.query)
    live = [r["id"] for r in page.body["results"]]
    assert {r["mission_ends_count"] for r in page.body["results"]} == {1}
    stock, pg = _pair(bundled, [r for r in bundled.records if r["id"] in set(live)])
    assert ids(pg, "ordering=-mission_ends_count") == sorted(live) != live
    assert sorted(ids(stock, "ordering=-mission_ends_count")) == sorted(live)


def test_without_ordering_both_flavours_give_id_order_on_sqlite(flavours):
    stock, pg = flavours
    inserted = [r["id"] for r in pg.rows]
    assert inserted != sorted(inserted)
    assert ids(stock, "limit=100") == ids(pg, "limit=100") == sorted(inserted)
    assert ids(stock, "ordering=name&limit=100") == sorted(inserted)  # an invalid ordering is no ordering


def test_divergence_3_ties_keep_their_values_in_both_and_only_the_adapter_orders_them_by_id(flavours):
    stock, pg = flavours
    by_id = {r["id"]: r["mission_ends_count"] for r in pg.rows}
    got_stock, got_pg = (
        ids(stock, "ordering=-mission_ends_count&limit=100"),
        ids(pg, "ordering=-mission_ends_count&limit=100"),
    )
    groups = {}
    for i in got_pg:
        groups.setdefault(by_id[i], []).append(i)
    assert all(group == sorted(group) for group in groups.values())
    assert sorted(got_stock) == sorted(got_pg)


# -- only those ---------------------------------------------------------------------------------
def _effective_ordering(oracle: Oracle, url: str) -> list[str]:
    """The ordering DRF's own ``OrderingFilter.get_ordering`` reads from the request (its parser, not
    ours)."""
    from rest_framework.filters import OrderingFilter  # only once the oracle has configured Django

    view = oracle.get(url).renderer_context["view"]
    return list(OrderingFilter().get_ordering(view.request, view.get_queryset(), view) or [])


def _postgres_order(rows: dict[int, dict[str, Any]], found: list[int], ordering: list[str]) -> list[int]:
    """``found`` re-sorted as PostgreSQL would order it: NULLs last ascending, first descending; ties by
    id."""
    out = sorted(found)
    for term in reversed(ordering):  # stable sorts, last key first
        field, desc = term.lstrip("-"), term.startswith("-")
        present = sorted(
            (i for i in out if rows[i][field] is not None), key=lambda i: rows[i][field], reverse=desc
        )
        # reverse=True keeps ties in their previous order too (Python's sort is stable both ways).
        absent = [i for i in out if rows[i][field] is None]
        out = absent + present if desc else present + absent
    return out


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(url=urls(hostile=False))
def test_the_flavours_differ_only_by_the_documented_divergences(flavours, url):
    stock, pg = flavours
    url = url + ("&" if "?" in url else "?") + "limit=100&offset=0"  # the whole result, in one page
    a, b = stock.answer(url), pg.answer(url)
    search = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True)).get("search", "")
    if not search.isascii() and (a.status, b.status) == (200, 501) and a.body.get("count") == 0:
        # (2) again: only PostgreSQL's UPPER() matched the term, and what it matched would be serialized in
        # detailed mode, which the oracle does not hold (an empty page serializes nothing, hence stock's 200).
        assert b.detailed, url
        return
    assert (a.status, a.detailed) == (b.status, b.detailed), url
    if a.status != 200 or not isinstance(a.body, dict) or "results" not in a.body:
        assert a.body == b.body, url
        return
    rows = {r["id"]: r for r in pg.rows}
    got_stock = [r["id"] for r in a.body["results"]]
    got_pg = [r["id"] for r in b.body["results"]]
    if search.isascii():
        assert a.body["count"] == b.body["count"], url
    else:
        assert set(got_stock) <= set(got_pg), url  # Unicode folding can only add matches
        got_pg = [i for i in got_pg if i in set(got_stock)]
    assert _postgres_order(rows, got_stock, _effective_ordering(stock, url)) == got_pg, url
    records_stock = {r["id"]: r for r in a.body["results"]}
    assert all(records_stock[r["id"]] == r for r in b.body["results"] if r["id"] in records_stock), url
