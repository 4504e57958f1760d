"""A real, non-editable install of the built wheel in a fresh venv works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import venv
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

from spacecraft_data import tables as T

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def wheel(built_wheel) -> Path:
    """The wheel built from this checkout (built once per session, shared with the plugin's tests)."""
    return built_wheel


def _install(tmp_path_factory, wheel: Path, extra: str = "") -> Path:
    work = tmp_path_factory.mktemp("wheel")
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    py = work / "venv" / "bin" / "python"
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", f"{wheel}{extra}"], check=True, capture_output=True
    )
    return work


@pytest.fixture(scope="module")
def installed(tmp_path_factory, wheel) -> Path:
    """The wheel pip-installed (with its own dependencies, no extra) into a new venv: the core install."""
    return _install(tmp_path_factory, wheel)


@pytest.fixture(scope="module")
def installed_harvest(tmp_path_factory, wheel) -> Path:
    """The wheel with the ``harvest`` extra, in a venv of its own."""
    return _install(tmp_path_factory, wheel, "[harvest]")


def _run(installed: Path, *args: str) -> subprocess.CompletedProcess:
    elsewhere = installed / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(list(args), cwd=elsewhere, env=env, capture_output=True, text=True)


def test_installed_wheel_loads_the_bundled_snapshot_from_another_directory(installed, latest_bundled):
    first = latest_bundled.records[0]  # the wheel ships the newest bundled snapshot, whatever it holds
    code = (
        "import json, spacecraft_data as s; x = s.load(); "
        f"print(json.dumps([s.__file__, x.version, len(x), str(x.path), x.get({first['id']})['name']]))"
    )
    out = _run(installed, str(installed / "venv" / "bin" / "python"), "-c", code)
    assert out.returncode == 0, out.stderr
    module_file, version, n, path, name = json.loads(out.stdout)
    assert "site-packages" in module_file and str(ROOT) not in module_file, (
        "imported the checkout, not the wheel"
    )
    assert "site-packages" in path and "_bundled" in path
    assert (version, n, name) == (latest_bundled.version, len(latest_bundled), first["name"])


#: (module in the wheel, name) of code only the scripts or the tests use: it lives in scripts/ and tests/
SCRIPT_AND_TEST_ONLY = [
    ("spacecraft_data/tables/rebuild.py", "def records_from_tables"),
    ("spacecraft_data/tables/rebuild.py", "def configurations_from_tables"),
    ("spacecraft_data/store.py", "def sync_files"),
    ("spacecraft_data/browsable.py", "def page_text"),
]


def test_the_wheel_carries_no_code_only_the_scripts_or_the_tests_use(wheel):
    with zipfile.ZipFile(wheel) as whl:
        shipped = {name: whl.read(name).decode("utf-8") for name in whl.namelist() if name.endswith(".py")}
    assert not [n for n in shipped if n.startswith(("scripts/", "tests/")) or "/helpers_" in n]
    assert [(m, d) for m, d in SCRIPT_AND_TEST_ONLY if d in shipped[m]] == []


def test_installed_wheel_ships_the_schemas_and_the_cli(installed, latest_bundled):
    info = _run(installed, str(installed / "venv" / "bin" / "spacecraft-data"), "info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["records"]["held"] == len(latest_bundled)
    if any((ROOT / "schema").glob("*.json")):
        code = "import spacecraft_data as s; print(s.schema('normal')['$id'])"
        out = _run(installed, str(installed / "venv" / "bin" / "python"), "-c", code)
        assert out.returncode == 0 and "site-packages" not in out.stdout, out.stderr
        val = _run(installed, str(installed / "venv" / "bin" / "spacecraft-data"), "validate")
        assert val.returncode == 0, val.stdout + val.stderr


def test_installed_wheel_harvests_into_the_user_store_and_answers_from_it_with_no_flags(
    installed_harvest, tmp_path
):
    # The Done-when of issue 12: from an empty folder, one harvest, then every entry point uses it.
    import re

    import requests
    from fakeapi import FakeLL2

    bin_dir = installed_harvest / "venv" / "bin"
    cwd, home = tmp_path / "empty", tmp_path / "home"
    cwd.mkdir()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")},
        "SPACECRAFT_DATA_HOME": str(home),
        "PYTHONUNBUFFERED": "1",
    }

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=120)

    with FakeLL2() as api:
        api.tables["spacecraft"].insert(
            0, api.synthetic_record()
        )  # SYNTHETIC: tells the harvest from the bundle
        harvest = run(str(bin_dir / "spacecraft-data"), "harvest", "--base-url", api.base_url, "--quiet")
    assert harvest.returncode == 0, harvest.stderr
    snapshot = Path(harvest.stdout.strip())
    assert list(cwd.iterdir()) == [], "harvest wrote into the current folder"
    assert snapshot.parent.parent == home / "snapshots" and (home / "DATA_CHANGES.md").is_file()

    info = run(str(bin_dir / "spacecraft-data"), "info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["snapshot_path"] == str(snapshot)
    assert json.loads(info.stdout)["records"]["held"] == 29  # 28 served + 1 SYNTHETIC
    query = run(str(bin_dir / "spacecraft-data"), "query", "--search", "SYNTHETIC", "--format", "json")
    assert query.returncode == 0, query.stderr
    assert [r["id"] for r in json.loads(query.stdout)["results"]] == [1]
    loaded = run(str(bin_dir / "python"), "-c", "import spacecraft_data; print(spacecraft_data.load())")
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.strip() == f"<Snapshot 2.3.0/{snapshot.name}: 29 of 29 records>"
    version = run(str(bin_dir / "spacecraft-data"), "--version")
    assert version.returncode == 0, version.stderr
    assert f"data {snapshot.name} (LL2 API 2.3.0) from the user store: {snapshot}" in version.stdout

    serve = subprocess.Popen(
        [str(bin_dir / "spacecraft-data"), "serve", "--port", "0", "--quiet"],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first_line = serve.stdout.readline()
        assert f"Serving snapshot {snapshot.name} " in first_line, first_line + serve.stderr.read()
        url = re.search(r"(http://127\.0\.0\.1:\d+)/2\.3\.0/spacecraft/", first_line).group(1)
        page = requests.get(url + "/2.3.0/spacecraft/?limit=1", timeout=30).json()
        assert page["count"] == 29 and page["results"][0]["id"] == 1
    finally:
        serve.terminate()
        serve.communicate(timeout=30)
    assert list(cwd.iterdir()) == []


# -- the light install: the wheel's own dependencies, no extra
# ------------------------------------------------
def test_the_core_install_is_at_most_ten_packages_and_holds_no_extra(installed):
    out = _run(installed, str(installed / "venv" / "bin" / "python"), "-m", "pip", "list", "--format=freeze")
    names = {line.split("==")[0].lower() for line in out.stdout.split()} - {"pip", "setuptools"}
    assert len(names) <= 10, sorted(names)
    assert not names & {"frictionless", "pandas", "duckdb", "requests", "pyarrow", "numpy"}, sorted(names)


def test_the_core_install_exports_every_configuration_and_loads_in_the_tables(installed, bundled):
    exe = str(installed / "venv" / "bin" / "spacecraft-data")
    out = _run(installed, exe, "export", "--format", "csv", "--output", "csv-out", "--force")
    assert out.returncode == 0, out.stderr
    lines = (installed / "elsewhere" / "csv-out" / "spacecraft_configurations.csv").read_text().count("\n")
    rows = len(T.snapshot_tables(bundled)["spacecraft_configurations"])
    assert rows == len(bundled.tables["spacecraft_configurations"])  # every configuration, not those in use
    assert lines >= rows + 1  # header + rows (descriptions hold quoted line breaks)
    assert json.loads((installed / "elsewhere" / "csv-out" / "datapackage.json").read_text())["resources"]


@pytest.mark.parametrize(
    "argv, extra",
    [
        (["export", "--format", "parquet", "--output", "pq-out"], "parquet"),
        (
            [
                "harvest",
                "--base-url",
                "http://127.0.0.1:9",
                "--output",
                "snaps",
                "--raw-dir",
                "raw",
                "--no-changelog",
            ],
            "harvest",
        ),
    ],
)
def test_a_command_of_a_missing_extra_says_which_to_install(installed, argv, extra):
    out = _run(installed, str(installed / "venv" / "bin" / "spacecraft-data"), *argv)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        f"spacecraft-data {argv[0]}: error: " + out.stderr.split("error: ", 1)[1].strip()
    )
    assert (
        len(out.stderr.strip().splitlines()) == 1 and f"pip install 'spacecraft-data[{extra}]'" in out.stderr
    )


def test_to_pandas_without_the_extra_names_it(installed):
    code = (
        "import spacecraft_data as s\ntry:\n    s.load().to_pandas()\nexcept ImportError as exc:\n   "
        " print(exc)"
    )
    out = _run(installed, str(installed / "venv" / "bin" / "python"), "-c", code)
    assert "pip install 'spacecraft-data[pandas]'" in out.stdout, out.stderr
