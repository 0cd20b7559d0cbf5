"""One folder watcher per catalogue, across processes.

Two watchers of one catalogue (the window's and a ``creatorapp watch`` in a terminal) would both
see every new file: the claims on files (``core/media/claim.py``) keep them from writing it
twice, but both would record it, so the ledger would say a file was reserved twice and every
file would be read twice.  So a watcher holds an advisory lock on a small file beside the
catalogue (``<catalogue>.watcher``) for as long as it runs; a second one is refused and says
which process watches.  The window then shows what that process does and takes over when it
stops; ``creatorapp watch --once`` and ``creatorapp tag`` are batches, not watchers, and run
beside a watcher safely (claims, and the catalogue records each change once).

The lock is the operating system's (``flock``; ``msvcrt.locking`` on Windows), so it goes with
the process: a watcher killed with ``kill -9`` leaves no lock behind.  A store that is not a file
has no place for it and is not locked.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from creatorapp.core.catalogue import Store
from creatorapp.core.catalogue.location import PRIVATE_FILE
from creatorapp.errors import UserError

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]
try:
    import msvcrt
except ImportError:  # everywhere else
    msvcrt = None  # type: ignore[assignment]

SUFFIX = ".watcher"
WATCHER_RUNNING = "watcher_running"  # UserError.code: each shell adds its own advice
_HELD: set[int] = set()  # descriptors of the locks this process holds


def _forget_in_child() -> None:
    """A forked worker closes its copies: the lock is then the watcher's alone, and goes
    the moment the watcher does, even while a worker of it lingers."""
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_in_child)


class WatcherRunning(UserError):
    """Another process watches this catalogue's folders; ``pid`` is that process, if known."""

    code = WATCHER_RUNNING

    def __init__(self, message: str, pid: int | None) -> None:
        super().__init__(message)
        self.pid = pid


def _try_lock(fd: int) -> bool:
    """Take the lock without waiting; True also where the system keeps no such locks."""
    try:
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        elif msvcrt is not None:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        return True
    except (BlockingIOError, PermissionError):
        return False
    except OSError as exc:
        import errno

        return exc.errno not in (errno.EAGAIN, errno.EACCES, errno.EDEADLK)


def _unlock(fd: int) -> None:
    with contextlib.suppress(OSError):
        if fcntl is not None:
            # on the shared open file: worker processes forked while it was held release too
            fcntl.flock(fd, fcntl.LOCK_UN)
        elif msvcrt is not None:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)


def _pid_in(fd: int) -> int | None:
    with contextlib.suppress(OSError, ValueError):
        os.lseek(fd, 0, os.SEEK_SET)
        return int(os.read(fd, 32).decode("ascii").strip() or "x")
    return None


class WatchLock:
    """Held by a running watcher; :meth:`release` (or closing the process) lets another run."""

    def __init__(self, path: Path | None, fd: int | None) -> None:
        self.path = path
        self._fd = fd

    @classmethod
    def take(cls, store: Store) -> WatchLock:
        """The lock for watching ``store``'s folders, or :class:`WatcherRunning`."""
        path = store.beside(SUFFIX)
        if path is None:
            return cls(None, None)
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), PRIVATE_FILE)
        except OSError:
            return cls(None, None)  # a read-only catalogue folder: nothing can be recorded anyway
        if not _try_lock(fd):
            pid = _pid_in(fd)
            os.close(fd)
            who = f"process {pid}" if pid else "another process"
            raise WatcherRunning(
                f"the folders of this catalogue are already being watched by another Creator "
                f"Reserve program ({who}); it tags what arrives, so one watcher is enough",
                pid,
            )
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
            os.lseek(fd, 0, os.SEEK_SET)
            os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        _HELD.add(fd)
        return cls(path, fd)

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is not None:
            _HELD.discard(fd)
            _unlock(fd)
            os.close(fd)


def watching_elsewhere(store: Store) -> int | None:
    """The process that watches ``store``'s folders now, if another does (0 when its number is
    not known); None when none does.  Asks without waiting and without taking the lock."""
    try:
        lock = WatchLock.take(store)
    except WatcherRunning as exc:
        return exc.pid or 0
    lock.release()
    return None
