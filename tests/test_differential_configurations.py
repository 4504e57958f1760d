"""Differential tests of the second endpoint: ``Snapshot.respond`` against the oracle (real DRF +
django-filter).

``/2.3.0/spacecraft_configurations/`` and ``/2.3.0/config/spacecraft_statuses/`` are
answered by the engine from their declarations and by the oracle's stock view classes
(postgres flavour: PostgreSQL NULL order and case folding, ties by id); both must agree
on status and body, JSON-equal with key order. The oracle's normal mode is projected by
the OpenAPI components themselves, not by the engine's declaration, and its name order
is SQLite's BINARY collation: code point order, the engine's documented rule.

Data: the 46 real configurations, and SYNTHETIC copies (``oracle.synthetic.configurations_with_ties``)
with non-ASCII and lower-case names, a tied name and both booleans varied.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from oracle import Oracle
from oracle.synthetic import configurations_with_ties, write_snapshot
from strategies import HOSTILE, HOSTS, RAW_FRAGMENTS
from test_differential import assert_agree

from spacecraft_data.errors import QueryError
from spacecraft_data.snapshot import Snapshot

CONFIGS = "/2.3.0/spacecraft_configurations/"
STATUSES = "/2.3.0/config/spacecraft_statuses/"
LL2 = "https://ll.thespacedevs.com"
FILTERS = ("agency", "human_rated", "in_use", "name")
PARAMS = (*FILTERS, "search", "ordering", "limit", "offset", "mode", "format")
UNKNOWN = ("foo", "agency__ids", "manufacturer", "status", "spacecraft_config", "Name", "")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(scope="module")
def real(bundled) -> tuple[Oracle, Snapshot]:
    return Oracle.from_snapshot(bundled), bundled


@pytest.fixture(scope="module")
def synthetic(bundled, tmp_path_factory) -> tuple[Oracle, Snapshot]:
    """SYNTHETIC configurations (odd names, ties, booleans) beside the real spacecraft, in a temporary
    snapshot.

    Only the configuration and status routes are compared on it: the spacecraft records'
    nested configuration names are the real ones.
    """
    configs = configurations_with_ties(bundled.tables["spacecraft_configurations"])
    snap = write_snapshot(
        bundled, bundled.records, tmp_path_factory.mktemp("configs") / "snap", configurations=configs
    )
    return Oracle.from_snapshot(snap), snap


def _values(snap: Snapshot) -> dict[str, tuple[str, ...]]:
    configs = snap.tables["spacecraft_configurations"]
    names = sorted({c["name"] for c in configs})
    words = sorted(
        {
            w
            for c in configs
            for text in (c["name"], c["agency"]["name"], c["agency"]["abbrev"])
            for w in text.replace("(", " ").replace(")", " ").split()
        }
    )
    agencies = sorted({c["agency"]["id"] for c in configs})
    return {
        "agency": (*map(str, agencies), "1000", "0", "-1", " 121 ", "121.0", "abc"),
        "bool": ("true", "false", "True", "FALSE", "1", "0", "yes", ""),
        "name": (*names, *(n.lower() for n in names[:5]), f" {names[0]} ", names[0][:-1]),
        "search": (
            *words,
            *(w.lower() for w in words),
            *(w[1:3] for w in words if len(w) > 3),
            "ß",
            "SS",
            "прогресс",
            "Ä",
            "ä",
            '"crew dragon"',
            "dragon,soyuz",
            "spx nasa",
        ),
        "ordering": (
            "name",
            "-name",
            "id",
            "-id",
            "name,-id",
            " -name ",
            "--name",
            "+name",
            "name,name",
            "in_use",
        ),
        "limit": ("1", "2", "5", "10", "45", "46", "100", "0", "-1", "abc"),
        "offset": ("0", "1", "5", "44", "46", "47", "-1", "abc"),
        "mode": ("normal", "detailed", "list", "DETAILED", ""),
        "format": ("json", "api", "xml", ""),
    }


@st.composite
def _query(draw: Any, values: dict[str, tuple[str, ...]], hostile: bool) -> str:
    keys = draw(
        st.lists(st.sampled_from(PARAMS + (UNKNOWN if hostile else ())), unique=not hostile, max_size=5)
    )
    pairs = []
    for key in keys:
        pool = values["bool"] if key in ("human_rated", "in_use") else values.get(key, ("x",))
        options = [st.sampled_from(pool)] * 4
        if hostile:
            options += [st.sampled_from(HOSTILE), st.text(max_size=6)]
        value = draw(st.one_of(*options))
        style = draw(st.integers(0, 9)) if hostile else 0
        encoded = quote(value, safe="") if style in (6, 7) else quote_plus(value)
        if style == 9:
            encoded += draw(st.sampled_from(RAW_FRAGMENTS))
        pairs.append(f"{quote_plus(key)}={encoded}")
    return "&".join(pairs)


@st.composite
def urls(draw: Any, snap: Snapshot, hostile: bool = True, path: str = CONFIGS) -> str:
    values = _values(snap)
    host = draw(st.sampled_from(HOSTS))
    ids = [
        str(c["id"])
        for c in snap.tables[path.strip("/").split("/")[-1] if path == CONFIGS else "spacecraft_statuses"]
    ]
    detail = draw(st.integers(0, 4)) == 0
    segment = draw(st.sampled_from([*ids, "23", "0", "abc", "%EF%BC%96", "1.5"])) + "/" if detail else ""
    query = draw(_query(values, hostile))
    return f"{host}{path}{segment}" + (f"?{query}" if query else "")


REGRESSIONS = [
    CONFIGS + "?ordering=name&limit=100",
    CONFIGS + "?ordering=-name&limit=100&mode=detailed&format=api",
    CONFIGS + "?agency=121&human_rated=true&in_use=1",
    CONFIGS + "?agency=1000",
    CONFIGS + "?agency=abc&name=%00&human_rated=maybe",
    CONFIGS + "?search=spx&search=roscosmos&limit=3&offset=1",
    CONFIGS + "?search=%C3%9F",
    CONFIGS + "?search=%D0%BF%D1%80%D0%BE%D0%B3%D1%80%D0%B5%D1%81%D1%81&ordering=name",
    CONFIGS + "?name=+Soyuz+MS+&mode=detailed",
    CONFIGS + "6/?mode=normal&format=api",
    CONFIGS + "6/?agency=63",
    CONFIGS + "6/?agency=x",
    CONFIGS + "23/",
    CONFIGS + "?format=xml",
    STATUSES + "?search=x&ordering=-name&limit=1&offset=1&format=api",
    STATUSES + "?search=%00",
    STATUSES + "4/?mode=detailed",
    STATUSES + "1/",
    "http://127.0.0.1:8000" + CONFIGS + "?limit=2&offset=2&format=json",
]


@pytest.mark.parametrize("path", REGRESSIONS)
def test_both_endpoints_agree_with_the_oracle_on_regressions(real, synthetic, path):
    url = LL2 + path if path.startswith("/") else path
    assert_agree(*real, url)
    assert_agree(*synthetic, url)


@SETTINGS
@given(data=st.data())
def test_configurations_agree_with_the_oracle_on_the_real_records_under_hostile_queries(real, data):
    assert_agree(*real, data.draw(urls(real[1])))


@SETTINGS
@given(data=st.data())
def test_configurations_agree_with_the_oracle_on_the_real_records_under_well_formed_queries(real, data):
    assert_agree(*real, data.draw(urls(real[1], hostile=False)))


@SETTINGS
@given(data=st.data())
def test_configurations_agree_with_the_oracle_on_synthetic_names_ties_and_booleans(synthetic, data):
    assert_agree(*synthetic, data.draw(urls(synthetic[1], hostile=data.draw(st.booleans()))))


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_statuses_agree_with_the_oracle(real, data):
    assert_agree(*real, data.draw(urls(real[1], path=STATUSES)))


def test_every_name_ordering_of_the_synthetic_configurations_agrees(synthetic):
    for ordering in ("name", "-name", "name,-id", "-name,id", "id,name"):
        for mode in ("normal", "detailed"):
            assert_agree(*synthetic, f"{LL2}{CONFIGS}?ordering={ordering}&mode={mode}&limit=100")


def _sent(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@settings(max_examples=80, deadline=None)
@given(data=st.data())
@example(data=None)
def test_endpoint_query_agrees_with_the_oracle(real, data):
    """``snapshot.endpoint("spacecraft_configurations").query(**kwargs)``: the page, or LL2's 400 body."""
    oracle, snap = real
    values = _values(snap)
    if data is None:
        kwargs: dict[str, Any] = {"agency": 121, "human_rated": True, "ordering": "-name"}
    else:
        keys = data.draw(st.lists(st.sampled_from(PARAMS), unique=True, max_size=4))
        kwargs = {}
        for key in keys:
            pool = values["bool"] if key in ("human_rated", "in_use") else values[key]
            kwargs[key] = data.draw(
                st.one_of(
                    st.sampled_from(pool),
                    st.booleans() if key in ("human_rated", "in_use") else st.sampled_from(pool),
                )
            )
    url = LL2 + CONFIGS + "?" + urlencode([(k, _sent(v)) for k, v in kwargs.items()])
    expected = oracle.answer(url)
    configs = snap.endpoint("spacecraft_configurations")
    if expected.status == 200:
        assert configs.query(**kwargs).to_dict() == expected.body, url
    else:
        with pytest.raises(QueryError) as raised:
            configs.query(**kwargs)
        assert (raised.value.status, raised.value.body) == (expected.status, expected.body), url
