"""One writer at a time per snapshot store (or raw folder): an advisory ``flock`` that a killed run never
leaves held, and whose holder a waiting run names.

Details: docs/architecture.md#snapshots-on-disk
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import InputError
from .typecheck import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterator
    from contextlib import AbstractContextManager
    from typing import Any

__all__ = ["LOCK_FILE", "LOCK_WAIT", "StoreBusy", "store_lock"]

#: the lock file :func:`store_lock` creates in a store (or raw folder) while a run holds it, removed on
#: release
LOCK_FILE = ".spacecraft-data.lock"
#: seconds a run waits for another run's lock on the same store before giving up (exit 2): ``--lock-wait``.
#: A harvest of the live API can hold it for an hour (the anonymous rate limit); an import, for seconds.
LOCK_WAIT = 600.0


class StoreBusy(InputError):
    """Another run held the store's lock for longer than this one would wait; nothing was written (exit 2)."""


def store_lock(folder: Path, holder: str, wait: float = LOCK_WAIT) -> AbstractContextManager[Path]:
    """Hold the advisory lock of ``folder`` (a snapshot store or a raw folder) for a ``with`` block.

    ``holder`` says who takes it (``"harvest of https://..."``); it is written into the lock file, so a run
    that has to wait can say for whom. A run that finds the lock held says so once (an info line of the
    ``spacecraft_data.store_lock`` logger) and polls for up to ``wait`` seconds, then raises
    :class:`StoreBusy` (exit 2) naming the lock file and its holder. The lock is ``fcntl.flock``: the kernel
    releases it when its holder exits, however it exits, so a killed run never leaves a store locked; the file
    is removed on release. Without ``fcntl`` (Windows, not a supported platform) runs are not coordinated and
    this does nothing.
    """
    from contextlib import contextmanager

    @contextmanager
    def held() -> Iterator[Path]:
        path = Path(folder) / LOCK_FILE
        try:
            import fcntl
        except ImportError:  # not a POSIX system: no advisory locks to take
            yield path
            return
        # The folders made only to hold the lock file are removed again if the run leaves them empty: a run
        # that fails before publishing leaves no trace of the lock.
        made = [f for f in (path.parent, *path.parent.parents) if not f.exists()]
        fd = _acquire(fcntl, path, holder, wait)
        try:
            yield path
        finally:
            if fd is not None:
                # Unlinked while still held: a run waiting on this file sees it is no longer the lock file
                # (see _acquire) and takes the next one, so two runs never both "hold" the store.
                try:
                    os.unlink(path)
                except OSError:
                    pass
                os.close(fd)
            for empty in made:
                try:
                    empty.rmdir()
                except OSError:
                    break

    return held()


def _acquire(fcntl: Any, path: Path, holder: str, wait: float) -> int | None:
    """An open descriptor of ``path`` holding its exclusive ``flock``; :class:`StoreBusy` after ``wait``
    seconds.

    None, after a warning, on a file system that has no ``flock`` (some network file systems).
    """
    import errno
    import time

    deadline = time.monotonic() + max(wait, 0.0)
    said = ""
    while True:
        fd = _open_lock_file(path)
        if fd is None:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            other = _holder(fd)
            os.close(fd)
            said = _wait_turn(path, other, wait, deadline, said)
            continue
        except OSError as exc:
            os.close(fd)
            if exc.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS):
                raise
            _say(
                f"warning: {path}: this file system has no advisory locks ({exc.strerror}); "
                "going on without one: do not run two harvests or imports into this store at once",
                warning=True,
            )
            return None
        except BaseException:
            os.close(fd)
            raise
        if _still_at(path, fd):
            break
        os.close(fd)
    if said:
        _say(f"{path}: the other run has finished; going on")
    _write_holder(fd, holder)
    return fd


def _say(message: str, warning: bool = False) -> None:
    """Log ``message`` as progress, or as a warning a user must see."""
    # Imported here: logging stays out of load()'s path, and only a run that waits for a lock says anything.
    import logging

    log = logging.getLogger(__name__)
    (log.warning if warning else log.info)(message)


def _open_lock_file(path: Path) -> int | None:
    """An open descriptor of ``path`` (made with its folder if missing), or None to try again."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except FileNotFoundError:  # another run removed the folder it had made, as it left: make it again
        return None


def _wait_turn(path: Path, other: str, wait: float, deadline: float, said: str) -> str:
    """After a try that found ``path`` locked by ``other``: :class:`StoreBusy` once past ``deadline``, else
    say (once) what the run waits for and sleep a little. Returns what has been said.
    """
    import time

    if time.monotonic() >= deadline:
        raise StoreBusy(
            f"{path}: still locked by {other} after waiting {wait:g} s (--lock-wait): one "
            "harvest or import at a time per store; nothing was fetched or published by this "
            "run; run it again once the other one has finished"
        ) from None
    if not said:
        said = f"{path}: locked by {other}; waiting up to {wait:g} s for it to finish (--lock-wait)"
        _say(said)
    time.sleep(min(0.2, max(deadline - time.monotonic(), 0.01)))
    return said


def _still_at(path: Path, fd: int) -> bool:
    """Whether ``fd`` is still the file at ``path``.

    The previous holder unlinks the file as it releases it: a lock on an unlinked (or replaced) file guards
    nothing, so the caller takes the one now at ``path``.
    """
    try:
        current = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (current.st_dev, current.st_ino) == (mine.st_dev, mine.st_ino)


def _write_holder(fd: int, holder: str) -> None:
    """Write who holds the lock (``holder``, pid, since when) into it, for a waiting run to show."""
    import datetime as _dt

    since = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    os.ftruncate(fd, 0)
    os.write(fd, f"{holder} (pid {os.getpid()}, since {since})\n".encode("utf-8", "replace"))


def _holder(fd: int) -> str:
    """Who holds the lock open on ``fd``, as its holder wrote it (one line, bounded), for a message."""
    try:
        text = os.pread(fd, 512, 0).decode("utf-8", "replace").strip().splitlines()
    except OSError:
        text = []
    return text[0] if text else "another run (it has not said which yet)"
