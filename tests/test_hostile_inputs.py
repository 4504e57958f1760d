"""Malformed pages, schema choice by endpoint, duplicate ids, import-pages consistency and Python 3.10.

Every page here is a real seed page (or its JSON body) with one SYNTHETIC change, saying so.
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import spacecraft_data
from spacecraft_data.build import SnapshotInputs, Source, assemble
from spacecraft_data.errors import BuildError, SpacecraftDataError
from spacecraft_data.harvest import import_pages
from spacecraft_data.pages import read_page, render_browsable
from spacecraft_data.validation import SCHEMA_NAMES

ROOT = Path(__file__).resolve().parents[1]
SEEDS = sorted((ROOT / "data" / "raw" / "seeds").glob("*.txt"))
TIMEOUT = 60


def _seed_text(n: int = 0) -> str:
    return SEEDS[n].read_text(encoding="utf-8")


def _page_with(body_edit, n: int = 0, path: str | None = None) -> str:
    """A seed page re-rendered with its body changed by ``body_edit`` (SYNTHETIC)."""
    page = read_page(SEEDS[n])
    body = copy.deepcopy(page.body)
    body_edit(body)
    return render_browsable(body, path or page.request.full_path, headers=page.headers)


def _files_of(folder: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()}


# -- malformed pages: validate and import-pages, no traceback, nothing changed
# --------------------------------


def _fifo(tmp_path: Path) -> Path:
    path = tmp_path / "page.txt"
    os.mkfifo(path)
    return path


MALFORMED = [
    ("nan", lambda t: _seed_text().replace('"flights_count": ', '"flights_count": NaN, "x": ', 1), "NaN"),
    (
        "infinity",
        lambda t: _seed_text().replace('"flights_count": ', '"flights_count": Infinity, "x": ', 1),
        "Infinity",
    ),
    (
        "deep-nesting",
        lambda t: _seed_text().replace('"name": "', '"name": ' + "[" * 60_000 + "]" * 60_000 + ', "x": "', 1),
        "nested too deeply",
    ),
    (
        "huge-integer",
        lambda t: _seed_text().replace('"count": ', '"count": ' + "7" * 6000 + ', "x": ', 1),
        "digits",
    ),
    (  # past the largest double: Python reads it as an infinity, which no snapshot could be written with
        "number-too-large-for-a-float",
        lambda t: _seed_text().replace('"flights_count": ', '"flights_count": 1e999, "x": ', 1),
        "1e999 is too large a number",
    ),
    (
        "invalid-utf8",
        lambda t: _seed_text().encode().replace(b'"name": "', b'"name": "\xc3\x28', 1),
        "not UTF-8",
    ),
    ("fifo", _fifo, "FIFO"),
    ("folder", lambda t: (t / "page.txt").mkdir() or None, "folder"),
]


@pytest.fixture(params=MALFORMED, ids=[m[0] for m in MALFORMED])
def malformed(request, tmp_path):
    name, make, phrase = request.param
    made = make(tmp_path)
    page = tmp_path / "page.txt"
    if isinstance(made, str):
        page.write_text(made, encoding="utf-8")
    elif isinstance(made, bytes):
        page.write_bytes(made)
    return page, phrase


def test_validate_and_import_pages_report_a_malformed_page_in_one_line_and_touch_nothing(malformed, tmp_path):
    page, phrase = malformed
    before = _files_of(tmp_path)
    out = subprocess.run(
        [sys.executable, "-m", "spacecraft_data", "validate", str(page)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in out.stderr
    if page.is_dir():  # a folder that is no snapshot is a wrong PATH (a usage error, 2), not invalid data
        assert out.returncode == 2, out.stderr
        assert out.stderr.startswith(f"spacecraft-data validate: error: {page}: a folder"), out.stderr
    else:
        assert out.returncode == 1, out.stderr
        problems = [line for line in out.stdout.splitlines() if line.startswith(str(page))]
        assert any(phrase in line for line in problems), out.stdout
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "spacecraft_data",
            "import-pages",
            str(page),
            "--output",
            str(tmp_path / "snaps"),
            "--raw-dir",
            str(tmp_path / "raw"),
            "--no-changelog",
            "--quiet",
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert "Traceback" not in out.stderr and out.returncode != 0, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("spacecraft-data import-pages: error: "), out.stderr
    assert str(page) in lines[0] and phrase in lines[0], lines[0]
    assert not (tmp_path / "snaps").exists()
    assert _files_of(tmp_path) == before


def test_a_valid_record_with_a_number_too_large_for_a_float_is_never_published(tmp_path):
    """Today's bug: a detailed configuration whose height was 1e999 validated, and import-pages published a
    snapshot holding Infinity, which every command then refused to read."""
    table = ROOT / "data" / "snapshots" / "2.3.0" / "2026.12.01" / "spacecraft_configurations.json"
    record = json.loads(table.read_text(encoding="utf-8"))[0]
    text = json.dumps({"count": 1, "next": None, "previous": None, "results": [{**record, "height": 0.5}]})
    page = tmp_path / "configurations.json"
    page.write_text(text.replace('"height": 0.5', '"height": 1e999'), encoding="utf-8")  # SYNTHETIC
    report = spacecraft_data.validate(page, schema="configuration.detailed")
    assert [p.message for p in report.problems] == [
        "expected valid JSON in the body: record 1: $.results[0].height: 1e999 is too large a number: it "
        "reads as Infinity (JSON has no NaN or Infinity)"
    ]
    with pytest.raises(SpacecraftDataError, match=r"configurations.json: .*\$\.results\[0\]\.height: 1e999"):
        import_pages(
            [SEEDS[0], page],
            output=tmp_path / "snaps",
            raw_dir=tmp_path / "raw",
            changelog=None,
            endpoint="spacecraft_configurations",
        )
    assert not (tmp_path / "snaps").exists()


# -- validate picks the schema from where a record stands
# -----------------------------------------------------


def test_a_status_shaped_record_in_a_spacecraft_page_is_invalid(tmp_path):
    """Today's bug: {"id": 5, "name": "x"} inside a spacecraft page passed as a status."""
    page = tmp_path / "page.txt"
    page.write_text(_page_with(lambda b: b["results"].__setitem__(0, {"id": 5, "name": "x"})))  # SYNTHETIC
    report = spacecraft_data.validate(page)
    assert not report.valid
    assert any(p.record == 5 and "required property is missing" in p.message for p in report.problems)
    names, chosen_by = report.schemas[str(page)]
    assert (
        names == ["list", "normal"] and "endpoint /2.3.0/spacecraft/ named by the request line" in chosen_by
    )


def test_a_json_envelope_names_its_endpoint_by_its_links(tmp_path):
    body = copy.deepcopy(read_page(SEEDS[0]).body)
    body["results"][0] = {"id": 5, "name": "x"}  # SYNTHETIC
    page = tmp_path / "page.json"
    page.write_text(json.dumps(body))
    report = spacecraft_data.validate(page)
    assert not report.valid and "the envelope's 'next' link" in report.schemas[str(page)][1]


def test_schema_option_holds_every_record_to_that_schema(tmp_path, capsys):
    record = tmp_path / "record.json"
    record.write_text(json.dumps({"id": 5, "name": "x"}))  # SYNTHETIC
    assert not spacecraft_data.validate(record).valid  # alone, it is a spacecraft stripped to two keys
    assert spacecraft_data.validate(record, schema="status").valid
    assert not spacecraft_data.validate(record, schema="normal").valid
    from spacecraft_data.cli import main

    assert main(["validate", str(record), "--schema", "normal", "--format", "json"]) == 1
    out = json.loads(capsys.readouterr().out)
    assert out["schemas"] == [{"source": str(record), "schemas": ["normal"], "chosen_by": "--schema normal"}]
    assert main(["validate", str(record)]) == 1
    assert (
        f"{record}: checked with normal (as spacecraft: the primary endpoint, nothing named another"
        in capsys.readouterr().out
    )
    with pytest.raises(SpacecraftDataError, match="unknown schema"):
        spacecraft_data.validate(record, schema="nope")


def test_the_cli_schema_names_are_the_librarys():
    from spacecraft_data.cli import validate as cli_validate
    from spacecraft_data.endpoints import registry

    assert cli_validate.schema_names(registry()) == list(SCHEMA_NAMES)


def test_a_page_of_an_endpoint_without_schema_is_not_checked_against_another(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(
        _page_with(lambda b: b.update(next=None, previous=None), path="/2.3.0/launches/?format=api")
    )  # SYNTHETIC path
    report = spacecraft_data.validate(page)
    assert not report.valid and report.records_checked == 0
    assert "names endpoint /launches/, which has no schema here" in str(report.problems[0])


def test_a_page_of_another_api_version_is_reported(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_seed_text().replace("GET /2.3.0/", "GET /2.2.0/", 1))  # SYNTHETIC
    assert any("LL2 API 2.2.0" in p.message for p in spacecraft_data.validate(page).problems)


def test_a_count_below_the_results_is_reported_by_validate(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page_with(lambda b: b.__setitem__("count", 3)))  # SYNTHETIC
    assert any(
        p.path == "$.count" and "smaller than the 10 results" in p.message
        for p in spacecraft_data.validate(page).problems
    )


# -- duplicate ids ------------------------------------------------------------------------------------------


def test_validate_refuses_duplicate_ids_naming_both_positions(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page_with(lambda b: b["results"].__setitem__(4, b["results"][1])))  # SYNTHETIC
    rid = read_page(SEEDS[0]).body["results"][1]["id"]
    problems = [str(p) for p in spacecraft_data.validate(page).problems]
    assert (
        f"{page}: record {rid}: $.id: duplicate id {rid}: records #1 and #4 (0-based positions) share it"
        in problems
    )
    ndjson = tmp_path / "records.ndjson"
    records = read_page(SEEDS[0]).body["results"]
    ndjson.write_text("\n".join(json.dumps(r) for r in [records[0], records[1], records[0]]))
    assert any(
        "duplicate id" in p.message and "lines 1 and 3" in p.message and p.line == 3
        for p in spacecraft_data.validate(ndjson).problems
    )


def test_build_refuses_an_id_repeated_within_one_input(tmp_path):
    page = tmp_path / "page.txt"
    page.write_text(_page_with(lambda b: b["results"].__setitem__(4, b["results"][1])))  # SYNTHETIC
    inputs = SnapshotInputs([Source(file=page, endpoint="spacecraft", received="2026-11-22")])
    with pytest.raises(
        BuildError,
        match=rf"{page}: spacecraft records: records\[4\]\.id: duplicate id \d+: "
        r"also at records\[1\]",
    ):
        assemble(inputs)


def test_build_names_both_inputs_of_an_id_that_differs(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(_seed_text())
    b.write_text(_page_with(lambda body: body["results"][0].__setitem__("name", "SYNTHETIC other")))
    inputs = SnapshotInputs(
        [
            Source(file=a, endpoint="spacecraft", received="2026-11-22"),
            Source(file=b, endpoint="spacecraft", received="2026-11-22"),
        ]
    )
    with pytest.raises(
        BuildError, match=rf"{b}: spacecraft record id \d+ differs from the copy read from {a}"
    ):
        assemble(inputs)


# -- import-pages
# ---------------------------------------------------------------------------------------------


def _import(tmp_path: Path, files, **kw) -> Path:
    return import_pages(
        list(files),
        output=tmp_path / "snaps",
        raw_dir=tmp_path / "raw",
        changelog=None,
        **kw,
    )


IMPORT_FAULTS = [
    (
        "count-below-results",
        lambda: _page_with(lambda b: b.__setitem__("count", 3)),
        "$.count: 3 is smaller than",
    ),
    (
        "count-not-integer",
        lambda: _page_with(lambda b: b.__setitem__("count", "590")),
        "$.count: '590' is not",
    ),
    ("other-api-version", lambda: _seed_text().replace("GET /2.3.0/", "GET /2.2.0/", 1), "LL2 API 2.2.0"),
    (
        "other-version-in-links",
        lambda: _page_with(lambda b: b.__setitem__("next", b["next"].replace("2.3.0", "2.4.0"))),
        "LL2 API 2.4.0",
    ),
    (
        "links-name-another-endpoint",
        lambda: _page_with(
            lambda b: b.__setitem__("next", b["next"].replace("/spacecraft/", "/spacecraft_configurations/"))
        ),
        "names endpoint 'spacecraft_configurations'",
    ),
    (
        "record-url-of-another-endpoint",
        lambda: _page_with(
            lambda b: b["results"][0].__setitem__(
                "url", b["results"][0]["url"].replace("/spacecraft/", "/spacecraft_configurations/")
            )
        ),
        "the 'url' of record #0 names endpoint",
    ),
    (
        "unknown-endpoint",
        lambda: _page_with(lambda b: b.update(next=None, previous=None), path="/2.3.0/launches/?format=api"),
        "names 'launches'",
    ),
    (
        "duplicate-id",
        lambda: _page_with(lambda b: b["results"].__setitem__(4, b["results"][1])),
        "$.results[4].id: duplicate id",
    ),
    (
        "record-without-id",
        lambda: _page_with(lambda b: b["results"][2].pop("id")),
        "$.results[2].id: the record has",
    ),
]


@pytest.mark.parametrize("make, phrase", [f[1:] for f in IMPORT_FAULTS], ids=[f[0] for f in IMPORT_FAULTS])
def test_import_pages_refuses_an_inconsistent_page_naming_the_users_file(tmp_path, make, phrase):
    page = tmp_path / "mine" / "page.txt"  # SYNTHETIC change of a seed page
    page.parent.mkdir()
    page.write_text(make(), encoding="utf-8")
    before = _files_of(tmp_path)
    with pytest.raises(SpacecraftDataError) as caught:
        _import(tmp_path, [page])
    assert str(caught.value).startswith(f"{page}: ") and phrase in str(caught.value), str(caught.value)
    assert not (tmp_path / "snaps").exists() and _files_of(tmp_path) == before


def test_import_pages_names_the_users_files_not_the_run_folders_copies(tmp_path):
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(_seed_text())
    b.write_text(_page_with(lambda body: body["results"][0].__setitem__("name", "SYNTHETIC other")))
    with pytest.raises(SpacecraftDataError) as caught:
        _import(tmp_path, [a, b])
    message = str(caught.value)
    assert f"{b}: spacecraft record id" in message and f"copy read from {a}" in message, message
    assert str(tmp_path / "raw") not in message


# -- Python 3.10
# -----------------------------------------------------------------------------------------------


def test_validate_runs_without_modules_python_3_10_lacks():
    """3.10 (requires-python's minimum) has no importlib.resources.abc: validate crashed importing it."""
    probe = f"""
import builtins, sys
real_import = builtins.__import__
def as_on_python_3_10(name, globals=None, *args, **kwargs):
    caller = (globals or {{}}).get("__name__", "")
    if name == "importlib.resources.abc" and caller.startswith("spacecraft_data"):
        raise ModuleNotFoundError("No module named 'importlib.resources.abc' (as on Python 3.10)")
    return real_import(name, globals, *args, **kwargs)
builtins.__import__ = as_on_python_3_10
from spacecraft_data.cli import main
sys.exit(main(["validate", {str(SEEDS[0])!r}]))
"""
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=TIMEOUT)
    assert out.returncode == 0 and "Traceback" not in out.stderr, out.stderr


def test_a_date_time_with_a_short_fraction_is_read_alike_on_every_python():
    from spacecraft_data.validation.schemas import _is_date_time

    # Python 3.10's fromisoformat refuses fractions of other than 3 or 6 digits
    for value in ("2026-11-22T10:00:00.5Z", "2026-11-22T10:00:00.1234567+01:00", "2026-11-22T10:00:00Z"):
        assert _is_date_time(value)


@pytest.mark.parametrize("command", ["import-pages", "import-embedded", "harvest"])
def test_an_api_version_that_is_not_n_n_n_is_a_usage_error_and_writes_nothing(command, tmp_path, capsys):
    # The API version names a folder of the store: '../x' would publish outside the folder the user named.
    from spacecraft_data.cli import main

    store = tmp_path / "store"
    argv = [
        command,
        *([] if command == "harvest" else [str(SEEDS[0])]),
        "--api-version",
        "../../escape",
        "--output",
        str(store),
        "--raw-dir",
        str(tmp_path / "raw"),
        "--no-changelog",
        "--quiet",
    ]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert "does not look like N.N.N" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "command, option",
    [
        ("export", "--output"),
        ("import-pages", "--output"),
        ("import-pages", "--raw-dir"),
        ("import-embedded", "--changelog"),
        ("harvest", "--output"),
    ],
)
def test_an_empty_path_to_write_is_a_usage_error_never_the_current_folder(
    command, option, tmp_path, monkeypatch, capsys
):
    # Today's bug: '--output ""' (an unset shell variable) was Path(""), the current folder, and export and
    # import-pages wrote their files there.
    from spacecraft_data.cli import main

    monkeypatch.chdir(tmp_path)
    places = {"--output": str(tmp_path / "out"), "--raw-dir": str(tmp_path / "raw")}
    if command != "export":
        places["--changelog"] = str(tmp_path / "changes.md")
    places[option] = ""
    argv = [
        command,
        *(["--format", "csv"] if command == "export" else [] if command == "harvest" else [str(SEEDS[0])]),
        *[word for pair in places.items() for word in pair if command != "export" or pair[0] == "--output"],
        "--quiet",
    ]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    assert f"argument {option}: an empty path" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kind", ["folder", "fifo"])
@pytest.mark.parametrize("command", ["import-pages", "import-embedded", "harvest"])
def test_a_changelog_that_is_no_regular_file_is_refused_before_anything_is_published(
    command, kind, tmp_path, capsys
):
    # Today's bug: the snapshot was published, then the entry failed ('/.tmp.x.tmp -> /tmp: Is a directory',
    # exit 2 for a run that had published) or replaced the FIFO with a regular file.
    from spacecraft_data.cli import main

    changelog = tmp_path / "changes"
    changelog.mkdir() if kind == "folder" else os.mkfifo(changelog)
    argv = [
        command,
        *(["--base-url", "http://127.0.0.1:9"] if command == "harvest" else [str(SEEDS[0])]),
        *("--output", str(tmp_path / "snaps"), "--raw-dir", str(tmp_path / "raw")),
        *("--changelog", str(changelog), "--quiet"),
    ]
    assert main(argv) == 2
    assert capsys.readouterr().err == (
        f"spacecraft-data {command}: error: {changelog}: not a regular file, so it cannot be the data "
        "changelog (name a file, or pass --no-changelog)\n"
    )
    assert not (tmp_path / "snaps").exists()
    assert changelog.is_dir() if kind == "folder" else changelog.is_fifo()
