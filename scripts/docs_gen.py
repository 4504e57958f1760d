"""The generated parts of the documentation site: the CLI reference and the data dictionary.

Both are built from what the package itself holds, when the site is built (``scripts/docs_hooks.py``
puts them into the pages that name them), so they cannot go stale:

* :func:`cli_reference` from the argparse parsers (``spacecraft_data.cli.build_parser``): every
  command, every flag, and the exit statuses written in the top-level help;
* :func:`data_dictionary` from ``datapackage.json``, ``schema/`` and every snapshot's ``manifest.json``.

``python scripts/docs_gen.py cli|dictionary`` prints either one as Markdown.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))


def _cell(text: Any) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|").replace("\n", " ").strip()


_CODE_SPAN = re.compile(r"(`[^`]*`)")


def _prose(text: Any) -> str:
    """Help text as typed, in a table cell or a paragraph: ``[:port][/path]`` is no link (mkdocs-autorefs
    would
    take it for a cross-reference and the strict build fail), ``/<api>/`` no HTML tag, ``*`` no emphasis.
    Code spans are left as they are."""
    parts = _CODE_SPAN.split(str(text))
    for i in range(0, len(parts), 2):  # the even parts are outside code spans
        parts[i] = (
            parts[i]
            .replace("\\", "\\\\")
            .replace("[", "\\[")
            .replace("]", "\\]")
            .replace("*", "\\*")
            .replace("<", "&lt;")
        )
    return _cell("".join(parts))


# -- the CLI reference --------------------------------------------------------------------------------------


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flag(action: argparse.Action) -> str:
    """How a flag is written: its option strings and its metavar (``--format {table,json,csv}``)."""
    names = list(action.option_strings) or [action.dest]
    if action.nargs == 0:
        return ", ".join(f"`{n}`" for n in names)
    if action.metavar is not None:
        metavar = action.metavar if isinstance(action.metavar, str) else " ".join(action.metavar)
    elif action.choices is not None:
        metavar = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        metavar = action.dest.upper() if action.option_strings else ""
    if action.nargs in ("*", "+"):
        metavar += " …"
    elif action.nargs == "?":
        metavar = f"[{metavar}]"
    if not action.option_strings:
        return f"`{_positional(action)}{' …' if action.nargs in ('*', '+') else ''}`"
    return ", ".join(f"`{n} {metavar}`" if metavar else f"`{n}`" for n in names)


def _help(action: argparse.Action) -> str:
    text = action.help or ""
    if "%(" in text:
        params = dict(vars(action), prog="spacecraft-data")
        for name in list(params):
            if params[name] is not None and not isinstance(params[name], (str, int, float)):
                params[name] = (
                    ", ".join(map(str, params[name]))
                    if isinstance(params[name], (list, tuple))
                    else params[name]
                )
        try:
            text = text % params
        except (KeyError, TypeError, ValueError):
            pass
    return text


def command_flags(parser: argparse.ArgumentParser) -> list[str]:
    """Every option string and positional of ``parser`` but ``-h/--help``, in the order the parser adds
    them."""
    out: list[str] = []
    for action in parser._actions:
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
            continue
        out += list(action.option_strings) or [_positional(action)]
    return out


def _positional(action: argparse.Action) -> str:
    """A positional argument as its usage line names it."""
    metavar = action.metavar if isinstance(action.metavar, str) else None
    return metavar or action.dest


def _exit_status(epilog: str) -> str:
    """The 'exit status:' part of the top-level help's epilog, as written there."""
    lines = epilog.split("exit status:\n", 1)[1].splitlines()
    kept = []
    for line in lines:
        if line and not line.startswith(" "):
            break
        kept.append(line)
    return "\n".join(kept).rstrip()


def cli_reference() -> str:
    """The CLI reference page's generated part, as Markdown."""
    from spacecraft_data.cli import HelpFormatter, build_parser

    # The help names the user store's folder: show the platform default (Linux), not the builder's own path.
    saved = os.environ.get("SPACECRAFT_DATA_HOME")
    os.environ["SPACECRAFT_DATA_HOME"] = _PLACEHOLDER
    try:
        return _cli_reference(build_parser(), HelpFormatter).replace(_PLACEHOLDER, USER_STORE)
    finally:
        if saved is None:
            del os.environ["SPACECRAFT_DATA_HOME"]
        else:
            os.environ["SPACECRAFT_DATA_HOME"] = saved


#: how the CLI reference writes the user store's folder (platformdirs' default on Linux)
USER_STORE = "~/.local/share/spacecraft-data"
_PLACEHOLDER = "/USER-STORE-PLACEHOLDER"


def _cli_reference(parser: argparse.ArgumentParser, HelpFormatter: Any) -> str:  # noqa: N803
    out = [
        "## Synopsis",
        "",
        "```text",
        parser.format_usage().strip(),
        "```",
        "",
        _prose(parser.description or ""),
        "",
        "| global flag | meaning |",
        "|---|---|",
    ]
    for action in parser._actions:
        if action.option_strings and not isinstance(action, argparse._SubParsersAction):
            out.append(f"| {_flag(action)} | {_prose(_help(action))} |")
    out += [
        "",
        "## Exit status, as --help says it",
        "",
        "As `spacecraft-data --help` states it (written once, in `spacecraft_data.cli`):",
        "",
        "```text",
        _exit_status(parser.epilog or ""),
        "```",
        "",
    ]
    out += ["## Commands", "", "| command | what it does |", "|---|---|"]
    commands = _subparsers(parser)
    helps = {
        a.dest: a.help
        for a in next(
            a for a in parser._actions if isinstance(a, argparse._SubParsersAction)
        )._choices_actions
    }
    for name in commands:
        out.append(f"| [`{name}`](#{name}) | {_prose(helps.get(name) or '')} |")
    out.append("")
    for name, sub in commands.items():
        sub.formatter_class = lambda prog: HelpFormatter(prog, width=100)  # the same text on every terminal
        out += [f"### {name}", "", "```text", sub.format_usage().strip(), "```", ""]
        if sub.description:
            out += [_prose(sub.description), ""]
        positionals = [a for a in sub._actions if not a.option_strings]
        options = [a for a in sub._actions if a.option_strings and not isinstance(a, argparse._HelpAction)]
        for title, actions in (("argument", positionals), ("flag", options)):
            if not actions:
                continue
            out += [f"| {title} | default | meaning |", "|---|---|---|"]
            for action in actions:
                default = action.default
                shown = (
                    "" if default in (None, False, argparse.SUPPRESS) or action.nargs == 0 else f"`{default}`"
                )
                out.append(f"| {_flag(action)} | {_cell(shown)} | {_prose(_help(action))} |")
            out.append("")
        if sub.epilog:
            out += ["```text", sub.epilog.strip("\n"), "```", ""]
    return "\n".join(out)


# -- the data dictionary ------------------------------------------------------------------------------------

#: where the rows of each table come from in LL2's JSON (the record, or an object nested in it)
TABLE_SOURCES = {
    "spacecraft": "each `/2.3.0/spacecraft/` record",
    "spacecraft_statuses": "`status` of each spacecraft record",
    "spacecraft_configurations": (
        "each `/2.3.0/spacecraft_configurations/` record, and `spacecraft_config` of each spacecraft record"
    ),
    "spacecraft_configuration_types": "`type` of each configuration",
    "spacecraft_configuration_families": "`family[]` of each configuration (one row per list item)",
    "spacecraft_families": "`family[]` of each configuration, and each family's `parent`",
    "agencies": "`agency` of each configuration, and `manufacturer` of each family",
    "agency_types": "`type` of each agency",
    "agency_countries": "`country[]` of each agency (one row per list item)",
    "countries": "`country[]` of each agency",
    "images": "`image` of spacecraft and configurations; `image`, `logo`, `social_logo` of agencies",
    "image_licenses": "`license` of each image",
    "image_variants": "`variants[]` of each image (one row per list item)",
    "spacecraft_flights": "`flights[]` of each detailed spacecraft record (one row per list item)",
}

#: columns whose LL2 field is not found by the naming rule of :func:`ll2_field`
_SPECIAL_FIELDS = {
    ("images", "license_id"): "`license.id`",
    ("images", "license_name"): "`license.name`",
    ("images", "license_link"): "`license.link`",
    ("image_variants", "type_id"): "`type.id`",
    ("image_variants", "type_name"): "`type.name`",
    ("spacecraft_flights", "launch_id"): "`launch.id`",
    ("spacecraft_flights", "launch_name"): "`launch.name`",
    ("spacecraft_flights", "launch_net"): "`launch.net`",
    ("spacecraft_flights", "spacecraft_id"): "the record's `id`",
}


def ll2_field(table: str, field: dict[str, Any], schema: dict[str, Any]) -> str:
    """The LL2 field a column is filled from, by the tables' one naming rule (README, 'For researchers:
    Keys').

    A column holding a nested object's id is the LL2 field plus ``_id``; a ``…_seconds`` column is the
    duration field in seconds; ``position`` is the index in the parent's list; ``held_as`` is not a field
    (the LL2 shape the row was seen in); every other column has its LL2 field's name.
    """
    name = field["name"]
    if (table, name) in _SPECIAL_FIELDS:
        return _SPECIAL_FIELDS[(table, name)]
    if name == "held_as":
        return "(none: the widest LL2 shape seen)"
    if name == "position":
        return "(none: the index in the list)"
    if name.endswith("_seconds"):
        return f"`{name[: -len('_seconds')]}`, in seconds"
    keys = schema.get("primaryKey", [])
    if name.endswith("_id"):
        if len(keys) > 1 and name == keys[0]:
            return "the parent's `id`"
        if len(keys) > 1 and any(name in fk["fields"] for fk in schema.get("foreignKeys", [])):
            return "each list item's `id`"
        return f"`{name[:-3]}.id`"
    if name == "url" and table != "spacecraft":
        return "`url`, without `?format=`"
    return f"`{name}`"


def _unit(field: dict[str, Any]) -> str:
    description = field.get("description", "")
    if field["type"] == "duration":
        return "ISO 8601 duration"
    if field["name"].endswith("_seconds"):
        return "s"
    for words, unit in (("in metres", "m"), ("in kg", "kg")):
        if words in description:
            return unit
    return ""


def _keys(table: str, schema: dict[str, Any]) -> list[str]:
    lines = [f"Primary key: `{', '.join(schema.get('primaryKey', []))}`."]
    for fk in schema.get("foreignKeys", []):
        ref = fk["reference"]
        target = ref.get("resource") or table  # Table Schema: no resource (or "") is the table itself
        lines.append(
            f"Foreign key: `{', '.join(fk['fields'])}` → [`{target}`](#{target})"
            f"`.{', '.join(ref['fields'])}`."
        )
    return lines


def _rows(path: Path) -> int:
    with path.open(encoding="utf-8", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def manifests(root: Path = ROOT) -> list[tuple[str, dict[str, Any]]]:
    """(``api/version``, manifest) of every snapshot under ``data/snapshots``, oldest first."""
    found = []
    for path in (root / "data" / "snapshots").glob("*/*/manifest.json"):
        found.append(
            (f"{path.parent.parent.name}/{path.parent.name}", json.loads(path.read_text(encoding="utf-8")))
        )
    return sorted(found, key=lambda item: [int(p) if p.isdigit() else p for p in re.split(r"[./]", item[0])])


def _coverage(root: Path) -> list[str]:
    out = [
        "| snapshot | records held | reported by the API | modes held | tables (rows) |",
        "|---|---:|---:|---|---|",
    ]
    sources: list[str] = []
    for name, manifest in manifests(root):
        records = manifest.get("records", {})
        modes = ", ".join(m for m, v in manifest.get("modes", {}).items() if v.get("held")) or "none"
        tables = "; ".join(
            f"{t} {v.get('rows')}" + (" (complete)" if v.get("complete") else " (partial)")
            for t, v in manifest.get("tables", {}).items()
        )
        out.append(
            f"| {name} | {records.get('held')} | {records.get('reported')} | {modes} | {_cell(tables)} |"
        )
        sources += ["", f"Sources of {name}:", ""]
        for s in manifest.get("sources", []):
            sources.append(
                f"- `{s.get('file')}`: {s.get('records')} records of `{s.get('endpoint')}` "
                f"({s.get('mode') or 'default'} mode), captured {s.get('captured') or 'unknown'}, "
                f"received {s.get('received') or 'unknown'}"
            )
    return out + sources


def _json_type(spec: dict[str, Any]) -> tuple[str, bool]:
    """A JSON Schema property's type(s) and whether it may be null."""
    types: list[str] = []
    for option in spec.get("anyOf", spec.get("oneOf", [spec])):
        kind = option.get("type")
        if isinstance(kind, list):
            types += kind
        elif kind:
            types.append(kind)
        elif "$ref" in option:
            types.append(f"object ({option['$ref'].rsplit('/', 1)[-1]})")
        elif "const" in option:
            types.append(f"const {json.dumps(option['const'])}")
    if "format" in spec:
        types = [f"{t} ({spec['format']})" if t == "string" else t for t in types]
    nullable = "null" in types
    return ", ".join(t for t in dict.fromkeys(types) if t != "null") or "any", nullable


def data_dictionary(root: Path = ROOT) -> str:
    """The data dictionary page's generated part, as Markdown."""
    package = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    tables = [r for r in package["resources"] if r.get("type") == "table" or "schema" in r]
    records = [r for r in package["resources"] if r not in tables]
    out = [
        f"`datapackage.json` (data package `{package.get('name')}`, version {package.get('version')}) "
        f"describes {len(tables)} CSV tables and {len(records)} JSON files.",
        "",
        "## Coverage of each snapshot",
        "",
        *_coverage(root),
        "",
        "## Tables",
        "",
        "| table | rows | primary key | rows come from |",
        "|---|---:|---|---|",
    ]
    for resource in tables:
        out.append(
            f"| [`{resource['name']}`](#{resource['name']}) | {_rows(root / resource['path'])} | "
            f"`{', '.join(resource['schema'].get('primaryKey', []))}` | "
            f"{TABLE_SOURCES.get(resource['name'], '')} |"
        )
    out.append("")
    for resource in tables:
        schema = resource["schema"]
        out += [
            f"### {resource['name']}",
            "",
            f"**{_cell(resource.get('title', ''))}.** {_cell(resource.get('description', ''))}",
            "",
            f"File `{resource['path']}`, {_rows(root / resource['path'])} rows. Rows come from "
            f"{TABLE_SOURCES.get(resource['name'], 'the records')}.",
            "",
            *_keys(resource["name"], schema),
            "",
            "| column | type | unit | null | description | LL2 field |",
            "|---|---|---|---|---|---|",
        ]
        for field in schema["fields"]:
            required = field.get("constraints", {}).get("required", False)
            kind = field["type"] + (f" ({field['format']})" if "format" in field else "")
            enum = field.get("constraints", {}).get("enum")
            description = field.get("description", "") + (f" (one of: {', '.join(enum)})" if enum else "")
            out.append(
                f"| `{field['name']}` | {kind} | {_unit(field)} | {'no' if required else 'yes'} | "
                f"{_cell(description)} | {ll2_field(resource['name'], field, schema)} |"
            )
        out.append("")
    out += [
        "## JSON records",
        "",
        "The snapshot's JSON files hold the records exactly as LL2 returned them. Their fields are those of "
        "the JSON Schemas in `schema/` (generated from LL2's OpenAPI document); every property is required, "
        'and "null" says whether it may be `null`.',
        "",
    ]
    for resource in records:
        out += [
            f"### {resource['name']}",
            "",
            _cell(resource.get("description", "")),
            "",
            f"File `{resource['path']}`, checked with `{resource.get('jsonSchema')}`.",
            "",
        ]
        schema_path = resource.get("jsonSchema")
        if not schema_path or not (root / schema_path).exists():
            continue
        schema_doc = json.loads((root / schema_path).read_text(encoding="utf-8"))
        top = schema_doc
        if "$ref" in top:  # the record's definition, as the schema's root points at it
            top = schema_doc.get("$defs", {}).get(top["$ref"].rsplit("/", 1)[-1], top)
        out += ["| field | type | null |", "|---|---|---|"]
        for name, spec in top.get("properties", {}).items():
            kind, nullable = _json_type(spec)
            out.append(f"| `{name}` | {_cell(kind)} | {'yes' if nullable else 'no'} |")
        out.append("")
    return "\n".join(out)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else ""
    if which not in ("cli", "dictionary"):
        sys.exit("usage: python scripts/docs_gen.py cli|dictionary")
    print(cli_reference() if which == "cli" else data_dictionary())
