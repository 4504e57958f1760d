"""The fixed, named query mix of the benchmarks (and of the scale test).

Each query is the keyword arguments of ``Snapshot.query`` (None when the request
has no ``query`` form, like the detail route) and the URL a client sends for the
same request, encoded the way ``Snapshot.query`` documents it (booleans as
``true``/``false``). A few values depend on the snapshot's size (the deep offset,
the held id of the detail route), so the mix is built per snapshot.
"""

from __future__ import annotations

from typing import Any, NamedTuple
from urllib.parse import urlencode

LIST = "/2.3.0/spacecraft/"


class Query(NamedTuple):
    """One named request: ``kwargs`` for ``Snapshot.query`` (None: not expressible) and its ``url`` path."""

    name: str
    kwargs: dict[str, Any] | None
    url: str


def sent(value: Any) -> str:
    """How ``Snapshot.query`` sends a Python value: ``true``/``false``, comma lists, ``str()``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return str(value)


def list_query(name: str, kwargs: dict[str, Any], list_path: str = LIST) -> Query:
    """A list request given as ``Snapshot.query`` keyword arguments, with its URL."""
    query = urlencode([(k, sent(v)) for k, v in kwargs.items()])
    return Query(name, kwargs, list_path + (f"?{query}" if query else ""))


def query_mix(count: int, detail_id: int) -> list[Query]:
    """The benchmark's named queries over a snapshot of ``count`` records holding id ``detail_id``.

    The deep offset starts 50 records before the end (half-way on a snapshot of
    fewer than 100), so its page is never empty and never a whole snapshot.
    """
    deep = count - min(50, count // 2)
    return [
        list_query("filters", {"status": 4, "in_space": False, "is_placeholder": False}),
        list_query("search 1 term", {"search": "soyuz"}),
        list_query("search 2 terms + filter", {"search": "progress ms", "in_space": False}),
        list_query("order by 2 fields (durations)", {"ordering": "-time_in_space,flights_count"}),
        list_query("deep offset, limit 100", {"offset": deep, "limit": 100}),
        list_query(
            "order + search + filter + page",
            {
                "search": "ms",
                "status": 4,
                "ordering": "-flights_count,time_docked",
                "limit": 20,
                "offset": 20,
            },
        ),
        Query("detail (501: not held)", None, f"{LIST}{detail_id}/"),
        list_query("bad status (400)", {"status": "bad"}),
    ]
