"""`import spacecraft_data`, `load()` and queries must not pull in heavy libraries."""

from __future__ import annotations

import subprocess
import sys

HEAVY = (
    "jsonschema",
    "frictionless",
    "requests",
    "pandas",
    "django",
    "rest_framework",
    "urllib3",
    "numpy",
    "duckdb",
    "pyarrow",
)

PROBE = """
import sys, json
import spacecraft_data
snap = spacecraft_data.load()
len(snap); snap.get(463)
if hasattr(snap, "query"):
    snap.query(search="soyuz", ordering="-time_in_space", limit=5)
if hasattr(snap, "respond"):
    snap.respond("/2.3.0/spacecraft/?search=dragon&ordering=-id&format=json")
heavy = {heavy!r}
print(json.dumps(sorted(m for m in sys.modules if m.split(".")[0] in heavy)))
"""


def _loaded_heavy_modules(code: str) -> list[str]:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    import json

    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_load_and_query_import_no_heavy_library():
    assert _loaded_heavy_modules(PROBE.format(heavy=HEAVY)) == []


def test_the_probe_would_notice_a_heavy_import():
    # Guards the test above against passing vacuously: importing jsonschema must be seen.
    code = PROBE.format(heavy=HEAVY).replace(
        "import spacecraft_data\n", "import spacecraft_data, jsonschema\n"
    )
    assert "jsonschema" in _loaded_heavy_modules(code)
