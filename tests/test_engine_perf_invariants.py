"""The invariants the engine's speed-ups rely on: each fast path gives what the plain computation gives.

Records here are SYNTHETIC (``benchmarks/synthetic.py`` varies copies of the real bundled
records; a few tests build tiny records by hand) and live in memory only.
The oracle comparisons (tests/test_differential*.py, tests/test_scale.py) check the
answers end to end; these tests pin each shortcut to its plain equivalent, including
the cases the query mix does not reach (empty terms, records without search text,
deep offsets through both page paths, cache bounds, a second snapshot, hosts and formats).
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import isodate
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import spacecraft_data
from spacecraft_data import durations, views
from spacecraft_data import query as q
from spacecraft_data.cache import ENTRY_OVERHEAD
from spacecraft_data.endpoints.v2_3_0 import SPACECRAFT
from spacecraft_data.errors import SnapshotError
from spacecraft_data.query.bitmask import mask_positions, positions_mask
from spacecraft_data.query.records import pluck
from spacecraft_data.query.search import fold
from spacecraft_data.tables import duration_seconds

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import synthetic_records, write_synthetic_snapshot  # noqa: E402

#: load() with no path and the commands given no snapshot answer from the pinned snapshot (tests/conftest.py)
pytestmark = pytest.mark.usefixtures("pinned_home")

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
COMPACT = r"P(?:[0-9]{1,4}D)?(?:T(?:[0-9]{1,3}H)?(?:[0-9]{1,3}M)?(?:[0-9]{1,5}(?:\.[0-9]{1,7})?S)?)?"


@pytest.fixture(scope="module")
def records():
    """SYNTHETIC: 700 records derived from the real bundled ones."""
    return synthetic_records(700, seed=7)


@pytest.fixture(scope="module")
def engine(records):
    return q.Engine(records, {}, SPACECRAFT.query.filters, SPACECRAFT.query.search, SPACECRAFT.query.ordering)


def _plain_select(engine: q.Engine, params: q.QueryParams) -> list[int]:
    """The selection computed the plain way: frozenset filters, per-field ``in``, a full sort."""
    keep = set(range(len(engine.records)))
    filters = engine.filter_index
    for i, f in enumerate(filters.filters):
        raw = params.get(f.param)
        value = None if raw is None else f.clean(raw, filters.built(i))
        if value is not None:  # django-filter applies the filter: the records whose value equals it
            keep &= f.positions_by_value(filters.built(i)).get(value, frozenset())
    search = engine.search_index.search
    for term in search.get_search_terms(params):
        folded = fold(term)
        keep = {
            p
            for p in keep
            if any(
                folded in fold(t if isinstance(t, str) else str(t))
                for t in (pluck(engine.records[p], f) for f in search.fields)
                if t is not None
            )
        }
    ordering = engine.ordering.get_ordering(params)
    keys = {
        name: engine.ordering.build_column(engine.records, name)
        for name in {"id", *(t.lstrip("-") for t in ordering)}
    }
    return [p for p in engine.ordering.sort(range(len(engine.records)), ordering, keys) if p in keep]


def _select(engine: q.Engine, params: q.QueryParams) -> list[int]:
    """Every position the request selects, in order, through the production path (a page as long as the
    records)."""
    count, page = engine.page_of(engine.mask(params), params, 0, len(engine.records))
    assert count == len(page)
    return page


@st.composite
def engine_params(draw, records):
    pairs = []
    if draw(st.booleans()):
        pairs.append(("status", str(draw(st.sampled_from(sorted({r["status"]["id"] for r in records}))))))
    if draw(st.booleans()):
        pairs.append(("in_space", draw(st.sampled_from(["true", "false"]))))
    if draw(st.booleans()):
        pairs.append(("is_placeholder", draw(st.sampled_from(["1", "0"]))))
    if draw(st.booleans()):
        pairs.append(("name", draw(st.sampled_from([r["name"] for r in records[:50]] + ["nothing"]))))
    if draw(st.booleans()):
        pairs.append(
            (
                "search",
                draw(
                    st.sampled_from(
                        [
                            "soyuz",
                            "ms",
                            "progress ms",
                            "DRAGON",
                            "a",
                            "e,",
                            '"crew dragon"',
                            '", ,"x',
                            "zzz",
                            "é",
                        ]
                    )
                ),
            )
        )
    if draw(st.booleans()):
        pairs.append(
            (
                "ordering",
                draw(
                    st.sampled_from(
                        [
                            "-time_in_space,flights_count",
                            "time_docked",
                            "-flights_count,time_docked",
                            "mission_ends_count,-id",
                        ]
                    )
                ),
            )
        )
    return q.QueryParams(pairs)


# --------------------------------------------------------------------------- selection
@FAST
@given(data=st.data())
def test_bitmask_selection_and_pages_equal_set_filters_and_a_full_sort(engine, records, data):
    params = data.draw(engine_params(records))
    plain = _plain_select(engine, params)
    assert _select(engine, params) == plain
    offset = data.draw(st.sampled_from([0, 1, 9, 10, 95, 350, 690, 800]))
    limit = data.draw(st.sampled_from([1, 10, 100]))
    count, page = engine.page_of(engine.mask(params), params, offset, limit)
    assert (count, page) == (len(plain), plain[offset : offset + limit])


def test_both_page_paths_walk_and_rank_sort_give_the_same_pages(engine):
    # One filter keeps ~1/2 of the records (walk), a search keeps a handful (rank sort); deep offsets force
    # the sort.
    for pairs in (
        [("in_space", "false")],
        [("search", "soyuz")],
        [("search", "progress ms"), ("in_space", "true")],
    ):
        params = q.QueryParams(pairs + [("ordering", "-time_in_space,flights_count")])
        plain = _plain_select(engine, params)
        mask = engine.mask(params)
        ordering = engine.ordering.get_ordering(params)
        for offset in (0, 5, len(plain) // 2, max(len(plain) - 3, 0), len(plain) + 5):
            for limit in (1, 10, 100):
                assert engine.order_index.page(mask, ordering, offset, limit) == (
                    len(plain),
                    plain[offset : offset + limit],
                )


def test_a_selection_seen_before_gives_later_pages_from_its_kept_order(engine):
    # Pages of one selection in any order: each is the plain page, and what is kept is a prefix of the
    # selection in order, grown when a page needs more of it.
    params = q.QueryParams([("in_space", "false"), ("ordering", "-time_in_space,flights_count")])
    plain = _plain_select(engine, params)
    mask, ordering = engine.mask(params), engine.ordering.get_ordering(params)
    engine.cache.clear()
    kept_lengths = []
    for offset, limit in ((3, 1), (0, 2), (len(plain) // 2, 10), (1, 1), (len(plain) - 2, 100)):
        assert engine.order_index.page(mask, ordering, offset, limit) == (
            len(plain),
            plain[offset : offset + limit],
        )
        kept = engine.cache.get(("selected", ordering, mask))
        assert kept == plain[: len(kept)] and len(kept) >= min(offset + limit, len(plain))
        kept_lengths.append(len(kept))
    assert kept_lengths == sorted(kept_lengths)  # never shrinks: an earlier page reads what is kept


def test_mask_helpers_round_trip_positions():
    for positions in ([], [0], [7, 8], [3, 64, 65, 1000], list(range(0, 999, 3))):
        assert mask_positions(positions_mask(positions, 1001)) == positions


# --------------------------------------------------------------------------- search text
@FAST
@given(
    fields=st.lists(
        st.tuples(
            st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 50)),
            st.one_of(st.none(), st.text(alphabet="aßSSsÉé Xx-,\x00", max_size=8)),
        ),
        min_size=1,
        max_size=12,
    ),
    term=st.text(alphabet="aßSsÉéXx1- ", max_size=3),
)
def test_one_folded_string_finds_what_per_field_containment_finds(fields, term):
    records = [{"name": a, "spacecraft_config": {"name": b}} for a, b in fields]
    search = q.SearchFilter(("name", "spacecraft_config.name"))
    texts = search.build(records)
    folded = fold(term)
    expected = [
        p
        for p, (a, b) in enumerate(fields)
        if any(folded in fold(t if isinstance(t, str) else str(t)) for t in (a, b) if t is not None)
    ]
    assert texts.containing(folded) == expected


def test_an_empty_term_matches_records_with_any_non_null_field_and_no_others():
    records = [{"name": None}, {"name": ""}, {"name": "x"}, {}]
    texts = q.SearchFilter(("name",)).build(records)
    assert texts.containing("") == [1, 2]
    engine = q.Engine(records, {}, (), q.SearchFilter(("name",)), q.OrderingFilter({"id": "number"}))
    assert _select(engine, q.QueryParams([("search", '""')])) == [1, 2]


def test_a_term_never_matches_across_two_fields_or_two_records():
    records = [{"a": "xa", "b": "by"}, {"a": "ab", "b": None}, {"a": "c", "b": "a"}]
    texts = q.SearchFilter(("a", "b")).build(records)
    assert texts.containing("AB") == [1]
    assert texts.containing("CA") == []
    assert texts.containing("A") == [0, 1, 2]


def test_term_masks_are_cached_per_engine_so_a_second_snapshot_gets_its_own(tmp_path):
    first = spacecraft_data.load(write_synthetic_snapshot(40, tmp_path / "a", seed=1))
    second = spacecraft_data.load(write_synthetic_snapshot(60, tmp_path / "b", seed=2))
    url = "/2.3.0/spacecraft/?search=soyuz&limit=100"
    for snap in (first, second, first, second):
        _, body = snap.respond(url)
        expected = [
            r["id"]
            for r in snap.records
            if "SOYUZ" in fold(r["name"]) or "SOYUZ" in fold(r["spacecraft_config"]["name"])
        ]
        assert [r["id"] for r in body["results"]] == expected
        assert body["count"] == len(expected)
    assert first.api.served(SPACECRAFT).engine is not second.api.served(SPACECRAFT).engine


def test_mask_caches_stay_bounded_and_right_after_they_evict(engine):
    # Room for about three masks: each new term or value evicts the least recently used.
    fresh = q.Engine(
        engine.records,
        {},
        SPACECRAFT.query.filters,
        SPACECRAFT.query.search,
        SPACECRAFT.query.ordering,
        cache_bytes=3 * (ENTRY_OVERHEAD + 120),
    )
    for term in ["a", "b", "c", "d", "e", "soyuz", "a"]:
        params = q.QueryParams([("search", term), ("name", engine.records[ord(term[0]) % 50]["name"])])
        assert _select(fresh, params) == _plain_select(fresh, params)
        assert fresh.cache.nbytes <= fresh.cache.max_bytes and len(fresh.cache) <= 3


# --------------------------------------------------------------------------- requests and links
@FAST
@given(st.text(alphabet="ab=&+%25CFé \ud800", max_size=30))
def test_query_parsing_equals_parse_qsl(query):
    assert q.QueryParams.parse(query).pairs == parse_qsl(query, keep_blank_values=True, max_num_fields=1000)


def test_query_parsing_keeps_djangos_field_limit():
    assert len(q.QueryParams.parse("&".join(["a=1"] * 1000))) == 1
    with pytest.raises(q.TooManyFields):
        q.QueryParams.parse("&".join(["a=1"] * 1001))


@FAST
@given(
    pairs=st.lists(
        st.tuples(
            st.sampled_from(["limit", "offset", "search", "a b", "é", "", "format"]),
            st.text(alphabet="x1 +&=%é/", max_size=5),
        ),
        max_size=6,
    ),
    count=st.integers(0, 300),
    offset=st.integers(0, 320),
    limit=st.integers(1, 100),
)
def test_links_from_parsed_pairs_equal_drfs_replace_and_remove_query_param(pairs, count, offset, limit):
    pagination = q.LimitOffsetPagination()
    base = "http://127.0.0.1:8000/2.3.0/spacecraft/"
    query = urlencode(pairs)
    url = base + (f"?{query}" if query else "")
    params = q.QueryParams.parse(query)
    assert pagination.get_links(base, params, count, offset, limit) == (
        pagination.get_next_link(url, count, offset, limit),
        pagination.get_previous_link(url, count, offset, limit),
    )


def test_python_queries_with_non_ascii_values_answer_as_the_url_does():
    snap = spacecraft_data.load()
    for kwargs in (
        {"search": "é", "limit": 3},
        {"name": "Союз", "offset": 1},
        {"search": "soyuz", "offset": 2, "limit": 2},
    ):
        page = snap.query(**kwargs)
        status, body = snap.respond("/2.3.0/spacecraft/?" + urlencode(kwargs))
        assert status == 200 and page.to_dict() == body


# --------------------------------------------------------------------------- rendering
def test_rendered_records_carry_each_requests_host_and_format_never_anothers():
    snap = spacecraft_data.load()
    stored = json.dumps(snap.records, sort_keys=True)
    requests = [
        ("http://127.0.0.1:8000", ""),
        ("https://example.org", "?format=json"),
        ("http://127.0.0.1:8000", "?format=json"),
        ("https://example.org", ""),
        ("http://127.0.0.1:8000", ""),
        ("https://example.org", "?format=api"),
    ]
    for origin, query in requests:
        _, body = snap.api.respond(f"{origin}/2.3.0/spacecraft/{query}")
        for record in body["results"]:
            fmt = query.partition("=")[2]
            assert record["url"] == f"{origin}/2.3.0/spacecraft/{record['id']}/" + (
                f"?format={fmt}" if fmt else ""
            )
            assert record["spacecraft_config"]["url"].startswith(origin + "/2.3.0/")
    assert json.dumps(snap.records, sort_keys=True) == stored  # stored records untouched


def test_the_render_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(views, "RENDER_CACHE_BYTES", 4 * 3 * 2_000)  # about four origins of three records
    snap = spacecraft_data.load(write_synthetic_snapshot(30, Path(__import__("tempfile").mkdtemp()), seed=3))
    for port in range(8000, 8012):
        _, body = snap.respond(f"http://127.0.0.1:{port}/2.3.0/spacecraft/?limit=3")
        assert all(r["url"].startswith(f"http://127.0.0.1:{port}/") for r in body["results"])
    rendered = snap.api.served(SPACECRAFT).rendered
    assert 0 < rendered.nbytes <= rendered.max_bytes and len(rendered) < 12


# --------------------------------------------------------------------------- durations
def _isodate_microseconds(value: str) -> int:
    parsed = isodate.parse_duration(value)
    if isinstance(parsed, isodate.Duration):
        parsed = parsed.tdelta + timedelta(days=30 * int(parsed.months) + 360 * int(parsed.years))
    return (parsed.days * 86_400 + parsed.seconds) * 1_000_000 + parsed.microseconds


@FAST
@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=10**6)))
def test_the_fast_duration_path_equals_isodate_on_what_isodate_writes(delta):
    value = isodate.duration_isoformat(delta)
    assert durations.parse(value) == isodate.parse_duration(value)
    assert durations.sort_key(value) == _isodate_microseconds(value)


@FAST
@given(st.from_regex(COMPACT, fullmatch=True) | st.text(alphabet="PTDHMSYW0123456789.,-+", max_size=12))
def test_the_fast_duration_path_equals_isodate_on_compact_and_hostile_strings(value):
    try:
        expected = isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError, TypeError):
        with pytest.raises(durations.DurationError):
            durations.parse(value)
        with pytest.raises(durations.DurationError):
            durations.sort_key(value)
        return
    assert durations.parse(value) == expected
    assert durations.sort_key(value) == _isodate_microseconds(value)


def test_the_fast_duration_path_equals_isodate_on_the_real_data_and_the_edges():
    snap = spacecraft_data.load()
    values = {r[k] for r in snap.records for k in ("time_in_space", "time_docked") if r.get(k)}
    values |= {"PT", "P0D", "PT0S", "P1DT", "PT0.000001S", "P999999999D", "P1Y2M3D", "-P1D", "P2W"}
    for value in values:
        assert durations.parse(value) == isodate.parse_duration(value), value
        assert durations.sort_key(value) == _isodate_microseconds(value), value
    for bad in ("P", "", "1D", "PXD", None, 5):
        with pytest.raises(durations.DurationError):
            durations.sort_key(bad)
    with pytest.raises(OverflowError):  # as timedelta (and so isodate) refuses it
        durations.sort_key("P999999999DT24H")


def test_engine_and_tables_read_durations_with_one_parser_and_keep_their_different_rules():
    assert durations.sort_key("P1M") == 30 * 86_400 * 1_000_000  # the engine: PostgreSQL's 30-day month
    with pytest.raises(Exception, match="years or months"):
        duration_seconds("P1M", "x")  # the tables: no fixed length in seconds
    assert (
        duration_seconds("P1DT1.5S") == 86_401 and duration_seconds("PT2S") == 2
    )  # whole seconds, truncated
    with pytest.raises(SnapshotError, match="record id 1, field 'time_in_space'"):
        q.OrderingFilter({"time_in_space": "duration"}).build_column(
            [{"id": 1, "time_in_space": "soon"}], "time_in_space"
        )


# --------------------------------------------------------------------------- imports
def test_a_duration_ordered_query_imports_neither_isodate_nor_datetime_nor_weakref():
    code = (
        "import sys, spacecraft_data; s = spacecraft_data.load(); s.query(search='soyuz', "
        "ordering='-time_in_space,time_docked', limit=5); print(sorted(m for m in ('isodate', 'datetime', "
        "'weakref', 'jsonschema', 'frictionless', 'requests', 'pandas', 'django') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
