"""The tables' definitions: columns, types and keys (the LL2 shapes they are filled from are in
:mod:`.shapes`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..errors import SpacecraftDataError
from .shapes import STAT_KEYS

Record = dict[str, Any]
Row = dict[str, Any]
NULL_MARKER = "\\N"


class TableError(SpacecraftDataError, ValueError):
    """A snapshot cannot be turned into tables (or tables back into records); the message says where."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its Table Schema type and what it holds."""

    name: str
    type: str  # Table Schema type: integer, number, boolean, string, date, datetime, duration
    description: str
    nullable: bool = False
    ref: tuple[str, str] | None = None  # foreign key: (table, column)
    enum: tuple[str, ...] | None = None
    format: str | None = None


@dataclass(frozen=True)
class Table:
    """One normalised table: its columns (in CSV order) and primary key."""

    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ("id",)
    #: the response mode whose records fill this table (None: every snapshot has it); a snapshot that holds
    #: no record of that mode has no such table, rather than an empty one that would claim "no flights"
    needs_mode: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """The CSV header."""
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, description: str, nullable: bool = False, **kw: Any) -> Column:
    return Column(name, type_, description, nullable, **kw)


def _duration(name: str, what: str) -> tuple[Column, Column]:
    return (
        _c(name, "duration", f"{what}: ISO 8601 duration exactly as LL2 gives it (e.g. P54DT1H56M34S)", True),
        _c(
            f"{name}_seconds",
            "integer",
            f"{what} in whole seconds, truncated toward zero (from the ISO duration, "
            "which is exact; empty when it is)",
            True,
        ),
    )


_STAT_DESCRIPTIONS = {
    "spacecraft_flown": "spacecraft flown",
    "total_launch_count": "launches",
    "successful_launches": "successful launches",
    "failed_launches": "failed launches",
    "attempted_landings": "landings attempted",
    "successful_landings": "successful landings",
    "failed_landings": "failed landings",
}
_STATS = tuple(_c(n, "integer", _STAT_DESCRIPTIONS[n], True) for n in STAT_KEYS)
_NAME_TABLE_COLUMNS = (_c("id", "integer", "LL2 id"), _c("name", "string", "name"))

SPACECRAFT = Table(
    "spacecraft",
    "Spacecraft",
    "One row per spacecraft record of /2.3.0/spacecraft/ (scalar fields and foreign keys).",
    (
        _c("id", "integer", "LL2 spacecraft id"),
        _c("response_mode", "string", "LL2 serializer of the record", enum=("normal", "detailed")),
        _c(
            "url",
            "string",
            "API URL of the record exactly as captured (with the capture's ?format=)",
            format="uri",
        ),
        _c("name", "string", "name"),
        _c("serial_number", "string", "serial number", True),
        _c("is_placeholder", "boolean", "placeholder record"),
        _c("image_id", "integer", "image", True, ref=("images", "id")),
        _c("in_space", "boolean", "in space when the snapshot was taken"),
        *_duration("time_in_space", "time in space"),
        *_duration("time_docked", "time docked"),
        _c("flights_count", "integer", "flights", True),
        _c("mission_ends_count", "integer", "mission ends", True),
        _c("status_id", "integer", "status", ref=("spacecraft_statuses", "id")),
        _c("description", "string", "description (may be empty)"),
        _c("spacecraft_config_id", "integer", "configuration", ref=("spacecraft_configurations", "id")),
        *_duration("fastest_turnaround", "fastest turnaround"),
    ),
)

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        SPACECRAFT,
        Table(
            "spacecraft_statuses",
            "Spacecraft statuses",
            "Spacecraft status (SpacecraftStatus).",
            _NAME_TABLE_COLUMNS,
        ),
        Table(
            "spacecraft_configurations",
            "Spacecraft configurations",
            "Spacecraft configurations. held_as tells whether the snapshot holds the detailed shape "
            "(SpacecraftConfigDetailed) or only the normal one; detailed-only columns are empty "
            "for normal rows.",
            (
                _c("id", "integer", "LL2 configuration id"),
                _c("held_as", "string", "widest LL2 shape held for this row", enum=("normal", "detailed")),
                _c("url", "string", "API URL (without the capture's ?format=)", format="uri"),
                _c("name", "string", "name"),
                _c("type_id", "integer", "configuration type", ref=("spacecraft_configuration_types", "id")),
                _c("agency_id", "integer", "agency", ref=("agencies", "id")),
                _c("in_use", "boolean", "in use"),
                _c("image_id", "integer", "image", True, ref=("images", "id")),
                _c("capability", "string", "capability (detailed)"),
                _c("history", "string", "history (detailed)"),
                _c("details", "string", "details (detailed)"),
                _c("maiden_flight", "date", "maiden flight (detailed)", True),
                _c("height", "number", "height in metres (detailed)", True),
                _c("diameter", "number", "diameter in metres (detailed)", True),
                _c("human_rated", "boolean", "human rated (detailed)"),
                _c("crew_capacity", "integer", "crew capacity (detailed)", True),
                _c("payload_capacity", "integer", "payload capacity in kg (detailed)", True),
                _c("payload_return_capacity", "integer", "payload return capacity in kg (detailed)", True),
                _c("flight_life", "string", "flight life, free text (detailed)", True),
                _c("wiki_link", "string", "Wikipedia link (detailed; may be empty)"),
                _c("info_link", "string", "information link (detailed; may be empty)"),
                *_STATS,
                *_duration("fastest_turnaround", "fastest turnaround (detailed)"),
            ),
        ),
        Table(
            "spacecraft_configuration_types",
            "Configuration types",
            "Spacecraft configuration type.",
            _NAME_TABLE_COLUMNS,
        ),
        Table(
            "spacecraft_configuration_families",
            "Configuration families (link table)",
            "The family list of each configuration, in API order.",
            (
                _c(
                    "spacecraft_config_id",
                    "integer",
                    "configuration",
                    ref=("spacecraft_configurations", "id"),
                ),
                _c("position", "integer", "0-based position in the configuration's family list"),
                _c("family_id", "integer", "family", ref=("spacecraft_families", "id")),
            ),
            ("spacecraft_config_id", "position"),
        ),
        Table(
            "spacecraft_families",
            "Spacecraft families",
            "Spacecraft configuration families. held_as: mini (id, name), normal (+ description, "
            "manufacturer, parent, maiden flight) or detailed (+ launch and landing counts).",
            (
                _c("id", "integer", "LL2 family id"),
                _c(
                    "held_as",
                    "string",
                    "widest LL2 shape held for this row",
                    enum=("mini", "normal", "detailed"),
                ),
                _c("name", "string", "name"),
                _c("description", "string", "description (normal)"),
                _c("manufacturer_id", "integer", "manufacturer (normal)", True, ref=("agencies", "id")),
                _c("parent_id", "integer", "parent family (normal)", True, ref=("spacecraft_families", "id")),
                _c("maiden_flight", "date", "maiden flight (normal)", True),
                *_STATS,
            ),
        ),
        Table(
            "agencies",
            "Agencies",
            "Agencies (configuration agencies and family manufacturers). held_as: mini (AgencyMini) or "
            "normal (AgencyNormal); normal-only columns are empty for mini rows.",
            (
                _c("id", "integer", "LL2 agency id"),
                _c("held_as", "string", "widest LL2 shape held for this row", enum=("mini", "normal")),
                _c("url", "string", "API URL (without the capture's ?format=)", format="uri"),
                _c("name", "string", "name"),
                _c("abbrev", "string", "abbreviation (may be empty)"),
                _c("type_id", "integer", "agency type", ref=("agency_types", "id")),
                _c("featured", "boolean", "featured (normal)"),
                _c("description", "string", "description (normal)", True),
                _c("administrator", "string", "administrator (normal)", True),
                _c("founding_year", "integer", "founding year (normal)", True),
                _c("launchers", "string", "launchers, free text (normal; may be empty)"),
                _c("spacecraft", "string", "spacecraft, free text (normal; may be empty)"),
                _c("parent", "string", "parent agency, free text (normal)", True),
                _c("image_id", "integer", "image (normal)", True, ref=("images", "id")),
                _c("logo_id", "integer", "logo (normal)", True, ref=("images", "id")),
                _c("social_logo_id", "integer", "social logo (normal)", True, ref=("images", "id")),
            ),
        ),
        Table("agency_types", "Agency types", "Agency type.", _NAME_TABLE_COLUMNS),
        Table(
            "agency_countries",
            "Agency countries (link table)",
            "The country list of each agency, in API order.",
            (
                _c("agency_id", "integer", "agency", ref=("agencies", "id")),
                _c("position", "integer", "0-based position in the agency's country list"),
                _c("country_id", "integer", "country", ref=("countries", "id")),
            ),
            ("agency_id", "position"),
        ),
        Table(
            "countries",
            "Countries",
            "Country.",
            (
                *_NAME_TABLE_COLUMNS,
                _c("alpha_2_code", "string", "ISO 3166-1 alpha-2 code"),
                _c("alpha_3_code", "string", "ISO 3166-1 alpha-3 code"),
                _c("nationality_name", "string", "nationality"),
                _c("nationality_name_composed", "string", "nationality, composed form"),
            ),
        ),
        Table(
            "images",
            "Images",
            "Images referenced by URL (no image file is bundled). Each image carries its own licence: "
            "license_id/license_name/license_link repeat the image_licenses row so that every "
            "image row states its licence.",
            (
                _c("id", "integer", "LL2 image id"),
                _c("name", "string", "name"),
                _c("image_url", "string", "image URL", format="uri"),
                _c("thumbnail_url", "string", "thumbnail URL", format="uri"),
                _c("credit", "string", "credit", True),
                _c("license_id", "integer", "licence of this image", ref=("image_licenses", "id")),
                _c("license_name", "string", "licence name"),
                _c("license_link", "string", "licence link", True),
                _c("single_use", "boolean", "single use"),
            ),
        ),
        Table(
            "image_licenses",
            "Image licences",
            "Licences of the images (ImageLicense).",
            (
                *_NAME_TABLE_COLUMNS,
                _c("priority", "integer", "LL2 priority of the licence"),
                _c("link", "string", "link to the licence terms", True),
            ),
        ),
        Table(
            "image_variants",
            "Image variants",
            "The variant list of each image, in API order.",
            (
                _c("image_id", "integer", "image", ref=("images", "id")),
                _c("position", "integer", "0-based position in the image's variant list"),
                _c("id", "integer", "LL2 variant id"),
                _c("type_id", "integer", "variant type id"),
                _c("type_name", "string", "variant type name"),
                _c("image_url", "string", "variant URL", format="uri"),
            ),
            ("image_id", "position"),
        ),
        Table(
            "spacecraft_flights",
            "Spacecraft flights",
            "The flights of each spacecraft held in detailed mode (SpacecraftFlightNormal), in API order. "
            "Only the flight's own fields and the ids of its launch and landing: the JSON records hold "
            "the full objects.",
            (
                _c("id", "integer", "LL2 spacecraft flight id"),
                _c("spacecraft_id", "integer", "spacecraft", ref=("spacecraft", "id")),
                _c("position", "integer", "0-based position in the spacecraft's flights list"),
                _c("url", "string", "API URL (without the capture's ?format=)", format="uri"),
                _c("destination", "string", "destination", True),
                _c("mission_end", "datetime", "mission end", True),
                _c("launch_id", "string", "LL2 launch id (a UUID)", format="uuid"),
                _c("launch_name", "string", "launch name"),
                _c("launch_net", "datetime", "launch NET (no earlier than) time", True),
                _c("landing_id", "integer", "LL2 landing id", True),
                *_duration("duration", "flight duration"),
                *_duration("turn_around_time", "turnaround before this flight"),
            ),
            needs_mode="detailed",
        ),
    )
}

#: The columns of the ``spacecraft`` table: one flat row per spacecraft record.
SPACECRAFT_COLUMNS: tuple[str, ...] = SPACECRAFT.column_names


def referenced_tables(name: str) -> tuple[str, ...]:
    """``name`` and every table its rows lead to: by foreign key, and the link tables of those tables' lists.

    The tables an export of ``name``'s rows needs so that every foreign key resolves, in
    :data:`TABLES` order. A list table (one with a ``position`` column: link tables, flights)
    belongs to the table its first foreign key references.
    """
    wanted = {name}
    while True:
        more: set[str] = set()
        for table in TABLES.values():
            if table.name in wanted:
                more.update(c.ref[0] for c in table.columns if c.ref)
            elif "position" in table.column_names:
                parent = next(c.ref[0] for c in table.columns if c.ref)
                if parent in wanted:
                    more.add(table.name)
        if more <= wanted:
            return tuple(t for t in TABLES if t in wanted)
        wanted |= more
