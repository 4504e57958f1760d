"""The LL2 shapes the tables are filled from and rebuilt into: each nested object's keys, per width.

Keys are in emitted order, from the OpenAPI document (research notes §1.2-1.3), with the
``response_mode`` each shape carries in the data. :mod:`.rows` checks every copy of an object
against the shape its place calls for; :mod:`.rebuild` emits the same shapes back.
"""

from __future__ import annotations

from ..endpoints.v2_3_0 import (
    AGENCY_MINI,
    CONFIGURATION_NORMAL,
    FAMILY_MINI,
    FAMILY_NORMAL,
    SPACECRAFT_NORMAL,
)

__all__ = [
    "LEVELS",
    "SPACECRAFT_KEYS",
    "IMAGE_KEYS",
    "LICENSE_KEYS",
    "VARIANT_KEYS",
    "COUNTRY_KEYS",
    "AGENCY_KEYS",
    "AGENCY_MODE",
    "STAT_KEYS",
    "FAMILY_KEYS",
    "FAMILY_MODE",
    "CONFIG_KEYS",
    "CONFIG_DETAIL_KEYS",
    "CONFIG_MODE",
    "FAMILY_INNER",
    "CONFIG_INNER",
    "DURATION_FIELDS",
    "FLIGHT_KEYS",
]

#: the widths a row may be held as (its ``held_as``), narrowest first
LEVELS = {"mini": 0, "normal": 1, "detailed": 2}

# The shapes the endpoint's declaration projects are read from it (one spelling of each); the wider ones
# that only the tables rebuild are written here.
SPACECRAFT_KEYS = SPACECRAFT_NORMAL.keys
IMAGE_KEYS = ("id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants")
LICENSE_KEYS = ("id", "name", "priority", "link")
VARIANT_KEYS = ("id", "type", "image_url")
COUNTRY_KEYS = ("id", "name", "alpha_2_code", "alpha_3_code", "nationality_name", "nationality_name_composed")
AGENCY_KEYS = {
    "mini": AGENCY_MINI.keys,
    "normal": (
        "response_mode",
        "id",
        "url",
        "name",
        "abbrev",
        "type",
        "featured",
        "country",
        "description",
        "administrator",
        "founding_year",
        "launchers",
        "spacecraft",
        "parent",
        "image",
        "logo",
        "social_logo",
    ),
}
AGENCY_MODE = {"mini": "list", "normal": "normal"}
#: the launch and landing counts of a detailed family or configuration
STAT_KEYS = (
    "spacecraft_flown",
    "total_launch_count",
    "successful_launches",
    "failed_launches",
    "attempted_landings",
    "successful_landings",
    "failed_landings",
)
FAMILY_KEYS = {"mini": FAMILY_MINI.keys, "normal": FAMILY_NORMAL.keys}
FAMILY_KEYS["detailed"] = FAMILY_KEYS["normal"] + STAT_KEYS
FAMILY_MODE = {"mini": "list", "normal": "normal", "detailed": "normal"}
CONFIG_KEYS: dict[str, tuple[str, ...]] = {"normal": CONFIGURATION_NORMAL.keys}
CONFIG_DETAIL_KEYS = (
    "capability",
    "history",
    "details",
    "maiden_flight",
    "height",
    "diameter",
    "human_rated",
    "crew_capacity",
    "payload_capacity",
    "payload_return_capacity",
    "flight_life",
    "wiki_link",
    "info_link",
    *STAT_KEYS,
    "fastest_turnaround",
)
CONFIG_KEYS["detailed"] = CONFIG_KEYS["normal"] + CONFIG_DETAIL_KEYS
CONFIG_MODE = {"normal": "normal", "detailed": "detailed"}
#: the widths nested inside a family of a given width: (manufacturer, parent)
FAMILY_INNER = {"normal": ("mini", "mini"), "detailed": ("normal", "normal")}
#: the widths nested inside a configuration of a given width: (agency, families)
CONFIG_INNER = {"normal": ("mini", "normal"), "detailed": ("normal", "detailed")}
#: the spacecraft fields that are ISO 8601 durations (an ISO column and a ``…_seconds`` column each)
DURATION_FIELDS = ("time_in_space", "time_docked", "fastest_turnaround")
FLIGHT_KEYS = (
    "id",
    "url",
    "destination",
    "mission_end",
    "spacecraft",
    "launch",
    "landing",
    "duration",
    "turn_around_time",
    "response_mode",
)
