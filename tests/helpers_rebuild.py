"""scripts/rebuild_records.py, for the round-trip tests: tables -> records is script code, not the wheel's."""

from __future__ import annotations

import importlib.util

from conftest import ROOT

_spec = importlib.util.spec_from_file_location("rebuild_records", ROOT / "scripts" / "rebuild_records.py")
assert _spec is not None and _spec.loader is not None
_module = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_module)

records_from_tables = _module.records_from_tables
configurations_from_tables = _module.configurations_from_tables
