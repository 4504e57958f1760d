"""What an LL2 resource declaration is made of: :class:`Endpoint`, :class:`Projection`, :class:`Schema`.

Details: docs/architecture.md#the-registrys-declarations
"""

from __future__ import annotations

from ..errors import SnapshotError
from ..query import LimitOffsetPagination, OrderingFilter, SearchFilter
from ..query.pagination import MAX_LIMIT
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Collection, Mapping
    from typing import Any

    from ..query import Filter

__all__ = [
    "Projection",
    "Schema",
    "Routing",
    "Storage",
    "Querying",
    "ModePlan",
    "Validation",
    "Harvesting",
    "Presentation",
    "Endpoint",
    "table_file",
    "view_description",
]


class Projection:
    """LL2 serializer ``component`` emitted from a wider stored object: ``keys`` in order, narrower
    ``nested``.

    ``response_mode`` is the value the component writes in its ``response_mode``
    field (its OpenAPI default); ``nested`` maps a key to the projection of the
    object (or of each object of the list) under it. Other values are passed
    through as stored (shared, not copied: answers copy what they rewrite).
    """

    def __init__(
        self,
        component: str,
        keys: tuple[str, ...],
        response_mode: str | None = None,
        nested: Mapping[str, Projection] | None = None,
    ) -> None:
        self.component = component
        self.keys = tuple(keys)
        self.response_mode = response_mode
        self.nested = dict(nested or {})

    def __repr__(self) -> str:
        return f"<Projection {self.component}>"

    def apply(self, obj: Any, where: str = "record") -> Any:
        """``obj`` (an object, a list of them, or None) as this component emits it.

        Raises :class:`SnapshotError` naming the JSON path when the stored object
        lacks a field the component has.
        """
        if obj is None:
            return None
        if isinstance(obj, list):
            return [self.apply(item, f"{where}[{i}]") for i, item in enumerate(obj)]
        if not isinstance(obj, dict):
            raise SnapshotError(
                f"{where}: expected an object to project to {self.component}, found {type(obj).__name__}"
            )
        out: dict[str, Any] = {}
        for key in self.keys:
            if key == "response_mode" and self.response_mode is not None:
                out[key] = self.response_mode
                continue
            if key not in obj:
                raise SnapshotError(f"{where}: no field {key!r}, which {self.component} has")
            inner = self.nested.get(key)
            out[key] = obj[key] if inner is None else inner.apply(obj[key], f"{where}.{key}")
        return out


class Schema:
    """One JSON Schema of a resource: ``name`` is its short name (``validate --schema``), ``stem`` its file's
    stem (``schema/<stem>.schema.json``, written by ``scripts/build_schema.py`` from the OpenAPI spec).

    ``document`` is the schema itself, for a resource whose schema is not one of the package's files
    (a declaration made outside the package, as a test makes one); None: read from the file.

    ``component`` and ``title`` (schema layer: :mod:`spacecraft_data.schemagen`) say what the file is
    generated from: the OpenAPI spec's root component of the record (or of the list envelope) and the
    document's title. None: the file is not generated here (an inline ``document``, or none at all).
    """

    __slots__ = ("name", "stem", "document", "component", "title")

    def __init__(
        self,
        name: str,
        stem: str,
        document: Mapping[str, Any] | None = None,
        component: str | None = None,
        title: str | None = None,
    ) -> None:
        self.name = name
        self.stem = stem
        self.document = document
        self.component = component
        self.title = title

    def __repr__(self) -> str:
        return f"Schema({self.name!r}, {self.stem!r})"

    @property
    def file(self) -> str:
        """The schema's file name inside ``schema/``."""
        return f"{self.stem}.schema.json"


class Routing:
    """Where an endpoint answers: ``/<api version>/<name>/`` and its detail route.

    ``model`` is the model's class name as DRF's 404 body names it ("No Spacecraft matches the given
    query."); ``aliases`` other names a saved page or ``sources.json`` may give it; ``formats`` the DRF
    renderers (a ``?format=`` naming none of them is a 404).
    """

    __slots__ = (
        "name",
        "model",
        "aliases",
        "formats",
    )

    def __init__(
        self,
        name: str,
        model: str,
        aliases: tuple[str, ...] = (),
        formats: tuple[str, ...] = ("json", "api"),
    ) -> None:
        self.name = name
        self.model = model
        self.aliases = tuple(aliases)
        self.formats = tuple(formats)

    def list_path(self, api_version: str) -> str:
        """The list route, e.g. ``/2.3.0/spacecraft/``."""
        return f"/{api_version}/{self.name}/"

    def detail_path(self, api_version: str, record_id: int | str) -> str:
        """The detail route, e.g. ``/2.3.0/spacecraft_configurations/6/``."""
        return f"/{api_version}/{self.name}/{record_id}/"


class Storage:
    """Where a snapshot keeps an endpoint's records: one table, one file per table (:func:`table_file`).

    ``primary``: the snapshot's own records (``Snapshot.records``, its count and completeness); a snapshot
    is built from at least one source of it. ``filled_from``: ``(table, key)`` when a snapshot with no
    source of this endpoint fills the table from the objects under ``key`` of another table's records.
    """

    __slots__ = (
        "table",
        "primary",
        "filled_from",
    )

    def __init__(
        self,
        table: str,
        primary: bool = False,
        filled_from: tuple[str, str] | None = None,
    ) -> None:
        self.table = table
        self.primary = primary
        self.filled_from = filled_from


class Querying:
    """The view's filter backends, as DRF declares them: filters, search, ordering, pagination."""

    __slots__ = (
        "filters",
        "search",
        "ordering",
        "pagination",
    )

    def __init__(
        self,
        filters: tuple[Filter, ...] = (),
        search: SearchFilter | None = None,
        ordering: OrderingFilter | None = None,
        pagination: LimitOffsetPagination | None = None,
    ) -> None:
        self.filters = tuple(filters)
        self.search = search if search is not None else SearchFilter(())
        self.ordering = ordering if ordering is not None else OrderingFilter({})
        self.pagination = pagination if pagination is not None else LimitOffsetPagination()


class ModePlan:
    """The ``mode`` values a view knows and where a snapshot reads each from: the one plan the API and the
    build share.

    ``names`` (empty: no modes, ``mode`` is ignored), ``default``, ``detail`` (what the detail route
    always answers in); ``derived``: the modes that are a :class:`Projection` of another (mode -> (source
    mode, projection)); ``tables``: the modes a snapshot may keep in a table of their own beside the
    endpoint's, matched to its records by id (mode -> table); ``contents``: what a mode's records hold that
    the others lack (mode -> text), for the manifest's reason a mode is not held.
    """

    __slots__ = ("names", "default", "detail", "derived", "tables", "contents")

    def __init__(
        self,
        names: tuple[str, ...] = ("normal", "detailed"),
        default: str = "normal",
        detail: str = "detailed",
        derived: Mapping[str, tuple[str, Projection]] | None = None,
        tables: Mapping[str, str] | None = None,
        contents: Mapping[str, str] | None = None,
    ) -> None:
        self.names = tuple(names)
        self.default = default
        self.detail = detail
        self.derived = dict(derived or {})
        self.tables = dict(tables or {})
        self.contents = dict(contents or {})

    def mode_of(self, requested: str | None) -> str | None:
        """The mode a list request gets: ``requested`` when it names one exactly, else the default (None:
        no modes)."""
        if not self.names:
            return None
        return requested if requested in self.names else self.default

    def answerable(self, held: tuple[str, ...]) -> tuple[str, ...]:
        """The modes answered when the snapshot stores ``held``: those, and every projection of one."""
        return tuple(m for m in self.names if m in held or (m in self.derived and self.derived[m][0] in held))

    def kept_apart(self, held: tuple[str, ...], tables: Collection[str]) -> dict[str, str]:
        """The modes read from a table of their own (mode -> table): those of :attr:`tables` that
        ``tables`` (a snapshot's) has and the endpoint's own table does not hold."""
        return {m: t for m, t in self.tables.items() if t in tables and m not in held}

    def split(self, source_modes: Collection[str]) -> tuple[dict[str, str], list[str]]:
        """Where a build puts the records of ``source_modes``: (mode -> the table of its own it is kept
        in, the modes the endpoint's own table keeps, sorted).

        Normal and detailed records of one id differ, so a build from both keeps a mode with a table of
        its own there; a build from one mode keeps it in the endpoint's table, which queries serve.
        """
        apart = {m: t for m, t in self.tables.items() if m in source_modes and len(source_modes) > 1}
        return apart, sorted(set(source_modes) - apart.keys())


class Validation:
    """How records of an endpoint are checked.

    ``schemas`` maps each mode (``"list"`` for the list envelope, ``"record"`` for an endpoint without
    modes) to its :class:`Schema`; ``detailed_only`` is a key only detailed records have (how a record
    without ``response_mode`` shows its mode); ``marker_keys`` and ``only_keys`` describe a record that
    carries no API URL (any of ``marker_keys`` present, or exactly ``only_keys``): the import of embedded
    records finds them by ``marker_keys``, and ``validate`` names the endpoint they look like in its
    report, but never chooses a schema by them (a record's keys are what drift changes).
    """

    __slots__ = (
        "schemas",
        "detailed_only",
        "marker_keys",
        "only_keys",
    )

    def __init__(
        self,
        schemas: Mapping[str, Schema] | None = None,
        detailed_only: str | None = None,
        marker_keys: tuple[str, ...] = (),
        only_keys: frozenset[str] | None = None,
    ) -> None:
        self.schemas = dict(schemas or {})
        self.detailed_only = detailed_only
        self.marker_keys = tuple(marker_keys)
        self.only_keys = only_keys


class Harvesting:
    """How a harvest fetches an endpoint: ``mode`` is the ``mode`` sent (``"chosen"``: the harvest's own
    ``--mode``; None: no mode parameter); ``included`` False leaves it out of a harvest."""

    __slots__ = (
        "mode",
        "included",
    )

    def __init__(
        self,
        mode: str | None = "chosen",
        included: bool = True,
    ) -> None:
        self.mode = mode
        self.included = included


class Presentation:
    """How the shell and the browsable page show an endpoint.

    ``text_columns``: the ``query`` text table ((header, record -> value) pairs); ``csv_table``: the
    normalised table (:mod:`spacecraft_data.tables`) whose rows are its CSV (None: its records flattened);
    ``help``: the help text of a parameter's ``--flag``; ``examples``: the browsable page's example values
    (``filter``, ``search``, ``ordering``), from which :attr:`Endpoint.description` is written.
    """

    __slots__ = (
        "text_columns",
        "csv_table",
        "help",
        "examples",
    )

    def __init__(
        self,
        text_columns: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = (),
        csv_table: str | None = None,
        help: Mapping[str, str] | None = None,
        examples: Mapping[str, str] | None = None,
    ) -> None:
        self.text_columns = tuple(text_columns)
        self.csv_table = csv_table
        self.help = dict(help or {})
        self.examples = dict(examples or {})


class Endpoint:
    """Everything particular to one LL2 list endpoint ``/<api version>/<name>/`` and its detail route, as
    named parts: each layer reads its own.

    ``routing`` (:class:`Routing`), ``storage`` (:class:`Storage`), ``query`` (:class:`Querying`),
    ``modes`` (:class:`ModePlan`), ``validation`` (:class:`Validation`), ``harvest``
    (:class:`Harvesting`), ``presentation`` (:class:`Presentation`).
    """

    __slots__ = ("routing", "storage", "query", "modes", "validation", "harvest", "presentation")

    def __init__(
        self,
        routing: Routing,
        storage: Storage,
        query: Querying,
        modes: ModePlan | None = None,
        validation: Validation | None = None,
        harvest: Harvesting | None = None,
        presentation: Presentation | None = None,
    ) -> None:
        self.routing = routing
        self.storage = storage
        self.query = query
        self.modes = modes if modes is not None else ModePlan()
        self.validation = validation if validation is not None else Validation()
        self.harvest = harvest if harvest is not None else Harvesting()
        self.presentation = presentation if presentation is not None else Presentation()

    def __repr__(self) -> str:
        return f"<Endpoint /{self.routing.name}/>"

    @property
    def name(self) -> str:
        """The route below the API version (``spacecraft``, ``config/spacecraft_statuses``): its identity."""
        return self.routing.name

    @property
    def tables(self) -> tuple[str, ...]:
        """Every snapshot table of this endpoint: its own, then those of modes kept apart."""
        return (self.storage.table, *self.modes.tables.values())

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every query parameter the view reads: filters, search, ordering, pagination, mode, format."""
        q = self.query
        params = [f.param for f in q.filters]
        params += [q.search.param, q.ordering.param, q.pagination.limit_param, q.pagination.offset_param]
        if self.modes.names:
            params.append("mode")
        return (*params, "format")

    @property
    def description(self) -> str:
        """The text LL2's browsable pages show above the request line of this endpoint's list route."""
        q, examples = self.query, self.presentation.examples
        return view_description(
            f"/{self.name}/",
            modes=", ".join(self.modes.names),
            filters=", ".join(f.param for f in q.filters),
            filter_example=examples.get("filter", ""),
            searched=", ".join(field.replace(".", "__") for field in q.search.fields),
            search_example=examples.get("search", ""),
            ordering=", ".join(sorted(q.ordering.fields)),
            ordering_example=examples.get("ordering", ""),
            max_limit=q.pagination.max_limit,
        )


def table_file(table: str) -> str:
    """The file a snapshot keeps table ``table`` in."""
    return f"{table}.json"


def view_description(
    path: str,
    *,
    modes: str = "",
    filters: str = "",
    filter_example: str = "",
    searched: str = "",
    search_example: str = "",
    ordering: str = "",
    ordering_example: str = "",
    max_limit: int = MAX_LIMIT,
) -> str:
    """The text LL2's browsable pages show above the request line for the list route ``path``.

    It is the view's markdown docstring as the saved pages render it: headings and
    paragraphs separated by blank lines, links reduced to their text, and (as in
    the captured pages) no "Search" heading. Sections a view lacks are left out.
    """
    sections = []
    if modes:
        sections.append(
            f"Modes\n\nLevels of detail in the response - {modes}\n\nExample - {path}?mode=detailed"
        )
    if filters or searched:
        lines = []
        if filters:
            lines.append(f"Parameters - {filters}\n\nExample - {path}?{filter_example}")
        if searched:
            lines.append(f"Fields searched - {searched}\n\nExample - {path}?search={search_example}")
        sections.append("Filters\n\n" + "\n\n".join(lines))
    if ordering:
        sections.append(f"Ordering\n\nFields - {ordering}\n\nExample - {path}?ordering={ordering_example}")
    sections.append(
        f"Number of results\n\nUse limit to control the number of objects in the response (max {max_limit})"
        f"\n\nExample - {path}?limit=2"
    )
    sections.append(f"Format\n\nSwitch to JSON output - {path}?format=json")
    sections.append(
        "Help\n\nFind all the FAQs and support links on the documentation homepage - ll.thespacedevs.com/docs"
    )
    return "\n\n".join(sections) + "\n"
