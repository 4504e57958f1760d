"""Every declared Python works: build the wheel once, install it into a fresh venv on each supported CPython
this machine has, and run scripts/smoke.py there.

    .venv/bin/python scripts/smoke_pythons.py            # what .ci/run does
    .venv/bin/python scripts/smoke_pythons.py --python 3.10

``requires-python`` and the classifiers in pyproject.toml promise :data:`PYTHONS`
(tests/test_pythons.py checks that the three agree). Interpreters are looked for in
pyenv's versions folder (``pyenv root``, else ``~/.pyenv``), then as ``python3.N`` on
PATH; one that is missing is reported and skipped, not failed. The wheel is built
without isolation (``python -m build --no-isolation``: build and hatchling come with
the test extra), so it needs no network. Each venv's pip installs the wheel's runtime
dependencies from a wheelhouse kept between runs (``~/.cache/spacecraft-data/wheelhouse``,
one folder per interpreter and set of requirements, downloaded again after a week), filled
the first time by ``pip download`` as pip is set up on the machine (its cache, mirrors and
index); without a usable wheelhouse, pip installs them as it is set up.
Exit status: 0 when every interpreter found passed, 1 when one failed, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SMOKE = ROOT / "scripts" / "smoke.py"

#: the CPython minor versions the package supports: requires-python's minimum up to the newest tested
PYTHONS = ("3.10", "3.11", "3.12", "3.13")
#: how long one pip install, or one smoke run, may take (seconds): a hung step fails instead of stalling CI
STEP_DEADLINE = 600
#: where the dependency wheels of each interpreter are kept between runs (``--wheelhouse`` to change it)
WHEELHOUSE_ROOT = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "spacecraft-data" / "wheelhouse"
)
#: a kept wheelhouse older than this is downloaded again (seconds: a week), so new releases of the
#: dependencies are smoke-tested within a week even when the requirements do not change
WHEELHOUSE_MAX_AGE = 7 * 24 * 3600


def _pyenv_versions_dir() -> Path:
    pyenv = shutil.which("pyenv")
    if pyenv:
        try:
            root = subprocess.run(
                [pyenv, "root"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            if root:
                return Path(root) / "versions"
        except (OSError, subprocess.SubprocessError):
            pass
    return Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"


def find_interpreter(minor: str, versions_dir: Path | None = None) -> Path | None:
    """The newest CPython ``minor`` (e.g. ``3.12``) in pyenv's versions folder, else ``python3.N`` on PATH."""
    versions_dir = _pyenv_versions_dir() if versions_dir is None else versions_dir
    found = []
    if versions_dir.is_dir():
        for folder in versions_dir.iterdir():
            # 3.12.1, not 3.12.1t (free-threaded), 3.12-dev or pypy3.10-7.3
            match = re.fullmatch(rf"{re.escape(minor)}\.(\d+)", folder.name)
            python = folder / "bin" / "python3"
            if match and python.is_file():
                found.append((int(match.group(1)), python))
    if found:
        return max(found)[1]
    on_path = shutil.which(f"python{minor}")
    return Path(on_path) if on_path else None


def build_wheel(outdir: Path) -> Path:
    """Build the wheel of this checkout once, offline (the running interpreter's build and hatchling)."""
    done = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(outdir), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=STEP_DEADLINE,
    )
    if done.returncode != 0:
        raise SystemExit(
            f"smoke_pythons: building the wheel failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}"
        )
    wheels = sorted(outdir.glob("spacecraft_data-*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"smoke_pythons: expected one wheel in {outdir}, found {[w.name for w in wheels]}")
    return wheels[0]


def _clean_env() -> dict[str, str]:
    # The venv's own interpreter and the installed package, nothing of the caller's environment or checkout.
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}


def _requirements(wheel: Path) -> list[str]:
    """The wheel's Requires-Dist lines (its runtime dependencies, extras' markers included)."""
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = archive.read(name).decode("utf-8")
    return sorted(
        line.split(":", 1)[1].strip() for line in metadata.splitlines() if line.startswith("Requires-Dist:")
    )


def wheelhouse_dir(minor: str, wheel: Path, root: Path) -> Path:
    """Where the dependency wheels for ``minor`` are kept between runs: one folder per set of requirements."""
    key = hashlib.sha256("\n".join([minor, *_requirements(wheel)]).encode()).hexdigest()[:16]
    return root / f"cp{minor.replace('.', '')}-{key}"


def _fresh(folder: Path) -> bool:
    return folder.is_dir() and time.time() - folder.stat().st_mtime < WHEELHOUSE_MAX_AGE


def _pip(python: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # This interpreter's pip working on the venv (pip --python): the venvs need no pip of their own,
    # and ensurepip would cost each one more CPU than its whole install.
    return subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), *args],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=STEP_DEADLINE,
    )


def _failure(what: str, done: subprocess.CompletedProcess[str]) -> str:
    errors = [line for line in (done.stdout + done.stderr).splitlines() if "ERROR" in line or "rror:" in line]
    return f"{what} failed: {' / '.join(errors[-3:]) or done.stderr.strip()[-500:]}"


def install(
    minor: str, interpreter: Path, wheel: Path, work: Path, wheelhouses: Path | None
) -> tuple[Path | None, str]:
    """A new venv of ``interpreter`` with ``wheel`` installed: (its python, how) or (None, why it failed).

    With ``wheelhouses``, the dependencies come from a folder of wheels kept there from an earlier run
    (no index is asked: seconds instead of most of a minute); a missing or stale folder is filled first
    with ``pip download``, as pip is set up here.
    """
    venv = work / f"venv-{minor}"
    python = venv / "bin" / "python"
    done = subprocess.run(
        [str(interpreter), "-m", "venv", "--without-pip", str(venv)],
        capture_output=True,
        text=True,
        env=_clean_env(),
        timeout=STEP_DEADLINE,
    )
    if done.returncode != 0:
        return None, _failure("venv", done)
    # --no-compile: byte-compiling every dependency costs more CPU than the smoke test itself;
    # the modules the smoke imports are compiled when imported.
    if wheelhouses is not None:
        house = wheelhouse_dir(minor, wheel, wheelhouses)
        how = "dependencies from the kept wheelhouse"
        if not _fresh(house):
            filling = house.with_name(house.name + f".tmp{os.getpid()}")
            shutil.rmtree(filling, ignore_errors=True)
            done = _pip(python, "download", "-q", "--dest", str(filling), str(wheel))
            if done.returncode == 0:
                (filling / wheel.name).unlink(missing_ok=True)  # only the dependencies are kept
                shutil.rmtree(house, ignore_errors=True)
                filling.rename(house)
                how = f"wheelhouse filled by pip download ({len(list(house.iterdir()))} wheels)"
            shutil.rmtree(filling, ignore_errors=True)
        if house.is_dir():
            done = _pip(
                python, "install", "-q", "--no-compile", "--no-index", "--find-links", str(house), str(wheel)
            )
            if done.returncode == 0:
                return python, how
        how = "no usable wheelhouse, installed as pip is set up"
    else:
        how = "installed as pip is set up"
    done = _pip(python, "install", "-q", "--no-compile", str(wheel))
    if done.returncode != 0:
        return None, _failure("pip install", done)
    return python, how


def smoke(minor: str, python: Path, work: Path) -> subprocess.CompletedProcess[str]:
    """scripts/smoke.py run by ``python`` outside the checkout, so that the installed wheel is what it
    imports."""
    elsewhere = work / f"cwd-{minor}"
    elsewhere.mkdir()
    return subprocess.run(
        [str(python), str(SMOKE), "--require-wheel"],
        cwd=elsewhere,
        env=_clean_env(),
        capture_output=True,
        text=True,
        timeout=STEP_DEADLINE,
    )


def check(
    minor: str, interpreter: Path, wheel: Path, work: Path, wheelhouses: Path | None = None
) -> tuple[bool, str, str]:
    """Install ``wheel`` into a new venv of ``interpreter`` and smoke-test it: (passed, summary, smoke
    output)."""
    started = time.perf_counter()
    python, how = install(minor, interpreter, wheel, work, wheelhouses)
    installed = time.perf_counter() - started
    if python is None:
        return False, f"{how} ({installed:.1f} s)", ""
    done = smoke(minor, python, work)
    timing = (
        f"venv + install {installed:.1f} s ({how}), smoke {time.perf_counter() - started - installed:.1f} s"
    )
    if done.returncode != 0:
        return False, f"smoke FAILED (exit {done.returncode}; {timing})", done.stdout + done.stderr
    return True, f"ok ({timing})", done.stdout + done.stderr


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--python",
        action="append",
        choices=PYTHONS,
        metavar="3.N",
        help=f"check only this version (repeatable; default: all of {', '.join(PYTHONS)})",
    )
    parser.add_argument(
        "--keep", action="store_true", help="keep the wheel and the venvs (their folder is printed)"
    )
    parser.add_argument(
        "--wheelhouse",
        type=Path,
        default=WHEELHOUSE_ROOT,
        metavar="DIR",
        help="where dependency wheels are kept between runs (default: %(default)s)",
    )
    parser.add_argument(
        "--no-wheelhouse",
        action="store_true",
        help="install every dependency as pip is set up, keeping nothing between runs",
    )
    args = parser.parse_args(argv)
    wanted = args.python or list(PYTHONS)
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="spacecraft-data-pythons-"))
    results: dict[str, str] = {}
    failed = []
    try:
        found = {minor: find_interpreter(minor) for minor in wanted}
        for minor, interpreter in found.items():
            if interpreter is None:
                results[minor] = f"missing: skipped (no pyenv version, no python{minor} on PATH)"
                print(f"smoke_pythons: CPython {minor} is not on this machine: skipped", file=sys.stderr)
        if not any(found.values()):
            print("smoke_pythons: no supported CPython found; nothing was checked", file=sys.stderr)
            return 0
        wheel = build_wheel(work / "dist")
        print(f"smoke_pythons: built {wheel.name} in {time.perf_counter() - started:.1f} s", flush=True)
        # One venv per interpreter, all at once: pip mostly waits (on its cache, mirrors and index), so the
        # interpreters overlap well even on 2 cores. Each one's output is printed whole when it is done.
        present = {minor: interpreter for minor, interpreter in found.items() if interpreter is not None}
        with ThreadPoolExecutor(max_workers=len(present)) as pool:
            wheelhouses = None if args.no_wheelhouse else args.wheelhouse
            futures = {
                minor: pool.submit(check, minor, interpreter, wheel, work, wheelhouses)
                for minor, interpreter in present.items()
            }
            for minor, future in futures.items():
                ok, summary, output = future.result()
                print(f"smoke_pythons: CPython {minor} ({present[minor]}): {summary}")
                if output:
                    print(output.rstrip())
                results[minor] = f"{present[minor]}: {summary}"
                if not ok:
                    failed.append(minor)
    finally:
        if args.keep:
            print(f"smoke_pythons: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    print(f"smoke_pythons: summary ({time.perf_counter() - started:.1f} s in all)")
    for minor in wanted:
        print(f"  {minor}: {results[minor]}")
    if failed:
        print(f"smoke_pythons: FAILED on {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
