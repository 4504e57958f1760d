"""SYNTHETIC snapshots for benchmarks and scale tests — never written under data/.

Records are made from the real bundled records: each synthetic record is a copy
of a real one with a new id, a varied name and varied durations and counts, so
that filters, search and ordering see realistic values and realistic ties and
NULLs. The manifest says ``"synthetic": true``. These records are not LL2 data.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
from pathlib import Path
from typing import Any

import isodate

import spacecraft_data
from spacecraft_data.endpoints import table_file
from spacecraft_data.store import MANIFEST, dump_json, publish, sha256_bytes

__all__ = ["synthetic_records", "write_synthetic_snapshot"]


def _vary_duration(value: str | None, rng: random.Random) -> str | None:
    if value is None or rng.random() < 0.05:
        return None
    seconds = isodate.parse_duration(value).total_seconds()
    return isodate.duration_isoformat(dt.timedelta(seconds=int(seconds * rng.uniform(0.2, 3.0))))


def synthetic_records(
    n: int, seed: int = 2026, base: spacecraft_data.Snapshot | None = None
) -> list[dict[str, Any]]:
    """``n`` SYNTHETIC spacecraft records derived from the real bundled ones (ids 1..n)."""
    base = base or spacecraft_data.load()
    real = list(base)
    rng = random.Random(seed)
    host = base.manifest.get("base_url", "https://ll.thespacedevs.com")
    out = []
    for i in range(1, n + 1):
        record = copy.deepcopy(real[(i - 1) % len(real)])
        record["id"] = i
        record["url"] = f"{host}/{base.api_version}/spacecraft/{i}/?format=json"
        record["name"] = f"{record['name']} S{i}"
        record["time_in_space"] = _vary_duration(record["time_in_space"], rng)
        record["time_docked"] = _vary_duration(record["time_docked"], rng)
        record["flights_count"] = None if rng.random() < 0.05 else rng.randint(0, 30)
        record["mission_ends_count"] = None if rng.random() < 0.05 else rng.randint(0, 5)
        record["in_space"] = rng.random() < 0.2
        out.append(record)
    return out


def write_synthetic_snapshot(n: int, root: Path, seed: int = 2026) -> Path:
    """Write a SYNTHETIC snapshot of ``n`` records under ``root`` (a temporary folder) and return its path."""
    repo_data = Path(__file__).resolve().parents[1] / "data"
    if Path(root).resolve().is_relative_to(repo_data.resolve()):
        raise ValueError(f"{root}: synthetic snapshots never go under {repo_data}")
    base = spacecraft_data.load()
    records = synthetic_records(n, seed, base)
    files = {
        table_file("spacecraft"): dump_json(records),
        table_file("spacecraft_configurations"): dump_json(base.tables["spacecraft_configurations"]),
        table_file("spacecraft_statuses"): dump_json(base.tables["spacecraft_statuses"]),
    }
    manifest = {
        "snapshot_version": "1970.01.01",
        "api_version": base.api_version,
        "endpoint": base.manifest["endpoint"],
        "base_url": base.manifest.get("base_url"),
        "synthetic": True,
        "notes": [
            f"SYNTHETIC: {n} records derived from snapshot {base.version} for benchmarks; not LL2 data"
        ],
        "records": {"held": n, "reported": n, "complete": True},
        "modes": {"normal": {"held": True}, "detailed": {"held": False, "why": "synthetic benchmark data"}},
        "tables": {},
        "sources": [],
        "files": {
            name: {"sha256": sha256_bytes(data), "bytes": len(data)} for name, data in sorted(files.items())
        },
    }
    files[MANIFEST] = dump_json(manifest)
    return publish(files, Path(root) / base.api_version / f"synthetic-{n}", replace=True)


def load_sized(size: str, root: Path) -> Any:
    """The snapshot a benchmark's ``--size`` names: ``bundled`` is the real bundled one, a number ``N`` a
    SYNTHETIC ``N``-record snapshot written under ``root``."""
    if size == "bundled":
        return spacecraft_data.load()
    return spacecraft_data.load(write_synthetic_snapshot(int(size), root))
