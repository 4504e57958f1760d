"""Query flags shared by ``query`` and ``export``: one flag per API parameter, generated from the
declarations.

Details: docs/architecture.md#the-shell-cli-server-testing
"""

from __future__ import annotations

import argparse
import re

from ..endpoints import DEFAULT_API_VERSION
from ..query import BooleanFilter, ChoiceFilter, ExactFilter
from ..typecheck import TYPE_CHECKING
from . import help_examples

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from typing import Any

    from ..endpoints import Endpoint, Registry

__all__ = ["add_query_arguments", "query_kwargs", "query_page", "fetch", "endpoint_of", "example_flags"]

# argparse's own negative-number pattern, plus descending ordering lists such as "-id,flights_count".
_DASH_VALUE = re.compile(r"^-\d+$|^-\d*\.\d+$|^-[a-z_]+(,\s*-?[a-z_]*)*$")

#: flags every endpoint has, after its filters
_COMMON = ("search", "ordering", "limit", "offset", "mode")


def _filter_help(f: Any, endpoints: Sequence[Endpoint]) -> str:
    """A filter flag's help: its kind's, a choice filter's from the first declaration with a ``help`` for
    it."""
    if isinstance(f, BooleanFilter):
        return "true/false/1/0 (other values are ignored)"
    if isinstance(f, ExactFilter):
        return f"exact, case-sensitive {f.param}"
    if isinstance(f, ChoiceFilter):
        return next(
            (e.presentation.help[f.param] for e in endpoints if f.param in e.presentation.help),
            f"{f.param} id",
        )
    return f.param


def _dests(endpoints: Sequence[Endpoint]) -> list[str]:
    """The parameters with a flag: every filter of ``endpoints`` (first seen first), then the common ones."""
    names: dict[str, None] = {}
    for e in endpoints:
        names.update((f.param, None) for f in e.query.filters)
    return [*names, *_COMMON]


def _flag(param: str) -> str:
    return "--" + param.replace("_", "-")


def example_flags(endpoint: Endpoint) -> tuple[str, str, str]:
    """The declaration's help examples (``search``, ``ordering``, ``filter``: :func:`help_examples`) as flags.

    Each is `` --flag value`` (a leading space), or empty when the declaration gives none.
    """
    examples = help_examples(endpoint)
    query = endpoint.query
    search = f" {_flag(query.search.param)} {examples['search']}" if examples.get("search") else ""
    ordering = f" {_flag(query.ordering.param)} {examples['ordering']}" if examples.get("ordering") else ""
    filtered = "".join(
        f" {_flag(k)} {v}"
        for k, _, v in (pair.partition("=") for pair in examples.get("filter", "").split("&") if pair)
    )
    return search, ordering, filtered


def add_query_arguments(
    parser: argparse.ArgumentParser,
    declared: Registry,
    *,
    allow_all: bool = True,
    endpoints: Sequence[str] | None = None,
) -> None:
    """Add the query flags of ``endpoints`` (``--search`` … ``--mode``, ``--all`` when ``allow_all``) to
    ``parser``.

    ``endpoints`` are names of endpoints of ``declared`` (default: its primary one).

    With several endpoints, ``--endpoint`` picks one (default: the first) and each
    filter flag's help says which endpoints have it. ``--ordering -time_in_space``
    is accepted as written: argparse would take ``-time_in_space`` for an unknown
    option, so words after a single dash that are not options of this parser are
    read as values (like negative numbers).
    """
    if hasattr(parser, "_negative_number_matcher"):
        parser._negative_number_matcher = _DASH_VALUE
    chosen = [declared.endpoint(name) for name in endpoints] if endpoints is not None else [declared.primary]
    several = len(chosen) > 1
    paths = (e.routing.list_path(declared.api_version) for e in chosen)
    title = "query (the parameters of " + ", ".join(paths) + ")"
    g = parser.add_argument_group(title)
    if several:
        g.add_argument(
            "--endpoint",
            choices=[e.name for e in chosen],
            default=chosen[0].name,
            help=f"the LL2 list to query (default: {chosen[0].name}); a flag the endpoint does not "
            "have is an error",
        )

    _add_text_flags(g, chosen)
    _add_filter_flags(g, chosen)
    _add_paging_flags(g, chosen, allow_all)
    parser.set_defaults(_query_parser=parser, _query_dests=_dests(chosen))


def _per_endpoint(chosen: Sequence[Endpoint], describe: Callable[[Endpoint], str]) -> str:
    """``describe`` of each endpoint, joined; each named when there are several."""
    several = len(chosen) > 1
    return "; ".join(f"{describe(e)} ({e.name})" if several else describe(e) for e in chosen)


def _add_text_flags(g: argparse._ArgumentGroup, chosen: Sequence[Endpoint]) -> None:
    """``--search`` and ``--ordering``, whose help lists the fields of each endpoint."""
    g.add_argument(
        "--search",
        metavar="TEXT",
        help="terms matched case-insensitively in "
        + _per_endpoint(chosen, lambda e: ", ".join(e.query.search.fields) or "no fields, so ignored")
        + '; all terms must match (split on spaces and commas, "quoted phrases" kept)',
    )
    g.add_argument(
        "--ordering",
        metavar="FIELDS",
        help="comma list of "
        + _per_endpoint(chosen, lambda e: ", ".join(e.query.ordering.fields) or "no fields, so ignored")
        + "; '-' for descending; text in code point order; ties and no ordering: id ascending",
    )


def _add_filter_flags(g: argparse._ArgumentGroup, chosen: Sequence[Endpoint]) -> None:
    """One flag per filter parameter of any endpoint, saying which have it when not all do."""
    several = len(chosen) > 1
    filters: dict[str, Any] = {}
    for e in chosen:
        for f in e.query.filters:
            filters.setdefault(f.param, f)
    for param, f in filters.items():
        having = [e.name for e in chosen if any(x.param == param for x in e.query.filters)]
        where = f" [{', '.join(having)} only]" if several and len(having) < len(chosen) else ""
        metavar = (
            "BOOL" if isinstance(f, BooleanFilter) else "ID" if isinstance(f, ChoiceFilter) else param.upper()
        )
        g.add_argument(_flag(param), dest=param, metavar=metavar, help=_filter_help(f, chosen) + where)


def _add_paging_flags(g: argparse._ArgumentGroup, chosen: Sequence[Endpoint], allow_all: bool) -> None:
    """``--limit``, ``--offset``, ``--mode`` and, when ``allow_all``, ``--all``."""
    max_limit = min(
        e.query.pagination.max_limit for e in chosen
    )  # each endpoint's pagination declares its own
    g.add_argument(
        "--limit", type=int, metavar="N", help=f"records per page (default 10, at most {max_limit})"
    )
    g.add_argument("--offset", type=int, metavar="N", help="records to skip (default 0)")
    modes = list(dict.fromkeys(m for e in chosen for m in e.modes.names))
    g.add_argument("--mode", choices=modes, default=None, help="response mode (default: normal)")
    if allow_all:
        g.add_argument(
            "--all",
            action="store_true",
            help=f"every matching record, paging through with limit {max_limit} (--limit/--offset ignored)",
        )


def endpoint_of(args: argparse.Namespace, declared: Registry) -> Endpoint:
    """The endpoint of ``declared`` the flags query (``--endpoint``, else the primary one)."""
    name = getattr(args, "endpoint", None)
    return declared.endpoint(name) if name else declared.primary


def query_kwargs(args: argparse.Namespace, endpoint: Endpoint) -> dict[str, Any]:
    """Keyword arguments for ``endpoint``'s query from the flags that were given.

    A flag the endpoint does not have is a usage error (exit status 2) naming the
    flag and the endpoint's own flags.
    """
    dests = getattr(args, "_query_dests", None) or _dests([endpoint])
    given = {dest: getattr(args, dest) for dest in dests if getattr(args, dest, None) is not None}
    wrong = [dest for dest in given if dest not in endpoint.parameters]
    if wrong:
        flags = ", ".join(_flag(d) for d in wrong)
        own = ", ".join(_flag(d) for d in dests if d in endpoint.parameters)
        path = endpoint.routing.list_path(DEFAULT_API_VERSION)
        message = f"{flags}: not a parameter of {path} (its flags: {own})"
        parser = getattr(args, "_query_parser", None)
        if parser is not None:
            parser.error(message)
        raise ValueError(message)
    return given


def query_page(
    snapshot: Any, endpoint: Endpoint, kwargs: dict[str, Any], *, base_url: str | None = None
) -> Any:
    """One page of ``endpoint`` from ``snapshot`` for the API parameters ``kwargs``.

    Returns a :class:`~spacecraft_data.api.Page`; ``base_url`` is the host of its links.
    """
    if endpoint.storage.primary:
        # Snapshot.query names the snapshot's file in a SnapshotError (a bad duration met while sorting).
        return snapshot.query(**kwargs, base_url=base_url)
    return snapshot.endpoint(endpoint.name).query(**kwargs, base_url=base_url)


def fetch(snapshot: Any, args: argparse.Namespace) -> tuple[list[dict[str, Any]], int]:
    """Run the query of ``args`` on ``snapshot`` (its endpoint of ``--endpoint``): (records, count).

    With ``--all`` every page is fetched in turn (at the endpoint's page-size limit) and concatenated,
    which is what a client following ``next`` links would collect.
    """
    endpoint = endpoint_of(args, snapshot.registry)
    kwargs = query_kwargs(args, endpoint)
    if not getattr(args, "all", False):
        page = query_page(snapshot, endpoint, kwargs)
        return list(page.results), page.count
    kwargs.pop("offset", None)
    kwargs["limit"] = limit = endpoint.query.pagination.max_limit
    records: list[dict[str, Any]] = []
    offset = 0
    while True:
        page = query_page(snapshot, endpoint, {**kwargs, "offset": offset})
        records.extend(page.results)
        if page.next is None:
            return records, page.count
        offset += limit
