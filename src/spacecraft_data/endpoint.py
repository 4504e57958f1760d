"""The LL2 endpoints this package answers, declared as data.

An :class:`Endpoint` says which snapshot table holds its records, which filters,
search fields and ordering fields it has, its modes and its pagination; the one
engine in :mod:`spacecraft_data.query` applies any declaration. A second LL2
endpoint is a second declaration here, not a second engine.

The spacecraft declaration follows LL2's own documentation of
``/2.3.0/spacecraft/`` (the view description on every page and the OpenAPI spec;
see ``research/api-semantics.md`` §2-§5).
"""

from __future__ import annotations

from .query import BooleanFilter, ChoiceFilter, ExactFilter, Filter, LimitOffsetPagination, OrderingFilter, SearchFilter

__all__ = ["Endpoint", "SPACECRAFT", "ENDPOINTS"]


class Endpoint:
    """One list endpoint ``/<api version>/<name>/`` and its detail route ``/<api version>/<name>/<id>/``.

    ``model`` is the model's verbose name as DRF's 404 body names it ("No Spacecraft
    matches the given query."); ``table`` the snapshot table holding the records;
    ``detail_mode`` the mode the detail route always answers in; ``formats`` the DRF
    renderers (a ``?format=`` naming none of them is a 404).
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

    def __repr__(self) -> str:
        return f"<Endpoint /{self.name}/>"

    def list_path(self, api_version: str) -> str:
        """The list route, e.g. ``/2.3.0/spacecraft/``."""
        return f"/{api_version}/{self.name}/"

    def mode_of(self, requested: str | None) -> str:
        """The mode a list request gets: ``mode`` when it names one exactly, else the default."""
        return requested if requested in self.modes else self.default_mode


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
)

#: endpoint name -> declaration
ENDPOINTS: dict[str, Endpoint] = {SPACECRAFT.name: SPACECRAFT}
