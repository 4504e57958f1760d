"""The shape a list page must have before it is saved or reused: LL2's envelope ``{count, next, previous,
results}``.

A page that parses but has another shape (not an object, a ``count`` that is not an integer, results that are
not records with an integer ``id``, missing keys) is never saved, and a saved one is never reused.
"""

from __future__ import annotations

from typing import Any

ENVELOPE_KEYS = ("count", "next", "previous", "results")


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def envelope_problem(body: Any, page_size: int, max_count: int) -> str:
    """What is wrong with ``body`` as one list page of at most ``page_size`` records; "" when nothing is."""
    if not isinstance(body, dict):
        return f"the body is a JSON {_kind(body)}, not a list envelope {{count, next, previous, results}}"
    missing = [key for key in ENVELOPE_KEYS if key not in body]
    if missing:
        return f"the list envelope lacks {', '.join(repr(k) for k in missing)}"
    count, results = body["count"], body["results"]
    if not isinstance(count, int) or isinstance(count, bool) or count < 0:
        return f"'count' is {count!r:.60}, not a non-negative integer"
    if count > max_count:
        return f"'count' is {count}, more than the sanity bound of {max_count} records"
    for key in ("next", "previous"):
        if body[key] is not None and not isinstance(body[key], str):
            return f"{key!r} is a JSON {_kind(body[key])}, not a URL or null"
    if not isinstance(results, list):
        return f"'results' is a JSON {_kind(results)}, not an array of records"
    if len(results) > page_size:
        return f"'results' holds {len(results)} records, more than the {page_size} asked for"
    for i, record in enumerate(results):
        if not isinstance(record, dict):
            return f"results[{i}] is a JSON {_kind(record)}, not a record object"
        rid = record.get("id")
        if not isinstance(rid, int) or isinstance(rid, bool):
            return (
                f"results[{i}] has {'no id' if 'id' not in record else f'the id {rid!r:.40}'}, not "
                "an integer id"
            )
    return ""
