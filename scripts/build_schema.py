#!/usr/bin/env python3
"""Regenerate schema/ (JSON Schema 2020-12) from LL2's OpenAPI document in data/raw/ll2-openapi/.

    python scripts/build_schema.py           # (re)write schema/*.schema.json
    python scripts/build_schema.py --check   # write nothing; exit 1 if a committed file differs

The output is a pure function of the spec, of spacecraft_data/schemagen.py, where the
translation rules and every tightening are documented, and of the endpoint declarations
(spacecraft_data/endpoints/), which name the component and title of each file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "scripts"))  # the scripts' own helpers, however the script is run

from generated_files import sync_files  # noqa: E402

from spacecraft_data.endpoints import DEFAULT_API_VERSION, registry  # noqa: E402
from spacecraft_data.schemagen import build_documents, load_spec, render  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    spec = f"data/raw/ll2-openapi/ll_{DEFAULT_API_VERSION}.json"
    parser.add_argument(
        "--spec", type=Path, default=ROOT / spec, help=f"the OpenAPI document (default: {spec})"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "schema", help="output folder (default: schema/)")
    parser.add_argument("--check", action="store_true", help="compare with the files on disk; write nothing")
    args = parser.parse_args(argv)
    try:
        files = {
            name: render(doc)
            for name, doc in build_documents(load_spec(args.spec), registry(DEFAULT_API_VERSION)).items()
        }
    except (OSError, ValueError, KeyError) as exc:
        print(f"build_schema: error: {args.spec}: {exc}", file=sys.stderr)
        return 1
    stale, extra = sync_files(
        {args.out / name: data for name, data in files.items()},
        managed=list(args.out.glob("*.schema.json")),
        check=args.check,
    )
    if args.check:
        if stale or extra:
            print(
                f"build_schema: {args.out} is out of date: differs {[p.name for p in stale]}, "
                f"unexpected {[p.name for p in extra]}; run scripts/build_schema.py",
                file=sys.stderr,
            )
            return 1
        print(f"build_schema: {args.out} matches a rebuild ({len(files)} files)")
        return 0
    print(f"build_schema: wrote {args.out} ({len(files)} files)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
