"""scripts/trace_calls.py follows a parameter through the running code (the figures of issue 21's note)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "trace_calls.py"


@pytest.fixture(scope="module")
def trace_calls():
    spec = importlib.util.spec_from_file_location("trace_calls", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_ordering_is_followed_from_the_query_command_to_the_ordering_filter(trace_calls):
    trace = trace_calls._ordering()
    functions = [f"{module}:{function}" for module, function in trace.calls]
    assert functions[0] == "spacecraft_data.cli:main"
    assert "spacecraft_data.query.ordering:OrderingFilter.get_ordering" in functions
    summary = trace.summary()
    assert summary["calls"] == len(functions) and summary["modules"] == len({m for m, _ in trace.calls})


def test_a_return_to_a_module_already_left_is_counted_once_per_return(trace_calls):
    trace = trace_calls._Trace(lambda value: True)
    trace.calls = [("a", "f"), ("b", "g"), ("a", "h"), ("a", "i"), ("c", "j"), ("b", "k")]
    summary = trace.summary()
    assert summary["moves between modules"] == 4
    assert summary["returns to a module already left"] == 2


def test_the_harvest_options_are_followed_through_a_loopback_harvest(trace_calls):
    trace = trace_calls._harvest()
    modules = {module for module, _ in trace.calls}
    assert {"spacecraft_data.harvest.harvester", "spacecraft_data.harvest.client"} <= modules
