"""Normalised tables of a snapshot: CSV files, a Frictionless Data Package, pandas.

A snapshot holds nested JSON records. Researchers want flat tables, so this
module splits every nested object into a table of its own, keyed by its LL2
``id``, and puts list members into link tables with a ``position`` column:

============================================  =====================================================
table                                         one row per
============================================  =====================================================
``spacecraft``                                spacecraft record (durations as ISO string + seconds)
``spacecraft_statuses``                       spacecraft status
``spacecraft_configurations``                 configuration (normal or detailed, see ``held_as``)
``spacecraft_configuration_types``            configuration type
``spacecraft_configuration_families``         (configuration, position) -> family  (link table)
``spacecraft_families``                       configuration family
``agencies``                                  agency
``agency_types``                              agency type
``agency_countries``                          (agency, position) -> country       (link table)
``countries``                                 country
``images``                                    image, with its licence's id, name and link
``image_licenses``                            image licence
``image_variants``                            (image, position) -> variant
============================================  =====================================================

How copies of one object are merged. The same agency, family, image, … is
seen many times, and in LL2 serializers of different widths: an agency is an
``AgencyMini`` inside a normal-mode spacecraft record but an ``AgencyNormal``
inside a detailed configuration. Every copy is checked against the shape the
OpenAPI document gives for its place (keys and key order), projected to the
columns that shape has, and merged by id: a column seen in two copies must
hold the same value, or the build stops with a :class:`TableError` naming
the table, the id, the column and both places. The row keeps the union of the
columns, and ``held_as`` says which is the widest shape seen (``mini`` <
``normal`` < ``detailed``); columns beyond it are empty.

API links (``url``). DRF copies the request's ``?format=`` onto every link of a
response, so the same agency has ``…/agencies/63/?format=json`` in one source
and ``…/agencies/63/?format=api`` in another. Reference tables therefore keep
the link without its query; the ``spacecraft`` table keeps each record's own
``url`` exactly as captured, and rebuilding a record gives its nested links the
query of the record's own ``url``.

Empty cells. A CSV cell cannot tell ``null`` from ``""``. An empty cell is
``null`` by default. A text column that holds no ``null`` declares
``missingValues: []`` (an empty cell is the empty string); a text column that
holds both ``null`` and ``""`` writes ``null`` as ``\\N`` and declares
``missingValues: ["\\N"]``. The Table Schema of each table states which rule
applies, so Frictionless readers (and :func:`read_package`) read back exactly
what was written.

Nothing heavy is imported at module level: pandas and isodate are imported
inside the functions that need them.
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from .errors import SpacecraftDataError

__all__ = [
    "SPACECRAFT",
    "SPACECRAFT_COLUMNS",
    "TABLES",
    "TableError",
    "Column",
    "Table",
    "spacecraft_rows",
    "duration_seconds",
    "build_tables",
    "snapshot_tables",
    "table_schema",
    "csv_bytes",
    "datapackage",
    "package_files",
    "read_package",
    "records_from_tables",
    "configurations_from_tables",
    "to_pandas",
]

Record = dict[str, Any]
Row = dict[str, Any]
NULL_MARKER = "\\N"
_LEVELS = {"mini": 0, "normal": 1, "detailed": 2}


class TableError(SpacecraftDataError, ValueError):
    """A snapshot cannot be turned into tables (or tables back into records); the message says where."""


@dataclass(frozen=True)
class Column:
    """One column of a table: its Table Schema type and what it holds."""

    name: str
    type: str  # Table Schema type: integer, number, boolean, string, date, duration
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

    @property
    def column_names(self) -> tuple[str, ...]:
        """The CSV header."""
        return tuple(c.name for c in self.columns)


def _c(name: str, type_: str, description: str, nullable: bool = False, **kw: Any) -> Column:
    return Column(name, type_, description, nullable, **kw)


def _duration(name: str, what: str) -> tuple[Column, Column]:
    return (
        _c(name, "duration", f"{what}: ISO 8601 duration exactly as LL2 gives it (e.g. P54DT1H56M34S)", True),
        _c(f"{name}_seconds", "number", f"{what} in seconds (from the ISO duration; empty when it is)", True),
    )


_STATS = tuple(
    _c(n, "integer", d, True)
    for n, d in [
        ("spacecraft_flown", "spacecraft flown"), ("total_launch_count", "launches"),
        ("successful_launches", "successful launches"), ("failed_launches", "failed launches"),
        ("attempted_landings", "landings attempted"), ("successful_landings", "successful landings"),
        ("failed_landings", "failed landings"),
    ]
)
_NAME_TABLE_COLUMNS = (_c("id", "integer", "LL2 id"), _c("name", "string", "name"))

SPACECRAFT = Table(
    "spacecraft", "Spacecraft", "One row per spacecraft record of /2.3.0/spacecraft/ (scalar fields and foreign keys).",
    (
        _c("id", "integer", "LL2 spacecraft id"),
        _c("response_mode", "string", "LL2 serializer of the record", enum=("normal", "detailed")),
        _c("url", "string", "API URL of the record exactly as captured (with the capture's ?format=)", format="uri"),
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

TABLES: dict[str, Table] = {t.name: t for t in (
    SPACECRAFT,
    Table("spacecraft_statuses", "Spacecraft statuses", "Spacecraft status (SpacecraftStatus).", _NAME_TABLE_COLUMNS),
    Table(
        "spacecraft_configurations", "Spacecraft configurations",
        "Spacecraft configurations. held_as tells whether the snapshot holds the detailed shape "
        "(SpacecraftConfigDetailed) or only the normal one; detailed-only columns are empty for normal rows.",
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
    Table("spacecraft_configuration_types", "Configuration types", "Spacecraft configuration type.",
          _NAME_TABLE_COLUMNS),
    Table(
        "spacecraft_configuration_families", "Configuration families (link table)",
        "The family list of each configuration, in API order.",
        (
            _c("configuration_id", "integer", "configuration", ref=("spacecraft_configurations", "id")),
            _c("position", "integer", "0-based position in the configuration's family list"),
            _c("family_id", "integer", "family", ref=("spacecraft_families", "id")),
        ),
        ("configuration_id", "position"),
    ),
    Table(
        "spacecraft_families", "Spacecraft families",
        "Spacecraft configuration families. held_as: mini (id, name), normal (+ description, manufacturer, parent, "
        "maiden flight) or detailed (+ launch and landing counts).",
        (
            _c("id", "integer", "LL2 family id"),
            _c("held_as", "string", "widest LL2 shape held for this row", enum=("mini", "normal", "detailed")),
            _c("name", "string", "name"),
            _c("description", "string", "description (normal)"),
            _c("manufacturer_id", "integer", "manufacturer (normal)", True, ref=("agencies", "id")),
            _c("parent_id", "integer", "parent family (normal)", True, ref=("spacecraft_families", "id")),
            _c("maiden_flight", "date", "maiden flight (normal)", True),
            *_STATS,
        ),
    ),
    Table(
        "agencies", "Agencies",
        "Agencies (configuration agencies and family manufacturers). held_as: mini (AgencyMini) or normal "
        "(AgencyNormal); normal-only columns are empty for mini rows.",
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
        "agency_countries", "Agency countries (link table)", "The country list of each agency, in API order.",
        (
            _c("agency_id", "integer", "agency", ref=("agencies", "id")),
            _c("position", "integer", "0-based position in the agency's country list"),
            _c("country_id", "integer", "country", ref=("countries", "id")),
        ),
        ("agency_id", "position"),
    ),
    Table(
        "countries", "Countries", "Country.",
        (
            *_NAME_TABLE_COLUMNS,
            _c("alpha_2_code", "string", "ISO 3166-1 alpha-2 code"),
            _c("alpha_3_code", "string", "ISO 3166-1 alpha-3 code"),
            _c("nationality_name", "string", "nationality"),
            _c("nationality_name_composed", "string", "nationality, composed form"),
        ),
    ),
    Table(
        "images", "Images",
        "Images referenced by URL (no image file is bundled). Each image carries its own licence: "
        "license_id/license_name/license_link repeat the image_licenses row so that every image row states its licence.",
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
        "image_licenses", "Image licences", "Licences of the images (ImageLicense).",
        (
            *_NAME_TABLE_COLUMNS,
            _c("priority", "integer", "LL2 priority of the licence"),
            _c("link", "string", "link to the licence terms", True),
        ),
    ),
    Table(
        "image_variants", "Image variants", "The variant list of each image, in API order.",
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
)}

#: The columns of the ``spacecraft`` table: one flat row per spacecraft record.
SPACECRAFT_COLUMNS: tuple[str, ...] = SPACECRAFT.column_names

# The shapes (keys, in emitted order) of each nested object, from the OpenAPI document
# (research notes §1.2-1.3), and the response_mode each shape carries in the data.
_SPACECRAFT_KEYS = ("response_mode", "id", "url", "name", "serial_number", "is_placeholder", "image", "in_space",
                    "time_in_space", "time_docked", "flights_count", "mission_ends_count", "status", "description",
                    "spacecraft_config", "fastest_turnaround")
_IMAGE_KEYS = ("id", "name", "image_url", "thumbnail_url", "credit", "license", "single_use", "variants")
_LICENSE_KEYS = ("id", "name", "priority", "link")
_VARIANT_KEYS = ("id", "type", "image_url")
_COUNTRY_KEYS = ("id", "name", "alpha_2_code", "alpha_3_code", "nationality_name", "nationality_name_composed")
_AGENCY_KEYS = {
    "mini": ("response_mode", "id", "url", "name", "abbrev", "type"),
    "normal": ("response_mode", "id", "url", "name", "abbrev", "type", "featured", "country", "description",
               "administrator", "founding_year", "launchers", "spacecraft", "parent", "image", "logo", "social_logo"),
}
_AGENCY_MODE = {"mini": "list", "normal": "normal"}
_STAT_KEYS = tuple(c.name for c in _STATS)
_FAMILY_KEYS = {
    "mini": ("response_mode", "id", "name"),
    "normal": ("response_mode", "id", "name", "description", "manufacturer", "parent", "maiden_flight"),
}
_FAMILY_KEYS["detailed"] = _FAMILY_KEYS["normal"] + _STAT_KEYS
_FAMILY_MODE = {"mini": "list", "normal": "normal", "detailed": "normal"}
_CONFIG_KEYS = {"normal": ("response_mode", "id", "url", "name", "type", "agency", "family", "in_use", "image")}
_CONFIG_DETAIL_KEYS = ("capability", "history", "details", "maiden_flight", "height", "diameter", "human_rated",
                       "crew_capacity", "payload_capacity", "payload_return_capacity", "flight_life", "wiki_link",
                       "info_link", *_STAT_KEYS, "fastest_turnaround")
_CONFIG_KEYS["detailed"] = _CONFIG_KEYS["normal"] + _CONFIG_DETAIL_KEYS
_CONFIG_MODE = {"normal": "normal", "detailed": "detailed"}
# The shapes nested inside a family/agency of a given width.
_FAMILY_INNER = {"normal": ("mini", "mini"), "detailed": ("normal", "normal")}  # (manufacturer, parent)
_CONFIG_INNER = {"normal": ("mini", "normal"), "detailed": ("normal", "detailed")}  # (agency, families)
_DURATION_FIELDS = ("time_in_space", "time_docked", "fastest_turnaround")


# -- flat spacecraft rows (also used by `query --format csv`) ----------------------------------------------
def duration_seconds(value: str | None, where: str = "duration") -> float | int | None:
    """Seconds of an LL2 ISO 8601 duration (``None`` stays ``None``); whole seconds come back as ``int``."""
    if value is None:
        return None
    import datetime

    import isodate

    try:
        parsed = isodate.parse_duration(value)
    except (isodate.ISO8601Error, ValueError, TypeError) as exc:
        raise TableError(f"{where}: {value!r} is not an ISO 8601 duration ({exc})") from None
    if not isinstance(parsed, datetime.timedelta):  # years or months: no fixed length in seconds
        raise TableError(f"{where}: {value!r} has years or months; LL2 durations count days only")
    seconds = parsed.total_seconds()
    return int(seconds) if seconds.is_integer() else seconds


def _id(obj: Any) -> Any:
    return obj["id"] if isinstance(obj, dict) else None


def spacecraft_rows(records: Iterable[Mapping[str, Any]]) -> list[Row]:
    """One flat row per spacecraft record: the columns of :data:`SPACECRAFT_COLUMNS`, in record order.

    Nested objects become their ids (``image_id``, ``status_id``, ``spacecraft_config_id``);
    each duration gives an ISO string column and a ``…_seconds`` column.
    """
    rows = []
    for record in records:
        where = f"spacecraft {record.get('id')!r}"
        row: Row = {}
        for key in _SPACECRAFT_KEYS:
            value = record.get(key)
            if key in ("image", "status", "spacecraft_config"):
                row[f"{key}_id"] = _id(value)
            elif key in _DURATION_FIELDS:
                row[key] = value
                row[f"{key}_seconds"] = duration_seconds(value, f"{where} .{key}")
            else:
                row[key] = value
        rows.append({column: row[column] for column in SPACECRAFT_COLUMNS})
    return rows


# -- snapshot -> tables ---------------------------------------------------------------------------------------
def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _with_query(url: str, query: str) -> str:
    return f"{url}?{query}" if query else url


class _Builder:
    """Collects the rows of every table, merging the copies of one object (see the module docstring)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Any, Row]] = {name: {} for name in TABLES}
        self.seen_at: dict[tuple[str, Any], dict[str, str]] = {}

    def add(self, table: str, row: Row, where: str, key: Any = None) -> None:
        key = row["id"] if key is None else key
        old = self.rows[table].get(key)
        if old is None:
            self.rows[table][key] = dict(row)
            self.seen_at[(table, key)] = {f: where for f in row}
            return
        seen_at = self.seen_at[(table, key)]
        for field, value in row.items():
            if field == "held_as":
                continue
            if field in old and old[field] != value:
                raise TableError(
                    f"table {table}, id {key!r}: field {field!r} is {old[field]!r} at {seen_at[field]} "
                    f"but {value!r} at {where}; refusing to guess which is right"
                )
        for field, value in row.items():
            if field not in old:
                old[field] = value
                seen_at[field] = where
        if "held_as" in row and _LEVELS[row["held_as"]] > _LEVELS[old["held_as"]]:
            old["held_as"] = row["held_as"]

    @staticmethod
    def check_shape(obj: Any, keys: Sequence[str], where: str, mode: str | None = None) -> None:
        if not isinstance(obj, dict):
            raise TableError(f"{where}: expected an object, found {type(obj).__name__}")
        if tuple(obj) != tuple(keys):
            raise TableError(f"{where}: keys {list(obj)} differ from the LL2 shape {list(keys)}")
        if mode is not None and obj.get("response_mode") != mode:
            raise TableError(f"{where}: response_mode {obj.get('response_mode')!r}, expected {mode!r} here")

    def list_of(self, value: Any, where: str) -> list:
        if not isinstance(value, list):
            raise TableError(f"{where}: expected a list, found {'null' if value is None else type(value).__name__} "
                             "(a null list cannot be told from an empty one in a link table)")
        return value

    def named(self, table: str, obj: Any, where: str) -> int:
        self.check_shape(obj, ("id", "name"), where)
        self.add(table, {"id": obj["id"], "name": obj["name"]}, where)
        return obj["id"]

    def image(self, img: Any, where: str) -> int | None:
        if img is None:
            return None
        self.check_shape(img, _IMAGE_KEYS, where)
        lic = img["license"]
        self.check_shape(lic, _LICENSE_KEYS, f"{where}.license")
        self.add("image_licenses", dict(lic), f"{where}.license")
        variants = self.list_of(img["variants"], f"{where}.variants")
        self.add("images", {
            "id": img["id"], "name": img["name"], "image_url": img["image_url"],
            "thumbnail_url": img["thumbnail_url"], "credit": img["credit"], "license_id": lic["id"],
            "license_name": lic["name"], "license_link": lic["link"], "single_use": img["single_use"],
            "_variants": [v.get("id") if isinstance(v, dict) else v for v in variants],
        }, where)
        for position, variant in enumerate(variants):
            vwhere = f"{where}.variants[{position}]"
            self.check_shape(variant, _VARIANT_KEYS, vwhere)
            self.check_shape(variant["type"], ("id", "name"), f"{vwhere}.type")
            self.add("image_variants", {
                "image_id": img["id"], "position": position, "id": variant["id"],
                "type_id": variant["type"]["id"], "type_name": variant["type"]["name"],
                "image_url": variant["image_url"],
            }, vwhere, key=(img["id"], position))
        return img["id"]

    def agency(self, agency: Any, level: str, where: str) -> int | None:
        if agency is None:
            return None
        self.check_shape(agency, _AGENCY_KEYS[level], where, _AGENCY_MODE[level])
        row: Row = {
            "id": agency["id"], "held_as": level, "url": _strip_query(agency["url"]), "name": agency["name"],
            "abbrev": agency["abbrev"], "type_id": self.named("agency_types", agency["type"], f"{where}.type"),
        }
        if level == "normal":
            countries = self.list_of(agency["country"], f"{where}.country")
            for position, country in enumerate(countries):
                cwhere = f"{where}.country[{position}]"
                self.check_shape(country, _COUNTRY_KEYS, cwhere)
                self.add("countries", dict(country), cwhere)
                self.add("agency_countries", {"agency_id": agency["id"], "position": position,
                                              "country_id": country["id"]}, cwhere, key=(agency["id"], position))
            row.update({
                "featured": agency["featured"], "description": agency["description"],
                "administrator": agency["administrator"], "founding_year": agency["founding_year"],
                "launchers": agency["launchers"], "spacecraft": agency["spacecraft"], "parent": agency["parent"],
                "image_id": self.image(agency["image"], f"{where}.image"),
                "logo_id": self.image(agency["logo"], f"{where}.logo"),
                "social_logo_id": self.image(agency["social_logo"], f"{where}.social_logo"),
                "_countries": [c["id"] for c in countries],
            })
        self.add("agencies", row, where)
        return agency["id"]

    def family(self, family: Any, level: str, where: str) -> int | None:
        if family is None:
            return None
        self.check_shape(family, _FAMILY_KEYS[level], where, _FAMILY_MODE[level])
        row: Row = {"id": family["id"], "held_as": level, "name": family["name"]}
        if level != "mini":
            manufacturer_level, parent_level = _FAMILY_INNER[level]
            row.update({
                "description": family["description"],
                "manufacturer_id": self.agency(family["manufacturer"], manufacturer_level, f"{where}.manufacturer"),
                "parent_id": self.family(family["parent"], parent_level, f"{where}.parent"),
                "maiden_flight": family["maiden_flight"],
            })
        if level == "detailed":
            row.update({k: family[k] for k in _STAT_KEYS})
        self.add("spacecraft_families", row, where)
        return family["id"]

    def configuration(self, config: Any, level: str, where: str) -> int:
        self.check_shape(config, _CONFIG_KEYS[level], where, _CONFIG_MODE[level])
        agency_level, family_level = _CONFIG_INNER[level]
        families = self.list_of(config["family"], f"{where}.family")
        family_ids = [self.family(f, family_level, f"{where}.family[{i}]") for i, f in enumerate(families)]
        for position, family_id in enumerate(family_ids):
            self.add("spacecraft_configuration_families",
                     {"configuration_id": config["id"], "position": position, "family_id": family_id},
                     f"{where}.family[{position}]", key=(config["id"], position))
        row: Row = {
            "id": config["id"], "held_as": level, "url": _strip_query(config["url"]), "name": config["name"],
            "type_id": self.named("spacecraft_configuration_types", config["type"], f"{where}.type"),
            "agency_id": self.agency(config["agency"], agency_level, f"{where}.agency"),
            "in_use": config["in_use"], "image_id": self.image(config["image"], f"{where}.image"),
            "_families": family_ids,
        }
        if level == "detailed":
            for key in _CONFIG_DETAIL_KEYS:
                row[key] = config[key]
            row["fastest_turnaround_seconds"] = duration_seconds(config["fastest_turnaround"],
                                                                 f"{where}.fastest_turnaround")
        self.add("spacecraft_configurations", row, where)
        return config["id"]

    def spacecraft(self, record: Any, where: str) -> None:
        if not isinstance(record, dict):
            raise TableError(f"{where}: expected an object, found {type(record).__name__}")
        if record.get("response_mode") != "normal":
            raise TableError(
                f"{where}: response_mode {record.get('response_mode')!r}; only normal-mode spacecraft records can be "
                "normalised (the flights of detailed records have no table yet)"
            )
        self.check_shape(record, _SPACECRAFT_KEYS, where)
        self.image(record["image"], f"{where}.image")
        self.named("spacecraft_statuses", record["status"], f"{where}.status")
        self.configuration(record["spacecraft_config"], "normal", f"{where}.spacecraft_config")
        (row,) = spacecraft_rows([record])
        self.add("spacecraft", row, where)

    def finish(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for name, table in TABLES.items():
            rows = [self.rows[name][k] for k in sorted(self.rows[name])]
            out[name] = [{c: row.get(c) for c in table.column_names} for row in rows]
        return out


def build_tables(
    records: Iterable[Mapping[str, Any]],
    configurations: Iterable[Mapping[str, Any]] = (),
    statuses: Iterable[Mapping[str, Any]] = (),
) -> dict[str, list[Row]]:
    """Normalise spacecraft records (normal mode) and detailed configurations into tables.

    Returns table name -> rows (dicts in column order), each table sorted by its
    primary key. Raises :class:`TableError` when copies of one object disagree,
    or an object does not have the LL2 shape its place calls for.
    """
    builder = _Builder()
    # Widest sources first, so that a disagreement names the detailed copy as the first seen.
    for n, config in enumerate(configurations):
        builder.configuration(config, "detailed", f"spacecraft_configurations[{n}] (id {_id(config)!r})")
    for n, status in enumerate(statuses):
        builder.named("spacecraft_statuses", status, f"spacecraft_statuses[{n}]")
    for n, record in enumerate(records):
        builder.spacecraft(record, f"spacecraft[{n}] (id {_id(record)!r})")
    return builder.finish()


def snapshot_tables(snapshot: Any, records: Iterable[Mapping[str, Any]] | None = None) -> dict[str, list[Row]]:
    """The tables of ``snapshot``, or of ``records`` of it and the reference rows they reference.

    With ``records`` (e.g. a query's selection) only the configurations and
    statuses those records use are included, taken from the snapshot's tables.
    """
    if records is None:
        return build_tables(snapshot.records, snapshot.tables.get("spacecraft_configurations", []),
                            snapshot.tables.get("spacecraft_statuses", []))
    records = list(records)
    config_ids = {_id(r.get("spacecraft_config")) for r in records}
    status_ids = {_id(r.get("status")) for r in records}
    return build_tables(
        records,
        [c for c in snapshot.tables.get("spacecraft_configurations", []) if c.get("id") in config_ids],
        [s for s in snapshot.tables.get("spacecraft_statuses", []) if s.get("id") in status_ids],
    )


# -- tables -> CSV and Table Schema --------------------------------------------------------------------------
def _missing_values(column: Column, rows: Sequence[Row]) -> list[str] | None:
    """The field's missingValues when it differs from the default [""] (see the module docstring)."""
    if column.type != "string":
        return None
    values = [row[column.name] for row in rows]
    if None not in values:
        return []
    if "" in values:
        return [NULL_MARKER]
    return None


def table_schema(table: Table, rows: Sequence[Row]) -> dict[str, Any]:
    """The Frictionless Table Schema of ``table`` as written for ``rows``.

    ``required`` is set on columns that are never null: by the LL2 spec, and in
    every row (detailed-only columns of rows held in a narrower shape are empty).
    """
    fields = []
    for column in table.columns:
        field: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
        if column.format:
            field["format"] = column.format
        constraints: dict[str, Any] = {}
        if not column.nullable and all(row[column.name] is not None for row in rows):
            constraints["required"] = True
        if column.enum:
            constraints["enum"] = list(column.enum)
        if constraints:
            field["constraints"] = constraints
        missing = _missing_values(column, rows)
        if missing is not None:
            field["missingValues"] = missing
        fields.append(field)
    schema: dict[str, Any] = {
        "fields": fields,
        "missingValues": [""],
        "primaryKey": list(table.primary_key),
    }
    foreign_keys = []
    for column in table.columns:
        if column.ref:
            ref_table, ref_field = column.ref
            reference: dict[str, Any] = {"fields": [ref_field]}
            if ref_table != table.name:  # Table Schema v2: a self-reference omits "resource"
                reference = {"resource": ref_table, **reference}
            foreign_keys.append({"fields": [column.name], "reference": reference})
    if foreign_keys:
        schema["foreignKeys"] = foreign_keys
    return schema


def _cell(value: Any, null: str) -> str:
    if value is None:
        return null
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, float):
        return repr(value)
    return str(value)


def csv_bytes(table: Table, rows: Sequence[Row], schema: Mapping[str, Any] | None = None) -> bytes:
    """The CSV file of ``table``: UTF-8, header row, ``\\n`` line ends, nulls as the schema says."""
    schema = schema or table_schema(table, rows)
    nulls = {}
    for field in schema["fields"]:
        missing = field.get("missingValues", schema.get("missingValues", [""]))
        nulls[field["name"]] = missing[0] if missing else None
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table.column_names)
    for row in rows:
        cells = []
        for name in table.column_names:
            value = row[name]
            if value is None and nulls[name] is None:
                raise TableError(f"table {table.name}: column {name!r} declares no missing value but a row holds null")
            if value == NULL_MARKER and nulls[name] == NULL_MARKER:
                raise TableError(f"table {table.name}: column {name!r} holds the text {NULL_MARKER!r}, "
                                 "which is its null marker")
            cells.append(_cell(value, nulls[name] or ""))
        writer.writerow(cells)
    return buf.getvalue().encode("utf-8")


# -- the data package -----------------------------------------------------------------------------------------
TSD_TERMS = "https://github.com/TheSpaceDevs/Tutorials/blob/main/faqs/faq_TSD.md"


def _resource_file(path: str, data: bytes) -> dict[str, Any]:
    import hashlib

    return {"path": path, "bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}


def datapackage(
    snapshot: Any,
    tables: Mapping[str, Sequence[Row]],
    csv_files: Mapping[str, bytes],
    table_dir: str = "data/tables",
    json_resources: Mapping[str, tuple[str, bytes, str | None]] | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """The Frictionless Data Package (v2) descriptor of the tables (and the snapshot's JSON files).

    ``csv_files`` maps table name -> CSV bytes (for size and hash); ``json_resources``
    maps resource name -> (path, bytes, JSON Schema path or ``None``). Paths are
    relative to the folder the descriptor is written in. ``note`` is added to the
    description (e.g. which query selected the records of an export).
    """
    manifest = snapshot.manifest
    resources: list[dict[str, Any]] = []
    for name, (path, data, schema_path) in (json_resources or {}).items():
        resource = {
            "name": name, "type": "json", **_resource_file(path, data), "format": "json",
            "mediatype": "application/json", "encoding": "utf-8",
            "description": f"The snapshot's {name.replace('-json', '')} records exactly as LL2 returned them "
                           "(a JSON array, id order). Frictionless does not check nested JSON: validate it with "
                           "'spacecraft-data validate' (JSON Schema).",
        }
        if schema_path:
            resource["jsonSchema"] = schema_path
        resources.append(resource)
    for name, table in TABLES.items():
        resources.append({
            "name": name, "type": "table", **_resource_file(f"{table_dir}/{name}.csv".lstrip("/"), csv_files[name]),
            "format": "csv", "mediatype": "text/csv", "encoding": "utf-8", "title": table.title,
            "description": table.description,
            "dialect": {"header": True, "delimiter": ",", "lineTerminator": "\n", "quoteChar": '"'},
            "schema": table_schema(table, tables[name]),
        })
    sources = []
    for s in manifest.get("sources", []):
        source = {"title": f"{s.get('endpoint')} ({s.get('mode')} mode): {s.get('file')}",
                  "path": s.get("request_url") or s.get("endpoint")}
        if s.get("captured") or s.get("received"):
            source["version"] = s.get("captured") or f"received {s.get('received')}"
        sources.append(source)
    records = manifest.get("records", {})
    return {
        "$schema": "https://datapackage.org/profiles/2.0/datapackage.json",
        "name": "spacecraft-data",
        "title": "Launch Library 2 spacecraft (/2.3.0/spacecraft/), offline snapshot",
        "description": (
            f"Snapshot {snapshot.version} of The Space Devs' Launch Library 2 API {snapshot.api_version} "
            f"spacecraft endpoint: {records.get('held')} of {records.get('reported')} records "
            f"({'complete' if records.get('complete') else 'incomplete'}), modes held: "
            f"{', '.join(snapshot.modes) or 'none'}; with the spacecraft configurations and statuses. "
            "The JSON resources are the records as the API returned them; the CSV tables are their normalised form "
            "(generated by scripts/build_tables.py). Images are referenced by URL and carry their own licence "
            "(images table)."
            + (f" {note}" if note else "")
        ),
        "version": snapshot.version,
        "homepage": "https://thespacedevs.com/llapi",
        "keywords": ["launch library", "spacecraft", "space", "The Space Devs"],
        "licenses": [
            {"name": "MIT", "path": "https://opensource.org/licenses/MIT",
             "title": "MIT License: the spacecraft-data code, schemas and scripts"},
            {"path": TSD_TERMS,
             "title": "The Space Devs terms of use (the data): free to use in any way, shape, or form; attribution "
                      "is not mandatory but encouraged and appreciated; 100% accuracy is not guaranteed; images "
                      "carry their own licences (images.license_*)"},
        ],
        "sources": sources,
        "contributors": [
            {"title": "The Space Devs (Launch Library 2)", "path": "https://thespacedevs.com", "roles": ["author"]},
            {"title": "spacecraft-data developers", "roles": ["packager"]},
        ],
        "resources": resources,
    }


def package_files(
    snapshot: Any,
    records: Iterable[Mapping[str, Any]] | None = None,
    table_dir: str = "data/tables",
    json_resources: Mapping[str, tuple[str, bytes, str | None]] | None = None,
    note: str | None = None,
) -> dict[str, bytes]:
    """Every file of the tables package: ``{relative path: bytes}`` (the CSVs and ``datapackage.json``).

    Nothing is written; see ``scripts/build_tables.py`` and ``spacecraft-data export``.
    """
    tables = snapshot_tables(snapshot, records)
    files: dict[str, bytes] = {}
    csv_files: dict[str, bytes] = {}
    for name, table in TABLES.items():
        csv_files[name] = csv_bytes(table, tables[name])
        files[f"{table_dir}/{name}.csv".lstrip("/")] = csv_files[name]
    descriptor = datapackage(snapshot, tables, csv_files, table_dir, json_resources, note)
    files["datapackage.json"] = (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files


# -- CSV -> tables -> records ---------------------------------------------------------------------------------
_FLOAT_TEXT = re.compile(r"[.eEnN]")  # a decimal point, an exponent, nan or inf


def _parse(text: str, field: Mapping[str, Any], where: str) -> Any:
    kind = field["type"]
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text) if _FLOAT_TEXT.search(text) else int(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text]
    except (ValueError, KeyError):
        raise TableError(f"{where}: {text!r} is not a valid {kind}") from None
    return text


def read_package(descriptor_path: str | Path) -> dict[str, list[Row]]:
    """Read the CSV tables of a data package back into typed rows (table name -> rows).

    Types, empty cells and null markers follow each field of the descriptor's
    Table Schemas; non-tabular resources (the JSON snapshot files) are skipped.
    """
    descriptor_path = Path(descriptor_path)
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TableError(f"{descriptor_path}: cannot read the data package descriptor: {exc}") from None
    out: dict[str, list[Row]] = {}
    for resource in descriptor.get("resources", []):
        if resource.get("format") != "csv":
            continue
        schema = resource["schema"]
        fields = {f["name"]: f for f in schema["fields"]}
        path = descriptor_path.parent / resource["path"]
        rows = []
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != list(fields):
                raise TableError(f"{path}:1: header {header} differs from the schema's fields {list(fields)}")
            for line_no, cells in enumerate(reader, start=2):
                if len(cells) != len(header):
                    raise TableError(f"{path}: row {line_no}: {len(cells)} cells, expected {len(header)}")
                row = {}
                for name, text in zip(header, cells):
                    field = fields[name]
                    missing = field.get("missingValues", schema.get("missingValues", [""]))
                    row[name] = None if text in missing else _parse(text, field, f"{path}: row {line_no}, {name}")
                rows.append(row)
        out[resource["name"]] = rows
    return out


class _Index:
    """Rows of each table by primary key, and the link tables grouped by owner; rebuilds nested objects."""

    def __init__(self, tables: Mapping[str, Sequence[Row]]) -> None:
        self.by_key: dict[str, dict[Any, Row]] = {}
        self.links: dict[str, dict[Any, list[Row]]] = {}
        for name, table in TABLES.items():
            rows = tables.get(name, [])
            if len(table.primary_key) == 1:
                self.by_key[name] = {row["id"]: row for row in rows}
            else:
                owner = table.primary_key[0]
                groups: dict[Any, list[Row]] = {}
                for row in sorted(rows, key=lambda r: (r[owner], r["position"])):
                    groups.setdefault(row[owner], []).append(row)
                self.links[name] = groups

    def row(self, table: str, key: Any, where: str, level: str | None = None) -> Row:
        try:
            row = self.by_key[table][key]
        except KeyError:
            raise TableError(f"{where}: table {table} has no row with id {key!r}") from None
        if level is not None and _LEVELS[row["held_as"]] < _LEVELS[level]:
            raise TableError(f"{where}: table {table} holds id {key!r} as {row['held_as']}, "
                             f"but a {level} object is needed here")
        return row

    def named(self, table: str, key: Any, where: str) -> Record:
        row = self.row(table, key, where)
        return {"id": row["id"], "name": row["name"]}

    def image(self, key: Any, where: str) -> Record | None:
        if key is None:
            return None
        row = self.row("images", key, where)
        lic = self.row("image_licenses", row["license_id"], where)
        return {
            "id": row["id"], "name": row["name"], "image_url": row["image_url"], "thumbnail_url": row["thumbnail_url"],
            "credit": row["credit"], "license": {k: lic[k] for k in _LICENSE_KEYS}, "single_use": row["single_use"],
            "variants": [
                {"id": v["id"], "type": {"id": v["type_id"], "name": v["type_name"]}, "image_url": v["image_url"]}
                for v in self.links["image_variants"].get(key, [])
            ],
        }

    def agency(self, key: Any, level: str, query: str, where: str) -> Record | None:
        if key is None:
            return None
        row = self.row("agencies", key, where, level)
        out: Record = {
            "response_mode": _AGENCY_MODE[level], "id": row["id"], "url": _with_query(row["url"], query),
            "name": row["name"], "abbrev": row["abbrev"], "type": self.named("agency_types", row["type_id"], where),
        }
        if level == "normal":
            out.update({
                "featured": row["featured"],
                "country": [{k: c[k] for k in _COUNTRY_KEYS}
                            for c in (self.row("countries", link["country_id"], where)
                                      for link in self.links["agency_countries"].get(key, []))],
                "description": row["description"], "administrator": row["administrator"],
                "founding_year": row["founding_year"], "launchers": row["launchers"],
                "spacecraft": row["spacecraft"], "parent": row["parent"],
                "image": self.image(row["image_id"], where), "logo": self.image(row["logo_id"], where),
                "social_logo": self.image(row["social_logo_id"], where),
            })
        return out

    def family(self, key: Any, level: str, query: str, where: str) -> Record | None:
        if key is None:
            return None
        row = self.row("spacecraft_families", key, where, level)
        out: Record = {"response_mode": _FAMILY_MODE[level], "id": row["id"], "name": row["name"]}
        if level != "mini":
            manufacturer_level, parent_level = _FAMILY_INNER[level]
            out.update({
                "description": row["description"],
                "manufacturer": self.agency(row["manufacturer_id"], manufacturer_level, query, where),
                "parent": self.family(row["parent_id"], parent_level, query, where),
                "maiden_flight": row["maiden_flight"],
            })
        if level == "detailed":
            out.update({k: row[k] for k in _STAT_KEYS})
        return out

    def configuration(self, key: Any, level: str, query: str, where: str) -> Record:
        row = self.row("spacecraft_configurations", key, where, level)
        agency_level, family_level = _CONFIG_INNER[level]
        out: Record = {
            "response_mode": _CONFIG_MODE[level], "id": row["id"], "url": _with_query(row["url"], query),
            "name": row["name"], "type": self.named("spacecraft_configuration_types", row["type_id"], where),
            "agency": self.agency(row["agency_id"], agency_level, query, where),
            "family": [self.family(link["family_id"], family_level, query, where)
                       for link in self.links["spacecraft_configuration_families"].get(key, [])],
            "in_use": row["in_use"], "image": self.image(row["image_id"], where),
        }
        if level == "detailed":
            out.update({k: row[k] for k in _CONFIG_DETAIL_KEYS})
        return out


def records_from_tables(tables: Mapping[str, Sequence[Row]]) -> list[Record]:
    """Rebuild the nested spacecraft records (normal mode, id order) from the normalised tables.

    Every field, key order, null and empty list comes back as the API gave it;
    nested API links take the query of the record's own ``url``.
    """
    index = _Index(tables)
    out = []
    for row in sorted(tables["spacecraft"], key=lambda r: r["id"]):
        where = f"spacecraft id {row['id']}"
        query = urlsplit(row["url"]).query
        record: Record = {}
        for key in _SPACECRAFT_KEYS:
            if key == "image":
                record[key] = index.image(row["image_id"], where)
            elif key == "status":
                record[key] = index.named("spacecraft_statuses", row["status_id"], where)
            elif key == "spacecraft_config":
                record[key] = index.configuration(row["spacecraft_config_id"], "normal", query, where)
            else:
                record[key] = row[key]
        out.append(record)
    return out


def configurations_from_tables(tables: Mapping[str, Sequence[Row]], link_query: str = "") -> list[Record]:
    """Rebuild the detailed configuration records (id order) held in the tables.

    ``link_query`` is the query DRF put on every link of the response they came
    from (``format=json`` for a ``?format=json`` request; see the manifest's sources).
    """
    index = _Index(tables)
    return [index.configuration(row["id"], "detailed", link_query, f"spacecraft_configurations id {row['id']}")
            for row in sorted(tables["spacecraft_configurations"], key=lambda r: r["id"])
            if row["held_as"] == "detailed"]


# -- pandas ---------------------------------------------------------------------------------------------------
_PANDAS_DTYPES = {"integer": "Int64", "number": "Float64", "boolean": "boolean", "string": "string",
                  "duration": "string"}


def to_pandas(snapshot: Any, table: str = "spacecraft") -> Any:
    """The table ``table`` of ``snapshot`` as a pandas DataFrame (needs the ``pandas`` extra).

    Columns get pandas' nullable dtypes (``Int64``, ``Float64``, ``boolean``,
    ``string``); dates become ``datetime64``. Raises :class:`TableError` for an
    unknown table and ``ImportError`` naming the extra when pandas is missing.
    """
    if table not in TABLES:
        raise TableError(f"unknown table {table!r}; the tables are: {', '.join(TABLES)}")
    try:
        import pandas as pd
    except ImportError:
        raise ImportError(
            "Snapshot.to_pandas() needs pandas, which is an optional extra: pip install 'spacecraft-data[pandas]'"
        ) from None
    spec = TABLES[table]
    rows = snapshot_tables(snapshot)[table]
    frame = pd.DataFrame(rows, columns=list(spec.column_names))
    for column in spec.columns:
        if column.type == "date":
            frame[column.name] = pd.to_datetime(frame[column.name], format="%Y-%m-%d")
        else:
            frame[column.name] = frame[column.name].astype(_PANDAS_DTYPES[column.type])
    return frame
