#!/usr/bin/env python3
"""Refresh the repository's data from LL2 in one step, ready to commit, or leave everything as it was.

    python scripts/refresh.py                                   # the live API (SPACECRAFT_DATA_API_KEY if
    set)
    python scripts/refresh.py --base-url http://127.0.0.1:8000  # any LL2-compatible server
    python scripts/refresh.py --summary /tmp/summary.md         # also write the summary (a pull request body)
    python scripts/refresh.py --bundle-tests                    # only the tests of the bundle itself (-m
    bundle)
    python scripts/refresh.py --skip-tests                      # or --tests "tests/test_schema.py -x"
    python scripts/refresh.py -- --mode both                    # after --: options for scripts/harvest.py

The steps, each the repository's own script or command, stop at the first failure:

1. harvest (scripts/harvest.py: data/snapshots, data/raw/harvest, DATA_CHANGES.md);
2. scripts/build_all.py (schema, snapshots, tables, datapackage.json);
3. spacecraft-data validate over data/snapshots;
4. the tests (pytest): by default the whole suite; with --bundle-tests the named selection
   ``-m bundle``, the tests of the bundle itself (data/snapshots, data/tables, datapackage.json:
   well-formed, consistent, reproducible), which must hold whatever was harvested. Every other
   test states facts of the PINNED snapshot (tests/conftest.py: the 28 records bundled on
   2026-12-01), which a harvest leaves alone, so the whole suite passes after a real refresh too;
5. the summary: the new DATA_CHANGES.md entry and spacecraft-data diff from the snapshot
   that was the latest before to the harvested one.

Before step 1 the generated and harvested paths (MANAGED) are copied aside; if any step
fails, or the run is interrupted, they are put back byte for byte and the script exits 1.
A harvest that changes no record is also undone (exit 0, nothing to commit).
Exit codes: 0 done (or nothing changed), 1 a step failed (the tree is as it was), 2 usage.
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: every path a refresh may write, relative to the repository; nothing else is touched
MANAGED = ("data", "schema", "datapackage.json", "DATA_CHANGES.md")
API = "2.3.0"
#: the named test selection of --bundle-tests: the tests marked ``bundle`` (see tests/conftest.py)
BUNDLE_TESTS = ("-m", "bundle")


class StepFailed(Exception):
    """A step exited non-zero; its output has been shown."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--base-url",
        default=None,
        help="LL2 server to harvest (default: the live API, https://ll.thespacedevs.com)",
    )
    tests = parser.add_mutually_exclusive_group()
    tests.add_argument(
        "--tests",
        default="",
        metavar="ARGS",
        help="pytest arguments, one shell-quoted string (default: the whole suite, -x -q)",
    )
    tests.add_argument(
        "--bundle-tests",
        action="store_true",
        help="run only the tests of the bundle itself (pytest -m bundle): what a harvest can break",
    )
    tests.add_argument(
        "--skip-tests", action="store_true", help="do not run the tests (e.g. from the test of refresh)"
    )
    parser.add_argument(
        "--summary",
        type=Path,
        default=None,
        metavar="FILE",
        help="also write the summary (Markdown) to FILE; keep it outside the repository",
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    harvest_args: list[str] = []
    if "--" in argv:
        cut = argv.index("--")
        argv, harvest_args = argv[:cut], argv[cut + 1 :]
    args = _parser().parse_args(argv)
    if args.summary is not None and _inside(args.summary.resolve(), ROOT):
        print(
            f"refresh: error: --summary {args.summary}: inside the repository; it would be committed",
            file=sys.stderr,
        )
        return 2
    with tempfile.TemporaryDirectory(prefix="refresh-") as tmp:
        backup = Path(tmp) / "before"
        _save(backup)
        try:
            summary = _refresh(args, harvest_args)
        except BaseException as exc:  # a failed step, an interrupt, anything: put the tree back as it was
            _restore(backup)
            if isinstance(exc, StepFailed):
                print(f"refresh: {exc}; the work tree is as it was", file=sys.stderr)
                return 1
            if isinstance(exc, KeyboardInterrupt):
                print("refresh: interrupted; the work tree is as it was", file=sys.stderr)
                return 130
            raise
        if summary is None:
            _restore(backup)
            print("refresh: the harvest changed no record; the work tree is as it was")
            return 0
    print(summary)
    if args.summary is not None:
        args.summary.parent.mkdir(parents=True, exist_ok=True)
        args.summary.write_text(summary + "\n", encoding="utf-8")
    print("refresh: done; review and commit: git add data schema datapackage.json DATA_CHANGES.md")
    return 0


def _refresh(args: argparse.Namespace, harvest_args: list[str]) -> str | None:
    """Run the steps; return the summary, or None when no record changed."""
    before = _snapshots()
    previous = before[-1] if before else None
    # --progress: the harvest's progress lines belong in the workflow's log, where stderr is no terminal.
    harvest = [sys.executable, str(ROOT / "scripts" / "harvest.py"), "--progress"]
    if args.base_url:
        harvest += ["--base-url", args.base_url]
    _step("harvest", [*harvest, *harvest_args])
    new = [s for s in _snapshots() if s not in before]
    if len(new) != 1:
        raise StepFailed(f"harvest: expected one new snapshot under data/snapshots/{API}, found {len(new)}")
    _step("build_all", [sys.executable, str(ROOT / "scripts" / "build_all.py")])
    if not (ROOT / "data" / "snapshots" / API / new[0]).is_dir():
        raise StepFailed(f"build_all: the harvested snapshot {new[0]} is gone after the rebuild")
    _step("validate", [*_cli(), "validate", str(ROOT / "data" / "snapshots")])
    if not args.skip_tests:
        selection = list(BUNDLE_TESTS) if args.bundle_tests else shlex.split(args.tests)
        _step("tests", [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *selection])
    if previous is None:
        return _summary(new[0], None, "first snapshot in this store")
    store = ["--root", str(ROOT / "data" / "snapshots"), "--api-version", API]
    # The exit code says whether any record differs (1) or none does (0).
    changed = subprocess.run(
        [*_cli(), "diff", previous, new[0], *store, "--exit-code", "--summary"],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.DEVNULL,
    ).returncode
    if changed == 0:
        return None
    if changed != 1:
        raise StepFailed(f"diff: exit {changed}")
    diff = _step("diff", [*_cli(), "diff", previous, new[0], *store], capture=True)
    return _summary(new[0], previous, diff)


def _summary(version: str, previous: str | None, diff: str) -> str:
    """The pull request body: the new DATA_CHANGES.md entry, then the diff."""
    log = (ROOT / "DATA_CHANGES.md").read_text(encoding="utf-8")
    heading = f"## {API}/{version}"
    entry = (
        log[log.rindex(heading) :].strip() if heading in log else f"{heading}\n\n(no DATA_CHANGES.md entry)"
    )
    title = f"Data refresh: {API}/{version}" + (f" (versus {previous})" if previous else "")
    return "\n".join([f"# {title}", "", entry, "", "## Diff", "", "```", diff.rstrip("\n"), "```"])


def _cli() -> list[str]:
    return [sys.executable, "-m", "spacecraft_data"]


def _env() -> dict[str, str]:
    # The repository's own package first, whatever is installed (this script may run in another checkout).
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT / "src"), env.get("PYTHONPATH", "")) if p)
    return env


def _step(name: str, command: list[str], capture: bool = False) -> str:
    print(f"== refresh: {name}", flush=True)
    done = subprocess.run(
        command, cwd=ROOT, env=_env(), text=True, stdout=subprocess.PIPE if capture else None
    )
    if done.returncode != 0:
        raise StepFailed(f"{name} failed (exit {done.returncode})")
    return done.stdout or ""


def _snapshots() -> list[str]:
    """Snapshot versions under data/snapshots/<api>, oldest first (versions compare as numbers)."""
    folder = ROOT / "data" / "snapshots" / API
    names = [p.name for p in folder.iterdir() if (p / "manifest.json").is_file()] if folder.is_dir() else []
    return sorted(names, key=lambda v: tuple(int(part) for part in v.split(".")))


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _save(backup: Path) -> None:
    """Copy every managed path aside, metadata included."""
    backup.mkdir()
    for rel in MANAGED:
        source = ROOT / rel
        if source.is_dir():
            shutil.copytree(source, backup / rel, symlinks=True)
        elif source.exists():
            shutil.copy2(source, backup / rel)


def _restore(backup: Path) -> None:
    """Put every managed path back exactly as :func:`_save` found it (removing what a step added)."""
    for rel in MANAGED:
        target = ROOT / rel
        if target.is_dir() and not target.is_symlink():
            shutil.rmtree(target)
        elif target.exists() or target.is_symlink():
            target.unlink()
        saved = backup / rel
        if saved.is_dir():
            shutil.copytree(saved, target, symlinks=True)
        elif saved.exists():
            shutil.copy2(saved, target)


if __name__ == "__main__":
    sys.exit(main())
