"""Correctness at scale: a SYNTHETIC 3,000-record snapshot answers as the DRF oracle does.

The records come from ``benchmarks/synthetic.py`` (real records with ids, names,
durations and counts varied, about 5% NULL sort keys, many ties) and live in a
temporary folder only. No timing here: speed is measured by ``benchmarks/run.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from oracle import Oracle
from test_differential import assert_agree

from spacecraft_data.errors import ModeNotHeld, QueryError

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from queries import LIST, Query, list_query, query_mix  # noqa: E402
from synthetic import write_synthetic_snapshot  # noqa: E402

import spacecraft_data  # noqa: E402

SIZE = 3000


@pytest.fixture(scope="module")
def scaled(tmp_path_factory):
    """SYNTHETIC: a 3,000-record snapshot in a temporary folder, and the oracle over the same records."""
    snap = spacecraft_data.load(write_synthetic_snapshot(SIZE, tmp_path_factory.mktemp("scale")))
    return Oracle.from_snapshot(snap), snap


def _extra_queries(snap):
    """List requests beyond the benchmark mix: NULLs and ties in every ordering, the last pages, exact
    filters."""
    named = snap.records[1234]
    return [
        list_query("flights ascending (ties, NULLs last)", {"ordering": "flights_count", "limit": 100}),
        list_query(
            "flights descending (NULLs first)", {"ordering": "-flights_count", "limit": 100, "offset": 1450}
        ),
        list_query(
            "mission ends, then docked time",
            {"ordering": "mission_ends_count,-time_docked", "limit": 100, "offset": 2950},
        ),
        list_query(
            "docked time ascending, in space",
            {"ordering": "time_docked", "in_space": True, "limit": 50, "offset": 300},
        ),
        list_query(
            "time in space, id descending",
            {"ordering": ["time_in_space", "-id"], "limit": 100, "offset": 2000},
        ),
        list_query("last page", {"offset": SIZE - 3, "limit": 100}),
        list_query("offset past the end", {"offset": SIZE + 10}),
        list_query("phrase search", {"search": '"crew dragon"', "ordering": "-mission_ends_count"}),
        list_query(
            "search in the configuration name", {"search": "progress-ms", "offset": 400, "limit": 100}
        ),
        list_query("exact name", {"name": named["name"]}),
        list_query(
            "configuration filter, placeholders",
            {
                "spacecraft_config": named["spacecraft_config"]["id"],
                "is_placeholder": False,
                "limit": 100,
                "offset": 100,
            },
        ),
        list_query("format carried onto links", {"status": 4, "format": "json", "offset": 1000}),
        list_query("detailed mode (501: not held)", {"mode": "detailed", "search": "soyuz"}),
        list_query("two bad filters (400)", {"spacecraft_config": 99999, "status": "x"}),
        Query(
            "detail excluded by a filter (404)",
            None,
            f"{LIST}{named['id']}/?in_space={'false' if named['in_space'] else 'true'}",
        ),
        Query("detail of an id not held (404)", None, f"{LIST}{SIZE + 1}/"),
    ]


def _all_queries(snap):
    return [*query_mix(len(snap), snap.records[SIZE // 2]["id"]), *_extra_queries(snap)]


def test_the_synthetic_snapshot_holds_distinct_ids_nulls_and_ties(scaled):
    # Guards the comparisons below against passing vacuously on data with nothing to get wrong.
    _, snap = scaled
    assert len(snap) == SIZE and len({r["id"] for r in snap}) == SIZE
    assert sum(r["flights_count"] is None for r in snap) > 50
    assert sum(r["time_in_space"] is None for r in snap) > 50
    assert len({r["flights_count"] for r in snap}) < 40  # many ties
    assert any(r["in_space"] for r in snap) and not all(r["in_space"] for r in snap)
    assert snap.manifest["synthetic"] is True


def test_the_queries_cover_long_results_and_every_kind_of_answer(scaled):
    _, snap = scaled
    statuses = {}
    for q in _all_queries(snap):
        status, body = snap.respond(q.url)
        statuses.setdefault(status, []).append(q.name)
        if q.name == "filters":
            assert body["count"] > 1000
    assert set(statuses) == {200, 400, 404, 501}
    assert len(_all_queries(snap)) >= 20


def test_respond_at_3000_records_agrees_with_the_oracle_on_every_query(scaled):
    oracle, snap = scaled
    failures = []
    for q in _all_queries(snap):
        try:
            assert_agree(oracle, snap, q.url)
        except AssertionError as exc:
            failures.append(f"{q.name}: {exc}")
    assert not failures, "\n\n".join(failures)


def test_query_and_respond_give_the_same_answers_at_3000_records(scaled):
    oracle, snap = scaled
    checked = 0
    for q in _all_queries(snap):
        if q.kwargs is None:
            continue
        status, body = snap.respond(q.url)
        where = f"{q.name}: {q.url}"
        if status == 200:
            assert snap.query(**q.kwargs).to_dict() == body, where
        elif status == 501:
            with pytest.raises(ModeNotHeld):
                snap.query(**q.kwargs)
        else:
            with pytest.raises(QueryError) as raised:
                snap.query(**q.kwargs)
            assert (raised.value.status, raised.value.body) == (status, body), where
        checked += 1
    assert checked >= 18


def test_the_synthetic_records_validate_against_the_schema(scaled):
    _, snap = scaled
    report = spacecraft_data.validate(snap.records[:300])
    assert report.valid, report
    assert report.records_checked == 300


def test_synthetic_snapshots_are_refused_under_data(repo_root):
    with pytest.raises(ValueError, match="never go under"):
        write_synthetic_snapshot(5, repo_root / "data" / "snapshots")
