"""README.md's examples run as tests, so that README and behaviour cannot drift apart.

The README runs as every docs page runs (tests/test_docs_examples.py, with scripts/docs_examples.py): each
example (doctests, scripts with their output, console sessions, the test module) in a fresh copy of the
pinned checkout, whose only snapshot is the PINNED one (tests/conftest.py: the 28 records bundled on
2026-12-01), so a refresh that harvests more leaves the README's outputs true. The README holds one short
example for each kind of user; the rest lives in the docs pages.
"""

from __future__ import annotations

import re

from conftest import ROOT
from test_docs_examples import docs_examples, page_context, work_template  # noqa: F401 (a fixture)

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_readme_doctests_pass(work_template, tmp_path):  # noqa: F811
    # (named for what it ran first: tests/test_refresh.py runs it in a refreshed clone by this name)
    results = docs_examples.run_page(README, "README.md", page_context(work_template, tmp_path))
    failures = [f"{r.block.where}: {r.kind}\n{r.detail}" for r in results if not r.ok]
    assert not failures, "\n\n".join(failures)
    kinds = {r.kind for r in results}
    # the pip user's doctest, the CI user's console, the researcher's script, the test author's test module
    assert {"doctest", "console", "python", "pytest"} <= kinds, kinds


def test_every_readme_link_is_absolute_or_an_anchor_so_it_renders_on_a_package_index():
    # The repository's public URL is not known yet, so files of the repository (the docs pages included) are
    # named in code spans (they ship in the sdist) rather than linked relatively, which breaks on PyPI.
    targets = re.findall(r"\]\(([^)\s]+)\)", README)
    assert targets and all(t.startswith(("https://", "#")) for t in targets), [
        t for t in targets if not t.startswith(("https://", "#"))
    ]
    anchors = {t[1:] for t in targets if t.startswith("#")}
    headings = {
        re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
        for h in re.findall(r"^#+ (.+)$", README, re.M)
    }
    assert anchors <= headings, anchors - headings


def test_ci_runs_the_readme_quick_start_commands():
    # .ci/run must do what the README's two commands say: the same install steps, the same test command.
    block = README.split("## Quick start: two commands", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    install, tests = [line for line in block.splitlines() if line.strip() and not line.startswith("#")]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    apt, _, rest = install.partition(" && python3 -m venv")
    assert apt == "apt-get update && apt-get install -y chromium chromium-driver r-base-core"
    assert "apt-get install -y -q chromium chromium-driver r-base-core" in ci
    assert "python3 -m venv" + rest in ci.splitlines()
    assert tests in ci
