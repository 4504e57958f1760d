"""Snapshot -> rows: flat spacecraft rows and the normalised tables, merging copies of one object by id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

from .columns import SPACECRAFT_COLUMNS, TABLES, Row, TableError, referenced_tables
from .shapes import (
    AGENCY_KEYS,
    AGENCY_MODE,
    CONFIG_DETAIL_KEYS,
    CONFIG_INNER,
    CONFIG_KEYS,
    CONFIG_MODE,
    COUNTRY_KEYS,
    DURATION_FIELDS,
    FAMILY_INNER,
    FAMILY_KEYS,
    FAMILY_MODE,
    FLIGHT_KEYS,
    IMAGE_KEYS,
    LEVELS,
    LICENSE_KEYS,
    SPACECRAFT_KEYS,
    STAT_KEYS,
    VARIANT_KEYS,
)

if TYPE_CHECKING:
    from ..endpoints import Registry


# -- flat spacecraft rows (also used by `query --format csv`) ----------------------------------------------
def duration_seconds(value: str | None, where: str = "duration") -> int | None:
    """Whole seconds of an LL2 ISO 8601 duration, truncated toward zero (``None`` stays ``None``).

    Always an ``int``, so that every tool reads the ``…_seconds`` columns as integers; the
    ISO column beside it keeps any fraction of a second exactly.
    """
    if value is None:
        return None
    from .. import durations

    try:
        return int(durations.seconds(value))
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
        for key in SPACECRAFT_KEYS:
            value = record.get(key)
            if key in ("image", "status", "spacecraft_config"):
                row[f"{key}_id"] = _id(value)
            elif key in DURATION_FIELDS:
                row[key] = value
                row[f"{key}_seconds"] = duration_seconds(value, f"{where} .{key}")
            else:
                row[key] = value
        rows.append({column: row[column] for column in SPACECRAFT_COLUMNS})
    return rows


# -- snapshot -> tables
# ---------------------------------------------------------------------------------------
def _strip_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class _Builder:
    """Collects the rows of every table, merging the copies of one object (see the module docstring)."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[Any, Row]] = {name: {} for name in TABLES}
        self.seen_at: dict[tuple[str, Any], dict[str, str]] = {}
        self.modes_seen: set[str] = set()

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
        if "held_as" in row and LEVELS[row["held_as"]] > LEVELS[old["held_as"]]:
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
            raise TableError(
                f"{where}: expected a list, found {'null' if value is None else type(value).__name__} "
                "(a null list cannot be told from an empty one in a link table)"
            )
        return value

    def named(self, table: str, obj: Any, where: str) -> int:
        self.check_shape(obj, ("id", "name"), where)
        self.add(table, {"id": obj["id"], "name": obj["name"]}, where)
        return obj["id"]

    def image(self, img: Any, where: str) -> int | None:
        if img is None:
            return None
        self.check_shape(img, IMAGE_KEYS, where)
        lic = img["license"]
        self.check_shape(lic, LICENSE_KEYS, f"{where}.license")
        self.add("image_licenses", dict(lic), f"{where}.license")
        variants = self.list_of(img["variants"], f"{where}.variants")
        self.add(
            "images",
            {
                "id": img["id"],
                "name": img["name"],
                "image_url": img["image_url"],
                "thumbnail_url": img["thumbnail_url"],
                "credit": img["credit"],
                "license_id": lic["id"],
                "license_name": lic["name"],
                "license_link": lic["link"],
                "single_use": img["single_use"],
                "_variants": [v.get("id") if isinstance(v, dict) else v for v in variants],
            },
            where,
        )
        for position, variant in enumerate(variants):
            vwhere = f"{where}.variants[{position}]"
            self.check_shape(variant, VARIANT_KEYS, vwhere)
            self.check_shape(variant["type"], ("id", "name"), f"{vwhere}.type")
            self.add(
                "image_variants",
                {
                    "image_id": img["id"],
                    "position": position,
                    "id": variant["id"],
                    "type_id": variant["type"]["id"],
                    "type_name": variant["type"]["name"],
                    "image_url": variant["image_url"],
                },
                vwhere,
                key=(img["id"], position),
            )
        return img["id"]

    def agency(self, agency: Any, level: str, where: str) -> int | None:
        if agency is None:
            return None
        self.check_shape(agency, AGENCY_KEYS[level], where, AGENCY_MODE[level])
        row: Row = {
            "id": agency["id"],
            "held_as": level,
            "url": _strip_query(agency["url"]),
            "name": agency["name"],
            "abbrev": agency["abbrev"],
            "type_id": self.named("agency_types", agency["type"], f"{where}.type"),
        }
        if level == "normal":
            countries = self.list_of(agency["country"], f"{where}.country")
            for position, country in enumerate(countries):
                cwhere = f"{where}.country[{position}]"
                self.check_shape(country, COUNTRY_KEYS, cwhere)
                self.add("countries", dict(country), cwhere)
                self.add(
                    "agency_countries",
                    {"agency_id": agency["id"], "position": position, "country_id": country["id"]},
                    cwhere,
                    key=(agency["id"], position),
                )
            row.update(
                {
                    "featured": agency["featured"],
                    "description": agency["description"],
                    "administrator": agency["administrator"],
                    "founding_year": agency["founding_year"],
                    "launchers": agency["launchers"],
                    "spacecraft": agency["spacecraft"],
                    "parent": agency["parent"],
                    "image_id": self.image(agency["image"], f"{where}.image"),
                    "logo_id": self.image(agency["logo"], f"{where}.logo"),
                    "social_logo_id": self.image(agency["social_logo"], f"{where}.social_logo"),
                    "_countries": [c["id"] for c in countries],
                }
            )
        self.add("agencies", row, where)
        return agency["id"]

    def family(self, family: Any, level: str, where: str) -> int | None:
        if family is None:
            return None
        self.check_shape(family, FAMILY_KEYS[level], where, FAMILY_MODE[level])
        row: Row = {"id": family["id"], "held_as": level, "name": family["name"]}
        if level != "mini":
            manufacturer_level, parent_level = FAMILY_INNER[level]
            row.update(
                {
                    "description": family["description"],
                    "manufacturer_id": self.agency(
                        family["manufacturer"], manufacturer_level, f"{where}.manufacturer"
                    ),
                    "parent_id": self.family(family["parent"], parent_level, f"{where}.parent"),
                    "maiden_flight": family["maiden_flight"],
                }
            )
        if level == "detailed":
            row.update({k: family[k] for k in STAT_KEYS})
        self.add("spacecraft_families", row, where)
        return family["id"]

    def configuration(self, config: Any, level: str, where: str) -> int:
        self.check_shape(config, CONFIG_KEYS[level], where, CONFIG_MODE[level])
        agency_level, family_level = CONFIG_INNER[level]
        families = self.list_of(config["family"], f"{where}.family")
        family_ids = [self.family(f, family_level, f"{where}.family[{i}]") for i, f in enumerate(families)]
        for position, family_id in enumerate(family_ids):
            self.add(
                "spacecraft_configuration_families",
                {"spacecraft_config_id": config["id"], "position": position, "family_id": family_id},
                f"{where}.family[{position}]",
                key=(config["id"], position),
            )
        row: Row = {
            "id": config["id"],
            "held_as": level,
            "url": _strip_query(config["url"]),
            "name": config["name"],
            "type_id": self.named("spacecraft_configuration_types", config["type"], f"{where}.type"),
            "agency_id": self.agency(config["agency"], agency_level, f"{where}.agency"),
            "in_use": config["in_use"],
            "image_id": self.image(config["image"], f"{where}.image"),
            "_families": family_ids,
        }
        if level == "detailed":
            for key in CONFIG_DETAIL_KEYS:
                row[key] = config[key]
            row["fastest_turnaround_seconds"] = duration_seconds(
                config["fastest_turnaround"], f"{where}.fastest_turnaround"
            )
        self.add("spacecraft_configurations", row, where)
        return config["id"]

    def spacecraft(self, record: Any, where: str) -> None:
        """A spacecraft row from a normal record, or from a detailed one (then also its flights)."""
        if not isinstance(record, dict):
            raise TableError(f"{where}: expected an object, found {type(record).__name__}")
        mode = record.get("response_mode")
        if mode not in ("normal", "detailed"):
            raise TableError(f"{where}: response_mode {mode!r}; spacecraft records are normal or detailed")
        self.check_shape(record, SPACECRAFT_KEYS + (("flights",) if mode == "detailed" else ()), where)
        self.image(record["image"], f"{where}.image")
        self.named("spacecraft_statuses", record["status"], f"{where}.status")
        self.configuration(record["spacecraft_config"], mode, f"{where}.spacecraft_config")
        (row,) = spacecraft_rows([record])
        self.add("spacecraft", row, where)
        if mode == "detailed":
            self.flights(record, where)

    def flights(self, record: Any, where: str) -> None:
        """The flights of a detailed spacecraft record (and its detailed configuration), not its own row.

        A snapshot of both modes keeps the spacecraft rows of its normal records; the
        detailed copy of each adds what only it has.
        """
        self.modes_seen.add("detailed")
        if not isinstance(record, dict) or record.get("response_mode") != "detailed":
            raise TableError(f"{where}: expected a detailed spacecraft record")
        self.check_shape(record, SPACECRAFT_KEYS + ("flights",), where)
        self.configuration(record["spacecraft_config"], "detailed", f"{where}.spacecraft_config")
        for position, flight in enumerate(self.list_of(record["flights"], f"{where}.flights")):
            fwhere = f"{where}.flights[{position}]"
            self.check_shape(flight, FLIGHT_KEYS, fwhere, "normal")
            craft, launch, landing = flight["spacecraft"], flight["launch"], flight["landing"]
            if _id(craft) != record["id"]:
                raise TableError(
                    f"{fwhere}.spacecraft: id {_id(craft)!r} is not the record's id {record['id']!r}"
                )
            if not isinstance(launch, dict):
                raise TableError(f"{fwhere}.launch: expected an object, found {type(launch).__name__}")
            row: Row = {
                "id": flight["id"],
                "spacecraft_id": record["id"],
                "position": position,
                "url": _strip_query(flight["url"]),
                "destination": flight["destination"],
                "mission_end": flight["mission_end"],
                "launch_id": launch.get("id"),
                "launch_name": launch.get("name"),
                "launch_net": launch.get("net"),
                "landing_id": _id(landing),
            }
            for key in ("duration", "turn_around_time"):
                row[key] = flight[key]
                row[f"{key}_seconds"] = duration_seconds(flight[key], f"{fwhere}.{key}")
            self.add("spacecraft_flights", row, fwhere)

    def finish(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for name, table in TABLES.items():
            if table.needs_mode is not None and table.needs_mode not in self.modes_seen:
                continue  # e.g. no spacecraft_flights table without detailed records
            rows = [self.rows[name][k] for k in sorted(self.rows[name])]
            out[name] = [{c: row.get(c) for c in table.column_names} for row in rows]
        return out


def build_tables(
    records: Iterable[Mapping[str, Any]],
    configurations: Iterable[Mapping[str, Any]] = (),
    statuses: Iterable[Mapping[str, Any]] = (),
    detailed: Iterable[Mapping[str, Any]] = (),
) -> dict[str, list[Row]]:
    """Normalise spacecraft records and detailed configurations into tables.

    ``records`` are spacecraft records of one mode, normal or detailed (a detailed
    record also fills ``spacecraft_flights``); ``detailed`` the detailed copies of
    normal ``records`` (a snapshot of both modes), which add their flights only.
    Returns table name -> rows (dicts in column order), each table sorted by its
    primary key; a table of a mode no record was held in (``spacecraft_flights``
    without detailed records) is absent. Raises :class:`TableError` when copies of
    one object disagree, or an object does not have the LL2 shape its place calls for.
    """
    builder = _Builder()
    # Widest sources first, so that a disagreement names the detailed copy as the first seen.
    for n, config in enumerate(configurations):
        builder.configuration(config, "detailed", f"spacecraft_configurations[{n}] (id {_id(config)!r})")
    for n, status in enumerate(statuses):
        builder.named("spacecraft_statuses", status, f"spacecraft_statuses[{n}]")
    for n, record in enumerate(detailed):
        builder.flights(record, f"spacecraft_detailed[{n}] (id {_id(record)!r})")
    for n, record in enumerate(records):
        builder.spacecraft(record, f"spacecraft[{n}] (id {_id(record)!r})")
    return builder.finish()


#: normalised table -> the argument of :func:`build_tables` that the stored records of its endpoint fill
#: (an endpoint's ``csv_table``, :mod:`spacecraft_data.endpoints`, names the table its records become)
_FILLED_BY = {
    "spacecraft": "records",
    "spacecraft_configurations": "configurations",
    "spacecraft_statuses": "statuses",
}


def selectable(registry: Registry) -> tuple[str, ...]:
    """The normalised tables a selection of stored records may come from: each endpoint's of ``registry``
    ``csv_table``."""
    csv_tables = (e.presentation.csv_table for e in registry)
    return tuple(t for t in csv_tables if t in _FILLED_BY)


def _sources(snapshot: Any) -> dict[str, Any]:
    """:func:`build_tables`'s arguments for every record ``snapshot`` stores, endpoint by endpoint."""
    kwargs: dict[str, Any] = {}
    for endpoint in snapshot.registry:
        argument = _FILLED_BY.get(endpoint.presentation.csv_table or "")
        if argument is None:
            continue
        # Snapshot.records are the primary endpoint's (a stand-in snapshot may hold no table of them).
        stored = (
            snapshot.records if endpoint.storage.primary else snapshot.tables.get(endpoint.storage.table, [])
        )
        kwargs[argument] = stored
        # A snapshot of both modes keeps the detailed copies of its normal records beside them.
        kept_apart = endpoint.modes.tables.get("detailed")
        if (
            kept_apart
            and "detailed" in snapshot.modes
            and stored
            and stored[0].get("response_mode") != "detailed"
        ):
            kwargs["detailed"] = list(snapshot.tables[kept_apart])
    return kwargs


def rows_of(table: str, records: Iterable[Mapping[str, Any]]) -> list[Row]:
    """The rows of normalised table ``table`` for stored records of the endpoint whose CSV it is, in their
    order.

    Raises :class:`TableError` for a table no endpoint's records fill (see :func:`selectable`).
    """
    argument = _FILLED_BY.get(table)
    if argument is None:
        raise TableError(f"no endpoint's records fill table {table!r}; they fill: {', '.join(_FILLED_BY)}")
    records = list(records)
    by_id = {row["id"]: row for row in build_tables(**{"records": (), argument: records})[table]}
    return [by_id[r["id"]] for r in records]


def answer_rows(
    table: str, answered: Sequence[Mapping[str, Any]], stored: Iterable[Mapping[str, Any]]
) -> list[Row]:
    """The rows of normalised table ``table`` for the records of a query's answer, in the answer's order.

    ``spacecraft`` rows are the answered records flattened as they are (their links as answered,
    in the answer's mode); the rows of another table are built from the ``stored`` records of
    the answer's ids, as an export writes them (an answer may be a narrower projection).
    """
    if _FILLED_BY.get(table) == "records":
        return spacecraft_rows(answered)
    by_id = {r["id"]: r for r in stored}
    return rows_of(table, [by_id[r["id"]] for r in answered])


def _children(name: str) -> set[str]:
    """The list tables (with a ``position``) whose rows belong to rows of table ``name``."""
    return {
        t.name
        for t in TABLES.values()
        if "position" in t.column_names and next(c.ref[0] for c in t.columns if c.ref) == name
    }


def snapshot_tables(
    snapshot: Any,
    records: Iterable[Mapping[str, Any]] | None = None,
    *,
    table: str | None = None,
    referenced_only: bool = False,
) -> dict[str, list[Row]]:
    """The tables of ``snapshot``; with ``records`` (a selection of table ``table``), the tables of that
    selection.

    Without ``records``: every table, complete (as far as the snapshot holds it).
    With ``records`` (e.g. a query's answer, as stored, of the endpoint whose ``csv_table``
    is ``table``): ``table`` holds those records (and its list tables their lists), and
    the result has only the tables they lead to by foreign key
    (:func:`~spacecraft_data.tables.columns.referenced_tables`): complete, or with
    ``referenced_only`` only the rows the selection uses. ``table`` defaults to the primary
    endpoint's ``csv_table``.
    """
    choices = selectable(snapshot.registry)
    if table is None:
        table = snapshot.registry.primary.presentation.csv_table or ""
    if table not in choices:
        raise TableError(
            f"cannot select from table {table!r}; the selectable tables are: {', '.join(choices)}"
        )
    sources = _sources(snapshot)
    full = build_tables(**{"records": (), **sources})
    if records is None:
        return full
    records = list(records)
    if _FILLED_BY[table] == "records":
        # Spacecraft rows lead to the configuration and status rows (and the detailed copies) of their ids.
        config_ids = {_id(r.get("spacecraft_config")) for r in records}
        status_ids = {_id(r.get("status")) for r in records}
        record_ids = {r.get("id") for r in records}
        chosen = build_tables(
            records,
            [c for c in sources.get("configurations", ()) if c.get("id") in config_ids],
            [s for s in sources.get("statuses", ()) if s.get("id") in status_ids],
            [d for d in sources.get("detailed", ()) if d.get("id") in record_ids],
        )
    else:
        chosen = build_tables(**{"records": (), _FILLED_BY[table]: records})
    own = {table} | _children(table)
    names = [n for n in referenced_tables(table) if n in full]
    if referenced_only:
        return {n: chosen.get(n, []) for n in names}
    return {n: chosen.get(n, []) if n in own else full[n] for n in names}
