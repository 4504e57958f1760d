"""No function in src/ runs over 60 lines, so each reads as one step (issue 21: "No function in src/ is over
60 lines"). A function's length is its span in the source, decorators excluded: end_lineno - lineno + 1.
"""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "spacecraft_data"
MAX_LINES = 60


def _long_functions(package: Path = PACKAGE, skip: tuple[str, ...] = ()) -> list[str]:
    """``path:line name (n lines)`` of every function or method over MAX_LINES under ``package``, nested
    ones included; ``skip`` names top-level subpackages left out."""
    found = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if relative.parts[0] in skip:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    found.append(f"{relative}:{node.lineno} {node.name} ({lines} lines)")
    return found


def test_the_walk_reports_a_method_of_61_lines_and_not_one_of_60(tmp_path):
    # SYNTHETIC module: the check itself can fail.
    def method(name: str, lines: int) -> str:
        return f"    def {name}(self):\n" + "".join(f"        x{i} = {i}\n" for i in range(lines - 1))

    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "mod.py").write_text(
        "class C:\n" + method("fits", 60) + method("too_long", 61), encoding="utf-8"
    )
    assert _long_functions(tmp_path) == ["sub/mod.py:62 too_long (61 lines)"]
    assert _long_functions(tmp_path, skip=("sub",)) == []


def test_no_function_in_src_is_over_60_lines():
    assert _long_functions() == []
