"""Hypothesis strategies for LL2 ``/2.3.0/spacecraft/`` requests, hostile values included.

URLs are built the way HTTP clients send them (printable ASCII, percent-encoded),
but with every encoding style a client may use: ``quote_plus`` (space as ``+``),
``quote`` (space as ``%20``), a literal ``+`` (which decodes to a space), bare
keys without ``=``, and raw percent sequences that are not valid UTF-8.

Parameter names are the real ones (filters, search, ordering, pagination, mode,
format), unknown ones and near-misses; values are realistic ones taken from the
real bundled records and reference tables, and hostile ones (:data:`HOSTILE`).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any
from urllib.parse import quote, quote_plus

from hypothesis import strategies as st

import spacecraft_data

API = "/2.3.0/spacecraft/"
HOSTS = (
    "https://ll.thespacedevs.com",
    "http://127.0.0.1:8000",
    "http://localhost",
    "https://LL.TheSpaceDevs.com:443",
    "",
)  # "": a path alone
FILTERS = ("in_space", "is_placeholder", "name", "spacecraft_config", "status")
PARAMS = (*FILTERS, "search", "ordering", "limit", "offset", "mode", "format")
UNKNOWN = (
    "foo",
    "IN_SPACE",
    "Search",
    "name__icontains",
    "spacecraft_config__ids",
    "status__ids",
    "page",
    "fields",
    "omit",
    "ordering[]",
    "limit ",
    " offset",
    "",
)
ORDERING_FIELDS = ("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space")

#: Values no well-behaved client sends. Each has tripped a parser somewhere.
HOSTILE = (
    "",
    " ",
    "  ",
    "\t",
    "\n",
    "\x00",
    "a\x00",
    "+",
    "-",
    "--id",
    "+id",
    ",",
    ",,",
    "1,2",
    "'",
    '"',
    '""',
    "''",
    '"a b"',
    '"unterminated a',
    "\\",
    "%",
    "_",
    "%_",
    "0",
    "1",
    "-1",
    "-0",
    "+4",
    " 4 ",
    "04",
    "4.0",
    "1.5",
    "1e3",
    "0x10",
    "1_0",
    "\u0661",
    "\uff11",
    "\uff14",
    "\u00b2",
    str(2**31),
    str(2**63),
    "9" * 30,
    "9" * 5000,
    "nan",
    "inf",
    "null",
    "None",
    "true",
    "True",
    "TRUE",
    "false",
    "yes",
    "on",
    "\u00a0",
    "\ufeff",
    "\u200b",
    "\u00df",
    "SS",
    "прогресс",
    "ПРОГРЕСС",
    "Прогресс",
    "\u0130",
    "\u0131",
    "\ufb01",
    "\U0001f680",
    "e\u0301",
    "é",
    "DROP TABLE",
)
#: Already-encoded fragments, inserted into the query as they are.
RAW_FRAGMENTS = (
    "%ff",
    "%",
    "%zz",
    "%C3",
    "%2B",
    "+",
    "%00",
    "%E2%80%8B",
    "%2C",
    "%252C",
    "%C3%9F",
    "+id",
    "%2Bid",
)


@lru_cache(maxsize=1)
def real_values() -> dict[str, tuple[str, ...]]:
    """Realistic values per parameter, from the real bundled snapshot and its reference tables."""
    snap = spacecraft_data.load()
    names = sorted({r["name"] for r in snap.records})
    config_names = sorted({r["spacecraft_config"]["name"] for r in snap.records})
    words = sorted({w for n in names + config_names for w in n.replace("-", " ").split()})
    used_configs = sorted({r["spacecraft_config"]["id"] for r in snap.records})
    all_configs = sorted(c["id"] for c in snap.tables["spacecraft_configurations"])
    statuses = sorted(s["id"] for s in snap.tables["spacecraft_statuses"])
    ids = sorted(r["id"] for r in snap.records)
    return {
        "bool": ("true", "false", "True", "FALSE", "1", "0", "yes", " true", ""),
        "name": (*names, *(n.lower() for n in names[:4]), f" {names[0]} ", names[0][:-1]),
        "search": (
            *words,
            *(w.lower() for w in words),
            *(w[1:3] for w in words if len(w) > 3),
            "Soyuz 7K",
            '"Progress MS"',
            "progress,ms",
            '"crew dragon"',
            "ms-0",
            # the synthetic records' non-ASCII names (oracle/synthetic.py), and the trap of ß -> SS
            "прогресс",
            "ПРОГРЕСС",
            "été",
            "ÉLAN",
            "straße",
            "STRASSE",
            "ß",
        ),
        "spacecraft_config": (
            *map(str, used_configs),
            *map(str, used_configs),
            *map(str, all_configs[:3]),
            "99999",
        ),
        "status": (*map(str, statuses), *map(str, statuses), "1"),
        "limit": ("1", "2", "3", "5", "10", "19", "20", "21", "100", "101", "1000", "0", "-1", "abc"),
        "offset": ("0", "1", "2", "5", "10", "18", "19", "20", "21", "100", "-3", "abc"),
        "mode": ("normal", "detailed", "list", "Detailed", ""),
        "format": ("json", "api", ""),
        "id": tuple(map(str, ids)),
    }


def orderings() -> st.SearchStrategy[str]:
    """``ordering`` values: comma lists of fields, descending marks, junk, spaces and repeats."""
    part = st.one_of(
        st.sampled_from(ORDERING_FIELDS),
        st.sampled_from(ORDERING_FIELDS).map(lambda f: "-" + f),
        st.sampled_from(ORDERING_FIELDS).map(lambda f: f" {f} "),
        st.sampled_from(("name", "--id", "+id", "pk", "-", "", "Id", "status", "flights_count__gt", "?")),
    )
    return st.lists(part, min_size=0, max_size=4).map(",".join)


def values_for(param: str, hostile: bool = True) -> st.SearchStrategy[str]:
    """Values of ``param``: realistic ones mostly, and (``hostile``) hostile ones and random text
    sometimes."""
    real = real_values()
    key = "bool" if param in ("in_space", "is_placeholder") else param
    choices = [st.sampled_from(HOSTILE), st.text(max_size=8)] if hostile else []
    if key in real:
        choices = [st.sampled_from(real[key])] * 4 + choices
    if param == "ordering":
        choices = [orderings()] * 4 + choices
    if param == "search":
        words = st.sampled_from(real["search"] + HOSTILE)
        choices.append(
            st.lists(words, min_size=1, max_size=3).flatmap(
                lambda ws: st.sampled_from((" ", ",", ", ", "\t")).map(lambda sep: sep.join(ws))
            )
        )
    return st.one_of(*choices)


@st.composite
def pair(draw: Any, names: st.SearchStrategy[str] | None = None) -> str:
    """One encoded ``key=value`` (or bare ``key``) of a query string."""
    key = draw(
        names
        if names is not None
        else st.one_of(st.sampled_from(PARAMS), st.sampled_from(PARAMS), st.sampled_from(UNKNOWN))
    )
    if draw(st.integers(0, 30)) == 0:
        return quote_plus(key)  # a bare key: Django reads it as ""
    value = draw(
        values_for(key) if key in PARAMS else st.one_of(st.sampled_from(HOSTILE), st.text(max_size=5))
    )
    style = draw(st.integers(0, 9))
    if style <= 5:
        encoded = quote_plus(value)
    elif style <= 7:
        encoded = quote(value, safe="")
    elif style == 8:
        encoded = quote(value, safe="+,'\"-")  # a literal + becomes a space
    else:
        encoded = quote_plus(value) + draw(st.sampled_from(RAW_FRAGMENTS))
    return f"{quote_plus(key)}={encoded}"


def queries(max_pairs: int = 6) -> st.SearchStrategy[str]:
    """Query strings (without ``?``): 0 to ``max_pairs`` pairs, repeats allowed, odd separators sometimes."""
    return st.tuples(
        st.lists(pair(), max_size=max_pairs),
        st.sampled_from(("&", "&", "&", "&&")),
    ).map(lambda t: t[1].join(t[0]))


def clean_queries() -> st.SearchStrategy[str]:
    """Well-formed query strings: each real parameter at most once, realistic values, ``quote_plus``-encoded.

    Hostile values mostly end in a 400, which hides how filters, search, ordering and
    pagination combine; these queries exercise the combinations.
    """

    def encode(draw_pairs: list[tuple[str, str]]) -> str:
        return "&".join(f"{k}={quote_plus(v)}" for k, v in draw_pairs)

    chosen = st.lists(st.sampled_from(PARAMS), unique=True, max_size=5)
    return chosen.flatmap(
        lambda keys: st.tuples(*(st.tuples(st.just(k), values_for(k, hostile=False)) for k in keys))
    ).map(lambda pairs: encode(list(pairs)))


def detail_segments() -> st.SearchStrategy[str]:
    """The id segment of a detail path, percent-encoded; always a match for DRF's ``[^/.]+``."""
    real = real_values()
    raw = st.one_of(
        st.sampled_from(real["id"]),
        st.sampled_from(
            (
                "1",
                "0",
                "-1",
                "234",
                "99999",
                str(2**31),
                str(2**63),
                "9" * 30,
                "abc",
                "1e3",
                "0x10",
                "1_0",
                "+167",
                " 167",
                "167 ",
                "\uff11\uff16\uff17",
                "\u0661\u0666\u0667",
                "%",
                "\x00",
            )
        ),
        st.text(min_size=1, max_size=5).filter(lambda s: "/" not in s and "." not in s),
    )
    return raw.map(lambda s: quote(s, safe=""))


@st.composite
def urls(draw: Any, detail: bool | None = None, hostile: bool = True) -> str:
    """Absolute request URLs for the list route or (sometimes) the detail route, with a query.

    ``hostile=False`` draws the query from :func:`clean_queries` instead of :func:`queries`.
    """
    host = draw(st.sampled_from(HOSTS))
    if detail is None:
        detail = draw(st.integers(0, 4)) == 0
    path = API + (draw(detail_segments()) + "/" if detail else "")
    query = draw(queries() if hostile else clean_queries())
    return f"{host}{path}?{query}" if query or draw(st.booleans()) else f"{host}{path}"


def query_kwargs() -> st.SearchStrategy[dict[str, Any]]:
    """Keyword arguments of ``Snapshot.query``: realistic strings, and the Python types it also takes
    (bool for the boolean filters, int for ids, limit and offset, a list for ``ordering``)."""
    real = real_values()

    def typed(param: str) -> st.SearchStrategy[Any]:
        text = values_for(param, hostile=False)
        if param in ("in_space", "is_placeholder"):
            return st.one_of(st.booleans(), text)
        if param in ("spacecraft_config", "status", "limit", "offset"):
            return st.one_of(
                st.sampled_from([int(v) for v in real[param] if v.lstrip("-").isdigit()]),
                st.integers(-3, 150),
                text,
            )
        if param == "ordering":
            return st.one_of(
                st.lists(
                    st.sampled_from([*ORDERING_FIELDS, *("-" + f for f in ORDERING_FIELDS)]), max_size=3
                ),
                text,
            )
        return text

    chosen = st.lists(st.sampled_from(PARAMS), unique=True, max_size=5)
    return chosen.flatmap(lambda keys: st.fixed_dictionaries({k: typed(k) for k in keys}))
