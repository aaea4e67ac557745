"""The index write lock, stale-lock recovery, and worker processes that die with their parent.

searchkit holds its own lock, ``searchkit.lock`` in the index folder, for the
whole of a write (add, remove, rebuild).  It is a POSIX record lock
(``fcntl.lockf``), which the kernel drops when the holding process dies and
which -- unlike Whoosh's ``flock``-based ``MAIN_WRITELOCK`` -- is *not*
inherited by forked worker processes.  So once searchkit holds its lock, no
live searchkit writer exists, and a Whoosh ``WRITELOCK`` that is still taken
can only belong to workers orphaned by a killed run (``kill -9`` of a parent
using ``procs>1``): it is stale and is cleared by replacing the lock file.

POSIX locks do not exclude each other inside one process, so a process-wide
registry makes two :class:`~searchkit.Index` objects (or threads) on the same
folder wait for each other too.
"""

from __future__ import annotations

import errno
import os
import sys
import threading
import time
from pathlib import Path

__all__ = ["WriteLock", "LOCK_FILE", "die_with_parent", "lock_index", "pid_alive"]

LOCK_FILE = "searchkit.lock"

_held_lock = threading.Lock()
_held: set[str] = set()  # lock files held by this process


def pid_alive(pid: int) -> bool:
    """True when a process with this id exists (a zombie counts as dead)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) holds nothing any more
        with open(f"/proc/{pid}/stat", "rb") as handle:
            state = handle.read().rsplit(b")", 1)[1].split()[0]
        return state not in (b"Z", b"X")
    except (OSError, IndexError):
        return True


class WriteLock:
    """An exclusive, process-death-safe lock on an index folder.

    ``acquire(timeout)`` polls until the lock is free or ``timeout`` seconds
    have passed (then returns False).  The holder writes its process id into
    the file; :attr:`holder` reads it back for error messages.
    """

    def __init__(self, folder: str | os.PathLike[str]):
        self.path = Path(folder) / LOCK_FILE
        self._key = os.path.realpath(self.path)
        self._fd: int | None = None
        #: The process id recorded by the previous holder (read when acquiring).
        self.previous_holder: int | None = None

    @property
    def locked(self) -> bool:
        return self._fd is not None

    def _try(self) -> bool:
        import fcntl

        with _held_lock:
            if self._key in _held:
                return False
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
            try:
                fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                os.close(fd)
                if exc.errno in (errno.EAGAIN, errno.EACCES):
                    return False
                raise
            _held.add(self._key)
        self._fd = fd
        try:
            self.previous_holder = int(os.pread(fd, 64, 0).split()[0])
        except (ValueError, IndexError, OSError):
            self.previous_holder = None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        except OSError:
            pass  # the pid is a courtesy for messages; the lock is what counts
        return True

    def acquire(self, timeout: float) -> bool:
        """Take the lock, waiting up to ``timeout`` seconds; False when it stayed busy."""
        if self._fd is not None:
            raise RuntimeError("lock already held")
        deadline = time.monotonic() + max(0.0, timeout)
        delay = 0.02
        while True:
            if self._try():
                return True
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, 0.25)

    def holder(self) -> int | None:
        """The process id written by the current holder, if readable."""
        try:
            return int(self.path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def release(self) -> None:
        if self._fd is None:
            return
        import fcntl

        fd, self._fd = self._fd, None
        try:
            fcntl.lockf(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)
            with _held_lock:
                _held.discard(self._key)

    def __enter__(self) -> WriteLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def clear_stale_whoosh_lock(folder: Path, name: str) -> None:
    """Replace Whoosh's lock file ``name`` (held by orphans of a killed run).

    Call only while holding :class:`WriteLock`.  The orphans keep their lock
    on the old, now nameless file; the next writer locks a fresh one.
    """
    target = folder / name
    try:
        target.unlink()
    except FileNotFoundError:
        pass
    import logging  # not on a query's path

    logging.getLogger("searchkit").warning("searchkit: cleared a stale lock left by a killed indexing run in %s", folder)


# --- worker processes -----------------------------------------------------

_PR_SET_PDEATHSIG = 1


_SIGKILL = 9  # signal.SIGKILL on Linux, the only platform this applies to


def die_with_parent(sig: int = _SIGKILL) -> None:
    """Make this (forked worker) process receive ``sig`` when its parent dies.

    Linux only (``prctl(PR_SET_PDEATHSIG)``); elsewhere a no-op.  Call it first
    thing in every worker process a writer starts: a worker inherits the
    parent's Whoosh lock, and one that outlives a ``kill -9`` of its parent
    would otherwise keep it forever.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes  # not on a query's path

    parent = os.getppid()
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before prctl took effect
        os.kill(os.getpid(), sig)


def lock_index(folder: str | os.PathLike[str], timeout: float) -> WriteLock:
    """Take the write lock of the index at ``folder``, waiting up to ``timeout`` seconds.

    Returns the held :class:`WriteLock` (release it, or use it as a context
    manager).  Raises :class:`~searchkit.errors.IndexLockedError` when another
    run keeps it that long (naming the holder's process when it is alive), and
    :class:`~searchkit.errors.SearchkitError` when the lock file cannot be made.
    """
    from .errors import IndexLockedError, SearchkitError

    lock = WriteLock(Path(folder))
    try:
        acquired = lock.acquire(timeout)
    except OSError as exc:
        raise SearchkitError(f"cannot lock the index at {folder}: {exc.strerror or exc}") from None
    if not acquired:
        holder = lock.holder()
        who = f" (process {holder})" if holder and pid_alive(holder) else ""
        raise IndexLockedError(f"the index at {folder} is locked by another searchkit run{who} "
                               f"(waited {timeout:g} s); try again when it has finished")
    return lock
