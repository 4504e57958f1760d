"""A real, non-editable install of the built wheel in a fresh venv works from any directory."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """Build the wheel from this checkout and pip-install it (with its dependencies) into a new venv."""
    work = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(work / "dist"), str(ROOT)],
                   check=True, capture_output=True)
    wheels = list((work / "dist").glob("spacecraft_data-*.whl"))
    assert len(wheels) == 1
    venv.EnvBuilder(with_pip=True).create(work / "venv")
    py = work / "venv" / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", str(wheels[0])], check=True, capture_output=True)
    return work


def _run(installed: Path, *args: str) -> subprocess.CompletedProcess:
    elsewhere = installed / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(list(args), cwd=elsewhere, env=env, capture_output=True, text=True)


def test_installed_wheel_loads_the_bundled_snapshot_from_another_directory(installed):
    code = ("import json, spacecraft_data as s; x = s.load(); "
            "print(json.dumps([s.__file__, x.version, len(x), str(x.path), x.get(463)['name']]))")
    out = _run(installed, str(installed / "venv" / "bin" / "python"), "-c", code)
    assert out.returncode == 0, out.stderr
    module_file, version, n, path, name = json.loads(out.stdout)
    assert "site-packages" in module_file and str(ROOT) not in module_file, "imported the checkout, not the wheel"
    assert "site-packages" in path and "_bundled" in path
    assert (version, n, name) == ("2026.11.22", 20, "Tianzhou-3")


def test_installed_wheel_ships_the_schemas_and_the_cli(installed):
    info = _run(installed, str(installed / "venv" / "bin" / "spacecraft-data"), "info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert json.loads(info.stdout)["records"]["held"] == 20
    if any((ROOT / "schema").glob("*.json")):
        code = "import spacecraft_data as s; print(s.schema('normal')['$id'])"
        out = _run(installed, str(installed / "venv" / "bin" / "python"), "-c", code)
        assert out.returncode == 0 and "site-packages" not in out.stdout, out.stderr
        val = _run(installed, str(installed / "venv" / "bin" / "spacecraft-data"), "validate")
        assert val.returncode == 0, val.stdout + val.stderr
