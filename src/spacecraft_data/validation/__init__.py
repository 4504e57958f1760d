"""Validate LL2 records, pages and snapshot folders against the bundled JSON Schemas.

>>> import spacecraft_data
>>> report = spacecraft_data.validate("page.json")   # or a folder, a record, a list of records
>>> report.valid, report.records_checked
>>> report.raise_for_problems()                      # ValidationFailed listing every problem

What is accepted (a path, or the same thing already in memory):

* a **snapshot folder** (holding ``manifest.json``): every table file against its
  schema (``spacecraft_detailed.json``, of a snapshot harvested in both modes,
  against the detailed one), and every ``sha256`` of the manifest's ``files``; a folder of
  snapshots (``<api version>/<snapshot version>/``): each snapshot in it;
* a **saved page**, browsable-API text or a JSON list page (envelope and records);
* a **single record**, a **JSON array** of records, or **NDJSON** (one record a
  line; problems name the line). A file is read as NDJSON when it is named
  ``*.ndjson``/``*.jsonl``, or when it is not one JSON document but every line is.

Which schema a record gets (one rule, used everywhere, read from the endpoint
declarations of :mod:`spacecraft_data.endpoints` at call time):

* its **endpoint** comes from where it was found (a snapshot table file, the path of
  a page's ``GET`` line or of its envelope's links, or ``schema``); otherwise from its
  own ``url`` (``/2.3.0/spacecraft_configurations/1/`` names ``/spacecraft_configurations/``);
  otherwise it is taken for the primary endpoint's (a spacecraft). Its keys never
  choose: ``{"id": 5, "name": "x"}`` is a spacecraft missing 14 properties, not a
  status. A declaration's ``marker_keys``/``only_keys`` only add a hint to the report
  (which endpoint such records look like, and how to name it);
* its **mode**, for an endpoint with modes, is its ``response_mode`` when that is one
  of them; otherwise detailed when it carries the declaration's detailed-only key
  (``flights`` / ``capability``), else the default mode, and the schema then reports
  the bad ``response_mode``. The schema is the one the declaration gives that mode
  (``record`` for an endpoint without modes): a file of ``schema/``, or a document
  given inline by a declaration made outside the package.

jsonschema and referencing are imported inside functions only: ``import
spacecraft_data`` and ``load()`` never pay for them.

The package is split by job, each module depending only on those listed before it:
``report`` (:class:`Problem`, :class:`Report`, :class:`ValidationFailed`),
``schemas`` (schema files, :func:`schema`, the format checker, :func:`validator`),
``messages`` (jsonschema errors as JSON paths and readable messages), ``records``
(which schema a record gets, :func:`validate_records`, :func:`problems_for_table`)
``stream`` (array elements and NDJSON lines read from a file in chunks) and ``inputs`` (pages, files,
snapshot folders and :func:`validate`).

Bounded: at most ``max_problems`` problems (:data:`MAX_PROBLEMS`) are listed per input and
``max_record_problems`` (:data:`MAX_RECORD_PROBLEMS`) per record; the rest are counted
(:attr:`Report.unlisted`). A JSON array or NDJSON file is read as a stream, keeping only the ids
seen (for the duplicate check); another document is read whole, up to 64 MiB.
"""

from __future__ import annotations

from .report import MAX_PROBLEMS, MAX_RECORD_PROBLEMS, Problem, Report, ValidationFailed
from .schemas import SCHEMA_NAMES, format_checker, schema, schema_dir, validator
from .records import problems_for_table, record_schema_name, validate_records
from .inputs import validate

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
