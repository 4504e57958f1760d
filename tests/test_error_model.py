"""One error model: every error the package raises derives from ``SpacecraftDataError``.

A refusal carries its HTTP status and body (``status_code``, ``body()``), so ``error_answer`` is a lookup on
the class; every error carries its ``exit_code``, and the CLI alone prints an error and picks the exit code.
"""

from __future__ import annotations

import ast
import builtins
import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data import durations, refusals, strictjson
from spacecraft_data.api import error_answer
from spacecraft_data.errors import ApiError, ExitCode, ModeNotHeld, QueryError, SpacecraftDataError
from spacecraft_data.query import InvalidFilters, InvalidSearch, QueryParams, Refused, TooManyFields

PACKAGE = Path(spacecraft_data.__file__).parent
CLI = PACKAGE / "cli"


def _package_modules() -> list:
    """Every module of the package (``__main__`` modules run the CLI when imported: skipped, they define
    nothing)."""
    found = [spacecraft_data]
    for info in pkgutil.walk_packages(spacecraft_data.__path__, "spacecraft_data."):
        if info.name.rsplit(".", 1)[-1] != "__main__":
            found.append(importlib.import_module(info.name))
    return found


def _exception_classes() -> dict[str, type]:
    """``module.Class`` -> class, for every exception class defined in a module of the package."""
    found = {}
    for module in _package_modules():
        for obj in vars(module).values():
            if inspect.isclass(obj) and issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                found[f"{obj.__module__}.{obj.__qualname__}"] = obj
    return found


# -- one base ----------------------------------------------------------------------------------------------
def test_every_exception_class_the_package_defines_derives_from_spacecraft_data_error():
    classes = _exception_classes()
    names = {name.rsplit(".", 1)[-1] for name in classes}
    # The walk must see the families that stood apart before (and the errors of every layer), or it proves
    # nothing.
    assert {
        "Refusal",
        "NotFound",
        "Refused",
        "InvalidSearch",
        "Invalid",
        "DurationError",
        "StrictJSONError",
        "ModeNotHeld",
        "QueryError",
        "HarvestUsageError",
        "HarvestNetworkError",
        "StoreBusy",
        "ValidationFailed",
        "BuildError",
        "InvalidBaseUrl",
        "OfflineRefused",
        "NotARegularFile",
        "TableError",
        "MissingExtra",
    } <= names
    outside = sorted(name for name, cls in classes.items() if not issubclass(cls, SpacecraftDataError))
    assert outside == []


def test_no_exception_class_is_defined_out_of_the_walks_sight():
    # A class defined inside a function or another class is not a module attribute, so the walk above would
    # miss it: there must be none that looks like an exception.
    exception_names = {
        name
        for name, value in vars(builtins).items()
        if isinstance(value, type) and issubclass(value, BaseException)
    }
    exception_names |= {name.rsplit(".", 1)[-1] for name in _exception_classes()}
    nested = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for outer in ast.walk(tree):
            if isinstance(outer, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                for node in ast.walk(outer):
                    if node is not outer and isinstance(node, ast.ClassDef):
                        bases = {
                            b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases
                        }
                        if bases & exception_names or any(b.endswith(("Error", "Exception")) for b in bases):
                            nested.append(f"{path.relative_to(PACKAGE)}: {node.name}")
    assert nested == []


def test_builtin_kinds_are_kept_so_existing_excepts_still_catch():
    from spacecraft_data.errors import InvalidBaseUrl, PageError, RecordNotFound
    from spacecraft_data.extras import MissingExtra
    from spacecraft_data.store import NotARegularFile
    from spacecraft_data.tables.columns import TableError

    kinds = {
        durations.DurationError: ValueError,
        durations.DurationTooLarge: OverflowError,
        strictjson.StrictJSONError: ValueError,
        QueryError: ValueError,
        PageError: ValueError,
        InvalidBaseUrl: ValueError,
        TableError: ValueError,
        RecordNotFound: KeyError,
        MissingExtra: ImportError,
        NotARegularFile: OSError,
    }
    for cls, kind in kinds.items():
        assert issubclass(cls, kind) and issubclass(cls, SpacecraftDataError), cls


def test_one_except_catches_what_each_layer_raises(tmp_path):
    from spacecraft_data.endpoints import primary
    from spacecraft_data.errors import RecordNotFound
    from spacecraft_data.harvest import HarvestOptions, HarvestUsageError, harvest
    from spacecraft_data.validation import ValidationFailed, validate

    snap = spacecraft_data.load()
    raisers = {
        # the query layer: a Python query's refusal, and the engine's own Refused under it
        QueryError: lambda: snap.query(status="x"),
        InvalidFilters: lambda: snap.api._answer(
            primary(), "https://ll.thespacedevs.com", QueryParams.parse("status=x"), "status=x"
        ),
        TooManyFields: lambda: QueryParams.parse("&" * 1000),
        # a refusal that respond() answers as a 404
        refusals.NoMatch: lambda: snap.api._answer(
            primary(), "https://ll.thespacedevs.com", QueryParams.parse(""), "", "999999999"
        ),
        RecordNotFound: lambda: snap.get(999999999),
        # validation and harvest usage errors, a finding, and the parsers' own errors
        SpacecraftDataError: lambda: validate({"id": 1}, schema="no-such-schema"),
        ValidationFailed: lambda: validate([{"id": "x"}]).raise_for_problems(),
        HarvestUsageError: lambda: harvest(
            HarvestOptions(output=tmp_path / "out", raw_dir=tmp_path / "raw", base_url="ftp://ll2.invalid")
        ),
        durations.DurationError: lambda: durations.parse("not a duration"),
        strictjson.StrictJSONError: lambda: strictjson.loads("[NaN]"),
    }
    for expected, raise_it in raisers.items():
        try:
            raise_it()
        except SpacecraftDataError as exc:
            assert isinstance(exc, expected), (expected, exc)
        else:
            pytest.fail(f"{expected.__name__} was not raised")
    assert not (tmp_path / "out").exists()  # the harvest refused its options before writing anything


# -- refusals carry their status and body ------------------------------------------------------------------
#: (error, error_answer's result) as recorded on main at 7829b57, before the error model changed.
TODAY = [
    (refusals.NotFound(), (404, {"detail": "Not found."})),
    (refusals.NotFound("custom"), (404, {"detail": "custom"})),
    (refusals.UnknownFormat(), (404, {"detail": "Not found."})),
    (refusals.NoMatch("Spacecraft", 5), (404, {"detail": "No Spacecraft matches the given query."})),
    (refusals.InvalidHost("h", "Invalid Host"), (400, {"detail": "Invalid Host"})),
    (refusals.BadTarget("bad target"), (400, {"detail": "bad target"})),
    (refusals.NotAcceptable(), (406, {"detail": "Could not satisfy the request Accept header."})),
    (refusals.MethodNotAllowed("POST"), (405, {"detail": 'Method "POST" not allowed.'})),
    (refusals.RequestLineTooLong("long"), (414, {"detail": "long"})),
    (refusals.HeadersTooLarge("big"), (431, {"detail": "big"})),
    (refusals.MalformedRequest(400, "malformed"), (400, {"detail": "malformed"})),
    (refusals.MalformedRequest(505, "version"), (505, {"detail": "version"})),
    (refusals.NotServed("not served"), (501, {"detail": "not served"})),
    (refusals.InternalError(), (500, {"detail": "Internal server error"})),
    (Refused({"a": ["m1"], "b": ["m2", "m3"]}), (400, {"a": ["m1"], "b": ["m2", "m3"]})),
    (InvalidFilters({"status": ["Enter a number."]}), (400, {"status": ["Enter a number."]})),
    (
        InvalidSearch({"search": ["Null characters are not allowed."]}),
        (400, ["Null characters are not allowed."]),
    ),
    (TooManyFields({"query": ["too many", "really"]}), (400, {"detail": "too many; really"})),
    (ModeNotHeld("no detailed"), (501, {"detail": "no detailed"})),
]
#: what error_answer refused on main: no HTTP answer is defined for these
NO_ANSWER = [refusals.Refusal("x"), QueryError("q"), ValueError("v"), SpacecraftDataError("s")]


@pytest.mark.parametrize(
    ("error", "answer"), TODAY, ids=lambda v: type(v).__name__ if isinstance(v, Exception) else ""
)
def test_error_answer_gives_the_same_status_and_body_as_before(error, answer):
    assert error_answer(error) == answer
    assert (error.status_code, error.body()) == answer  # carried by the error itself


@pytest.mark.parametrize("error", NO_ANSWER, ids=lambda e: type(e).__name__)
def test_error_answer_still_refuses_what_has_no_http_answer(error):
    with pytest.raises(TypeError, match=f"no HTTP answer is defined for {type(error).__name__}"):
        error_answer(error)


def test_every_refusal_class_has_its_status_code():
    answered = [cls for cls in _exception_classes().values() if issubclass(cls, ApiError)]
    abstract = {ApiError, refusals.Refusal}  # bases only: error_answer refuses them, as it refused Refusal
    assert {type(e) for e, _ in TODAY} == set(answered) - abstract  # the table covers every kind
    for cls in answered:
        if cls in abstract:
            assert cls.status_code is None
        else:
            assert isinstance(cls.status_code, int) and 400 <= cls.status_code <= 599, cls


def test_a_new_refusal_kind_is_answered_from_its_class_alone():
    class SyntheticTeapot(refusals.Refusal):  # SYNTHETIC: a kind no table in api.py lists
        status_code = 418

    class SyntheticBody(Refused):  # SYNTHETIC: a kind that shapes its own body
        def body(self) -> object:
            return sorted(self.errors)

    assert error_answer(SyntheticTeapot("short and stout")) == (418, {"detail": "short and stout"})
    assert error_answer(SyntheticBody({"b": ["x"], "a": ["y"]})) == (400, ["a", "b"])


def test_error_answer_is_a_lookup_not_a_chain_of_checks():
    source = inspect.getsource(error_answer)
    code = source.split('"""')[2]  # after the docstring
    assert code.count("isinstance") <= 1 and "_STATUS" not in inspect.getsource(spacecraft_data.api)
    assert len([line for line in code.splitlines() if line.strip()]) <= 3


# -- exit codes: carried by the errors, picked in one place ------------------------------------------------
def test_every_error_carries_its_exit_code():
    for name, cls in _exception_classes().items():
        assert cls.exit_code in (ExitCode.INVALID, ExitCode.USAGE), name


def test_no_literal_exit_code_remains_in_the_cli():
    pattern = re.compile(r"exit\((1|2)\)|return (1|2)\b|exit_code = (1|2)")  # the brief's grep
    hits = [
        f"{p.name}:{n}: {line.strip()}"
        for p in sorted(CLI.glob("*.py"))
        for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert hits == []
    # Wider than the grep: no int literal returned by a command or passed to an exit(), however it is spelt.
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Return) and node.value is not None:
                values = (
                    [node.value.body, node.value.orelse]
                    if isinstance(node.value, ast.IfExp)
                    else [node.value]
                )
                literal = [v for v in values if isinstance(v, ast.Constant) and isinstance(v.value, int)]
                assert not literal, f"{path.name}:{node.lineno}: return of a literal exit code"
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "attr", getattr(node.func, "id", "")) == "exit"
            ):
                literal = [a for a in node.args if isinstance(a, ast.Constant) and isinstance(a.value, int)]
                assert not literal, f"{path.name}:{node.lineno}: exit() with a literal code"


def test_only_the_cli_entry_prints_error_lines():
    # Commands raise; cli.main alone turns an error into "spacecraft-data COMMAND: error: ...".
    printing = []
    for path in sorted(CLI.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "print":
                text = "".join(
                    c.value
                    for a in node.args
                    for c in ast.walk(a)
                    if isinstance(c, ast.Constant) and isinstance(c.value, str)
                )
                if "error:" in text:
                    printing.append(f"{path.name}:{node.lineno}")
    assert len(printing) == 1 and printing[0].startswith("__init__.py:"), printing


def test_exit_codes_are_the_documented_statuses():
    assert (ExitCode.OK, ExitCode.INVALID, ExitCode.USAGE, ExitCode.INTERRUPTED) == (0, 1, 2, 130)
