"""Validate LL2 records, pages and snapshot folders against the bundled JSON Schemas.

>>> report = spacecraft_data.validate("page.json")   # or a folder, a record, a list of records

What is accepted, which schema a record gets, and the limits: docs/validating.md.
Modules: docs/architecture.md#tables-validation-harvest
"""

from __future__ import annotations

from .inputs import validate
from .records import problems_for_table, record_schema_name, validate_records
from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS, Problem, Report, ValidationFailed
from .schemas import SCHEMA_NAMES, format_checker, schema, schema_dir, validator

__all__ = [
    "MAX_PROBLEMS",
    "MAX_RECORD_PROBLEMS",
    "SCHEMA_NAMES",
    "Problem",
    "Report",
    "ValidationFailed",
    "schema",
    "schema_dir",
    "format_checker",
    "validator",
    "record_schema_name",
    "validate",
    "validate_records",
    "problems_for_table",
]
