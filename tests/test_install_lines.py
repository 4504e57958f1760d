"""The README's install lines work as written: run from a fresh venv in a fresh clone of this checkout.

The clone is this checkout's files as git would clone them once committed (tracked, and new files not
ignored), committed into a new repository under tmp_path and tagged ``v<version>`` there, as the lead
tags the release commit: so the git URL form of the README's CI note is tried too. pip reaches its
configured index for the dependencies; the package itself comes from the clone. Slow: venvs and wheels.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import spacecraft_data

pytestmark = pytest.mark.slow
if shutil.which("git") is None:
    pytest.skip("the clone needs git", allow_module_level=True)

README = (ROOT / "README.md").read_text(encoding="utf-8")
VERSION = spacecraft_data.__version__


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start : end if end != -1 else len(README)]


def install_block() -> str:
    """The first ```sh block of "Installing": the lines a user of a clone types."""
    return re.search(
        r"^```sh\n(.*?)^```\n", _section("Installing: the core and the extras"), re.M | re.S
    ).group(1)


def tagged_clone(folder: Path) -> Path:
    """A git repository at ``folder`` holding this checkout's files, one commit tagged ``v<version>``."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed and absent
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, folder / name)
    git = [
        "git",
        "-c",
        "user.name=test",
        "-c",
        "user.email=test@example.invalid",
        "-c",
        "commit.gpgsign=false",
    ]
    for args in (
        ["init", "-q"],
        ["add", "-A"],
        ["commit", "-q", "-m", "release"],
        ["tag", "-a", f"v{VERSION}", "-m", f"spacecraft-data {VERSION}"],
    ):
        subprocess.run([*git, *args], cwd=folder, check=True, capture_output=True)
    return folder


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    return {**env, **extra}


@pytest.fixture(scope="module")
def clone(tmp_path_factory) -> Path:
    return tagged_clone(tmp_path_factory.mktemp("empty") / "spacecraft-data")


def test_the_readme_install_lines_run_as_written_in_a_fresh_clone(clone, tmp_path, latest_bundled):
    block = install_block()
    assert "pip install ." in block and f"dist/spacecraft_data-{VERSION}-py3-none-any.whl" in block
    done = subprocess.run(
        ["bash", "-e", "-c", block],
        cwd=clone,
        capture_output=True,
        text=True,
        timeout=1200,
        env=clean_env(SPACECRAFT_DATA_HOME=str(tmp_path / "empty store")),
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert (
        f"spacecraft-data {VERSION}\ndata {latest_bundled.version} (LL2 API 2.3.0) from the "
        "bundled snapshots: " in done.stdout
    )
    # What the last line installed is the built wheel, not the checkout (no editable install).
    where = subprocess.run(
        [
            str(clone / ".venv" / "bin" / "python"),
            "-c",
            "import spacecraft_data, requests; print(spacecraft_data.__file__)",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(),
    )
    assert where.returncode == 0, where.stderr  # requests: the [harvest] line's extra
    assert "site-packages" in where.stdout and str(clone / "src") not in where.stdout


def test_the_ci_note_installs_from_the_release_tag_by_git_url(clone, tmp_path):
    # README: pip install "spacecraft-data @ git+<this repository's URL>@v<version>", the URL a clone's path.
    line = re.search(
        r'`(pip install "spacecraft-data @ git\+<this repository\'s URL>@v[^"]+")`', README
    ).group(1)
    assert line.endswith(f'@v{VERSION}"')
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([sys.executable, "-m", "venv", str(tmp_path / "venv")], check=True)
    command = line.replace("pip install", f"{python} -m pip install -q", 1).replace(
        "<this repository's URL>", f"file://localhost{clone}"
    )  # pip's URL check wants a host: no network
    done = subprocess.run(
        ["bash", "-e", "-c", command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=1200,
        env=clean_env(),
    )
    assert done.returncode == 0, done.stderr[-3000:]
    version = subprocess.run(
        [str(tmp_path / "venv" / "bin" / "spacecraft-data"), "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(SPACECRAFT_DATA_HOME=str(tmp_path / "e")),
    )
    assert version.returncode == 0 and version.stdout.startswith(f"spacecraft-data {VERSION}\n"), (
        version.stderr
    )


def test_every_page_gives_the_same_git_url_line_as_the_readme():
    # The validating page's CI note and getting-started.md repeat the README's line: one version of it.
    line = re.compile(r'pip install "spacecraft-data @ git\+<this repository\'s URL>@v[^"]+"')
    pages = {"README.md": README} | {
        f"docs/{p.name}": p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))
    }
    found = {name: set(line.findall(text)) for name, text in pages.items() if line.search(text)}
    assert {"README.md", "docs/getting-started.md", "docs/validating.md"} <= set(found), found
    assert set().union(*found.values()) == {
        f'pip install "spacecraft-data @ git+<this repository\'s URL>@v{VERSION}"'
    }


def test_the_pypi_lines_name_the_published_distribution():
    # They cannot run before the upload; they must name the distribution the release workflow publishes.
    import tomllib

    name = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["name"]
    lines = set(re.findall(r"pip install '?(spacecraft-data(?:\[\w+\])?)'?", README))
    assert lines and all(line.split("[")[0] == name for line in lines)
    extras = {m for line in lines for m in re.findall(r"\[(\w+)\]", line)}
    declared = set(
        tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
            "optional-dependencies"
        ]
    )
    assert extras <= declared, extras - declared
