"""Derive the JSON Schemas in ``schema/`` from LL2's own OpenAPI 3.0 document.

Rules: docs/architecture.md#schemas-from-openapi-schemagenpy
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from .endpoints import DEFAULT_API_VERSION

if TYPE_CHECKING:
    from .endpoints import Registry

__all__ = [
    "SCHEMA_DRAFT",
    "id_base",
    "documents",
    "DURATION_FIELDS",
    "DURATION_PATTERN",
    "WIDENED_NULLABLE",
    "BLANK_URI_FIELDS",
    "schema_id",
    "file_name",
    "translate_component",
    "reachable_components",
    "build_documents",
    "render",
    "load_spec",
]

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"


def id_base(api_version: str | None = None) -> str:
    """The stable base of every ``$id`` of ``api_version``'s documents (default: the registry's default).

    The LL2 API version, not the package version, is in it, so an id changes only when the API's shapes do.
    """
    return f"https://spacecraft-data.readthedocs.io/schema/{api_version or DEFAULT_API_VERSION}/"


def documents(registry: Registry) -> dict[str, tuple[str, str, str]]:
    """Document stem -> (root component in the spec, kind, title) of every generated schema of the
    endpoints of ``registry``.

    Each endpoint's declaration names them (:class:`~spacecraft_data.endpoints.Schema` ``component`` and
    ``title``), in registry order; kind is ``list`` for the endpoint's list envelope, else ``record``.
    A schema without a component (e.g. one given inline as a document) is not generated.
    """
    return {
        s.stem: (s.component, "list" if key == "list" else "record", s.title or s.stem)
        for e in registry
        for key, s in e.validation.schemas.items()
        if s.component is not None
    }


#: Properties holding durations. The spec types them as bare strings; the values
#: (research notes section 1.6) are ``isodate.duration_isoformat`` output.
DURATION_FIELDS = frozenset(
    {"time_in_space", "time_docked", "fastest_turnaround", "duration", "turn_around_time"}
)

# isodate.duration_isoformat(timedelta): days unbounded, no years or months,
# hours < 24, minutes < 60, seconds < 60 with trailing fraction zeros cut,
# zero parts dropped, "P0D" for zero, a leading "-" for a negative timedelta.
# ASCII classes rather than \d so that every regex dialect reads it alike.
_H = "(?:[1-9]|1[0-9]|2[0-3])H"
_M = "(?:[1-9]|[1-5][0-9])M"
_S = "(?:(?:[1-9]|[1-5][0-9])(?:\\.[0-9]*[1-9])?|0\\.[0-9]*[1-9])S"
DURATION_PATTERN = f"^(?:P0D|-?P(?=[1-9]|T[0-9])(?:[1-9][0-9]*D)?(?:T(?=[0-9])(?:{_H})?(?:{_M})?(?:{_S})?)?)$"

#: (component, property) -> why the schema allows null where the 2.3.0 spec does not.
WIDENED_NULLABLE: dict[tuple[str, str], str] = {
    (
        "SpacecraftFlightNormal",
        "landing",
    ): "nullable in LL2's 2.4.0 spec (same serializer); research notes section 1.3",
    (
        "SpacecraftFlightNormal",
        "duration",
    ): "nullable in LL2's 2.4.0 spec (same serializer); research notes section 1.3",
    (
        "SpacecraftFlightNormal",
        "turn_around_time",
    ): "nullable in LL2's 2.4.0 spec (same serializer); research notes section 1.3",
}

#: (component, property): ``format: uri`` fields that real records show as ``""``
#: (a Django ``URLField(blank=True)`` without null), so ``""`` is allowed beside a URI.
BLANK_URI_FIELDS = frozenset(
    {
        ("SpacecraftConfigDetailed", "wiki_link"),
        ("SpacecraftConfigDetailed", "info_link"),
    }
)

_REF_PREFIX = "#/components/schemas/"
_JSON_SCHEMA_FORMATS = {"uri", "date", "date-time", "uuid", "email", "duration"}
_DROPPED = {"readOnly", "writeOnly", "example", "default", "discriminator", "nullable"}


def schema_id(stem: str, api_version: str | None = None) -> str:
    """The stable ``$id`` of the schema document ``stem`` (e.g. ``spacecraft.normal``)."""
    return id_base(api_version) + file_name(stem)


def file_name(stem: str) -> str:
    """The file name of the schema document ``stem`` inside ``schema/``."""
    return f"{stem}.schema.json"


def _ref_name(ref: str) -> str:
    if not ref.startswith(_REF_PREFIX):
        raise ValueError(f"unsupported $ref {ref!r}: only {_REF_PREFIX}<name> is translated")
    return ref[len(_REF_PREFIX) :]


def reachable_components(spec: dict[str, Any], root: str) -> list[str]:
    """Names of the components ``root`` reaches through ``$ref`` (itself included), sorted."""
    components = spec["components"]["schemas"]
    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo.extend(_refs_in(components[name]))
    return sorted(seen)


def _refs_in(node: Any) -> list[str]:
    if isinstance(node, dict):
        out = [_ref_name(node["$ref"])] if isinstance(node.get("$ref"), str) else []
        for key, value in node.items():
            if key != "$ref":
                out.extend(_refs_in(value))
        return out
    if isinstance(node, list):
        return [r for item in node for r in _refs_in(item)]
    return []


RefMap = Callable[[str], str]


def _local_ref(name: str) -> str:
    return f"#/$defs/{name}"


def _translate(node: Any, ref: RefMap) -> Any:
    """Translate one OpenAPI schema node (not a component's top-level properties table)."""
    if not isinstance(node, dict):
        return node
    node = dict(node)
    nullable = bool(node.get("nullable"))
    if "allOf" in node and len(node["allOf"]) == 1 and set(node["allOf"][0]) == {"$ref"}:
        node.update(node.pop("allOf")[0])  # drf-spectacular's wrapper that lets a $ref carry siblings
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in _DROPPED:
            continue
        if key == "$ref":
            out["$ref"] = ref(_ref_name(value))
        elif key == "format":
            if value in _JSON_SCHEMA_FORMATS:
                out["format"] = value
        elif key in ("items", "additionalProperties") and isinstance(value, dict):
            out[key] = _translate(value, ref)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [_translate(v, ref) for v in value]
        elif key == "properties":
            out[key] = {k: _translate(v, ref) for k, v in value.items()}
        else:
            out[key] = copy.deepcopy(value)
    if nullable:
        out = _make_nullable(out)
    return out


def _make_nullable(schema: dict[str, Any]) -> dict[str, Any]:
    if "type" in schema:
        schema = dict(schema)
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        schema["type"] = [*types, "null"] if "null" not in types else types
        if "enum" in schema and None not in schema["enum"]:
            schema["enum"] = [*schema["enum"], None]
        return schema
    # an object by reference (or a combination): null is a second alternative
    annotations: dict[str, Any] = {k: schema[k] for k in ("title", "description") if k in schema}
    body = {k: v for k, v in schema.items() if k not in annotations}
    return {**annotations, "anyOf": [body, {"type": "null"}]}


def translate_component(spec: dict[str, Any], name: str, ref: RefMap = _local_ref) -> dict[str, Any]:
    """The JSON Schema 2020-12 translation of component ``name``, tightened as the module docstring says."""
    component = spec["components"]["schemas"][name]
    if component.get("type") != "object" or "properties" not in component:
        return _translate(component, ref)  # a oneOf (polymorphic) or a scalar component
    properties = component["properties"]
    missing = set(component.get("required", [])) - set(properties)
    if missing:
        raise ValueError(f"component {name}: required lists {sorted(missing)} which are not properties")
    out: dict[str, Any] = {"type": "object"}
    for key in ("title", "description"):
        if key in component:
            out[key] = component[key]
    props: dict[str, Any] = {}
    for prop, raw in properties.items():
        raw = dict(raw)
        if (name, prop) in WIDENED_NULLABLE:
            raw["nullable"] = True
        schema = _translate(raw, ref)
        if prop == "response_mode" and "default" in raw:
            schema = {"const": raw["default"]}
        elif prop in DURATION_FIELDS and _is_string(schema):
            schema = {**schema, "format": "duration", "pattern": DURATION_PATTERN}
        if (name, prop) in BLANK_URI_FIELDS:
            schema = _allow_blank(schema)
        props[prop] = schema
    out["properties"] = props
    out["required"] = list(properties)
    out["additionalProperties"] = False
    return out


def _is_string(schema: dict[str, Any]) -> bool:
    t = schema.get("type")
    return t == "string" or (isinstance(t, list) and "string" in t)


def _allow_blank(schema: dict[str, Any]) -> dict[str, Any]:
    if schema.get("format") != "uri":
        raise ValueError(f"BLANK_URI_FIELDS names a field that is not a uri: {schema}")
    rest = {k: v for k, v in schema.items() if k != "format"}
    return {**rest, "anyOf": [{"format": "uri"}, {"const": ""}]}


def _record_document(
    spec: dict[str, Any], stem: str, root: str, title: str, api_version: str
) -> dict[str, Any]:
    defs = {name: translate_component(spec, name) for name in reachable_components(spec, root)}
    return _document(stem, title, root, {"$ref": _local_ref(root)}, defs, api_version)


def _list_document(
    spec: dict[str, Any], stem: str, root: str, title: str, record_roots: dict[str, str], api_version: str
) -> dict[str, Any]:
    # Records on a page are checked by the record documents (by $id, so each stays
    # the single definition of its record); the envelope keeps only its own $defs.

    def ref(name: str) -> str:
        return record_roots.get(name) or _local_ref(name)

    defs: dict[str, Any] = {}
    todo = [root]
    while todo:
        name = todo.pop()
        if name in defs or name in record_roots:
            continue
        defs[name] = translate_component(spec, name, ref)
        todo.extend(_refs_in(spec["components"]["schemas"][name]))
    envelope = defs[root]
    envelope["required"] = list(envelope["properties"])  # DRF emits next/previous as null, never omits them
    envelope["properties"]["count"] = {**envelope["properties"]["count"], "minimum": 0}
    return _document(stem, title, root, {"$ref": _local_ref(root)}, dict(sorted(defs.items())), api_version)


def _document(
    stem: str, title: str, root: str, body: dict[str, Any], defs: dict[str, Any], api_version: str
) -> dict[str, Any]:
    return {
        "$schema": SCHEMA_DRAFT,
        "$id": schema_id(stem, api_version),
        "title": title,
        "description": (
            f"Generated by scripts/build_schema.py from LL2's OpenAPI document "
            f"(data/raw/ll2-openapi/ll_{api_version}.json, component {root}); do not edit by hand. "
            "Every property is required and no other is allowed; response_mode is a constant; "
            "durations use the compact ISO 8601 form."
        ),
        **body,
        "$defs": defs,
    }


def build_documents(spec: dict[str, Any], registry: Registry) -> dict[str, dict[str, Any]]:
    """Every schema document of ``registry`` (see :func:`documents`), file name -> schema, from its API
    version's OpenAPI ``spec``."""
    api_version = registry.api_version
    declared = documents(registry)
    record_roots = {root: file_name(stem) for stem, (root, kind, _) in declared.items() if kind == "record"}
    out = {}
    for stem, (root, kind, title) in declared.items():
        out[file_name(stem)] = (
            _record_document(spec, stem, root, title, api_version)
            if kind == "record"
            else _list_document(spec, stem, root, title, record_roots, api_version)
        )
    return out


def render(schema: dict[str, Any]) -> bytes:
    """The bytes a schema file holds: 2-space JSON, UTF-8, final newline (deterministic)."""
    return (json.dumps(schema, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def load_spec(path: Path) -> dict[str, Any]:
    """Read the OpenAPI document at ``path``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))
