#!/usr/bin/env python3
"""Regenerate every generated file from data/raw/, in dependency order, then validate.

    python scripts/build_all.py          # schema/, data/snapshots/, data/tables/, datapackage.json
    python scripts/build_all.py --check  # write nothing; exit 1 if a committed file is stale

No generated file is edited by hand: change a script or a raw input, then run this.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))  # the scripts' own helpers, however the script is run

from generated_files import show_progress  # noqa: E402

# Each step is a script of its own; order matters: the snapshot is validated
# against the schema, and the tables are made from the snapshot.
STEPS = ["build_schema.py", "build_snapshot.py", "build_tables.py"]


def main() -> int:
    extra = sys.argv[1:]
    show_progress()
    for step in STEPS:
        path = HERE / step
        if not path.exists():
            continue
        print(f"== {step} {' '.join(extra)}".rstrip(), flush=True)
        sys.argv = [str(path), *extra]
        try:
            runpy.run_path(str(path), run_name="__main__")
        except SystemExit as exc:
            if exc.code not in (0, None):
                print(f"build_all: {step} failed (exit {exc.code})", file=sys.stderr)
                return int(exc.code) if isinstance(exc.code, int) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
