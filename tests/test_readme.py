"""README.md's examples run as tests, so that README and behaviour cannot drift apart.

* Every ```python block holding ``>>>`` examples runs as one doctest, in README order
  (later blocks use names earlier ones defined), with ELLIPSIS and NORMALIZE_WHITESPACE,
  in a folder holding the ``records.ndjson`` the validation examples read.
* The researchers' examples (the ```python and ```r blocks of "For researchers", each
  followed by a plain ``` block of output) run as scripts from a folder that has the
  repository's ``data/`` and a Parquet export in ``out/``; their output must be what
  the README shows. R runs where ``Rscript`` is installed.
"""

from __future__ import annotations

import copy
import doctest
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import spacecraft_data
from conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
_FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```\n", re.M | re.S)


def _blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, body, end offset) of every fenced block."""
    return [(m.group(1), m.group(2), m.end()) for m in _FENCE.finditer(text)]


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else len(README)]


def _write_edited_records(folder: Path) -> None:
    """records.ndjson as the validation examples describe it: 3 real records, edited (a bad duration, an
    extra key, a wrong mode)."""
    records = copy.deepcopy(spacecraft_data.load().records[:3])
    records[1]["time_in_space"] = "54 days, 1:56:34"
    records[2]["launcher_stage"] = None
    records[2]["response_mode"] = "list"
    (folder / "records.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_the_readme_doctests_pass(tmp_path, monkeypatch):
    sources = [body for lang, body, _ in _blocks(README) if lang == "python" and ">>>" in body]
    assert len(sources) >= 3
    _write_edited_records(tmp_path)
    monkeypatch.chdir(tmp_path)
    parser = doctest.DocTestParser()
    test = parser.get_doctest("\n".join(sources), {"__name__": "readme"}, "README.md", "README.md", 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    failures: list[str] = []
    runner.run(test, out=failures.append)
    assert runner.failures == 0, "".join(failures)
    assert runner.tries >= 20


def _examples() -> list[tuple[str, str, str]]:
    """(language, code, expected output) of the researchers' examples."""
    blocks = _blocks(_section("For researchers"))
    out = []
    for (lang, body, end), (next_lang, next_body, _) in zip(blocks, blocks[1:]):
        text = _section("For researchers")
        follows = text[end:].startswith("```\n")
        if lang in ("python", "r") and next_lang == "" and follows and ">>>" not in body:
            out.append((lang, body, next_body))
    return out


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.splitlines() if line.strip()]


@pytest.fixture(scope="module")
def research_folder(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("research")
    (folder / "data").symlink_to(ROOT / "data", target_is_directory=True)
    from spacecraft_data.cli import main

    if any("out/" in code for _, code, _ in _examples()):
        pytest.importorskip("duckdb")
        assert main(["export", "--format", "parquet", "--output", str(folder / "out")]) == 0
    return folder


def test_the_researchers_examples_are_found():
    languages = [lang for lang, _, _ in _examples()]
    assert languages.count("python") >= 3 and "r" in languages


@pytest.mark.parametrize("lang, code, expected", _examples(), ids=lambda v: v if v in ("python", "r") else "")
def test_a_researchers_example_prints_what_the_readme_shows(research_folder, lang, code, expected):
    if lang == "r":
        if shutil.which("Rscript") is None:
            pytest.skip("Rscript is not installed")
        command = ["Rscript", "-e", code]
    else:
        for module in re.findall(r"^import (\w+)", code, re.M):
            pytest.importorskip(module)
        command = [sys.executable, "-c", code]
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    result = subprocess.run(command, cwd=research_folder, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert _lines(result.stdout) == _lines(expected)


def _console_examples(title: str) -> list[tuple[str, str]]:
    """($ command, expected output) pairs of the console blocks of a section."""
    pairs = []
    for lang, body, _ in _blocks(_section(title)):
        if lang != "console":
            continue
        for chunk in body.split("$ ")[1:]:
            command, _, output = chunk.partition("\n")
            pairs.append((command.split("  #")[0].strip(), output))
    return pairs


def test_the_validation_console_examples_print_what_the_readme_shows(tmp_path, monkeypatch, capsys):
    import shlex

    from spacecraft_data.cli import main

    _write_edited_records(tmp_path)
    monkeypatch.chdir(tmp_path)
    ran = 0
    for command, expected in _console_examples("Validating LL2 data (e.g. in your CI)"):
        argv = [str(ROOT / a) if a.startswith("data/") else a for a in shlex.split(command)]
        if argv[0] != "spacecraft-data" or not all(Path(a).exists() for a in argv[2:] if not a.startswith("-")
                                                   and a not in ("github", "json", "text")):
            continue  # examples on files this test does not make (the edited snapshot copy)
        main(argv[1:])
        # data/ paths were made absolute above; the report names its inputs as given
        assert _lines(capsys.readouterr().out.replace(f"{ROOT}/", "")) == _lines(expected), command
        ran += 1
    assert ran >= 4


def test_every_readme_link_is_absolute_or_an_anchor_so_it_renders_on_a_package_index():
    # The repository's public URL is not known yet, so files of the repository are named in code spans
    # (they ship in the sdist) rather than linked relatively, which breaks on PyPI.
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert targets and all(t.startswith(("https://", "#")) for t in targets), \
        [t for t in targets if not t.startswith(("https://", "#"))]
    anchors = {t[1:] for t in targets if t.startswith("#")}
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
                for h in re.findall(r"^#+ (.+)$", README, re.M)}
    assert anchors <= headings, anchors - headings


def test_ci_runs_the_readme_quick_start_commands():
    # .ci/run must do what the README's two commands say: the same install steps, the same test command.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = readme.split("## Quick start: two commands", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    install, tests = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    apt, _, rest = install.partition(" && python3 -m venv")
    assert apt == "apt-get update && apt-get install -y chromium chromium-driver"
    assert "apt-get install -y -q chromium chromium-driver" in ci
    assert "python3 -m venv" + rest in ci.splitlines()
    assert tests in ci
