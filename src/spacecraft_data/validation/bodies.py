"""Records in memory and saved pages: which schemas a page's records get (``--schema``, its request line,
its envelope links) and the check of a body, an envelope or a page against them.

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..endpoints import DEFAULT_API_VERSION, ENDPOINTS
from ..routes import route_of, route_of_url
from ..typecheck import TYPE_CHECKING
from .limits import caps
from .messages import short
from .records import check_records, endpoint_of_record, endpoint_of_route, endpoint_of_schema, record_problems
from .report import Problem, Report

if TYPE_CHECKING:
    from collections.abc import Mapping

    from ..endpoints import Endpoint, Registry
    from ..pages import Page
    from .limits import Limits


def _is_envelope(body: Any) -> bool:
    return isinstance(body, dict) and "results" in body and "count" in body


@dataclass
class _Context:
    """Which schemas the records of one input get, and why (see the package docstring)."""

    registry: Registry  # whose declarations apply: the named version's, else the default version's
    endpoint: Endpoint | None = None  # None: per record, the one its url names, else the primary one
    mode: str | None = None  # None: from each record's response_mode
    schema_name: str | None = None
    chosen_by: str | None = (
        None  # None: nothing names the endpoint; each record's own url, else the primary one
    )
    problems: list[Problem] = field(default_factory=list)
    skip_records: bool = False  # the endpoint has no schema here: checking against another would be a guess


def _named_routes(body: Any, request: Any) -> list[tuple[str | None, str, bool, str]]:
    """(API version, route, detail?, where) of each route a page's request line and envelope links name."""
    named: list[tuple[str | None, str, bool, str]] = []
    if request is not None:
        r = route_of(request.path)
        named.append(
            (r.version, r.endpoint, r.detail, f"the request line 'GET {short(request.full_path)[1:-1]}'")
        )
    if _is_envelope(body):
        for key in ("next", "previous"):
            link = route_of_url(body.get(key))
            if link is not None:  # a link that is no API URL names nothing (its schema reports it)
                named.append((link.version, link.endpoint, link.detail, f"the envelope's {key!r} link"))
    return named


def _naming_problems(
    named: list[tuple[str | None, str, bool, str]], source: str, line: int | None
) -> list[Problem]:
    """Problems of the routes a page names: more than one endpoint, or an API version with no schemas."""
    problems: list[Problem] = []
    routes = {route for _, route, _, _ in named}
    if len(routes) > 1:
        problems.append(
            Problem(
                source,
                None,
                "",
                "the page names more than one endpoint: "
                + "; ".join(f"/{route}/ by {where}" for _, route, _, where in named),
                line,
            )
        )
    for version, route, _, where in named:
        if version is not None and version not in ENDPOINTS:
            problems.append(
                Problem(
                    source,
                    None,
                    "",
                    f"{where} is of LL2 API {version}; the schemas are of {', '.join(ENDPOINTS)}",
                    line,
                )
            )
            break
    return problems


def context(
    body: Any,
    source: str,
    registries: Mapping[str, Registry],
    request: Any = None,
    schema_name: str | None = None,
    line: int | None = None,
) -> _Context:
    """The schema context of a page body: ``--schema``, else the endpoint its request line or envelope links
    name (``registries``: each declared API version's, as :func:`validate_input` takes them)."""
    named = _named_routes(body, request)
    ctx = _Context(registries[DEFAULT_API_VERSION])
    ctx.problems.extend(_naming_problems(named, source, line))
    if schema_name is not None:
        ctx.endpoint, key = endpoint_of_schema(schema_name, ctx.registry)
        ctx.schema_name = None if key == "list" else schema_name
        ctx.chosen_by = f"--schema {schema_name}"
        return ctx
    if not named:
        return ctx
    version, route, detail, where = named[0]
    if version is not None and version in registries:
        ctx.registry = registries[version]
    ctx.endpoint = endpoint_of_route(route, ctx.registry)
    if ctx.endpoint is None or not ctx.endpoint.validation.schemas:
        _skip_records(ctx, route, where, source, line)
        return ctx
    params = dict(request.params) if request is not None else {}
    if detail:
        ctx.mode = ctx.endpoint.modes.detail  # LL2's detail route always answers in its detail mode
    elif params.get("mode") in ctx.endpoint.modes.names:
        ctx.mode = params["mode"]
    shown = f"/{version or DEFAULT_API_VERSION}/{route}/" + ("<id>/" if detail else "")
    ctx.chosen_by = f"endpoint {shown} named by {where}" + (f", mode {ctx.mode}" if ctx.mode else "")
    return ctx


def _skip_records(ctx: _Context, route: str, where: str, source: str, line: int | None) -> None:
    """Leave the records of a page whose named endpoint has no schema unchecked, and say so."""
    ctx.endpoint = None
    ctx.skip_records = True
    checked = [e.name for e in ctx.registry if e.validation.schemas]
    ctx.chosen_by = f"no schema: endpoint /{route}/ named by {where}"
    ctx.problems.append(
        Problem(
            source,
            None,
            "",
            f"{where} names endpoint /{route}/, which has no schema here "
            f"(the schemas are of /{'/, /'.join(checked)}/); use "
            "--schema NAME to check its records anyway",
            line,
        )
    )


def _endpoint_of_results(records: list[Any], registry: Registry) -> Endpoint | None:
    """The endpoint every record of a page is taken for alike, when it has a list schema (None: they
    differ)."""
    taken = {endpoint_of_record(r, registry) for r in records}
    found = taken.pop() if len(taken) == 1 else None
    return found if found is not None and "list" in found.validation.schemas else None


def validate_body(
    body: Any, source: str, ctx: _Context, line: int | None = None, limits: Limits | None = None
) -> Report:
    report = Report(inputs=[source])
    report.problems.extend(ctx.problems)
    if ctx.skip_records:
        report.note_schemas(source, [], ctx.chosen_by or "")
        return report
    if _is_envelope(body):
        _validate_envelope(body, source, ctx, line, limits, report)
        return report
    if isinstance(body, list):
        report.extend(_validate_in_context(body, source, ctx, limits))
        report.inputs = [source]
        return report
    if isinstance(body, dict) and set(body) == {"detail"}:
        report.problems.append(
            Problem(source, None, "$", f"an API error body ({short(body['detail'])}), not a record", line)
        )
        return report
    if isinstance(body, dict):
        report.extend(_validate_in_context([body], source, ctx, limits, [line] if line else None))
        report.inputs = [source]
        return report
    report.problems.append(
        Problem(
            source,
            None,
            "$",
            f"expected a record, a list of records or a list page; found {type(body).__name__}",
            line,
        )
    )
    return report


def _validate_in_context(
    records: list[Any], source: str, ctx: _Context, limits: Limits | None, lines: list[int] | None = None
) -> Report:
    """:func:`check_records` of ``records`` with the schemas ``ctx`` gives them."""
    return check_records(
        records,
        source,
        ctx.registry,
        ctx.endpoint,
        lines,
        schema_name=ctx.schema_name,
        mode=ctx.mode,
        chosen_by=ctx.chosen_by,
        **caps(limits),
    )


def _validate_envelope(
    body: dict[str, Any], source: str, ctx: _Context, line: int | None, limits: Limits | None, report: Report
) -> None:
    """Add to ``report`` the problems of a list page's envelope (against its list schema) and its results."""
    results = body["results"]
    records = results if isinstance(results, list) else []
    endpoint = ctx.endpoint or _endpoint_of_results(records, ctx.registry)
    listed = (endpoint or ctx.registry.primary).validation.schemas.get("list")
    list_name = listed.name if listed is not None else None
    shell = {**body, "results": []} if isinstance(results, list) else body
    if list_name is not None:
        report.problems.extend(
            Problem(source, None, p.path, p.message, line)  # the envelope is no record
            for p in record_problems(shell, list_name, source, "envelope", line, ctx.registry)
        )
    count = body.get("count")
    if type(count) is int and count < len(records):
        report.problems.append(
            Problem(
                source,
                None,
                "$.count",
                f"count {count} is smaller than the {len(records)} results the page holds",
                line,
            )
        )
    inner = _validate_in_context(records, source, ctx, limits)
    report.problems.extend(Problem(p.source, p.record, p.path, p.message, line) for p in inner.problems)
    report.records_checked += inner.records_checked
    for n, m in inner.unlisted.values():
        report.note_unlisted(source, n, m)
    names, chosen_by = inner.schemas.get(source, ([], ctx.chosen_by or ""))
    report.note_schemas(source, [*names, *([list_name] if list_name else [])], chosen_by)


def validate_page(
    page: Page,
    registries: Mapping[str, Registry],
    schema_name: str | None = None,
    limits: Limits | None = None,
) -> Report:
    if page.status != 200:
        return Report(
            [
                Problem(
                    page.source,
                    None,
                    "",
                    f"the page answered HTTP {page.status} {page.reason}; only a 200 page holds records",
                )
            ],
            0,
            [page.source],
        )
    ctx = context(page.body, page.source, registries, page.request, schema_name)
    return validate_body(page.body, page.source, ctx, limits=limits)
