#!/usr/bin/env python3
"""Installed size and package count of the core install and of each extra, from the built wheel.

    python benchmarks/install_size.py                  # build the wheel, measure every install
    python benchmarks/install_size.py --only core all  # some of them

For each install: a fresh venv, ``pip install <wheel>[extra]``, then

* packages: ``pip list`` less pip and setuptools (the venv's own), spacecraft-data included;
* size: the bytes under site-packages less pip, setuptools, pkg_resources and _distutils_hack
  (what a fresh venv holds before anything is installed), as ``du`` counts them (allocated blocks).

Prints a Markdown table for the README. Needs the build tools of the ``test`` extra (offline:
``--no-isolation``) and a package index or cache pip can reach.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INSTALLS = {
    "core": "",
    "tables": "[tables]",
    "pandas": "[pandas]",
    "parquet": "[parquet]",
    "harvest": "[harvest]",
    "all": "[all]",
}
#: what a fresh venv holds before anything is installed: not counted
VENV_OWN = ("pip", "setuptools", "pkg_resources", "_distutils_hack", "distutils-precedence.pth")


def _size(site: Path) -> int:
    total = 0
    for entry in site.iterdir():
        if entry.name.split("-")[0] in VENV_OWN or entry.name in VENV_OWN:
            continue
        files = (
            [entry]
            if entry.is_file()
            else [p for p in entry.rglob("*") if p.is_file() and not p.is_symlink()]
        )
        total += sum(p.stat().st_blocks * 512 for p in files)
    return total


def measure(wheel: Path, extra: str, work: Path) -> tuple[int, int, list[str]]:
    """(packages, bytes, names) of ``pip install wheel+extra`` in a fresh venv under ``work``."""
    env_dir = work / (extra.strip("[]") or "core")
    venv.EnvBuilder(with_pip=True).create(env_dir)
    py = env_dir / "bin" / "python"
    subprocess.run([str(py), "-m", "pip", "install", "-q", f"{wheel}{extra}"], check=True)
    listed = subprocess.run(
        [str(py), "-m", "pip", "list", "--format=freeze"], check=True, capture_output=True, text=True
    ).stdout.split()
    names = sorted(
        line.split("==")[0] for line in listed if line.split("==")[0].lower() not in ("pip", "setuptools")
    )
    (site,) = (env_dir / "lib").glob("python*/site-packages")
    return len(names), _size(site), names


def build_wheel(outdir: Path) -> Path:
    """The project's wheel, built offline (the test extra's build and hatchling) into ``outdir``."""
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir), str(ROOT)],
        check=True,
        capture_output=True,
    )
    (wheel,) = outdir.glob("spacecraft_data-*.whl")
    return wheel


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", nargs="*", choices=list(INSTALLS), default=list(INSTALLS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        wheel = build_wheel(work / "dist")
        print(f"wheel: {wheel.name} ({wheel.stat().st_size / 1e6:.2f} MB)")
        print("| install | packages | size |\n|---|---:|---:|")
        for name in args.only:
            count, size, names = measure(wheel, INSTALLS[name], work)
            label = f"`pip install spacecraft-data{INSTALLS[name]}`"
            print(f"| {label} | {count} | {size / 1e6:.1f} MB |", flush=True)
            print(f"<!-- {name}: {', '.join(names)} -->", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
