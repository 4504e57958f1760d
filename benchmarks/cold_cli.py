"""Cold start of ``spacecraft-data query`` against bare interpreter starts, and its ``-X importtime`` top
items.

Every run is a new process (``subprocess.run``, output discarded), timed with
``time.perf_counter`` around it. Bytecode caching is ON for every command: the
environment's ``PYTHONDONTWRITEBYTECODE`` is removed and ``PYTHONPYCACHEPREFIX``
points at a temporary folder, which one warm-up run per command fills; otherwise
each run would recompile every module it imports and measure the compiler.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import NamedTuple, Sequence

#: the CLI request the issue names
CLI_ARGS = ["query", "--search", "soyuz", "--ordering", "-time_in_space", "--limit", "5"]


class ColdRun(NamedTuple):
    """Wall times (s) of ``runs`` cold starts of one command."""

    label: str
    best: float
    median: float
    runs: int


def cached_env(pycache: Path) -> dict[str, str]:
    """This environment with bytecode caching on, into ``pycache``, and an empty user store.

    The user store would come before the bundled snapshot (a harvest on this machine would be
    measured instead): it is pointed at an empty folder through ``XDG_DATA_HOME`` rather than
    ``$SPACECRAFT_DATA_HOME``, so the children still pay what a user pays to find it (platformdirs).
    """
    env = {
        k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "SPACECRAFT_DATA_HOME")
    }
    env["PYTHONPYCACHEPREFIX"] = str(pycache)
    env["XDG_DATA_HOME"] = str(pycache.parent / "empty_user_data")
    return env


def cli_script() -> str:
    """The ``spacecraft-data`` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("spacecraft-data")
    if not script.is_file():
        raise SystemExit(
            f"{script}: no spacecraft-data console script next to {sys.executable} "
            "(install the package into this environment)"
        )
    return str(script)


def time_cold(label: str, cmd: Sequence[str], env: dict[str, str], runs: int) -> ColdRun:
    """Best and median wall time of ``runs`` fresh processes of ``cmd`` after one warm-up run."""
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - start)
    return ColdRun(label, min(times), statistics.median(times), runs)


def commands(snapshot: str | None = None) -> list[tuple[str, list[str]]]:
    """(label, argv) of the interpreter baselines and the CLI query (on ``snapshot`` when given)."""
    py = sys.executable
    out = [
        ("python -c pass", [py, "-c", "pass"]),
        ('python -c "import json"', [py, "-c", "import json"]),
        ("spacecraft-data " + " ".join(CLI_ARGS), [cli_script(), *CLI_ARGS]),
    ]
    if snapshot:
        out.append(
            (
                f"spacecraft-data {' '.join(CLI_ARGS)} --snapshot <{Path(snapshot).name}>",
                [cli_script(), *CLI_ARGS, "--snapshot", snapshot],
            )
        )
    return out


_IMPORTTIME = re.compile(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")


def importtime_top(env: dict[str, str], top: int = 12) -> list[tuple[str, int, int]]:
    """(module, self µs, cumulative µs) of the ``top`` slowest imports of the CLI query, by cumulative
    time."""
    cmd = [sys.executable, "-X", "importtime", cli_script(), *CLI_ARGS]
    done = subprocess.run(
        cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    rows = [
        (m.group(4), int(m.group(1)), int(m.group(2)))
        for m in map(_IMPORTTIME.match, done.stderr.splitlines())
        if m
    ]
    return sorted(rows, key=lambda row: -row[2])[:top]
