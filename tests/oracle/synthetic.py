"""SYNTHETIC data sets derived from the real bundled records, for tests only (never written to data/).

The 20 real records all have ``in_space`` and ``is_placeholder`` false, no NULL
sort key and Latin names, so they cannot exercise NULL placement, boolean
filters or Unicode case folding. The variants here change those fields of copies
of the real records, deterministically, and say so in their ``description``.
"""

from __future__ import annotations

import copy
import datetime
import json
from pathlib import Path
from typing import Any

from spacecraft_data.endpoints import table_file
from spacecraft_data.snapshot import Snapshot
from spacecraft_data.store import MANIFEST, dump_json, publish, sha256_bytes

__all__ = ["SYNTHETIC_MARK", "with_nulls_and_ties", "many", "configurations_with_ties", "write_snapshot"]

SYNTHETIC_MARK = "SYNTHETIC test record derived from a real LL2 record; not LL2 data."

# Names given to some synthetic records: non-ASCII (Cyrillic, ß, accents), and a repeated name.
_NAMES = {
    1: "Прогресс МС-09",
    4: "Weltraumstraße 1",
    7: "Été Élan",
    9: "Shared Name",
    10: "Shared Name",
}
_DURATIONS = ("P0D", "PT3H30M", "P1D", "P1D", "P10DT1S", "P199DT15H3M26S")


def with_nulls_and_ties(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SYNTHETIC: copies of ``records`` with NULLs in every nullable sort key, ties, booleans set, odd names.

    Deterministic in the position ``i`` of each record: NULL ``flights_count`` every 5th,
    NULL ``mission_ends_count`` every 4th, NULL durations every 3rd/6th; counts drawn from
    {0, 1, 2} (ties); ``in_space`` every 3rd, ``is_placeholder`` every 4th.
    """
    out = []
    for i, real in enumerate(records):
        rec = copy.deepcopy(real)
        rec["description"] = SYNTHETIC_MARK
        rec["name"] = _NAMES.get(i, rec["name"])
        rec["in_space"] = i % 3 == 0
        rec["is_placeholder"] = i % 4 == 0
        rec["flights_count"] = None if i % 5 == 0 else i % 3
        rec["mission_ends_count"] = None if i % 4 == 1 else (i * 7) % 3
        rec["time_in_space"] = None if i % 3 == 2 else _DURATIONS[i % len(_DURATIONS)]
        rec["time_docked"] = None if i % 6 == 3 else _DURATIONS[(i * 5) % len(_DURATIONS)]
        out.append(rec)
    return out


def many(records: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """SYNTHETIC: ``count`` records with ids 1..count, each a copy of a real record (cycled)."""
    out = []
    for n in range(count):
        rec = copy.deepcopy(records[n % len(records)])
        rec["id"] = n + 1
        rec["url"] = rec["url"].replace(
            f"/spacecraft/{records[n % len(records)]['id']}/", f"/spacecraft/{n + 1}/"
        )
        rec["description"] = SYNTHETIC_MARK
        out.append(rec)
    return out


# Configuration names that put code point order to the test: lower case after upper case, accents and
# Cyrillic after ASCII, a repeated name (a tie), a leading space and digit.
_CONFIG_NAMES = {
    0: "dragon (lower case)",
    3: "Éclair",
    5: "Прогресс",
    8: "Shared",
    9: "Shared",
    12: "Zeta",
    15: "ärger",
    20: "1st",
    25: "Weltraumstraße",
}
_AGENCY_NAMES = {121: "Space Exploration Technologies Ñ", 63: "Роскосмос"}


def configurations_with_ties(configurations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """SYNTHETIC: copies of the detailed ``configurations`` with odd names, ties and booleans set (by
    position ``i``).

    Names from :data:`_CONFIG_NAMES`; ``human_rated`` every 3rd, ``in_use`` every 2nd;
    two agencies renamed (non-ASCII) in every copy that names them, so the agency
    table stays consistent. ``details`` says the record is synthetic.
    """
    out = []
    for i, real in enumerate(configurations):
        rec = copy.deepcopy(real)
        rec["details"] = SYNTHETIC_MARK
        rec["name"] = _CONFIG_NAMES.get(i, rec["name"])
        rec["human_rated"] = i % 3 == 0
        rec["in_use"] = i % 2 == 0
        agency = rec.get("agency")
        if isinstance(agency, dict) and agency.get("id") in _AGENCY_NAMES:
            agency["name"] = _AGENCY_NAMES[agency["id"]]
        out.append(rec)
    return out


def write_snapshot(
    real: Snapshot,
    records: list[dict[str, Any]],
    target: Path,
    configurations: list[dict[str, Any]] | None = None,
) -> Snapshot:
    """SYNTHETIC: a snapshot folder at ``target`` holding ``records`` and ``real``'s reference tables
    (or ``configurations`` instead of its configurations).

    ``target`` must be a temporary folder: refusing anything under the repository's
    ``data/`` keeps synthetic records out of the package.
    """
    data_dir = Path(__file__).resolve().parents[2] / "data"
    if Path(target).resolve().is_relative_to(data_dir.resolve()):
        raise ValueError(f"{target}: synthetic snapshots may not be written under {data_dir}")
    manifest = json.loads(json.dumps(dict(real.manifest)))
    manifest["records"] = {"held": len(records), "reported": len(records), "complete": True}
    manifest["notes"] = [*manifest.get("notes", []), SYNTHETIC_MARK]
    manifest["sources"] = []
    manifest["snapshot_version"] = datetime.date(2000, 1, 1).strftime("%Y.%m.%d")
    files = {
        table_file("spacecraft"): dump_json(sorted(records, key=lambda r: r["id"])),
        table_file("spacecraft_configurations"): dump_json(
            real.tables["spacecraft_configurations"] if configurations is None else configurations
        ),
        table_file("spacecraft_statuses"): dump_json(real.tables["spacecraft_statuses"]),
    }
    manifest["files"] = {
        name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())
    }
    files[MANIFEST] = dump_json(manifest)
    return Snapshot(publish(files, Path(target), replace=True))
