"""What an LL2 resource declaration is made of: :class:`Endpoint`, :class:`Projection`, :class:`Schema`.

Details: docs/architecture.md#the-registrys-declarations
"""

from __future__ import annotations

from ..errors import SnapshotError
from ..query import LimitOffsetPagination
from ..query.pagination import MAX_LIMIT
from ..typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

    from ..query import Filter, OrderingFilter, SearchFilter

__all__ = ["Projection", "Schema", "Endpoint", "table_file", "view_description"]


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


class Endpoint:
    """Everything particular to one LL2 list endpoint ``/<api version>/<name>/`` and its detail route.

    Routing and answering:

    * ``name``: the route below the API version (``spacecraft``, ``config/spacecraft_statuses``);
      ``aliases`` other names a saved page or ``sources.json`` may give it;
    * ``model``: the model's class name as DRF's 404 body names it ("No Spacecraft matches the given query.");
    * ``filters``, ``search``, ``ordering``, ``pagination``: the view's filter backends, as DRF declares them;
    * ``modes`` the ``mode`` values the view knows (empty: no modes, ``mode`` is ignored), ``default_mode``,
      ``detail_mode`` (what the detail route always answers in); ``derived`` the modes that are a
      :class:`Projection` of another (mode -> (source mode, projection)); ``formats`` the DRF renderers
      (a ``?format=`` naming none of them is a 404).

    Storage (one file per table, :attr:`files`):

    * ``table``: the snapshot table of its records; ``mode_tables`` the modes a snapshot may keep in a
      table of their own beside it (mode -> table), matched to ``table``'s records by id;
    * ``primary``: the snapshot's own records (``Snapshot.records``, its count and completeness); a
      snapshot is built from at least one source of it;
    * ``filled_from``: ``(table, key)`` when a snapshot with no source of this endpoint fills the table
      from the objects under ``key`` of another table's records (statuses from each spacecraft's ``status``).

    Validation: ``schemas`` maps each mode (``"list"`` for the list envelope, ``"record"`` for an endpoint
    without modes) to its :class:`Schema`; ``detailed_only`` is a key only detailed records have (how a
    record without ``response_mode`` shows its mode); ``marker_keys`` and ``only_keys`` describe a record
    that carries no API URL (any of ``marker_keys`` present, or exactly ``only_keys``): the import of
    embedded records finds them by ``marker_keys``, and ``validate`` names the endpoint they look like in
    its report, but never chooses a schema by them (a record's keys are what drift changes).

    Harvest: ``harvest_mode`` is the ``mode`` sent when harvesting it (``"chosen"``: the harvest's own
    ``--mode``; None: no mode parameter); ``harvested`` False leaves it out of a harvest.

    Shell: ``text_columns`` the ``query`` text table ((header, record -> value) pairs); ``csv_table`` the
    normalised table (:mod:`spacecraft_data.tables`) whose rows are its CSV (None: its records flattened);
    ``help`` the help text of a parameter's ``--flag``; ``examples`` the browsable page's example values
    (``filter``, ``search``, ``ordering``), from which :attr:`description` is written.

    Build: ``mode_contents`` says what the records of a mode hold that the others lack (mode -> text),
    for the manifest's reason a mode of the primary endpoint is not held.
    """

    def __init__(
        self,
        name: str,
        model: str,
        table: str,
        filters: tuple[Filter, ...],
        search: SearchFilter,
        ordering: OrderingFilter,
        *,
        modes: tuple[str, ...] = ("normal", "detailed"),
        default_mode: str = "normal",
        detail_mode: str = "detailed",
        pagination: LimitOffsetPagination | None = None,
        formats: tuple[str, ...] = ("json", "api"),
        derived: Mapping[str, tuple[str, Projection]] | None = None,
        mode_tables: Mapping[str, str] | None = None,
        aliases: tuple[str, ...] = (),
        primary: bool = False,
        filled_from: tuple[str, str] | None = None,
        schemas: Mapping[str, Schema] | None = None,
        detailed_only: str | None = None,
        marker_keys: tuple[str, ...] = (),
        only_keys: frozenset[str] | None = None,
        harvest_mode: str | None = "chosen",
        harvested: bool = True,
        text_columns: tuple[tuple[str, Callable[[Mapping[str, Any]], Any]], ...] = (),
        csv_table: str | None = None,
        help: Mapping[str, str] | None = None,
        examples: Mapping[str, str] | None = None,
        # build (write wing): what a mode's records hold that the others lack, for the manifest's reason a
        # mode is not held ("flights, full configuration and agency objects")
        mode_contents: Mapping[str, str] | None = None,
    ) -> None:
        self.name = name
        self.model = model
        self.table = table
        self.filters = tuple(filters)
        self.search = search
        self.ordering = ordering
        self.modes = tuple(modes)
        self.default_mode = default_mode
        self.detail_mode = detail_mode
        self.pagination = pagination or LimitOffsetPagination()
        self.formats = tuple(formats)
        self.derived = dict(derived or {})
        self.mode_tables = dict(mode_tables or {})
        self.aliases = tuple(aliases)
        self.primary = primary
        self.filled_from = filled_from
        self.schemas = dict(schemas or {})
        self.detailed_only = detailed_only
        self.marker_keys = tuple(marker_keys)
        self.only_keys = only_keys
        self.harvest_mode = harvest_mode
        self.harvested = harvested
        self.text_columns = tuple(text_columns)
        self.csv_table = csv_table
        self.help = dict(help or {})
        self.examples = dict(examples or {})
        self.mode_contents = dict(mode_contents or {})

    def __repr__(self) -> str:
        return f"<Endpoint /{self.name}/>"

    # -- routes ----------------------------------------------------------------
    def list_path(self, api_version: str) -> str:
        """The list route, e.g. ``/2.3.0/spacecraft/``."""
        return f"/{api_version}/{self.name}/"

    def detail_path(self, api_version: str, record_id: int | str) -> str:
        """The detail route, e.g. ``/2.3.0/spacecraft_configurations/6/``."""
        return f"/{api_version}/{self.name}/{record_id}/"

    # -- storage -----------------------------------------------------------------
    @property
    def tables(self) -> tuple[str, ...]:
        """Every snapshot table of this endpoint: its own, then those of modes kept apart."""
        return (self.table, *self.mode_tables.values())

    @property
    def files(self) -> dict[str, str]:
        """Table -> file name inside a snapshot folder (one rule for every table: ``<table>.json``)."""
        return {table: table_file(table) for table in self.tables}

    # -- modes -------------------------------------------------------------------
    def mode_of(self, requested: str | None) -> str | None:
        """The mode a list request gets: ``mode`` when it names one exactly, else the default (None: no
        modes)."""
        if not self.modes:
            return None
        return requested if requested in self.modes else self.default_mode

    def answerable_modes(self, held: tuple[str, ...]) -> tuple[str, ...]:
        """The modes answered when the table stores ``held``: those, and every projection of one of them."""
        return tuple(m for m in self.modes if m in held or (m in self.derived and self.derived[m][0] in held))

    # -- parameters --------------------------------------------------------------
    @property
    def parameters(self) -> tuple[str, ...]:
        """Every query parameter the view reads: filters, search, ordering, pagination, mode, format."""
        params = [f.param for f in self.filters]
        params += [
            self.search.param,
            self.ordering.param,
            self.pagination.limit_param,
            self.pagination.offset_param,
        ]
        if self.modes:
            params.append("mode")
        return (*params, "format")

    @property
    def description(self) -> str:
        """The text LL2's browsable pages show above the request line of this endpoint's list route."""
        path = f"/{self.name}/"
        return view_description(
            path,
            modes=", ".join(self.modes),
            filters=", ".join(f.param for f in self.filters),
            filter_example=self.examples.get("filter", ""),
            searched=", ".join(field.replace(".", "__") for field in self.search.fields),
            search_example=self.examples.get("search", ""),
            ordering=", ".join(sorted(self.ordering.fields)),
            ordering_example=self.examples.get("ordering", ""),
            max_limit=self.pagination.max_limit,
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
