"""The engine's parts, each checked against the DRF/Django code it mirrors or against PostgreSQL's rules.

Records marked SYNTHETIC below are made up in this test (copies of a real record
with other ids, counts and durations) to reach cases the 20 real records do not
have: null sort keys, long durations, many ties.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spacecraft_data.cache import BoundedCache
from spacecraft_data.endpoints.v2_3_0 import SPACECRAFT
from spacecraft_data.query import (
    BooleanFilter,
    ChoiceFilter,
    Engine,
    ExactFilter,
    Invalid,
    InvalidFilters,
    LimitOffsetPagination,
    QueryParams,
)
from spacecraft_data.query.bitmask import mask_positions
from spacecraft_data.query.filters import FilterIndex
from spacecraft_data.query.params import INVALID_CHOICE
from spacecraft_data.query.search import fold, search_terms

#: the spacecraft endpoint's query parts, as an Engine takes them
_PARTS = (SPACECRAFT.query.filters, SPACECRAFT.query.search, SPACECRAFT.query.ordering)


@pytest.fixture(scope="module")
def drf_split():
    """DRF's own search_smart_split (importing it needs Django settings: the oracle's, unless already
    configured)."""
    from django.conf import settings as django_settings

    if not django_settings.configured:
        from tests.oracle import setup

        setup()
    from rest_framework.filters import search_smart_split

    return search_smart_split


# -- search terms ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value,terms",
    [
        ("a b", ["a", "b"]),
        ("a,b", ["a", "b"]),
        ("a, b", ["a", "b"]),
        ('"crew dragon" soyuz', ["crew dragon", "soyuz"]),
        ('"a,b"', ["a,b"]),
        (",a,", ["a"]),
        ("'a b',c", ["'a b'", "c"]),
        ('"unterminated a', ['"unterminated', "a"]),
        ("a\tb", ["a", "b"]),
        ('""', [""]),
        ("   ", []),
        ('"a \\"b\\""', ['a "b"']),
    ],
)
def test_search_terms_split_as_the_research_notes_observed(value, terms):
    assert search_terms(value) == terms


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab ,'\"\\\t\n\u00a0\u2003x-")), max_size=14))
def test_search_terms_equal_drfs_search_smart_split(drf_split, value):
    assert search_terms(value) == drf_split(value)


def test_fold_maps_one_character_at_a_time_like_postgresql_upper():
    assert fold("straße") == "STRAßE"  # str.upper() would give STRASSE
    assert fold("ﬁsh") == "ﬁSH"
    assert fold("прогресс") == "ПРОГРЕСС"
    assert fold("Soyuz") == "SOYUZ"


# -- filters --------------------------------------------------------------------------------------
def test_boolean_filter_values():
    f = BooleanFilter("in_space")
    assert [f.clean(v, None) for v in ("true", "TrUe", "1", "false", "FALSE", "0")] == [
        True,
        True,
        True,
        False,
        False,
        False,
    ]
    assert [f.clean(v, None) for v in ("yes", "on", " true", "", "2", "\x00")] == [None] * 6


def test_exact_filter_strips_and_refuses_null_characters():
    f = ExactFilter("name")
    assert f.clean("\u2003Soyuz 22\n", None) == "Soyuz 22"
    assert f.clean(" \t", None) is None
    with pytest.raises(Invalid) as caught:
        f.clean(" a\x00 ", None)
    assert caught.value.messages == ["Null characters are not allowed."]


def test_choice_filter_universe_is_the_reference_table_plus_ids_records_use():
    records = [{"id": 1, "status": {"id": 9}}]  # SYNTHETIC: a status id missing from the table
    index = FilterIndex(
        [ChoiceFilter("status", table="spacecraft_statuses")],
        records,
        {"spacecraft_statuses": [{"id": 3}]},
        BoundedCache(1 << 20),
    )

    def select(raw):
        mask = index.mask(QueryParams([("status", raw)]))
        return None if mask is None else frozenset(mask_positions(mask))

    assert select("9") == frozenset({0})
    assert select(" 3 ") == frozenset()
    assert select("") is None
    for bad in ("4", "3.0", "x", " ", "9" * 5000):
        with pytest.raises(InvalidFilters) as caught:
            select(bad)
        assert caught.value.errors == {"status": [INVALID_CHOICE]}


# -- ordering on synthetic records with nulls -----------------------------------------------------
def _synthetic(bundled):
    """SYNTHETIC records: copies of real record 463 with other ids, counts and durations (some null)."""
    base = bundled.get(463)
    shapes = [
        (10, 2, "P1DT1S"),
        (11, None, None),
        (12, 2, "PT30M"),
        (13, 0, "P400D"),
        (14, None, "P1D"),
        (15, 5, None),
        (16, 2, "PT86400S"),
    ]
    records = []
    for rid, flights, docked in shapes:
        r = copy.deepcopy(base)
        r.update(id=rid, flights_count=flights, time_docked=docked)
        records.append(r)
    return records


@pytest.fixture(scope="module")
def engine(bundled):
    return Engine(_synthetic(bundled), bundled.tables, *_PARTS)


def _select(engine, params):
    """Every position the request selects, in order, as a page as long as the records."""
    count, page = engine.page_of(engine.mask(params), params, 0, len(engine.records))
    assert count == len(page)
    return page


def _ids(engine, ordering):
    return [engine.records[p]["id"] for p in _select(engine, QueryParams([("ordering", ordering)]))]


def test_nulls_sort_last_ascending_and_first_descending_as_in_postgresql(engine):
    assert _ids(engine, "flights_count") == [13, 10, 12, 16, 15, 11, 14]
    assert _ids(engine, "-flights_count") == [11, 14, 15, 10, 12, 16, 13]


def test_durations_compare_as_durations_with_ties_by_id(engine):
    # P1D and PT86400S are the same duration: tie, broken by id ascending.
    assert _ids(engine, "time_docked") == [12, 14, 16, 10, 13, 11, 15]
    assert _ids(engine, "-time_docked") == [11, 15, 13, 10, 14, 16, 12]


def test_ordering_drops_invalid_parts_and_keeps_the_first_of_duplicates(engine):
    assert _ids(engine, "name,--id, -flights_count ,time_docked") == _ids(
        engine, "-flights_count,time_docked"
    )
    assert _ids(engine, "-id,id") == [16, 15, 14, 13, 12, 11, 10]
    assert _ids(engine, "name,+id") == _ids(engine, "") == [10, 11, 12, 13, 14, 15, 16]


def test_a_bad_duration_in_the_data_is_reported_with_its_record_and_field(bundled):
    from spacecraft_data.errors import SnapshotError

    bad = copy.deepcopy(bundled.get(463))  # SYNTHETIC: a corrupted duration
    bad["time_in_space"] = "3 days"
    e = Engine([bad], bundled.tables, *_PARTS)
    with pytest.raises(SnapshotError, match=r"record id 463, field 'time_in_space'"):
        _select(e, QueryParams([("ordering", "time_in_space")]))


# -- pagination ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "raw,limit",
    [
        (None, 10),
        ("5", 5),
        (" 5", 5),
        ("+5", 5),
        ("1000", 100),
        ("100", 100),
        ("0", 10),
        ("-3", 10),
        ("1.5", 10),
        ("1e3", 10),
        ("", 10),
        ("\u0663", 3),
        ("9" * 5000, 10),
    ],
)
def test_limit_follows_drf_positive_int_with_cutoff(raw, limit):
    params = QueryParams([] if raw is None else [("limit", raw)])
    assert LimitOffsetPagination().get_limit(params) == limit


def test_links_drop_offset_when_previous_reaches_zero_and_stop_at_the_end():
    p = LimitOffsetPagination()
    url = "https://h/x/?b=2&offset=3&a=1"
    assert p.get_previous_link(url, 50, 3, 10) == "https://h/x/?a=1&b=2&limit=10"
    assert p.get_previous_link(url, 50, 0, 10) is None
    assert (
        p.get_previous_link(url, 5, 100, 10) == "https://h/x/?a=1&b=2&limit=10&offset=90"
    )  # not clamped to count
    assert p.get_next_link(url, 13, 3, 10) is None
    assert p.get_next_link(url, 14, 3, 10) == "https://h/x/?a=1&b=2&limit=10&offset=13"


# -- the first-seen shortcuts (issue 21 item 6): each equals the library code it replaces --------------
_LINK_TEXT = st.text(st.sampled_from(list("aZ09_.~- +/=&%?#,\"'é天ß\x00\x7f") + ["\ud800", "😀"]), max_size=8)


@settings(max_examples=500, deadline=None)
@given(_LINK_TEXT)
def test_link_quoting_in_c_equals_quote_plus(value):
    from urllib.parse import quote_plus

    from spacecraft_data.query import pagination

    pagination.QUOTE_CACHE.clear()
    assert pagination._quote_plus(value) == quote_plus(value, "", None, pagination.LINK_ENCODING_ERRORS)


_ESCAPED = st.lists(
    st.sampled_from(
        [
            "a",
            "Z",
            "0",
            "_",
            "~",
            "-",
            "+",
            "=",
            "&",
            " ",
            "%",
            "%4",
            "%41",
            "%2d",
            "%2F",
            "%20",
            "%E5%A4%A9",
            "%C3",
            "%a9",
            "%FF",
            "%2B",
            "%3D",
            "%3d",
            "%26",
            "%25",
            "%7E",
            "é",
            "\n",
        ]
    ),
    max_size=10,
).map("".join)


@settings(max_examples=1000, deadline=None)
@given(_ESCAPED)
def test_decoding_a_query_whole_equals_parse_qsl_and_unquote(query):
    from urllib.parse import parse_qsl, unquote

    from spacecraft_data.query import params

    assert QueryParams.parse(query).pairs == parse_qsl(query, keep_blank_values=True)
    if query.isascii() and not params._NOT_AT_ONCE(query):
        assert params._unquote_ascii(query) == unquote(query)


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.tuples(_LINK_TEXT, _LINK_TEXT), min_size=1, max_size=4), st.booleans())
def test_fields_reused_in_links_are_what_quote_plus_writes(pairs, plus):
    from urllib.parse import quote, quote_plus, urlencode

    parsed = QueryParams.parse(
        urlencode(pairs, quote_via=quote_plus if plus else quote, errors="surrogatepass")
    )
    fields = parsed.link_fields()
    if fields is not None:
        assert fields == [quote_plus(k, "") + "=" + quote_plus(v, "") for k, v in parsed.pairs]


def test_folding_keeps_spaces_spaces_so_a_value_folds_whole_then_splits():
    import sys

    for code in range(sys.maxunicode + 1):
        if 0xD800 <= code <= 0xDFFF:
            continue
        c = chr(code)
        folded = fold(c)
        assert len(folded) == 1 and folded.isspace() == c.isspace(), hex(code)
        assert fold("a" + c + "ß") == "A" + folded + "ß"  # ß grows under upper(): the per-character path


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.sampled_from(list("ab AB,\"'é") + ["soyuz", "ß", "  "]), min_size=1, max_size=30).map("".join)
)
def test_a_search_split_afresh_equals_the_kept_split(value):
    from spacecraft_data.query import search

    search.SPLIT_CACHE.clear()
    terms, folded = search.split_search(value)
    assert terms == tuple(search_terms(value))
    assert sorted(set(folded)) == sorted({fold(t) for t in terms}) and len(set(folded)) == len(folded)
    assert [len(t) for t in folded] == sorted((len(t) for t in folded), reverse=True)


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)))))
def test_listing_a_mask_in_c_or_bit_by_bit_gives_its_positions(case):
    from spacecraft_data.query.bitmask import positions_mask

    size, positions = case
    assert mask_positions(positions_mask(positions, size)) == sorted(positions)
