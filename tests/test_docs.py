"""The documentation site: it builds strictly, its generated pages are complete, and it is published on
release.

* ``mkdocs build --strict`` succeeds (no broken link, missing reference or warning), offline: no web font.
* The data dictionary lists every column of every resource of ``datapackage.json``; the LL2 field it names for
  each column of the record tables is a field of the records.
* The CLI reference lists every command and every flag of the parsers.
* The README names docs pages that the site has, and keeps the quick start and the attribution.
* ``.github/workflows/docs.yml`` builds the site and deploys it to GitHub Pages on release.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import PINNED_DIR, ROOT

_spec = importlib.util.spec_from_file_location("docs_gen", ROOT / "scripts" / "docs_gen.py")
assert _spec and _spec.loader
docs_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_gen)

MKDOCS = Path(sys.executable).with_name("mkdocs")
README = (ROOT / "README.md").read_text(encoding="utf-8")


def build_site(site: Path) -> subprocess.CompletedProcess:
    if not MKDOCS.exists():
        pytest.skip("mkdocs is not installed (pip install -e '.[docs]')")
    return subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        env={**_env(), "NO_MKDOCS_2_WARNING": "1"},
    )


def _env() -> dict[str, str]:
    import os

    return {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    done = build_site(folder)
    assert done.returncode == 0, done.stderr
    return folder


@pytest.mark.slow
def test_the_site_builds_strictly_with_every_page(site):
    nav = re.findall(r"^ +- [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M)
    pages = sorted(p.name for p in (ROOT / "docs").glob("*.md"))
    assert sorted(nav) == pages  # every page is in the navigation, and no entry names a missing page
    for page in nav:
        built = site / ("index.html" if page == "index.md" else f"{page[:-3]}/index.html")
        assert built.exists(), page
    search = json.loads((site / "search" / "search_index.json").read_text(encoding="utf-8"))
    assert any("time_in_space" in doc["text"] for doc in search["docs"])


@pytest.mark.slow
def test_the_site_needs_no_network_to_read(site):
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert "fonts.googleapis.com" not in text and "fonts.gstatic.com" not in text, page


@pytest.mark.slow
def test_a_broken_link_fails_the_strict_build(tmp_path):
    # the strict build is what catches a bad link: prove it on a copy of the site's sources with one added
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "docs", copy / "docs")
    shutil.copytree(ROOT / "scripts", copy / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("mkdocs.yml", "README.md", "CHANGELOG.md", "DATA_CHANGES.md", "datapackage.json"):
        shutil.copy2(ROOT / name, copy / name)
    for name in ("schema", "src"):
        shutil.copytree(ROOT / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "data" / "snapshots", copy / "data" / "snapshots")
    shutil.copytree(ROOT / "data" / "tables", copy / "data" / "tables")
    page = copy / "docs" / "serve.md"
    page.write_text(
        page.read_text(encoding="utf-8") + "\nSee [nowhere](no-such-page.md).\n", encoding="utf-8"
    )
    done = subprocess.run(
        [str(MKDOCS), "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=600,
        env=_env(),
    )
    assert done.returncode != 0
    assert "no-such-page.md" in done.stderr


# -- the data dictionary -----------------------------------------------------------------------------------


def _dictionary_sections() -> dict[str, list[str]]:
    """Heading -> the first cells (column or field names) of the table under it, in the generated page."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in docs_gen.data_dictionary().splitlines():
        if line.startswith("### "):
            current = line[4:].strip()
            sections[current] = []
        elif current and line.startswith("| `"):
            sections[current].append(line.split("`")[1])
    return sections


def test_the_data_dictionary_lists_every_column_of_every_resource():
    package = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    sections = _dictionary_sections()
    assert set(sections) == {r["name"] for r in package["resources"]}
    for resource in package["resources"]:
        if "schema" in resource:
            assert sections[resource["name"]] == [f["name"] for f in resource["schema"]["fields"]], resource[
                "name"
            ]
        else:  # a JSON file: the fields of the record schema it names
            assert sections[resource["name"]], resource["name"]


def test_the_data_dictionary_states_each_tables_rows_and_each_snapshots_coverage():
    text = docs_gen.data_dictionary()
    for resource in json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["resources"]:
        if "schema" in resource:
            with (ROOT / resource["path"]).open(encoding="utf-8", newline="") as handle:
                rows = sum(1 for _ in csv.reader(handle)) - 1  # a quoted cell may hold a line break
            assert f"| [`{resource['name']}`](#{resource['name']}) | {rows} |" in text
    for name, manifest in docs_gen.manifests():
        held, reported = manifest["records"]["held"], manifest["records"]["reported"]
        assert f"| {name} | {held} | {reported} |" in text


def test_the_ll2_field_of_each_record_column_is_a_field_of_the_records():
    records = {
        "spacecraft": json.loads((PINNED_DIR / "spacecraft.json").read_text(encoding="utf-8")),
        "spacecraft_configurations": json.loads(
            (PINNED_DIR / "spacecraft_configurations.json").read_text(encoding="utf-8")
        ),
    }
    package = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    checked = 0
    for resource in package["resources"]:
        if resource["name"] not in records:
            continue
        for field in resource["schema"]["fields"]:
            named = docs_gen.ll2_field(resource["name"], field, resource["schema"])
            path = re.match(r"`([\w.]+)`", named)
            if not path:
                continue
            first, *rest = path.group(1).split(".")
            assert any(first in r for r in records[resource["name"]]), (
                resource["name"],
                field["name"],
                named,
            )
            if rest:  # a nested object's id: present wherever the object is
                assert all(r[first] is None or rest[0] in r[first] for r in records[resource["name"]])
            checked += 1
    assert checked >= 40


# -- the CLI reference -------------------------------------------------------------------------------------


def test_the_cli_reference_lists_every_command_and_flag():
    from spacecraft_data.cli import build_parser

    text = docs_gen.cli_reference()
    commands = docs_gen._subparsers(build_parser())
    assert re.findall(r"^### (\S+)$", text, re.M) == list(commands)
    for name, parser in commands.items():
        section = text.split(f"\n### {name}\n", 1)[1].split("\n### ", 1)[0]
        flags = docs_gen.command_flags(parser)
        assert flags, name
        for flag in flags:
            assert re.search(rf"`{re.escape(flag)}[ `]", section), (name, flag)
    assert "`--version`" in text
    assert (
        str(Path.home()) + "/" not in text
    )  # the user store is written as the platform default, not the builder's
    assert "0  success" in text and "1  findings" in text and "2  usage and I/O errors" in text


def test_the_cli_page_is_the_generated_reference():
    assert "<!-- generated: cli -->" in (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    assert "<!-- generated: dictionary -->" in (ROOT / "docs" / "data-dictionary.md").read_text(
        encoding="utf-8"
    )


@pytest.mark.slow
def test_the_built_cli_reference_and_dictionary_hold_the_generated_text(site):
    cli = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert 'id="import-embedded"' in cli and "--max-body-mb" in cli
    dictionary = (site / "data-dictionary" / "index.html").read_text(encoding="utf-8")
    assert 'id="spacecraft_configurations"' in dictionary and "time_in_space_seconds" in dictionary


@pytest.mark.slow
def test_the_cli_reference_shows_help_text_as_typed(site):
    # Help text is prose, not Markdown: harvest's "http(s)://host[:port][/path]" once failed the strict build
    # (mkdocs-autorefs read "[:port][/path]" as a cross-reference) and "/<api>/spacecraft/" vanished as a tag.
    html = (site / "cli" / "index.html").read_text(encoding="utf-8")
    assert "http(s)://host[:port][/path]" in html
    assert "Page through /&lt;api&gt;/spacecraft/" in html


# -- the README ---------------------------------------------------------------------------------------------


def test_the_readme_is_a_landing_page_of_at_most_250_lines():
    assert len(README.splitlines()) <= 250


def test_every_docs_page_the_readme_names_is_in_the_site():
    named = set(re.findall(r"docs/([\w-]+\.md)", README))
    assert named, "the README points into the docs"
    nav = set(re.findall(r"^ +- [^:]+: (\S+\.md)$", (ROOT / "mkdocs.yml").read_text(encoding="utf-8"), re.M))
    assert named <= nav, named - nav


# -- publishing ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workflow() -> dict:
    yaml = pytest.importorskip("yaml")
    return yaml.safe_load((ROOT / ".github" / "workflows" / "docs.yml").read_text(encoding="utf-8"))


def test_the_docs_workflow_publishes_to_github_pages_on_release(workflow):
    triggers = workflow.get("on", workflow.get(True))  # YAML 1.1 reads a bare `on` as True
    assert triggers["release"]["types"] == ["published"]
    assert workflow["permissions"]["pages"] == "write" and workflow["permissions"]["id-token"] == "write"
    build = workflow["jobs"]["build"]["steps"]
    runs = [s.get("run", "") for s in build]
    assert any("pip install" in r and ".[docs]" in r for r in runs)
    (mkdocs,) = [r for r in runs if "mkdocs build" in r]
    assert "--strict" in mkdocs
    site_dir = mkdocs.split("--site-dir", 1)[1].split()[0]
    (upload,) = [s for s in build if str(s.get("uses", "")).startswith("actions/upload-pages-artifact@")]
    assert upload["with"]["path"] == site_dir
    deploy = workflow["jobs"]["deploy"]
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert [s["uses"].split("@")[0] for s in deploy["steps"]] == ["actions/deploy-pages"]


def test_ci_builds_the_site_strictly():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^\.venv/bin/mkdocs build --strict", ci, re.M)
    assert "mkdocs" in json.dumps(_docs_extra())


def _docs_extra() -> list[str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    docs = project["optional-dependencies"]["docs"]
    assert set(docs) <= set(project["optional-dependencies"]["test"])  # the suite builds the site
    return docs


def test_every_constant_the_limits_table_names_exists():
    # A constant that moves (store.LOCK_WAIT went to store_lock) must take the table with it: each row names
    # module.CONSTANT, and the bare names after it in the same cell live in that same module.
    import importlib

    section = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8").split("\n## Limits\n", 1)[1]
    rows = [
        line for line in section.split("\n## ", 1)[0].splitlines() if line.startswith("| ") and "`" in line
    ]
    missing, named = [], 0
    for row in rows:
        module = None
        for token in re.findall(r"`([\w.]+)`", row.split("|")[2]):
            path, _, name = token.rpartition(".")
            module = path or module
            named += 1
            if module is None or not hasattr(importlib.import_module(f"spacecraft_data.{module}"), name):
                missing.append(f"{module}.{name}")
    assert named > 20, "the limits table was not found"
    assert not missing, missing
