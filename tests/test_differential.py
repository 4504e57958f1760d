"""Differential tests: ``Snapshot.respond`` against the oracle (real DRF + django-filter) on the same records.

Both answer the same URL; they must agree on status and body: ``count``, ``next``,
``previous`` and ``results`` (JSON-equal, key order included), or the error body.
The oracle runs in its ``postgres`` flavour, whose adapters make SQLite order NULLs
and fold case as PostgreSQL does and break ties by id (the engine's documented
rule); ``test_oracle_divergences.py`` shows those adapters change nothing else.

Two cases are compared on status only, by design:

* detailed mode (``mode=detailed``, the detail route): neither side holds detailed
  records. Where LL2 would answer 200 the engine answers 501; where LL2 answers 400
  or 404 (filters run first), both must give the same status and body.
* a path no route matches: Django answers its own HTML 404 page; the engine a JSON
  ``{"detail": "Not found."}``. Only the status is LL2's.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from oracle import Oracle
from oracle.synthetic import with_nulls_and_ties, write_snapshot
from strategies import ORDERING_FIELDS, query_kwargs, urls

from spacecraft_data.snapshot import Snapshot

pytestmark = pytest.mark.skipif(
    not hasattr(Snapshot, "respond"), reason="the engine (Snapshot.respond) has not landed"
)

LL2 = "https://ll.thespacedevs.com/2.3.0/spacecraft/"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _show(body: Any) -> str:
    text = json.dumps(body, ensure_ascii=False) if not isinstance(body, str) else body
    return text if len(text) < 600 else text[:600] + "…"


def assert_agree(oracle: Oracle, snap: Snapshot, url: str) -> None:
    """The engine's answer to ``url`` is the oracle's (see the module docstring for the two exceptions)."""
    expected = oracle.answer(url)
    status, body = snap.respond(url)
    where = (
        f"\nurl:    {url}\noracle: {expected.status} {_show(expected.body)}\nengine: {status} {_show(body)}"
    )
    if expected.detailed and expected.status in (200, 501):
        assert status == 501, "LL2 would serialize detailed records here; the engine must answer 501" + where
    elif isinstance(expected.body, str):
        assert status == expected.status, "unrouted path: statuses differ" + where
    else:
        assert (status, body) == (expected.status, expected.body), where


@pytest.fixture(scope="module")
def real(bundled) -> tuple[Oracle, Snapshot]:
    return Oracle.from_snapshot(bundled), bundled


@pytest.fixture(scope="module")
def synthetic(bundled, tmp_path_factory) -> tuple[Oracle, Snapshot]:
    """SYNTHETIC records with NULLs, ties, booleans and non-ASCII names, in a temporary snapshot."""
    snap = write_snapshot(
        bundled, with_nulls_and_ties(bundled.records), tmp_path_factory.mktemp("synthetic") / "snap"
    )
    return Oracle.from_snapshot(snap), snap


# Regressions and hostile corners worth keeping whatever hypothesis draws.
REGRESSIONS = [
    LL2 + "?format=api&offset=290&ordering=-mission_ends_count",
    LL2 + "?format=api&offset=350&ordering=-id",
    LL2 + "?in_space=yes&is_placeholder=TRUE",
    LL2 + "?spacecraft_config=99999&status=x&name=%00",
    LL2 + "?search=%00&spacecraft_config=99999",
    LL2 + "?search=a%00&limit=2",
    LL2 + "?search=%22%22&limit=3&offset=-1",
    LL2 + "?search=%22unterminated+a&ordering=--id,%2Bid",
    LL2 + "?search=%C3%9F",
    LL2 + "?search=SS&limit=100",
    LL2 + "?search=%D0%BF%D1%80%D0%BE%D0%B3%D1%80%D0%B5%D1%81%D1%81",
    LL2 + "?search=%25&search=_",
    LL2 + "?spacecraft_config=%EF%BC%91%EF%BC%99&status=%D9%A4",
    LL2 + "?spacecraft_config=1_9&status=0_4&limit=1_0",
    LL2 + "?limit=" + "9" * 5000,
    LL2 + "?offset=" + "9" * 30 + "&limit=2",
    LL2 + "?limit=%ff&offset=%&format=",
    LL2 + "?ordering=+id&limit=1000&offset=5",
    LL2 + "?ordering=time_docked,-time_in_space&mode=list",
    LL2 + "?mode=detailed&search=nothing-matches",
    LL2 + "?mode=detailed&offset=100",
    LL2 + "?mode=detailed&status=9",
    LL2 + "463/?in_space=true",
    LL2 + "463/?spacecraft_config=x",
    LL2 + "%EF%BC%94%EF%BC%96%EF%BC%93/",
    LL2 + "%20463/?search=tianzhou",
    LL2 + "abc/",
    LL2 + "1.5/",
    "http://127.0.0.1:8000/2.3.0/spacecraft/?format=json&search=soyuz&limit=2&offset=1",
    "http://localhost/2.3.0/spacecraft/?zeta=%E2%80%8B&alpha=&limit=3&name",
]


@pytest.mark.parametrize("url", REGRESSIONS)
def test_engine_agrees_with_the_oracle_on_hostile_regressions(real, synthetic, url):
    assert_agree(*real, url)
    assert_agree(*synthetic, url)


@SETTINGS
@given(url=urls())
@example(url=LL2 + "?ordering=-time_in_space,flights_count&limit=7&offset=3&format=api")
def test_engine_agrees_with_the_oracle_on_the_real_records_under_hostile_queries(real, url):
    assert_agree(*real, url)


@SETTINGS
@given(url=urls(hostile=False))
def test_engine_agrees_with_the_oracle_on_the_real_records_under_well_formed_queries(real, url):
    assert_agree(*real, url)


@SETTINGS
@given(url=urls())
@example(url=LL2 + "?ordering=flights_count&limit=100")
@example(url=LL2 + "?ordering=-mission_ends_count,time_docked&in_space=1&limit=4&offset=2")
def test_engine_agrees_with_the_oracle_on_synthetic_records_under_hostile_queries(synthetic, url):
    assert_agree(*synthetic, url)


@SETTINGS
@given(url=urls(hostile=False))
def test_engine_agrees_with_the_oracle_on_synthetic_records_under_well_formed_queries(synthetic, url):
    assert_agree(*synthetic, url)


def test_engine_agrees_on_every_one_and_two_key_ordering_of_the_synthetic_records(synthetic):
    keys = [*ORDERING_FIELDS, *("-" + f for f in ORDERING_FIELDS)]
    for first in keys:
        for second in ["", *keys]:
            ordering = f"{first},{second}" if second else first
            assert_agree(*synthetic, f"{LL2}?ordering={ordering}&limit=100")
            assert_agree(*synthetic, f"{LL2}?ordering={ordering}&limit=3&offset=4&is_placeholder=false")


def _sent(value: Any) -> str:
    """How ``Snapshot.query`` documents sending a Python value: true/false, comma lists, str()."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    return str(value)


@SETTINGS
@given(kwargs=query_kwargs())
@example(kwargs={"in_space": False, "ordering": ["-time_in_space", "id"], "limit": 3, "offset": 2})
@example(kwargs={"spacecraft_config": 99999, "status": "x"})
@example(kwargs={"search": "a\x00"})
@example(kwargs={"mode": "detailed", "search": "soyuz"})
@example(kwargs={"format": "xml"})
def test_snapshot_query_agrees_with_the_oracle(real, kwargs):
    """``Snapshot.query(**kwargs)``: the page, or the error carrying LL2's body, of the same request."""
    from urllib.parse import urlencode

    from spacecraft_data.api import MAX_SEARCH_LENGTH
    from spacecraft_data.errors import ModeNotHeld, QueryError

    oracle, snap = real
    search = kwargs.get("search")
    if isinstance(search, str) and len(search) > MAX_SEARCH_LENGTH:  # query()'s own documented size limit
        with pytest.raises(QueryError, match="^search: "):
            snap.query(**kwargs)
        return
    url = LL2 + "?" + urlencode([(k, _sent(v)) for k, v in kwargs.items()])
    expected = oracle.answer(url)
    where = f"\nkwargs: {kwargs!r}\nurl:    {url}\noracle: {expected.status} {_show(expected.body)}"
    if expected.detailed and expected.status in (200, 501):
        with pytest.raises(ModeNotHeld):
            snap.query(**kwargs)
    elif expected.status == 200:
        assert snap.query(**kwargs).to_dict() == expected.body, where
    else:
        with pytest.raises(QueryError) as raised:
            snap.query(**kwargs)
        assert (raised.value.status, raised.value.body) == (expected.status, expected.body), where
