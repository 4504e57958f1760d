"""The body of a release's GitHub release: CHANGELOG.md's section for the tag, then the data version it ships.

    python scripts/release_notes.py v0.2.0                       # from the checkout's data/snapshots
    python scripts/release_notes.py v0.2.0 --wheel dist/spacecraft_data-0.2.0-py3-none-any.whl
    python scripts/release_notes.py v0.2.0 --check               # the tag, pyproject and CHANGELOG agree; no
    output

The tag must be ``v`` + pyproject.toml's ``project.version``, and CHANGELOG.md must have a section
``## <version> — <YYYY-MM-DD>`` with a date (not "Unreleased"): a release cut from a tree that
disagrees fails here, before anything is published. The data version is the newest bundled
snapshot's (what ``spacecraft_data.load()`` answers from after ``pip install``), read from the built
wheel when ``--wheel`` is given, else from ``data/snapshots/``. Only the standard library and
``spacecraft_data.store`` (from ``src/``) are used, so any Python 3.10+ runs it.
Exit status: 0, 1 when they disagree (one line on stderr saying what), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import re
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacecraft_data.endpoints import DEFAULT_API_VERSION  # noqa: E402
from spacecraft_data.store import is_snapshot_version, version_key  # noqa: E402

#: a release heading: ``## 0.2.0 — 2026-12-05`` (an em dash, as CHANGELOG.md writes them; a hyphen is
#: accepted)
_HEADING = re.compile(r"^## (?P<version>\S+) [—-] (?P<date>\d{4}-\d{2}-\d{2})\s*$")
_WHEEL_SNAPSHOT = re.compile(
    r"^spacecraft_data/_bundled/snapshots/(?P<api>[^/]+)/(?P<version>[^/]+)/manifest\.json$"
)


class ReleaseError(Exception):
    """The tag, pyproject.toml, CHANGELOG.md or the data disagree: the message says which and where."""


def project_version(pyproject: Path) -> str:
    """``project.version`` of ``pyproject`` (read with a regular expression: tomllib is 3.11+)."""
    match = re.search(r'^version\s*=\s*"([^"]+)"', pyproject.read_text(encoding="utf-8"), re.M)
    if not match:
        raise ReleaseError(f"{pyproject}: no 'version = \"...\"' line")
    return match.group(1)


def changelog_section(changelog: Path, version: str) -> tuple[str, str]:
    """(date, body) of ``version``'s section of ``changelog``: the text under its ``## `` heading, up to the
    next."""
    lines = changelog.read_text(encoding="utf-8").splitlines()
    for i, line in enumerate(lines):
        if line.startswith(f"## {version} ") or line == f"## {version}":
            match = _HEADING.match(line)
            if not match or match.group("version") != version:
                raise ReleaseError(
                    f"{changelog}:{i + 1}: the heading of {version} has no date "
                    f"(expected '## {version} — YYYY-MM-DD'): {line!r}"
                )
            end = next((j for j in range(i + 1, len(lines)) if lines[j].startswith("## ")), len(lines))
            body = "\n".join(lines[i + 1 : end]).strip("\n")
            if not body.strip():
                raise ReleaseError(f"{changelog}:{i + 1}: the section of {version} is empty")
            return match.group("date"), body
    raise ReleaseError(f"{changelog}: no section '## {version} — YYYY-MM-DD'")


def data_version(
    wheel: Path | None = None, *, root: Path = ROOT, api_version: str = DEFAULT_API_VERSION
) -> str:
    """The newest bundled snapshot version: of ``wheel``'s ``_bundled/snapshots``, else of
    ``root/data/snapshots``."""
    if wheel is not None:
        with zipfile.ZipFile(wheel) as archive:
            versions = [
                m.group("version")
                for name in archive.namelist()
                if (m := _WHEEL_SNAPSHOT.match(name)) and m.group("api") == api_version
            ]
        where = str(wheel)
    else:
        folder = root / "data" / "snapshots" / api_version
        versions = (
            [d.name for d in folder.iterdir() if (d / "manifest.json").is_file()] if folder.is_dir() else []
        )
        where = str(folder)
    versions = [v for v in versions if is_snapshot_version(v)]
    if not versions:
        raise ReleaseError(f"{where}: no bundled snapshot of LL2 API {api_version}")
    return max(versions, key=version_key)


def notes(tag: str, *, root: Path = ROOT, wheel: Path | None = None) -> str:
    """The release body for ``tag``; :class:`ReleaseError` when the tag, pyproject and CHANGELOG disagree."""
    version = project_version(root / "pyproject.toml")
    if tag != f"v{version}":
        raise ReleaseError(f"tag {tag!r} is not 'v' + pyproject.toml's version {version!r}")
    date, body = changelog_section(root / "CHANGELOG.md", version)
    data = data_version(wheel, root=root)
    return (
        f"{body}\n\n---\n\n**Code version** {version} ({date}). **Data version**: snapshot {data} of "
        f"Launch Library 2 API {DEFAULT_API_VERSION} (`spacecraft-data --version` prints both). The data is "
        f"The Space Devs' (https://thespacedevs.com), under their terms: DATA_LICENSE.md.\n"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tag", help="the release tag, e.g. v0.2.0 (in a workflow: ${{ github.ref_name }})")
    parser.add_argument("--wheel", type=Path, help="read the data version from this built wheel")
    parser.add_argument("--check", action="store_true", help="only check that they agree; print nothing")
    args = parser.parse_args(argv)
    if args.wheel is not None and not args.wheel.is_file():
        parser.error(f"--wheel {args.wheel}: no such file")
    try:
        text = notes(args.tag, wheel=args.wheel)
    except (ReleaseError, OSError, zipfile.BadZipFile) as exc:
        print(f"release_notes: error: {exc}", file=sys.stderr)
        return 1
    if not args.check:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
