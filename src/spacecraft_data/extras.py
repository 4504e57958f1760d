"""Optional extras: which one a feature needs, and one clear error when it is not installed.

Details: docs/getting-started.md#installing-the-core-and-the-extras
"""

from __future__ import annotations

import importlib

from .errors import EXIT_USAGE, SpacecraftDataError
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from types import ModuleType

__all__ = ["EXTRAS", "MissingExtra", "require"]

#: extra -> the importable modules it provides (pyproject.toml's [project.optional-dependencies])
EXTRAS: dict[str, tuple[str, ...]] = {
    "tables": ("frictionless",),
    "pandas": ("pandas",),
    "parquet": ("duckdb",),
    "harvest": ("requests",),
}


class MissingExtra(SpacecraftDataError, ImportError):
    """A feature needs an optional extra that is not installed; the message says which and how to install
    it."""

    exit_code = EXIT_USAGE  # an install problem, not a finding

    def __init__(self, extra: str, feature: str) -> None:
        self.extra = extra
        self.feature = feature
        super().__init__(
            f"{feature} needs the '{extra}' extra, which is not installed: "
            f"pip install 'spacecraft-data[{extra}]'"
        )


def require(module: str, extra: str, feature: str) -> ModuleType:
    """Import ``module`` (provided by ``extra``) for ``feature``, or raise :class:`MissingExtra`."""
    try:
        return importlib.import_module(module)
    except ImportError:  # the module, or a library it needs, is not installed
        raise MissingExtra(extra, feature) from None
