"""Snapshot -> rows: flat spacecraft rows and the normalised tables, merging copies of one object by id."""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from .columns import Row, SPACECRAFT_COLUMNS, TABLES, TableError, _AGENCY_KEYS, _AGENCY_MODE, _CONFIG_DETAIL_KEYS, _CONFIG_INNER, _CONFIG_KEYS, _CONFIG_MODE, _COUNTRY_KEYS, _DURATION_FIELDS, _FAMILY_INNER, _FAMILY_KEYS, _FAMILY_MODE, _IMAGE_KEYS, _LEVELS, _LICENSE_KEYS, _SPACECRAFT_KEYS, _STAT_KEYS, _VARIANT_KEYS

# -- flat spacecraft rows (also used by `query --format csv`) ----------------------------------------------
def duration_seconds(value: str | None, where: str = "duration") -> float | int | None:
    """Seconds of an LL2 ISO 8601 duration (``None`` stays ``None``); whole seconds come back as ``int``."""
    if value is None:
        return None
    from .. import durations

    try:
        return durations.seconds(value)
    except durations.YearsOrMonths:  # no fixed length in seconds
        raise TableError(f"{where}: {value!r} has years or months; LL2 durations count days only") from None
    except durations.DurationError as exc:
        raise TableError(f"{where}: {value!r} is not an ISO 8601 duration ({exc})") from None


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
