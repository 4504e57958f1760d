"""The registry is one object resolved where a snapshot or a command starts, and handed down.

Issue 21's measure: the global lookups of ``spacecraft_data.endpoints`` are called at most 10 times, in at
most 5 modules, outside ``endpoints/``; an ``Endpoint`` is declared as at most 8 named parts; the old flat
attributes are gone, so no layer reads another's part through a shortcut.
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

from spacecraft_data import endpoints as registry_package
from spacecraft_data.endpoints import (
    Endpoint,
    Harvesting,
    ModePlan,
    Presentation,
    Querying,
    Registry,
    Routing,
    Storage,
    Validation,
    registry,
)

SRC = Path(__file__).resolve().parents[1] / "src" / "spacecraft_data"
#: the module-level functions of spacecraft_data.endpoints that look the registry up globally
GLOBAL_LOOKUPS = {"registry", "endpoints", "primary", "endpoint", "by_table"}


def _imported_lookups(tree: ast.Module) -> set[str]:
    """The local names a module binds to the global lookups (``from .endpoints import primary``)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("endpoints"):
            names |= {alias.asname or alias.name for alias in node.names if alias.name in GLOBAL_LOOKUPS}
    return names


def _lookup_calls() -> dict[str, int]:
    """Module (relative to the package) -> its calls of a global lookup, outside ``endpoints/``."""
    calls: dict[str, int] = {}
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith("endpoints/"):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        local = _imported_lookups(tree)
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            direct = isinstance(func, ast.Name) and func.id in local
            # ``endpoints.primary(...)`` through the package imported as a module
            qualified = (
                isinstance(func, ast.Attribute)
                and func.attr in GLOBAL_LOOKUPS
                and isinstance(func.value, ast.Name)
                and func.value.id in {"endpoints", "registry_package"}
            )
            if direct or qualified:
                calls[rel] = calls.get(rel, 0) + 1
    return calls


def test_the_global_registry_lookups_are_called_at_most_ten_times_in_at_most_five_modules():
    calls = _lookup_calls()
    assert sum(calls.values()) <= 10 and len(calls) <= 5, calls


def test_the_lookup_counter_sees_a_call_through_an_imported_name(tmp_path):
    # The guard above is only as good as this counter: a module calling primary() must be counted.
    tree = ast.parse("from .endpoints import primary as p\n\ndef f():\n    return p().name\n")
    assert _imported_lookups(tree) == {"p"}


def test_an_endpoint_is_declared_as_at_most_eight_named_parts():
    params = list(inspect.signature(Endpoint).parameters.values())
    assert len(params) <= 8
    groups = {Routing, Storage, Querying, ModePlan, Validation, Harvesting, Presentation}
    annotations = {p.name: p.annotation for p in params}
    assert set(annotations) == {
        "routing",
        "storage",
        "query",
        "modes",
        "validation",
        "harvest",
        "presentation",
    }
    for name, annotation in annotations.items():
        assert any(group.__name__ in str(annotation) for group in groups), (name, annotation)


@pytest.mark.parametrize("flat", ["table", "filters", "default_mode", "mode_tables", "csv_table", "files"])
def test_the_flat_names_of_0_2_0_are_gone(flat):
    assert not hasattr(registry().primary, flat)


def test_the_registry_is_resolved_once_per_version_and_sees_a_declaration_added_later(monkeypatch):
    first = registry("2.3.0")
    assert registry("2.3.0") is first and isinstance(first, Registry)
    widgets = Endpoint(Routing("widgets", "Widget"), Storage("widgets"), Querying(), ModePlan(names=()))
    monkeypatch.setitem(registry_package.ENDPOINTS["2.3.0"], "widgets", widgets)  # SYNTHETIC declaration
    assert first.get("widgets") is widgets and first.by_table("widgets") is widgets
    assert first.files["widgets"] == "widgets.json"


def test_an_undeclared_api_version_is_answered_with_the_default_declarations_under_its_own_name():
    other = registry("2.2.0")
    assert other.api_version == "2.2.0"
    assert other.primary is registry().primary
    assert other.primary.routing.list_path(other.api_version) == "/2.2.0/spacecraft/"


def test_a_registry_given_to_the_lookup_is_answered_as_it_is():
    # An entry taking "a version or a Registry" hands either to registry(); a Registry is never looked up
    # again by its version, not even one the lookup does not hold (a SYNTHETIC registry of an undeclared one).
    declared = registry("2.3.0")
    assert registry(declared) is declared
    own = Registry("9.9.9", {"spacecraft": declared.primary})
    assert registry(own) is own and registry("9.9.9") is not own
