"""The LL2 endpoints this package answers, declared as data.

An :class:`Endpoint` says which snapshot table holds its records, which filters,
search fields and ordering fields it has, its modes and its pagination; the one
engine in :mod:`spacecraft_data.query` applies any declaration. A second LL2
endpoint is a second declaration here, not a second engine.

Each declaration follows LL2's own documentation of its route: the view
description on every browsable page and the official OpenAPI spec
(``data/raw/ll2-openapi/ll_2.3.0.json``; ``research/api-semantics.md`` §1-§5).

A mode the snapshot does not store can still be answered when it is a
*projection* of a stored mode: LL2's narrower serializers emit a subset of the
wider record's fields, with narrower nested objects. :class:`Projection` states
that as data (keys in emitted order, the ``response_mode`` each nested object
carries), so a normal-mode configuration is derived from the stored detailed one
and never stored twice.
"""

from __future__ import annotations

from .errors import SnapshotError
from .query import BooleanFilter, ChoiceFilter, ExactFilter, Filter, LimitOffsetPagination, OrderingFilter, SearchFilter

# typing costs ~4 ms of start-up; annotations are strings, so only type checkers import it.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

__all__ = [
    "Projection",
    "Endpoint",
    "SPACECRAFT",
    "SPACECRAFT_NORMAL",
    "SPACECRAFT_CONFIGURATIONS",
    "SPACECRAFT_STATUSES",
    "CONFIGURATION_NORMAL",
    "ENDPOINTS",
]


class Projection:
    """LL2 serializer ``component`` emitted from a wider stored object: ``keys`` in order, narrower ``nested``.

    ``response_mode`` is the value the component writes in its ``response_mode``
    field (its OpenAPI default); ``nested`` maps a key to the projection of the
    object (or of each object of the list) under it. Other values are passed
    through as stored (shared, not copied: answers copy what they rewrite).
    """

    def __init__(self, component: str, keys: tuple[str, ...], response_mode: str | None = None,
                 nested: Mapping[str, Projection] | None = None) -> None:
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
            raise SnapshotError(f"{where}: expected an object to project to {self.component}, "
                                f"found {type(obj).__name__}")
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


class Endpoint:
    """One list endpoint ``/<api version>/<name>/`` and its detail route ``/<api version>/<name>/<id>/``.

    ``name`` is the route below the API version (``spacecraft``,
    ``config/spacecraft_statuses``); ``model`` the model's class name as DRF's 404
    body names it ("No Spacecraft matches the given query."); ``table`` the
    snapshot table holding the records; ``modes`` the ``mode`` values the view
    knows (empty: the view has no modes and ignores ``mode``); ``detail_mode``
    the mode the detail route always answers in; ``derived`` the modes that are a
    :class:`Projection` of another mode (mode -> (source mode, projection));
    ``formats`` the DRF renderers (a ``?format=`` naming none of them is a 404);
    ``mode_tables`` the modes a snapshot may keep in a table of their own beside
    ``table`` (mode -> table name), whose records are matched to ``table``'s by id.
    """

    def __init__(
        self,
        name: str,
        model: str,
        table: str,
        filters: tuple[Filter, ...],
        search: SearchFilter,
        ordering: OrderingFilter,
        modes: tuple[str, ...] = ("normal", "detailed"),
        default_mode: str = "normal",
        detail_mode: str = "detailed",
        pagination: LimitOffsetPagination | None = None,
        formats: tuple[str, ...] = ("json", "api"),
        derived: Mapping[str, tuple[str, Projection]] | None = None,
        mode_tables: Mapping[str, str] | None = None,
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

    def __repr__(self) -> str:
        return f"<Endpoint /{self.name}/>"

    def list_path(self, api_version: str) -> str:
        """The list route, e.g. ``/2.3.0/spacecraft/``."""
        return f"/{api_version}/{self.name}/"

    def detail_path(self, api_version: str, record_id: int | str) -> str:
        """The detail route, e.g. ``/2.3.0/spacecraft_configurations/6/``."""
        return f"/{api_version}/{self.name}/{record_id}/"

    def mode_of(self, requested: str | None) -> str | None:
        """The mode a list request gets: ``mode`` when it names one exactly, else the default (None: no modes)."""
        if not self.modes:
            return None
        return requested if requested in self.modes else self.default_mode

    def answerable_modes(self, held: tuple[str, ...]) -> tuple[str, ...]:
        """The modes answered when the table stores ``held``: those, and every projection of one of them."""
        return tuple(m for m in self.modes if m in held or (m in self.derived and self.derived[m][0] in held))

    @property
    def parameters(self) -> tuple[str, ...]:
        """Every query parameter the view reads: filters, search, ordering, pagination, mode, format."""
        params = [f.param for f in self.filters]
        params += [self.search.param, self.ordering.param, self.pagination.limit_param, self.pagination.offset_param]
        if self.modes:
            params.append("mode")
        return (*params, "format")


# SpacecraftConfigNormal, as the OpenAPI spec's components give it (tests/test_configurations.py
# checks every key list and response_mode against ll_2.3.0.json).
AGENCY_MINI = Projection("AgencyMini", ("response_mode", "id", "url", "name", "abbrev", "type"), "list")
FAMILY_MINI = Projection("SpacecraftConfigFamilyMini", ("response_mode", "id", "name"), "list")
FAMILY_NORMAL = Projection(
    "SpacecraftConfigFamilyNormal",
    ("response_mode", "id", "name", "description", "manufacturer", "parent", "maiden_flight"),
    "normal", {"manufacturer": AGENCY_MINI, "parent": FAMILY_MINI},
)
CONFIGURATION_NORMAL = Projection(
    "SpacecraftConfigNormal",
    ("response_mode", "id", "url", "name", "type", "agency", "family", "in_use", "image"),
    "normal", {"agency": AGENCY_MINI, "family": FAMILY_NORMAL},
)

# SpacecraftNormal is SpacecraftEndpointDetailed without ``flights`` and with the normal configuration
# (the OpenAPI components; tests/test_detailed_mode.py checks them against ll_2.3.0.json). It answers
# normal mode from a snapshot that stores only detailed records ('harvest --mode detailed').
SPACECRAFT_NORMAL = Projection(
    "SpacecraftNormal",
    ("response_mode", "id", "url", "name", "serial_number", "is_placeholder", "image", "in_space", "time_in_space",
     "time_docked", "flights_count", "mission_ends_count", "status", "description", "spacecraft_config",
     "fastest_turnaround"),
    "normal", {"spacecraft_config": CONFIGURATION_NORMAL},
)

#: ``/2.3.0/spacecraft/``: filters, search and ordering as LL2's view declares them; modes ``normal``
#: and ``detailed`` (also the detail route's). Normal is stored, or projected (:data:`SPACECRAFT_NORMAL`)
#: from stored detailed records; detailed is stored in the table, or beside it in ``spacecraft_detailed``
#: (a snapshot of both modes), matched to the normal records by id: the filters, search and ordering
#: then run over the normal records, whose fields they read are the same in both modes.
SPACECRAFT = Endpoint(
    name="spacecraft",
    model="Spacecraft",
    table="spacecraft",
    filters=(
        BooleanFilter("in_space"),
        BooleanFilter("is_placeholder"),
        ExactFilter("name"),
        ChoiceFilter("spacecraft_config", table="spacecraft_configurations"),
        ChoiceFilter("status", table="spacecraft_statuses"),
    ),
    search=SearchFilter(("name", "spacecraft_config.name")),
    ordering=OrderingFilter({
        "flights_count": "number",
        "id": "number",
        "mission_ends_count": "number",
        "time_docked": "duration",
        "time_in_space": "duration",
    }),
    derived={"normal": ("detailed", SPACECRAFT_NORMAL)},
    mode_tables={"detailed": "spacecraft_detailed"},
)

#: ``/2.3.0/spacecraft_configurations/``: filters ``agency``, ``human_rated``, ``in_use``,
#: ``name``; search over ``agency__abbrev``, ``agency__name``, ``name``; ordering by ``name``
#: in **code point order** (Python ``str`` comparison, SQLite's BINARY collation: LL2's
#: PostgreSQL collation is not published, so ``"Cargo Dragon 2" < "Crew Dragon 2" < "H-II…"
#: < "HTV-X" < "North…"``: upper case before lower case), ties and no ordering by id
#: ascending; modes ``normal`` (:data:`CONFIGURATION_NORMAL` of the stored detailed record)
#: and ``detailed`` (the stored record, also what the detail route answers).
SPACECRAFT_CONFIGURATIONS = Endpoint(
    name="spacecraft_configurations",
    model="SpacecraftConfiguration",
    table="spacecraft_configurations",
    filters=(
        # The universe of agency ids offline is the agencies of the configurations: LL2 checks
        # its whole agencies table, so an agency with no configuration is 200/count 0 there, 400 here.
        ChoiceFilter("agency"),
        BooleanFilter("human_rated"),
        BooleanFilter("in_use"),
        ExactFilter("name"),
    ),
    search=SearchFilter(("agency.abbrev", "agency.name", "name")),
    ordering=OrderingFilter({"name": "text"}),
    derived={"normal": ("detailed", CONFIGURATION_NORMAL)},
)

#: ``/2.3.0/config/spacecraft_statuses/``: no filters and no modes. The spec lists ``search``
#: and ``ordering`` parameters but publishes no fields for either, so both are accepted and
#: ignored (as DRF ignores them with empty ``search_fields``/``ordering_fields``); id order.
SPACECRAFT_STATUSES = Endpoint(
    name="config/spacecraft_statuses",
    model="SpacecraftStatus",
    table="spacecraft_statuses",
    filters=(),
    search=SearchFilter(()),
    ordering=OrderingFilter({}),
    modes=(),
)

#: endpoint name -> declaration
ENDPOINTS: dict[str, Endpoint] = {e.name: e for e in (SPACECRAFT, SPACECRAFT_CONFIGURATIONS, SPACECRAFT_STATUSES)}
