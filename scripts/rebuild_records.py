"""Tables -> records: rebuild the nested LL2 records from a data package's rows, exactly.

scripts/build_tables.py checks with it that the tables lose nothing before it writes them, and the tests
check the round trip; nothing in the library needs it, so it stays out of the wheel.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Mapping, Sequence
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from spacecraft_data.tables.columns import TABLES, Record, Row, TableError  # noqa: E402
from spacecraft_data.tables.shapes import (  # noqa: E402
    AGENCY_MODE,
    CONFIG_DETAIL_KEYS,
    CONFIG_INNER,
    CONFIG_MODE,
    COUNTRY_KEYS,
    FAMILY_INNER,
    FAMILY_MODE,
    LEVELS,
    LICENSE_KEYS,
    SPACECRAFT_KEYS,
    STAT_KEYS,
)


def _with_query(url: str, query: str) -> str:
    """A reference table's link (kept without a query) as the record it is rebuilt into carries it."""
    return f"{url}?{query}" if query else url


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
        if level is not None and LEVELS[row["held_as"]] < LEVELS[level]:
            raise TableError(
                f"{where}: table {table} holds id {key!r} as {row['held_as']}, "
                f"but a {level} object is needed here"
            )
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
            "id": row["id"],
            "name": row["name"],
            "image_url": row["image_url"],
            "thumbnail_url": row["thumbnail_url"],
            "credit": row["credit"],
            "license": {k: lic[k] for k in LICENSE_KEYS},
            "single_use": row["single_use"],
            "variants": [
                {
                    "id": v["id"],
                    "type": {"id": v["type_id"], "name": v["type_name"]},
                    "image_url": v["image_url"],
                }
                for v in self.links["image_variants"].get(key, [])
            ],
        }

    def agency(self, key: Any, level: str, query: str, where: str) -> Record | None:
        if key is None:
            return None
        row = self.row("agencies", key, where, level)
        out: Record = {
            "response_mode": AGENCY_MODE[level],
            "id": row["id"],
            "url": _with_query(row["url"], query),
            "name": row["name"],
            "abbrev": row["abbrev"],
            "type": self.named("agency_types", row["type_id"], where),
        }
        if level == "normal":
            out.update(
                {
                    "featured": row["featured"],
                    "country": [
                        {k: c[k] for k in COUNTRY_KEYS}
                        for c in (
                            self.row("countries", link["country_id"], where)
                            for link in self.links["agency_countries"].get(key, [])
                        )
                    ],
                    "description": row["description"],
                    "administrator": row["administrator"],
                    "founding_year": row["founding_year"],
                    "launchers": row["launchers"],
                    "spacecraft": row["spacecraft"],
                    "parent": row["parent"],
                    "image": self.image(row["image_id"], where),
                    "logo": self.image(row["logo_id"], where),
                    "social_logo": self.image(row["social_logo_id"], where),
                }
            )
        return out

    def family(self, key: Any, level: str, query: str, where: str) -> Record | None:
        if key is None:
            return None
        row = self.row("spacecraft_families", key, where, level)
        out: Record = {"response_mode": FAMILY_MODE[level], "id": row["id"], "name": row["name"]}
        if level != "mini":
            manufacturer_level, parent_level = FAMILY_INNER[level]
            out.update(
                {
                    "description": row["description"],
                    "manufacturer": self.agency(row["manufacturer_id"], manufacturer_level, query, where),
                    "parent": self.family(row["parent_id"], parent_level, query, where),
                    "maiden_flight": row["maiden_flight"],
                }
            )
        if level == "detailed":
            out.update({k: row[k] for k in STAT_KEYS})
        return out

    def configuration(self, key: Any, level: str, query: str, where: str) -> Record:
        row = self.row("spacecraft_configurations", key, where, level)
        agency_level, family_level = CONFIG_INNER[level]
        out: Record = {
            "response_mode": CONFIG_MODE[level],
            "id": row["id"],
            "url": _with_query(row["url"], query),
            "name": row["name"],
            "type": self.named("spacecraft_configuration_types", row["type_id"], where),
            "agency": self.agency(row["agency_id"], agency_level, query, where),
            "family": [
                self.family(link["family_id"], family_level, query, where)
                for link in self.links["spacecraft_configuration_families"].get(key, [])
            ],
            "in_use": row["in_use"],
            "image": self.image(row["image_id"], where),
        }
        if level == "detailed":
            out.update({k: row[k] for k in CONFIG_DETAIL_KEYS})
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
        for key in SPACECRAFT_KEYS:
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
    return [
        index.configuration(row["id"], "detailed", link_query, f"spacecraft_configurations id {row['id']}")
        for row in sorted(tables["spacecraft_configurations"], key=lambda r: r["id"])
        if row["held_as"] == "detailed"
    ]
