"""MkDocs hooks (mkdocs.yml ``hooks:``): the generated parts of the site, made when it is built.

A page holding the line ``<!-- generated: cli -->`` or ``<!-- generated: dictionary -->`` gets the CLI
reference or the data dictionary from ``scripts/docs_gen.py`` in its place, so neither is ever committed
and neither can go stale.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

_GEN = Path(__file__).with_name("docs_gen.py")
_spec = importlib.util.spec_from_file_location("docs_gen", _GEN)
assert _spec and _spec.loader
docs_gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(docs_gen)

MARKERS = {
    "<!-- generated: cli -->": docs_gen.cli_reference,
    "<!-- generated: dictionary -->": docs_gen.data_dictionary,
}


def on_page_markdown(markdown: str, page: Any, config: Any, files: Any, **kwargs: Any) -> str:
    for marker, make in MARKERS.items():
        if marker in markdown:
            markdown = markdown.replace(marker, make())
    return markdown
