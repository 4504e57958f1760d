"""LL2 2.3.0: the resources this package answers, one declaration each (``ENDPOINTS``).

Details: docs/architecture.md#the-registrys-declarations
"""

from __future__ import annotations

from ..query import BooleanFilter, ChoiceFilter, ExactFilter, OrderingFilter, SearchFilter
from .declaration import (
    Endpoint,
    Harvesting,
    ModePlan,
    Presentation,
    Projection,
    Querying,
    Routing,
    Schema,
    Storage,
    Validation,
)

__all__ = [
    "ENDPOINTS",
    "SPACECRAFT",
    "SPACECRAFT_CONFIGURATIONS",
    "SPACECRAFT_STATUSES",
    "SPACECRAFT_NORMAL",
    "CONFIGURATION_NORMAL",
    "LL2_PATHS",
]


def _name_of(key: str):  # a text-table cell: the name of the object under ``key``
    return lambda record: (record.get(key) or {}).get("name")


def _field(key: str):
    return lambda record: record.get(key)


# SpacecraftConfigNormal, as the OpenAPI spec's components give it (tests/test_configurations.py
# checks every key list and response_mode against ll_2.3.0.json).
AGENCY_MINI = Projection("AgencyMini", ("response_mode", "id", "url", "name", "abbrev", "type"), "list")
FAMILY_MINI = Projection("SpacecraftConfigFamilyMini", ("response_mode", "id", "name"), "list")
FAMILY_NORMAL = Projection(
    "SpacecraftConfigFamilyNormal",
    ("response_mode", "id", "name", "description", "manufacturer", "parent", "maiden_flight"),
    "normal",
    {"manufacturer": AGENCY_MINI, "parent": FAMILY_MINI},
)
CONFIGURATION_NORMAL = Projection(
    "SpacecraftConfigNormal",
    ("response_mode", "id", "url", "name", "type", "agency", "family", "in_use", "image"),
    "normal",
    {"agency": AGENCY_MINI, "family": FAMILY_NORMAL},
)

# SpacecraftNormal is SpacecraftEndpointDetailed without ``flights`` and with the normal configuration
# (the OpenAPI components; tests/test_detailed_mode.py checks them against ll_2.3.0.json). It answers
# normal mode from a snapshot that stores only detailed records ('harvest --mode detailed').
SPACECRAFT_NORMAL = Projection(
    "SpacecraftNormal",
    (
        "response_mode",
        "id",
        "url",
        "name",
        "serial_number",
        "is_placeholder",
        "image",
        "in_space",
        "time_in_space",
        "time_docked",
        "flights_count",
        "mission_ends_count",
        "status",
        "description",
        "spacecraft_config",
        "fastest_turnaround",
    ),
    "normal",
    {"spacecraft_config": CONFIGURATION_NORMAL},
)

#: ``/2.3.0/spacecraft/``: filters, search and ordering as LL2's view declares them; modes ``normal``
#: and ``detailed`` (also the detail route's). Normal is stored, or projected (:data:`SPACECRAFT_NORMAL`)
#: from stored detailed records; detailed is stored in the table, or beside it in ``spacecraft_detailed``
#: (a snapshot of both modes), matched to the normal records by id: the filters, search and ordering
#: then run over the normal records, whose fields they read are the same in both modes.
SPACECRAFT = Endpoint(
    routing=Routing(name="spacecraft", model="Spacecraft"),
    storage=Storage(table="spacecraft", primary=True),
    query=Querying(
        filters=(
            BooleanFilter("in_space"),
            BooleanFilter("is_placeholder"),
            ExactFilter("name"),
            ChoiceFilter("spacecraft_config", table="spacecraft_configurations"),
            ChoiceFilter("status", table="spacecraft_statuses"),
        ),
        search=SearchFilter(("name", "spacecraft_config.name")),
        ordering=OrderingFilter(
            {
                "flights_count": "number",
                "id": "number",
                "mission_ends_count": "number",
                "time_docked": "duration",
                "time_in_space": "duration",
            }
        ),
    ),
    modes=ModePlan(
        derived={"normal": ("detailed", SPACECRAFT_NORMAL)},
        tables={"detailed": "spacecraft_detailed"},
        contents={"detailed": "flights, full configuration and agency objects"},
    ),
    validation=Validation(
        schemas={
            "normal": Schema(
                "normal",
                "spacecraft.normal",
                component="SpacecraftNormal",
                title="LL2 2.3.0 /spacecraft/ record, normal mode",
            ),
            "detailed": Schema(
                "detailed",
                "spacecraft.detailed",
                component="SpacecraftEndpointDetailed",
                title="LL2 2.3.0 /spacecraft/ record, detailed mode (?mode=detailed and /spacecraft/{id}/)",
            ),
            "list": Schema(
                "list",
                "spacecraft.list",
                component="PaginatedPolymorphicSpacecraftEndpointList",
                title="LL2 2.3.0 /spacecraft/ list page (paginated envelope)",
            ),
        },
        detailed_only="flights",
        marker_keys=("spacecraft_config",),
    ),
    harvest=Harvesting(mode="chosen"),
    presentation=Presentation(
        text_columns=(
            ("id", _field("id")),
            ("name", _field("name")),
            ("status", _name_of("status")),
            ("config", _name_of("spacecraft_config")),
            ("in_space", _field("in_space")),
            ("flights", _field("flights_count")),
            ("ends", _field("mission_ends_count")),
            ("time_in_space", _field("time_in_space")),
            ("time_docked", _field("time_docked")),
        ),
        csv_table="spacecraft",
        help={
            "spacecraft_config": "spacecraft configuration id",
            "status": "status id (e.g. 4 = Single Use)",
        },
        examples={
            "filter": "is_placeholder=True",
            "search": "Endeavour",
            "ordering": "-flights_count",
            "cli_filter": "in_space=True",
            "cli_search": "Dragon",
        },
    ),
)

#: ``/2.3.0/spacecraft_configurations/``: filters ``agency``, ``human_rated``, ``in_use``,
#: ``name``; search over ``agency__abbrev``, ``agency__name``, ``name``; ordering by ``name``
#: in **code point order** (Python ``str`` comparison, SQLite's BINARY collation: LL2's
#: PostgreSQL collation is not published, so ``"Cargo Dragon 2" < "Crew Dragon 2" < "H-II…"
#: < "HTV-X" < "North…"``: upper case before lower case), ties and no ordering by id
#: ascending; modes ``normal`` (:data:`CONFIGURATION_NORMAL` of the stored detailed record)
#: and ``detailed`` (the stored record, also what the detail route answers).
SPACECRAFT_CONFIGURATIONS = Endpoint(
    routing=Routing(name="spacecraft_configurations", model="SpacecraftConfiguration"),
    storage=Storage(table="spacecraft_configurations"),
    query=Querying(
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
    ),
    modes=ModePlan(derived={"normal": ("detailed", CONFIGURATION_NORMAL)}),
    validation=Validation(
        schemas={
            "normal": Schema(
                "configuration.normal",
                "spacecraft_configuration.normal",
                component="SpacecraftConfigNormal",
                title="LL2 2.3.0 /spacecraft_configurations/ record, normal mode",
            ),
            "detailed": Schema(
                "configuration.detailed",
                "spacecraft_configuration.detailed",
                component="SpacecraftConfigDetailed",
                title="LL2 2.3.0 /spacecraft_configurations/ record, detailed mode",
            ),
            "list": Schema(
                "configuration.list",
                "spacecraft_configuration.list",
                component="PaginatedPolymorphicSpacecraftConfigurationEndpointList",
                title="LL2 2.3.0 /spacecraft_configurations/ list page (paginated envelope)",
            ),
        },
        detailed_only="capability",
        marker_keys=("agency",),
    ),
    harvest=Harvesting(mode="detailed"),
    presentation=Presentation(
        text_columns=(
            ("id", _field("id")),
            ("name", _field("name")),
            (
                "agency",
                lambda r: (r.get("agency") or {}).get("abbrev") or (r.get("agency") or {}).get("name"),
            ),
            ("type", _name_of("type")),
            ("in_use", _field("in_use")),
            ("family", lambda r: ", ".join(f.get("name", "") for f in r.get("family") or []) or None),
        ),
        csv_table="spacecraft_configurations",
        help={
            "agency": "agency id (e.g. 121 = SpaceX); "
            "ids of agencies with no configuration are refused offline"
        },
        examples={"filter": "human_rated=True", "search": "Dragon", "ordering": "name"},
    ),
)

#: ``/2.3.0/config/spacecraft_statuses/``: no filters and no modes. The spec lists ``search``
#: and ``ordering`` parameters but publishes no fields for either, so both are accepted and
#: ignored (as DRF ignores them with empty ``search_fields``/``ordering_fields``); id order.
SPACECRAFT_STATUSES = Endpoint(
    routing=Routing(
        name="config/spacecraft_statuses",
        model="SpacecraftStatus",
        aliases=("spacecraft_statuses",),
    ),
    storage=Storage(
        table="spacecraft_statuses",
        filled_from=("spacecraft", "status"),
    ),
    query=Querying(),
    modes=ModePlan(names=()),
    validation=Validation(
        schemas={
            "record": Schema(
                "status",
                "spacecraft_status",
                component="SpacecraftStatus",
                title="LL2 2.3.0 spacecraft status (/config/spacecraft_statuses/ record)",
            )
        },
        only_keys=frozenset({"id", "name"}),
    ),
    harvest=Harvesting(mode=None),
    presentation=Presentation(
        text_columns=(("id", _field("id")), ("name", _field("name"))),
        csv_table="spacecraft_statuses",
    ),
)

#: endpoint name -> declaration, in the order every layer lists them (the primary one first)
ENDPOINTS: dict[str, Endpoint] = {
    e.name: e for e in (SPACECRAFT, SPACECRAFT_CONFIGURATIONS, SPACECRAFT_STATUSES)
}

#: Every route LL2 2.3.0 has below ``/2.3.0/``, as its OpenAPI document lists its paths
#: (``data/raw/ll2-openapi/ll_2.3.0.json``, typed from it; tests/test_ll2_paths.py checks that the two
#: agree), so that the wheel knows them without the document. ``{id}`` is a detail route's id, which
#: DRF's router matches as ``[^/.]+``. A path here that no declaration above answers is an LL2
#: endpoint the snapshot does not hold (501, naming those it holds); a path not here is one LL2 does
#: not have (Django's 404).
LL2_PATHS: tuple[str, ...] = (
    *(
        f"{route}/{detail}"
        for route in (
            "agencies",
            "astronauts",
            "celestial_bodies",
            "config/agency_types",
            "config/astronaut_roles",
            "config/astronaut_statuses",
            "config/astronaut_types",
            "config/celestial_body_types",
            "config/countries",
            "config/docking_locations",
            "config/event_types",
            "config/first_stage_types",
            "config/image_licenses",
            "config/image_variant_types",
            "config/infourl_types",
            "config/landing_locations",
            "config/landing_types",
            "config/languages",
            "config/launch_statuses",
            "config/launcher_statuses",
            "config/mission_types",
            "config/net_precisions",
            "config/notice_types",
            "config/orbits",
            "config/payload_types",
            "config/program_types",
            "config/road_closure_statuses",
            "config/space_station_statuses",
            "config/spacecraft_configuration_types",
            "config/spacecraft_statuses",
            "config/timeline_event_types",
            "config/vidurl_types",
            "docking_events",
            "events",
            "events/previous",
            "events/upcoming",
            "expeditions",
            "landings",
            "launcher_configuration_families",
            "launcher_configurations",
            "launchers",
            "launches",
            "launches/previous",
            "launches/upcoming",
            "locations",
            "mission_patches",
            "pads",
            "payload_flights",
            "payloads",
            "programs",
            "space_stations",
            "spacecraft",
            "spacecraft_configuration_families",
            "spacecraft_configurations",
            "spacecraft_flights",
            "spacewalks",
            "updates",
        )
        for detail in ("", "{id}/")
    ),
    "api-throttle/",  # list routes without a detail route
    "dashboard/starship/",
)
