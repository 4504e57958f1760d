"""README.md's examples run as tests, so that README and behaviour cannot drift apart.

The README's outputs are those of the PINNED snapshot (tests/conftest.py: the 28 records bundled on
2026-12-01, built from fixed inputs of data/raw), not of whatever a refresh harvested since. So the
examples run in the pinned checkout: a copy of the package and scripts whose only bundled snapshot is
the pinned one, with its ``data/tables`` and ``datapackage.json`` rebuilt from it by
scripts/build_tables.py. There ``load()`` says what a user of the package sees (origin "bundled").

* Every ```python block holding ``>>>`` examples runs as one doctest, in README order
  (later blocks use names earlier ones defined), with ELLIPSIS and NORMALIZE_WHITESPACE,
  in a subprocess importing the pinned checkout, from a folder holding the ``records.ndjson``
  the validation examples read.
* The researchers' examples (the ```python and ```r blocks of "For researchers", each
  followed by a plain ``` block of output) run as scripts from the pinned checkout, which has
  ``data/`` and a Parquet export in ``out/``; their output must be what the README shows.
  R runs where ``Rscript`` is installed.
"""

from __future__ import annotations

import copy
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import PINNED_VERSION, ROOT, checkout_env

README = (ROOT / "README.md").read_text(encoding="utf-8")
_FENCE = re.compile(r"^```([a-z]*)\n(.*?)^```\n", re.M | re.S)


def _blocks(text: str) -> list[tuple[str, str, int]]:
    """(language, body, end offset) of every fenced block."""
    return [(m.group(1), m.group(2), m.end()) for m in _FENCE.finditer(text)]


def _section(title: str) -> str:
    start = README.index(f"\n## {title}\n")
    end = README.find("\n## ", start + 1)
    return README[start:end if end != -1 else len(README)]


def _write_edited_records(folder: Path, snapshot: Path) -> None:
    """records.ndjson as the validation examples describe it: 3 real records, edited (a bad duration, an
    extra key, a wrong mode)."""
    records = copy.deepcopy(json.loads((snapshot / "spacecraft.json").read_text(encoding="utf-8"))[:3])
    records[1]["time_in_space"] = "54 days, 1:56:34"
    records[2]["launcher_stage"] = None
    records[2]["response_mode"] = "list"
    (folder / "records.ndjson").write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


#: runs the README's doctest blocks (a file holding them, argv[1]) and prints "<tries> <failures>", then the report
_DOCTEST_RUNNER = """
import doctest, pathlib, sys
text = pathlib.Path(sys.argv[1]).read_text(encoding="utf-8")
test = doctest.DocTestParser().get_doctest(text, {"__name__": "readme"}, "README.md", "README.md", 0)
runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
report = []
runner.run(test, out=report.append)
print(runner.tries, runner.failures)
print("".join(report))
"""


def test_the_readme_doctests_pass(tmp_path, pinned_checkout):
    sources = [body for lang, body, _ in _blocks(README) if lang == "python" and ">>>" in body]
    assert len(sources) >= 3
    _write_edited_records(tmp_path, pinned_checkout / "data" / "snapshots" / "2.3.0" / PINNED_VERSION)
    (tmp_path / "readme_doctests.txt").write_text("\n".join(sources), encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", _DOCTEST_RUNNER, "readme_doctests.txt"], cwd=tmp_path,
                          env=checkout_env(pinned_checkout), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    counts, _, report = done.stdout.partition("\n")
    tries, failures = map(int, counts.split())
    assert failures == 0, report
    assert tries >= 20


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
def research_folder(pinned_checkout) -> Path:
    if any("out/" in code for _, code, _ in _examples()):
        pytest.importorskip("duckdb")
        subprocess.run([sys.executable, "-m", "spacecraft_data", "export", "--format", "parquet", "--output", "out"],
                       cwd=pinned_checkout, env=checkout_env(pinned_checkout), check=True, capture_output=True)
    return pinned_checkout


def test_the_researchers_examples_are_found():
    languages = [lang for lang, _, _ in _examples()]
    assert languages.count("python") >= 3 and "r" in languages


@pytest.mark.parametrize("lang, code, expected", _examples(), ids=lambda v: v if v in ("python", "r") else "")
def test_a_researchers_example_prints_what_the_readme_shows(research_folder, lang, code, expected):
    if lang == "r":
        if shutil.which("Rscript") is None:  # under CI a skip would hide the R example: .ci/run installs R
            (pytest.fail if os.environ.get("CI") == "true" else pytest.skip)(
                "Rscript is not installed (apt-get install r-base-core), so the README's R example cannot run")
        command = ["Rscript", "-e", code]
    else:
        for module in re.findall(r"^import (\w+)", code, re.M):
            pytest.importorskip(module)
        command = [sys.executable, "-c", code]
    result = subprocess.run(command, cwd=research_folder, env=checkout_env(research_folder), capture_output=True,
                            text=True, timeout=300)
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


def test_the_validation_console_examples_print_what_the_readme_shows(tmp_path, monkeypatch, capsys, pinned_store):
    import shlex

    from spacecraft_data.cli import main

    _write_edited_records(tmp_path, pinned_store / "snapshots" / "2.3.0" / PINNED_VERSION)
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
