"""Files -> rows: read a data package's CSVs back into typed rows, as its descriptor declares them."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any, Mapping

from .columns import Row, TableError

_FLOAT_TEXT = re.compile(r"[.eEnN]")  # a decimal point, an exponent, nan or inf


def _parse(text: str, field: Mapping[str, Any], where: str) -> Any:
    kind = field["type"]
    try:
        if kind == "integer":
            return int(text)
        if kind == "number":
            return float(text) if _FLOAT_TEXT.search(text) else int(text)
        if kind == "boolean":
            return {"true": True, "false": False}[text]
    except (ValueError, KeyError):
        raise TableError(f"{where}: {text!r} is not a valid {kind}") from None
    return text


def read_package(descriptor_path: str | Path) -> dict[str, list[Row]]:
    """Read the CSV tables of a data package back into typed rows (table name -> rows).

    Types, empty cells and null markers follow each field of the descriptor's
    Table Schemas; non-tabular resources (the JSON snapshot files) are skipped.
    """
    descriptor_path = Path(descriptor_path)
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise TableError(f"{descriptor_path}: cannot read the data package descriptor: {exc}") from None
    out: dict[str, list[Row]] = {}
    for resource in descriptor.get("resources", []):
        if resource.get("format") != "csv":
            continue
        schema = resource["schema"]
        fields = {f["name"]: f for f in schema["fields"]}
        path = descriptor_path.parent / resource["path"]
        rows = []
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header != list(fields):
                raise TableError(f"{path}:1: header {header} differs from the schema's fields {list(fields)}")
            for line_no, cells in enumerate(reader, start=2):
                if len(cells) != len(header):
                    raise TableError(f"{path}: row {line_no}: {len(cells)} cells, expected {len(header)}")
                row = {}
                for name, text in zip(header, cells):
                    field = fields[name]
                    missing = field.get("missingValues", schema.get("missingValues", [""]))
                    row[name] = (
                        None if text in missing else _parse(text, field, f"{path}: row {line_no}, {name}")
                    )
                rows.append(row)
        out[resource["name"]] = rows
    return out
