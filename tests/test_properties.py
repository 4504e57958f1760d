"""Properties of the query engine that hold for any request, checked with hypothesis.

* ordering is a permutation of the selected records, sorted by the requested keys;
* every filter gives a subset, and filters combine as an intersection;
* adding a search term never grows the result;
* pages of any size concatenate to the whole list, and next links walk it exactly.

Runs on the real bundled records and on SYNTHETIC variations of them (copies of
real records with other ids, counts, durations and names, some null), made here so
that ties, nulls and larger pages are exercised; the synthetic snapshot is written
to a temporary folder, never to data/.
"""

from __future__ import annotations

import copy
import hashlib
import json
import random
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode, urlsplit

import isodate
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import spacecraft_data

FIELDS = ("flights_count", "id", "mission_ends_count", "time_docked", "time_in_space")
LIST = "/2.3.0/spacecraft/"
FAST = settings(max_examples=60, deadline=None)


@pytest.fixture(scope="module")
def synthetic(bundled, tmp_path_factory):
    """A SYNTHETIC snapshot of 230 records varied from the 20 real ones (not real data)."""
    rng = random.Random(20261125)
    records = []
    for n in range(230):
        r = copy.deepcopy(bundled.records[n % len(bundled.records)])
        r["id"] = 1000 + n
        r["url"] = f"https://ll.thespacedevs.com/2.3.0/spacecraft/{r['id']}/"
        r["name"] = f"{r['name']} v{n % 7}"
        r["flights_count"] = rng.choice([None, 0, 1, 1, 2, 5])
        r["mission_ends_count"] = rng.choice([None, 0, 1, 3])
        r["in_space"] = rng.random() < 0.3
        r["is_placeholder"] = rng.random() < 0.1
        for key in ("time_docked", "time_in_space"):
            r[key] = rng.choice(
                [None, "P0D", isodate.duration_isoformat(timedelta(seconds=rng.randrange(10**8)))]
            )
        records.append(r)
    folder = tmp_path_factory.mktemp("synthetic") / "2.3.0" / "2026.01.01"
    folder.mkdir(parents=True)
    manifest = {
        "snapshot_version": "2026.01.01",
        "api_version": "2.3.0",
        "base_url": "https://ll.thespacedevs.com",
        "records": {"held": 230, "reported": 230, "complete": True},
        "modes": {"normal": {"held": True}, "detailed": {"held": False}},
        "notes": ["SYNTHETIC test snapshot"],
    }
    files = {"spacecraft.json": json.dumps(records).encode()}
    for table in ("spacecraft_configurations", "spacecraft_statuses"):
        files[f"{table}.json"] = json.dumps(bundled.tables[table]).encode()
    # load() checks each table against the manifest's checksums
    manifest["files"] = {
        name: {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)} for name, data in files.items()
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return spacecraft_data.load(folder)


@pytest.fixture(scope="module", params=["bundled", "synthetic"])
def snap(request, bundled, synthetic):
    return bundled if request.param == "bundled" else synthetic


def everything(snap, params):
    """Every record of a query, following the pages with limit 100."""
    status, body = snap.respond(LIST + "?" + urlencode(params + [("limit", "100")]))
    assert status == 200, body
    results = list(body["results"])
    while body["next"]:
        status, body = snap.respond(body["next"])
        results.extend(body["results"])
    return results


def key(record, field):
    value = record[field]
    if value is None:
        return None
    return isodate.parse_duration(value) if field.startswith("time_") else value


orderings = st.lists(st.tuples(st.sampled_from(FIELDS), st.booleans()), min_size=1, max_size=3)
bools = st.sampled_from([None, "true", "false", "1", "0", "TRUE", "yes"])


@FAST
@given(ordering=orderings)
def test_ordering_is_a_sorted_permutation_of_the_records(snap, ordering):
    text = ",".join(("-" if desc else "") + f for f, desc in ordering)
    ordered = everything(snap, [("ordering", text)])
    assert sorted(r["id"] for r in ordered) == sorted(r["id"] for r in snap.records)
    terms = [(f, desc) for i, (f, desc) in enumerate(ordering) if f not in [g for g, _ in ordering[:i]]]
    for a, b in zip(ordered, ordered[1:]):  # adjacent pairs respect the first differing key
        for field, desc in terms + [("id", False)]:
            ka, kb = key(a, field), key(b, field)
            if ka == kb:
                continue
            # PostgreSQL: NULL is larger than every value (last ascending, first descending).
            a_first = kb is None if ka is not None else False
            if ka is not None and kb is not None:
                a_first = ka < kb
            assert a_first != desc, (field, desc, a["id"], b["id"])
            break


@FAST
@given(
    in_space=bools,
    is_placeholder=bools,
    status=st.sampled_from([None, "3", "4"]),
    config=st.sampled_from([None, "1", "33", "6", "47"]),
)
def test_filters_select_subsets_that_intersect(snap, in_space, is_placeholder, status, config):
    params = [
        (k, v)
        for k, v in (
            ("in_space", in_space),
            ("is_placeholder", is_placeholder),
            ("status", status),
            ("spacecraft_config", config),
        )
        if v is not None
    ]
    combined = {r["id"] for r in everything(snap, params)}
    all_ids = {r["id"] for r in snap.records}
    assert combined <= all_ids
    separate = set(all_ids)
    for pair in params:
        alone = {r["id"] for r in everything(snap, [pair])}
        assert alone <= all_ids
        separate &= alone
    assert combined == separate


words = st.sampled_from(
    ["soyuz", "progress", "ms", "7k", "dragon", "v3", "Crew", "\u00df", "", "-0", "zz", '"soyuz 7k"', "ms,0"]
)


@FAST
@given(terms=st.lists(words, min_size=1, max_size=3), extra=words)
def test_adding_a_search_term_never_grows_the_result(snap, terms, extra):
    before = {r["id"] for r in everything(snap, [("search", " ".join(terms))])}
    after = {r["id"] for r in everything(snap, [("search", " ".join(terms + [extra]))])}
    assert after <= before


@FAST
@given(limit=st.integers(1, 120), ordering=orderings, search=st.sampled_from(["", "soyuz", "progress", "v1"]))
def test_pages_concatenate_to_the_whole_list(snap, limit, ordering, search):
    text = ",".join(("-" if desc else "") + f for f, desc in ordering)
    whole = [r["id"] for r in everything(snap, [("ordering", text), ("search", search)])]
    pages, offset = [], 0
    while True:
        page = snap.query(ordering=text, search=search, limit=limit, offset=offset)
        assert page.count == len(whole)
        pages.extend(r["id"] for r in page.results)
        if page.next is None:
            break
        next_params = dict(parse_qsl(urlsplit(page.next).query))
        assert int(next_params["limit"]) == min(limit, 100)
        offset = int(next_params["offset"])
    assert pages == whole
