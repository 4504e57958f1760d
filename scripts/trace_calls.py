"""Follow one thing through the code as it runs: the calls that carry it, the modules they sit in, and how
often the trip comes back to a module it had left.

    python scripts/trace_calls.py ordering     # ?ordering=-time_in_space from the query command to the page
    python scripts/trace_calls.py harvest      # a harvest's options, from the harvest command to the snapshot

``ordering`` runs ``spacecraft-data query --ordering -time_in_space --limit 3``; a call carries the
parameter when an argument holds its value (the text, a tuple of orderings, the parsed parameters, the
command's namespace). ``harvest`` serves the bundled snapshot on 127.0.0.1 with the package's own server and
harvests it into a temporary folder with ``spacecraft-data harvest``; a call carries the options when an
argument is (or a ``self`` holds) the run's ``HarvestOptions``. Only calls into ``spacecraft_data`` count.
``--calls`` prints each call. The figures compare trees: run it with ``PYTHONPATH=<tree>/src``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

_PACKAGE = "spacecraft_data"
_VALUE = "-time_in_space"  # as sent: the declared field names lack the sign


def _holds_ordering(value: Any, depth: int = 0) -> bool:
    """Whether ``value`` carries the ordering parameter: its text, or a container or object holding it (three
    levels deep; objects are read through their attributes, never through their methods)."""
    if isinstance(value, str):
        return _VALUE in value
    if depth >= 3 or value is None or isinstance(value, (int, float, bytes)):
        return False
    if type(value) in (tuple, list, set, frozenset):
        items = list(value)[:64]
    elif isinstance(value, dict):  # the parsed parameters are a dict
        items = list(dict.values(value))[:64]
    else:
        items = _attributes(value)
    return any(_holds_ordering(v, depth + 1) for v in items)


class _HoldsOptions:
    """Whether a value is the harvest's options, an object holding them, or one of their own values (the
    API version, the base URL, the modes, the folders: what the code passes on instead of the options)."""

    def __init__(self) -> None:
        self.values: set[int] = set()

    def __call__(self, value: Any, depth: int = 0) -> bool:
        if type(value).__name__ == "HarvestOptions":
            kept = (str, tuple, Path, float)  # set field by field as __init__ runs: gathered at each call
            self.values |= {id(v) for v in _attributes(value) if isinstance(v, kept) and v != ""}
            return True
        if id(value) in self.values:
            return True
        return depth < 1 and any(self(v, depth + 1) for v in _attributes(value))


def _attributes(value: Any) -> list[Any]:
    if isinstance(value, (str, int, float, bytes, tuple, list, dict, type)) or value is None:
        return []
    slots = getattr(type(value), "__slots__", ())
    found = [getattr(value, name, None) for name in slots] if isinstance(slots, tuple) else []
    try:
        found += list(object.__getattribute__(value, "__dict__").values())
    except AttributeError:
        pass
    return found


class _Trace:
    """The calls into the package whose arguments carry the followed thing, in the order they are made."""

    def __init__(self, carries: Callable[[Any], bool]) -> None:
        self.carries = carries
        self.calls: list[tuple[str, str]] = []

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event != "call":
            return
        module = frame.f_globals.get("__name__", "")
        if not module.startswith(_PACKAGE):
            return
        code = frame.f_code
        args = [
            frame.f_locals.get(name) for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        ]
        if code.co_flags & 0x08:  # **kwargs
            args.append(frame.f_locals.get(code.co_varnames[code.co_argcount + code.co_kwonlyargcount]))
        if any(self.carries(a) for a in args):
            self.calls.append((module, getattr(code, "co_qualname", code.co_name)))

    def summary(self) -> dict[str, Any]:
        modules: list[str] = []
        left: set[str] = set()
        returns = moves = 0
        for module, _ in self.calls:
            if modules and module != modules[-1]:
                moves += 1
                left.add(modules[-1])
                returns += module in left
            modules.append(module)
        registry = [m for m, _ in self.calls if m.startswith(f"{_PACKAGE}.endpoints")]
        entries = sum(
            1 for a, b in zip(modules, modules[1:]) if b.startswith(f"{_PACKAGE}.endpoints") and a != b
        )
        return {
            "calls": len(self.calls),
            "modules": len(set(modules)),
            "moves between modules": moves,
            "returns to a module already left": returns,
            "calls into endpoints/": len(registry),
            "entries into endpoints/": entries,
        }


def _run_traced(trace: _Trace, run: Callable[[], int]) -> None:
    err = io.StringIO()
    sys.setprofile(trace)
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(err):
            status = run()
    finally:
        sys.setprofile(None)
    if status != 0:
        raise SystemExit(f"the traced command failed ({status}):\n{err.getvalue()}")


def _ordering() -> _Trace:
    from spacecraft_data.cli import main

    trace = _Trace(_holds_ordering)
    _run_traced(trace, lambda: main(["query", "--ordering", _VALUE, "--limit", "3", "--format", "json"]))
    return trace


def _harvest() -> _Trace:
    from spacecraft_data import load
    from spacecraft_data.cli import main
    from spacecraft_data.testing import running_server

    trace = _Trace(_HoldsOptions())
    with tempfile.TemporaryDirectory() as tmp, running_server(load()) as server:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        out, raw, log = Path(tmp, "snapshots"), Path(tmp, "raw"), Path(tmp, "CHANGES.md")
        argv = [
            "harvest",
            "--base-url",
            url,
            "--output",
            str(out),
            "--raw-dir",
            str(raw),
            "--changelog",
            str(log),
        ]
        _run_traced(trace, lambda: main([*argv, "--max-wait", "0"]))
    return trace


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("ordering", "harvest"))
    parser.add_argument("--calls", action="store_true", help="print each call that carries it")
    args = parser.parse_args(argv)
    trace = _ordering() if args.what == "ordering" else _harvest()
    if args.calls:
        for module, function in trace.calls:
            print(f"{module}:{function}")
    for key, value in trace.summary().items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
