"""Module docstrings state the contract briefly and point to the docs page that holds the detail (issue
20)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import markdown

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT / "src"
DOCS = ROOT / "docs"
#: A module docstring states the module's contract in a few lines; the detail lives on a docs page. A cap per
#: module (not a total over the package, which every split of a module into smaller ones would spend)
MAX_MODULE_DOCSTRING_LINES = 6
# A pointer is plain text, "docs/<page>.md" or "docs/<page>.md#<anchor>": it reads the same in the source and
# in the mkdocstrings-rendered API reference.
POINTER = re.compile(r"docs/([\w.-]+\.md)(?:#([\w-]+))?")


def _module_docstrings() -> dict[str, str]:
    docstrings = {}
    for path in sorted(SRC.rglob("*.py")):
        text = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")), clean=False)
        if text:
            docstrings[str(path.relative_to(ROOT))] = text
    return docstrings


def _heading_ids(page: Path) -> set[str]:
    # The ids the site gives headings: Python-Markdown's toc extension, as mkdocs.yml configures it (fences
    # parsed, so a "# comment" inside a code block is no heading).
    md = markdown.Markdown(extensions=["toc", "fenced_code"])
    md.convert(page.read_text(encoding="utf-8"))

    def walk(tokens: list[dict]) -> set[str]:
        ids = set()
        for token in tokens:
            ids.add(token["id"])
            ids |= walk(token["children"])
        return ids

    return walk(md.toc_tokens)


def test_every_module_docstring_is_at_most_6_lines():
    counts = {path: text.count("\n") + 1 for path, text in _module_docstrings().items()}
    assert len(counts) > 50, "the module docstrings were not found"
    long = {path: n for path, n in counts.items() if n > MAX_MODULE_DOCSTRING_LINES}
    assert not long, (
        f"module docstrings over {MAX_MODULE_DOCSTRING_LINES} lines (move the detail to docs/): {long}"
    )


def test_every_docs_pointer_in_a_module_docstring_names_an_existing_page_and_heading():
    pointers = []
    broken = []
    for path, text in _module_docstrings().items():
        for page_name, anchor in POINTER.findall(text):
            pointers.append((path, page_name, anchor))
            page = DOCS / page_name
            if not page.is_file():
                broken.append(f"{path}: docs/{page_name} does not exist")
            elif anchor and anchor not in _heading_ids(page):
                broken.append(f"{path}: docs/{page_name} has no heading #{anchor}")
    assert pointers, "no module docstring points to a docs page"
    assert not broken, "\n".join(broken)


def test_heading_ids_are_those_of_the_site():
    # The check above is only as good as its slugs: a known heading of each kind (punctuation, code) must come
    # out as mkdocs writes it.
    assert "where-snapshots-live-the-user-store-then-the-bundled-ones" in _heading_ids(DOCS / "library.md")
    assert "answers-apipy-refusalspy-hostspy" in _heading_ids(DOCS / "architecture.md")
    assert "exit-status" in _heading_ids(DOCS / "cli.md")
    getting_started = _heading_ids(DOCS / "getting-started.md")
    assert "installing-the-core-and-the-extras" in getting_started
    assert not any(
        id_.startswith("1-install") for id_ in getting_started
    )  # "# 1. Install" is a comment in a code block
