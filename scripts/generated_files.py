"""Bring generated files on disk in line with what a build script produces (scripts/build_*.py).

Only the build scripts write generated files into the repository, so this stays out of the wheel.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from spacecraft_data.store import write_atomic  # noqa: E402


def sync_files(
    files: dict[Path, bytes], managed: list[Path], check: bool = False
) -> tuple[list[Path], list[Path]]:
    """Bring generated files on disk in line with ``files`` (path -> bytes).

    Returns ``(stale, extra)``: the paths whose bytes are missing or differ, and
    the ``managed`` paths no longer generated. Unless ``check``, stale files are
    written atomically and extra ones removed; with ``check`` nothing is touched,
    which is how a ``--check`` run proves the committed files are up to date.
    """
    stale = sorted(path for path, data in files.items() if not path.is_file() or path.read_bytes() != data)
    extra = sorted(path for path in managed if path not in files)
    if not check:
        for path in stale:
            write_atomic(path, files[path])
        for path in extra:
            path.unlink()
    return stale, extra


def show_progress() -> None:
    """Show the library's progress lines (its ``spacecraft_data`` loggers, level INFO) on stderr when stderr
    is a terminal: the build scripts are the build's command line, as ``spacecraft-data`` is the package's.

    Attached once per process, since build_all.py runs the other scripts in its own.
    """
    logger = logging.getLogger("spacecraft_data")
    if not sys.stderr.isatty() or any(h.get_name() == __name__ for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler.set_name(__name__)
    handler.setFormatter(logging.Formatter("%(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
