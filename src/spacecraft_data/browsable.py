"""The browsable API as an HTML page: what ``?format=api`` (or ``Accept: text/html``) answers.

Details: docs/serve.md
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from .endpoints import Endpoint, Registry
from .query import BooleanFilter

__all__ = ["HTML_TYPE", "render_html", "view_name"]

HTML_TYPE = "text/html; charset=utf-8"

_INDENT = " " * 4  # DRF's browsable renderer indents the JSON by 4
# A string shown as a link: an absolute http(s) URL with nothing a URL cannot hold.
_LINK = re.compile(r"^https?://[^\s\"<>\\]+$")
_WORD = re.compile(r"(?<!^)(?=[A-Z])")

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:0;background:#f6f6f6;color:#222}
main{max-width:70em;margin:0 auto;padding:1em 1.5em}
h1{font-size:1.6em;margin:.4em 0}
.pager{margin:.6em 0}
.button{display:inline-block;padding:.3em .9em;border:1px solid #2c6da3;border-radius:4px;background:#2c6da3;
color:#fff;text-decoration:none;margin-right:.4em}
.button.disabled{background:#ccc;border-color:#bbb;color:#666}
form{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.6em .8em;margin:.6em 0}
form label{display:inline-block;margin:.2em 1em .2em 0}
form input{font:inherit;width:10em;margin-left:.3em}
.description{white-space:pre-wrap;color:#555;margin:.8em 0}
pre{background:#fff;border:1px solid #ddd;border-radius:4px;padding:.8em;overflow:auto;white-space:pre-wrap}
pre a{color:#2c6da3}
.status{font-weight:bold}
"""


def view_name(endpoint: Endpoint | None, detail: bool) -> str:
    """DRF's view name: the model's words, then ``List`` or ``Instance`` (``Spacecraft Configuration
    List``)."""
    if endpoint is None:
        return "Spacecraft Data API"
    return " ".join(_WORD.split(endpoint.routing.model)) + (" Instance" if detail else " List")


def render_html(
    body: Any,
    target: str,
    status: int,
    reason: str,
    headers: dict[str, str],
    description: str,
    declared: Registry,
) -> str:
    """The browsable HTML page of one answer (``target``: the request's path and query as sent).

    ``declared`` is the registry of the snapshot's API version.
    """
    path, _, query = target.partition("?")
    endpoint, detail = _endpoint_of(path, declared)
    name = view_name(endpoint, detail)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(name)} - spacecraft-data</title>",
        f"<style>{_STYLE}</style>",
        "</head><body><main>",
        f"<h1>{escape(name)}</h1>",
    ]
    if isinstance(body, dict) and ("next" in body or "previous" in body):
        parts.append(_pager(body))
    if endpoint is not None and not detail:
        parts.append(_form(endpoint, path, query))
    if description.strip():
        parts.append(f'<div class="description" data-text="description">{escape(description.strip())}</div>')
    header_lines = "".join(f"\n{escape(k)}: {escape(v)}" for k, v in sorted(headers.items()))
    parts.append(
        f'<pre id="response" data-text="response"><span class="request">GET {escape(target)}</span>\n'
        f'<span class="status">HTTP {status} {escape(reason)}</span>{header_lines}\n\n'
        f"{_json_html(body, 0)}</pre>"
    )
    parts.append("</main></body></html>\n")
    return "\n".join(parts)


def _endpoint_of(path: str, declared: Registry) -> tuple[Endpoint | None, bool]:
    """The declared endpoint whose list (False) or detail (True) route ``path`` is, or (None, False)."""
    for endpoint in declared:
        list_path = endpoint.routing.list_path(declared.api_version)
        if path.startswith(list_path):
            return endpoint, path != list_path
    return None, False


def _pager(body: dict[str, Any]) -> str:
    buttons = []
    for key, label, rel in (("previous", "\u00ab Previous", "prev"), ("next", "Next \u00bb", "next")):
        url = body.get(key)
        if isinstance(url, str) and _LINK.match(url):
            buttons.append(f'<a class="button" id="{key}" rel="{rel}" href="{escape(url)}">{label}</a>')
        else:
            buttons.append(f'<span class="button disabled" id="{key}">{label}</span>')
    return f'<nav class="pager">{" ".join(buttons)}</nav>'


def _form(endpoint: Endpoint, path: str, query: str) -> str:
    """A GET form for every parameter the endpoint declares (blank fields are ignored, as by
    django-filter)."""
    current = dict(parse_qsl(query, keep_blank_values=True))
    query_part = endpoint.query
    fields: list[tuple[str, str]] = [
        (f.param, "booleans" if isinstance(f, BooleanFilter) else "") for f in query_part.filters
    ]
    if query_part.search.fields:
        fields.append((query_part.search.param, ""))
    if query_part.ordering.fields:
        fields.append((query_part.ordering.param, "orderings"))
    fields.append((query_part.pagination.limit_param, ""))
    if endpoint.modes.names:
        fields.append(("mode", "modes"))
    inputs = []
    for param, options in fields:
        value = escape(current.get(param, ""))
        listed = f' list="{options}"' if options else ""
        inputs.append(f'<label>{escape(param)}<input name="{escape(param)}" value="{value}"{listed}></label>')
    if "format" in current:  # keep the renderer the page was asked for
        inputs.append(f'<input type="hidden" name="format" value="{escape(current["format"])}">')
    orderings = [f"{sign}{name}" for name in query_part.ordering.fields for sign in ("", "-")]
    lists = [("booleans", ["true", "false"]), ("orderings", orderings), ("modes", list(endpoint.modes.names))]
    datalists = "".join(
        f'<datalist id="{list_id}">'
        + "".join(f'<option value="{escape(v)}">' for v in values)
        + "</datalist>"
        for list_id, values in lists
    )
    return (
        f'<form id="filters" method="get" action="{escape(path)}">{"".join(inputs)}'
        f'<button type="submit">Filter</button>{datalists}</form>'
    )


def _json_html(value: Any, depth: int) -> str:
    """``json.dumps(value, indent=4, ensure_ascii=False)``, HTML-escaped, with each http(s) URL string a
    link."""
    inner = _INDENT * (depth + 1)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{inner}{_scalar(str(k))}: {_json_html(v, depth + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + _INDENT * depth + "}"
    if isinstance(value, list):
        if not value:
            return "[]"
        return (
            "[\n" + ",\n".join(inner + _json_html(v, depth + 1) for v in value) + "\n" + _INDENT * depth + "]"
        )
    if isinstance(value, str):
        text = _scalar(value)
        return f'<a href="{escape(value)}">{text}</a>' if _LINK.match(value) else text
    return _scalar(value)


def _scalar(value: Any) -> str:
    return escape(json.dumps(value, ensure_ascii=False, allow_nan=False), quote=False)
