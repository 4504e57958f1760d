"""What checking the manifest's sha256 on load costs: ``load()`` against ``load(verify=False)``.

    python benchmarks/verify_cost.py [--sizes bundled,3000,12000] [--repeats 7]

Each figure is the best of ``--repeats`` runs in this process (the file cache warm, as
on a second run), for each snapshot: ``load()`` alone (the manifest and
``spacecraft.json``, whose checksum is checked then), and ``load()`` plus the first
read of every table (the reference tables are checked when first read). Snapshots
other than ``bundled`` are SYNTHETIC (``synthetic.py``), written to a temporary folder.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import spacecraft_data  # noqa: E402
from spacecraft_data.store import bundled_root, latest_snapshot_dir  # noqa: E402


def _best(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def _all_tables(path: Path, verify: bool) -> None:
    snap = spacecraft_data.load(path, verify=verify)
    for table in snap.tables:
        snap.tables[table]


def measure(path: Path, repeats: int) -> dict[str, float]:
    """Best times (s) of loading ``path`` with and without checksum verification."""
    return {
        "load_verified": _best(lambda: spacecraft_data.load(path), repeats),
        "load_unverified": _best(lambda: spacecraft_data.load(path, verify=False), repeats),
        "all_tables_verified": _best(lambda: _all_tables(path, True), repeats),
        "all_tables_unverified": _best(lambda: _all_tables(path, False), repeats),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="bundled,3000,12000")
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    from synthetic import write_synthetic_snapshot

    with tempfile.TemporaryDirectory() as tmp:
        print("| snapshot | load() | load(verify=False) | cost | + every table | unverified | cost |")
        print("|---|---|---|---|---|---|---|")
        for size in args.sizes.split(","):
            path = (
                Path(str(latest_snapshot_dir(bundled_root())))
                if size == "bundled"
                else write_synthetic_snapshot(int(size), Path(tmp))
            )
            t = measure(path, args.repeats)
            ms = {k: v * 1000 for k, v in t.items()}
            print(
                f"| {size} | {ms['load_verified']:.2f} ms | {ms['load_unverified']:.2f} ms | "
                f"{ms['load_verified'] - ms['load_unverified']:+.2f} ms | {ms['all_tables_verified']:.2f} "
                f"ms | {ms['all_tables_unverified']:.2f} ms | "
                f"{ms['all_tables_verified'] - ms['all_tables_unverified']:+.2f} ms |"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
