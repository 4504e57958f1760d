"""The snapshot store: where snapshots live on disk and how they are written and read (atomically, checked);
one writer at a time is :mod:`spacecraft_data.store_lock`'s job.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import json
import os
import re
import stat
from pathlib import Path

from .endpoints import DEFAULT_API_VERSION
from .errors import InputError, SnapshotError, SnapshotNotFound

# Start-up matters (a CLI query should cost about one interpreter start): hashlib,
# tempfile, shutil and importlib.resources (~10 ms together) are imported in the
# functions that write or locate files.
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable
    from typing import Any

__all__ = [
    "MANIFEST",
    "dump_json",
    "sha256_bytes",
    "sha256_file",
    "bundled_root",
    "snapshot_versions",
    "latest_snapshot_dir",
    "publish",
    "write_atomic",
    "version_key",
    "read_json",
    "read_file_bytes",
    "open_regular",
    "NotARegularFile",
    "is_snapshot_version",
]

MANIFEST = "manifest.json"


_VERSION = re.compile(r"^\d{4}\.\d{2}\.\d{2}(\.\d+)?$")


def dump_json(obj: Any) -> bytes:
    """Serialise ``obj`` deterministically: 2-space indent, UTF-8, key order kept, final newline."""
    return (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of ``data``."""
    import hashlib

    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path | Traversable) -> str:
    """Hex SHA-256 of the file at ``path``."""
    return sha256_bytes(path.read_bytes())


def version_key(version: str) -> tuple[int, ...]:
    """Sort key of a snapshot version (``2026.11.22`` < ``2026.11.22.1`` < ``2026.12.01``)."""
    return tuple(int(part) for part in version.split("."))


def is_snapshot_version(name: str) -> bool:
    """True when ``name`` has the form of a snapshot version."""
    return bool(_VERSION.match(name))


def bundled_root() -> Traversable:
    """The folder of snapshots shipped with the package.

    In an installed wheel it is ``spacecraft_data/_bundled/snapshots``; in a source
    checkout (editable install, or ``src`` on the path) it is the repository's
    ``data/snapshots``.
    """
    # A wheel installs the package as plain files, so the folder is found next to this
    # module without importlib.resources; resources are asked only for other loaders (zip).
    here = Path(__file__).resolve().parent
    packaged_dir = here / "_bundled" / "snapshots"
    if packaged_dir.is_dir():
        return packaged_dir
    checkout = here.parents[1] / "data" / "snapshots"
    if checkout.is_dir():
        return checkout
    from importlib import resources

    packaged = resources.files("spacecraft_data").joinpath("_bundled", "snapshots")
    if packaged.is_dir():
        return packaged
    raise SnapshotNotFound(
        "no bundled snapshots found: the package was installed without its data "
        f"(looked in {packaged} and {checkout})"
    )


def snapshot_versions(root: Path | Traversable, api_version: str = DEFAULT_API_VERSION) -> list[str]:
    """The snapshot versions under ``root/<api_version>``, oldest first."""
    api_dir = root.joinpath(api_version)
    if not api_dir.is_dir():
        return []
    names = [d.name for d in api_dir.iterdir() if d.is_dir() and is_snapshot_version(d.name)]
    return sorted(names, key=version_key)


def latest_snapshot_dir(
    root: Path | Traversable, api_version: str = DEFAULT_API_VERSION
) -> Path | Traversable:
    """The folder of the newest snapshot under ``root`` for ``api_version``."""
    versions = snapshot_versions(root, api_version)
    if not versions:
        raise SnapshotNotFound(f"no snapshot for API {api_version} under {root}")
    return root.joinpath(api_version, versions[-1])


def _fsync_path(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically (temporary file, fsync, rename)."""
    import tempfile

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes it private; data files are meant to be read by all
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    _fsync_path(path.parent)


def publish(files: dict[str, bytes], target: Path, replace: bool = False) -> Path:
    """Write a snapshot folder atomically and return it.

    ``files`` maps file names to their bytes. The folder is assembled beside
    ``target`` and renamed into place only once every file is on disk. When
    ``target`` exists it is left as it is unless ``replace`` is true; with
    ``replace`` the old folder is swapped out and removed only after the new one
    is in place.
    """
    import shutil
    import tempfile

    target = Path(target)
    if target.exists() and not replace:
        raise SnapshotError(f"{target} already exists; refusing to overwrite a published snapshot")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent))
    try:
        os.chmod(staging, 0o755)  # mkdtemp makes it private; a published snapshot is readable by all
        for name, data in files.items():
            with open(staging / name, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        _fsync_path(staging)
        old: Path | None = None
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            os.rename(target, old)
        try:
            os.rename(staging, target)
        except BaseException:
            if old is not None:
                os.rename(old, target)
            raise
        _fsync_path(target.parent)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


#: what a file of each non-regular kind is called in an error
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotARegularFile(InputError, OSError):
    """A folder, FIFO, socket or device where a regular file should be (``strerror`` says which): an I/O
    error."""


def open_regular(path: Path, limit: int | None = None) -> bytes:
    """The bytes of the regular file at ``path``; :class:`NotARegularFile` (an ``OSError``) for anything else.

    The file is opened non-blocking and checked with ``fstat`` before anything is
    read, so a FIFO where a file should be is refused at once instead of hanging,
    and nothing can be swapped in between the check and the read. With ``limit``, at most
    ``limit + 1`` bytes are read: more than ``limit`` come back when the file is longer.
    """
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        kind = next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")
        raise NotARegularFile(0, f"{kind}, not a regular file", str(path))
    with os.fdopen(fd, "rb") as fh:
        return fh.read() if limit is None else fh.read(limit + 1)


def read_file_bytes(path: Path | Traversable, what: str) -> bytes:
    """The bytes of the snapshot file at ``path`` (see :func:`open_regular`); a :class:`SnapshotError`
    otherwise."""
    if not isinstance(path, Path):  # a resource inside a zip: always a plain member
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise SnapshotNotFound(f"{path}: missing ({what})") from None
    try:
        return open_regular(path)
    except FileNotFoundError:
        raise SnapshotNotFound(f"{path}: missing ({what})") from None
    except NotARegularFile as exc:
        kind = (exc.strerror or "not a regular file").split(",")[0]
        raise SnapshotError(f"{path}: {kind} where the {what} file should be") from None
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read {what}: {exc.strerror or exc}") from None


def read_json(path: Path | Traversable, what: str, sha256: str | None = None) -> Any:
    """Load a JSON file of a snapshot, naming the file (and line, record id or JSON path) on failure.

    Standard JSON only (see :mod:`spacecraft_data.strictjson`): UTF-8 without a byte
    order mark, no NaN or Infinity, nesting within Python's limit. With ``sha256``, the
    file's bytes must have that digest (the manifest's checksum of the file).
    """
    from .strictjson import StrictJSONError, decode, loads

    data = read_file_bytes(path, what)
    try:
        value = loads(decode(data))
    except StrictJSONError as exc:
        line = f":{exc.line}" if exc.line is not None else ""
        raise SnapshotError(f"{path}{line}: invalid JSON in {what}: {exc}") from None
    if sha256 is not None:
        actual = sha256_bytes(data)
        if actual != sha256:
            raise SnapshotError(
                f"{path}: sha256 {actual} differs from {MANIFEST} ({sha256}): the file changed "
                "after the snapshot was built (load(path, verify=False) reads it unchecked)"
            )
    return value
