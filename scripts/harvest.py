#!/usr/bin/env python3
"""Harvest LL2 into a new snapshot: the same code as ``spacecraft-data harvest``.

    python scripts/harvest.py                       # data/snapshots, data/raw/harvest, DATA_CHANGES.md
    python scripts/harvest.py --mode detailed
    python scripts/harvest.py --help

Then review ``git diff DATA_CHANGES.md`` and commit data/ and DATA_CHANGES.md.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacecraft_data.cli import main  # noqa: E402

if __name__ == "__main__":
    # The repository's folders by default, wherever the script runs from; later options override them.
    defaults = [
        "--output",
        str(ROOT / "data" / "snapshots"),
        "--raw-dir",
        str(ROOT / "data" / "raw" / "harvest"),
        "--changelog",
        str(ROOT / "DATA_CHANGES.md"),
    ]
    sys.exit(main(["harvest", *defaults, *sys.argv[1:]]))
