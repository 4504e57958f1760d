"""Query flags shared by ``query`` and ``export``: one flag per API parameter.

``add_query_arguments(parser)`` adds them; ``query_kwargs(args)`` turns the
parsed flags into keyword arguments for :meth:`Snapshot.query`;
``fetch(snapshot, args)`` runs the query, paging through everything with
``--all``. Values are passed through as the API receives them, so the CLI
answers exactly what ``/2.3.0/spacecraft/?...`` answers (``--in-space yes`` is
ignored, as LL2 ignores it).
"""

from __future__ import annotations

import argparse
import re
# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["add_query_arguments", "query_kwargs", "fetch", "QUERY_FLAGS"]

# argparse's own negative-number pattern, plus descending ordering lists such as "-id,flights_count".
_DASH_VALUE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[a-z_]+(,\s*-?[a-z_]*)*$")

#: flag dest -> API parameter name
QUERY_FLAGS = {
    "search": "search",
    "ordering": "ordering",
    "in_space": "in_space",
    "is_placeholder": "is_placeholder",
    "name": "name",
    "spacecraft_config": "spacecraft_config",
    "status": "status",
    "limit": "limit",
    "offset": "offset",
    "mode": "mode",
}


def add_query_arguments(parser: argparse.ArgumentParser, *, allow_all: bool = True) -> None:
    """Add the query flags (``--search`` … ``--mode``, and ``--all`` when ``allow_all``) to ``parser``.

    ``--ordering -time_in_space`` is accepted as written: argparse would take
    ``-time_in_space`` for an unknown option, so words after a single dash that are
    not options of this parser are read as values (like negative numbers).
    """
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = _DASH_VALUE
    g = parser.add_argument_group("query (the parameters of /2.3.0/spacecraft/)")
    g.add_argument("--search", metavar="TEXT",
                   help="terms matched case-insensitively in name and spacecraft_config.name; "
                        "all terms must match (split on spaces and commas, \"quoted phrases\" kept)")
    g.add_argument("--ordering", metavar="FIELDS",
                   help="comma list of flights_count, id, mission_ends_count, time_docked, time_in_space, "
                        "'-' for descending; ties and no ordering: id ascending")
    g.add_argument("--in-space", dest="in_space", metavar="BOOL", help="true/false/1/0 (other values are ignored)")
    g.add_argument("--is-placeholder", dest="is_placeholder", metavar="BOOL",
                   help="true/false/1/0 (other values are ignored)")
    g.add_argument("--name", metavar="NAME", help="exact, case-sensitive name")
    g.add_argument("--spacecraft-config", dest="spacecraft_config", metavar="ID", help="spacecraft configuration id")
    g.add_argument("--status", metavar="ID", help="status id (e.g. 4 = Single Use)")
    g.add_argument("--limit", type=int, metavar="N", help="records per page (default 10, at most 100)")
    g.add_argument("--offset", type=int, metavar="N", help="records to skip (default 0)")
    g.add_argument("--mode", choices=["normal", "detailed"], default=None, help="response mode (default: normal)")
    if allow_all:
        g.add_argument("--all", action="store_true",
                       help="every matching record, paging through with limit 100 (--limit/--offset ignored)")


def query_kwargs(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for :meth:`Snapshot.query` from the flags that were given."""
    return {param: getattr(args, dest) for dest, param in QUERY_FLAGS.items() if getattr(args, dest, None) is not None}


def fetch(snapshot: Any, args: argparse.Namespace) -> tuple[list[dict[str, Any]], int]:
    """Run the query of ``args`` on ``snapshot``: (records, count).

    With ``--all`` every page is fetched in turn (limit 100) and concatenated,
    which is what a client following ``next`` links would collect.
    """
    kwargs = query_kwargs(args)
    if not getattr(args, "all", False):
        page = snapshot.query(**kwargs)
        return list(page.results), page.count
    kwargs.pop("offset", None)
    kwargs["limit"] = 100
    records: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = snapshot.query(**kwargs, offset=offset)
        records.extend(page.results)
        if page.next is None:
            return records, page.count
        offset += 100
