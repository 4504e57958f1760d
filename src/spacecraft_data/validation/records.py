"""Which schema a record gets, and the check of records against it.

Details: docs/validating.md#validating-ll2-data-eg-in-your-ci
"""

from __future__ import annotations

from urllib.parse import urlsplit

from ..routes import route_of_url
from ..typecheck import TYPE_CHECKING
from .messages import findings, leaves
from .report import Problem, Report
from .schemas import record_validator, schemas_of

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

    from ..endpoints import Endpoint, Registry, Schema

__all__ = [
    "endpoint_of_record",
    "endpoint_of_route",
    "endpoint_of_schema",
    "record_schema",
    "schema_name_of",
    "table_schema_name",
    "record_problems",
    "check_records",
    "validate_stream",
]


def _checked(registry: Registry) -> list[Endpoint]:
    """The endpoints whose records can be checked (those that declare a schema), in registry order."""
    return [e for e in registry if e.validation.schemas]


def _named(name: str, declared: list[Endpoint]) -> Endpoint | None:
    return next((e for e in declared if name == e.name or name in e.routing.aliases), None)


def _endpoint_of_url(url: object, declared: list[Endpoint]) -> Endpoint | None:
    route = route_of_url(url)
    if route is not None:
        found = _named(route.endpoint, declared)
        if found is not None:
            return found
    if not isinstance(url, str):
        return None
    # A URL without an API version segment (behind a proxy's prefix, or written by hand) still names its
    # endpoint by its path segments: the declaration whose name ends nearest the end of the path.
    try:
        segments = [s for s in urlsplit(url).path.split("/") if s]
    except ValueError:
        return None
    best: tuple[int, int, Endpoint] | None = None
    for e in declared:
        parts = e.name.split("/")
        ends = [
            i + len(parts)
            for i in range(len(segments) - len(parts) + 1)
            if segments[i : i + len(parts)] == parts
        ]
        if ends and (best is None or (ends[-1], len(parts)) > best[:2]):
            best = (ends[-1], len(parts), e)
    return best[2] if best else None


def endpoint_of_record(record: Any, registry: Registry) -> Endpoint:
    """The endpoint of ``registry`` a record is taken for when nothing around it names one (the registry
    comes from the caller, as everywhere in this module: :mod:`spacecraft_data.validation` resolves it).

    Its ``url``'s path names it; else it is the primary endpoint's. Its keys never choose: a
    spacecraft stripped to ``id`` and ``name`` must fail as a spacecraft, not pass as a status.
    """
    return _endpoint_and_basis(record, _checked(registry), registry)[0]


def _endpoint_and_basis(record: Any, declared: list[Endpoint], registry: Registry) -> tuple[Endpoint, bool]:
    """The endpoint of :func:`endpoint_of_record`, and whether the record's own ``url`` named it."""
    if isinstance(record, dict):
        found = _endpoint_of_url(record.get("url"), declared)
        if found is not None:
            return found, True
    return registry.primary, False


def _looks_like(record: Any, declared: list[Endpoint], taken: Endpoint) -> Endpoint | None:
    """Another endpoint whose ``marker_keys``/``only_keys`` the record has: a hint for the report, never a
    choice."""
    if not isinstance(record, dict):
        return None
    for e in declared:
        if e is not taken and (
            any(key in record for key in e.validation.marker_keys)
            or (e.validation.only_keys is not None and set(record) == e.validation.only_keys)
        ):
            return e
    return None


def endpoint_of_route(name: str, registry: Registry) -> Endpoint | None:
    """The endpoint a route (``spacecraft``, ``config/spacecraft_statuses``), alias or table names, None if
    none."""
    found = registry.get(name)
    return found if found is not None else registry.by_table(name)


def endpoint_of_schema(name: str, registry: Registry) -> tuple[Endpoint, str]:
    """The endpoint declaring the schema short name ``name``, and under which key (a mode, ``list``,
    ``record``).

    ``KeyError`` when no endpoint declares it.
    """
    for e in registry:
        for key, declared in e.validation.schemas.items():
            if declared.name == name:
                return e, key
    raise KeyError(name)


def _mode_of(record: Any, endpoint: Endpoint, mode: str | None) -> str | None:
    if not endpoint.modes.names:
        return None
    if mode in endpoint.modes.names:
        return mode
    mode = record.get("response_mode") if isinstance(record, dict) else None
    if mode in endpoint.modes.names:
        return mode
    only = endpoint.validation.detailed_only
    detailed = isinstance(record, dict) and only is not None and only in record
    return endpoint.modes.detail if detailed else endpoint.modes.default


def record_schema(record: Any, endpoint: Endpoint, mode: str | None = None) -> Schema:
    """The schema a record of ``endpoint`` meets: that of ``mode`` when it is one of the endpoint's, else
    that of its ``response_mode``, else detailed when it has the detailed-only key, else the default
    mode's."""
    chosen = _mode_of(record, endpoint, mode)
    schemas = endpoint.validation.schemas
    found = (schemas.get(chosen) if chosen is not None else None) or schemas.get("record")
    if found is None:
        from ..errors import SpacecraftDataError

        raise SpacecraftDataError(
            f"endpoint /{endpoint.name}/ declares no schema for {chosen or 'its'} records"
        )
    return found


def _endpoint(given: Endpoint | str | None, registry: Registry) -> Endpoint | None:
    return registry.endpoint(given) if isinstance(given, str) else given


def schema_name_of(
    record: Any, registry: Registry, endpoint: Endpoint | str | None = None, mode: str | None = None
) -> str:
    """:func:`spacecraft_data.validation.record_schema_name` with the caller's ``registry``."""
    found = _endpoint(endpoint, registry) or endpoint_of_record(record, registry)
    return record_schema(record, found, mode).name


def table_schema_name(endpoint: Endpoint, table: str) -> str | None:
    """The one schema every record of ``table`` must meet whatever its response_mode says (a table kept
    for one mode, e.g. ``spacecraft_detailed``), or None: each record's own mode decides."""
    return next(
        (
            endpoint.validation.schemas[mode].name
            for mode, kept in endpoint.modes.tables.items()
            if kept == table and mode in endpoint.validation.schemas
        ),
        None,
    )


def _label(record: Any, index: int) -> int | str:
    rid = record.get("id") if isinstance(record, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else f"#{index}"


def record_problems(
    record: Any,
    name: str,
    source: str,
    label: int | str,
    line: int | None,
    registry: Registry,
) -> list[Problem]:
    """The problems of one record (or envelope) against the schema ``name`` of ``registry``, sorted by JSON
    path."""
    return [
        Problem(source, label, path, message, line)
        for path, message in _findings(record, record_validator(name, schemas_of(registry)))
    ]


def _findings(record: Any, validator: Any) -> list[tuple[str, str]]:
    """(JSON path, message) of each problem of ``record`` against ``validator``'s schema, sorted by JSON
    path."""
    pairs = [leaf for e in validator.iter_errors(record) for leaf in leaves(e)]
    errors = [e for e, _ in pairs]
    found = {f for e, nullable in pairs for f in findings(e, nullable)}
    # A duration failing its format also fails the pattern that says the same to
    # tools without format checks: report the more telling format message only.
    format_paths = {path for e in errors if e.validator == "format" for path, _ in findings(e)}
    found = {
        (path, msg)
        for path, msg in found
        if not (path in format_paths and msg.endswith("does not match the pattern of this field"))
    }
    return sorted(found)


def check_records(
    records: Iterable[Any],
    source: str,
    registry: Registry,
    endpoint: Endpoint | str | None = None,
    lines: list[int] | None = None,
    *,
    schema_name: str | None = None,
    mode: str | None = None,
    chosen_by: str | None = None,
    max_problems: int | None = None,
    max_record_problems: int | None = None,
) -> Report:
    """:func:`spacecraft_data.validation.validate_records` with the caller's ``registry``."""
    pairs = zip(records, lines) if lines else ((record, None) for record in records)
    return validate_stream(
        pairs,
        source,
        registry,
        endpoint,
        schema_name=schema_name,
        mode=mode,
        chosen_by=chosen_by,
        max_problems=max_problems,
        max_record_problems=max_record_problems,
    )


class _Choice:
    """The schema each record of one input gets, and the tally of how it was chosen (for the report)."""

    def __init__(
        self,
        endpoint: Endpoint | str | None,
        schema_name: str | None,
        mode: str | None,
        registry: Registry,
    ) -> None:
        self.known = _endpoint(endpoint, registry)
        self.schema_name = schema_name
        self.mode = mode
        self.registry = registry
        self.declared = _checked(registry) if self.known is None and schema_name is None else []
        self.bases: dict[tuple[str, bool], int] = {}
        self.hints: dict[str, Endpoint] = {}

    def name_of(self, record: Any) -> str:
        """The short name of the schema ``record`` is checked against."""
        if self.schema_name is not None:
            return self.schema_name
        found = self.known
        if found is None:
            found, by_url = _endpoint_and_basis(record, self.declared, self.registry)
            self.bases[(found.name, by_url)] = self.bases.get((found.name, by_url), 0) + 1
            if not by_url and len(self.hints) < len(self.declared) - 1:  # stop once every other one is hinted
                other = _looks_like(record, self.declared, found)
                if other is not None:
                    self.hints.setdefault(other.name, other)
        return record_schema(record, found, self.mode).name

    def chosen_by(self) -> str:
        """How the schemas were chosen, when the caller did not say."""
        if self.known is None and self.schema_name is None:
            return _basis(self.bases, self.hints, self.registry)
        return _default_basis(self.known, self.schema_name, self.mode)


class _Tally:
    """The problems of one input listed under the caps (schema problems, then id problems), the count of the
    rest, and the ids seen (for the duplicate check)."""

    def __init__(self, source: str, max_problems: int | None, max_record_problems: int | None) -> None:
        self.source = source
        self.per_record = max_record_problems
        self.budget = max_problems if max_problems is not None else -1
        self.listed: list[Problem] = []
        self.id_problems: list[Problem] = []  # listed after every schema problem, as they always were
        self.unlisted_problems = self.unlisted_records = 0
        self.first: dict[int, int] = {}  # id -> the line (or 0-based position) of its first record

    def add(self, record: Any, i: int, line: int | None, found: list[tuple[str, str]]) -> None:
        """List (or count) the findings of the ``i``-th record, then its id's problem if it has one."""
        shown = found
        hidden = 0
        if self.per_record is not None and len(found) > self.per_record:
            shown, hidden = found[: self.per_record], len(found) - self.per_record
        label = _label(record, i)
        budget = self.budget  # a local: read once per finding of a flood
        for path, message in shown:
            if budget:
                self.listed.append(Problem(self.source, label, path, message, line))
                budget -= 1
            else:
                hidden += 1
        extra = self._id_problem(record, i, line)
        if extra is not None:
            if budget:
                self.id_problems.append(extra)
                budget -= 1
            else:
                hidden += 1
        self.budget = budget
        if hidden:
            self.unlisted_problems += hidden
            self.unlisted_records += 1

    def _id_problem(self, record: Any, i: int, line: int | None) -> Problem | None:
        rid = record.get("id") if type(record) is dict else None
        if type(rid) is float:  # JSON Schema counts 5.0 as an integer; an id written 5.0 is not LL2's
            return Problem(
                self.source, f"#{i}", "$.id", f"id {rid!r} is a number; an id must be an integer", line
            )
        if type(rid) is int:
            where = line if line is not None else i
            seen = self.first.setdefault(rid, where)
            if seen != where:
                both = (
                    f"lines {seen} and {line}"
                    if line is not None
                    else f"records #{seen} and #{i} (0-based positions)"
                )
                return Problem(self.source, rid, "$.id", f"duplicate id {rid}: {both} share it", line)
        return None

    def into(self, report: Report) -> None:
        report.problems.extend(self.listed)
        report.problems.extend(self.id_problems)
        report.note_unlisted(self.source, self.unlisted_problems, self.unlisted_records)


def validate_stream(
    pairs: Iterable[tuple[Any, int | None]],
    source: str,
    registry: Registry,
    endpoint: Endpoint | str | None = None,
    *,
    schema_name: str | None = None,
    mode: str | None = None,
    chosen_by: str | None = None,
    max_problems: int | None = None,
    max_record_problems: int | None = None,
) -> Report:
    """:func:`check_records` over (record, line) pairs, read once: nothing but the ids seen (for the
    duplicate check) and the problems listed is kept, so a stream of any length is checked in bounded
    memory."""
    declared = schemas_of(registry)
    choice = _Choice(endpoint, schema_name, mode, registry)
    tally = _Tally(source, max_problems, max_record_problems)
    report = Report(inputs=[source])
    used: set[str] = set()
    validators: dict[str, Any] = {}  # looked up once per stream, not once per record
    for i, (record, line) in enumerate(pairs):
        report.records_checked += 1
        name = choice.name_of(record)
        used.add(name)
        checker = validators.get(name)
        if checker is None:
            checker = validators[name] = record_validator(name, declared)
        try:
            found = _findings(record, checker)
        except RecursionError:
            found = [("$", "nested too deeply to check")]
        tally.add(record, i, line, found)
    tally.into(report)
    report.note_schemas(source, used, chosen_by if chosen_by is not None else choice.chosen_by())
    return report


def _basis(bases: dict[tuple[str, bool], int], hints: dict[str, Endpoint], registry: Registry) -> str:
    """How the schemas were chosen when nothing around the records named their endpoint."""
    if not bases:
        bases = {(registry.primary.name, False): 0}
    parts = []
    for (name, by_url), n in bases.items():
        how = "named by the record's own url" if by_url else "the primary endpoint, nothing named another"
        parts.append(f"as {name}: {how}" + (f" ({n:,} record(s))" if len(bases) > 1 else ""))
    for e in hints.values():
        schemas = e.validation.schemas
        named = schemas.get("record") or schemas.get(e.modes.default) or next(iter(schemas.values()))
        parts.append(
            f"some have the keys of a /{e.name}/ record: a GET line, the page's links or "
            f"--schema {named.name} name that endpoint"
        )
    return "; ".join(parts)


def _default_basis(endpoint: Endpoint | None, schema_name: str | None, mode: str | None) -> str:
    if schema_name:
        return "given"
    if endpoint is not None:
        return f"/{endpoint.name}/ records" + (f", mode {mode}" if mode else "")
    return "nothing names the endpoint"
