"""One writer per file, across processes: a file is opened (never through a symbolic link)
and claimed before it is read, and held until its replacement is in place.

The claim is an advisory lock on the file itself (``flock``), not a row in a catalogue, so it
holds between any two processes of the app, whichever catalogue or data folder each uses: two
``tag`` runs, or a run beside the folder watcher.  The second one waits, then finds the name
holding the first one's result (a new file), reads that and has nothing left to do.

Where the platform or filesystem keeps no such locks (Windows, some network shares) files are
opened unclaimed: the check before the replace still refuses to overwrite a file that changed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from stat import S_ISREG
from typing import BinaryIO

from creatorapp.core.media.base import FileProblem, Reason
from creatorapp.core.media.safe_write import symlink_problem

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

WAIT = 120.0  # seconds to wait for another process to finish the same file
_REOPENS = 20  # a name replaced this often while we waited is being fought over
_FLAGS = (
    os.O_RDONLY
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_NONBLOCK", 0)  # a FIFO given by name must not hang the open
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_BINARY", 0)
)


def _open(path: Path) -> int:
    if not hasattr(os, "O_NOFOLLOW") and os.path.islink(path):
        raise symlink_problem(path)
    try:
        return os.open(path, _FLAGS)
    except OSError as exc:
        if exc.errno == errno.ELOOP and os.path.islink(path):
            raise symlink_problem(path) from None
        raise


def _lock(fd: int, wait: float) -> bool:
    """Take the file's exclusive lock, waiting up to ``wait`` seconds for another holder;
    True also where locks are not kept at all (nothing to wait for)."""
    if fcntl is None:
        return True
    deadline = time.monotonic() + wait
    pause, idle = 0.002, threading.Event()
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            pass
        except OSError:
            return True  # this filesystem keeps no locks
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        idle.wait(min(pause, left))  # flock has no timed wait; poll, backing off
        pause = min(pause * 2, 0.05)


@contextlib.contextmanager
def claimed(path: Path, *, exclusive: bool = True, wait: float = WAIT) -> Iterator[BinaryIO]:
    """The file opened for reading at offset 0 (its stat via ``os.fstat``), claimed when
    ``exclusive``: no other process of the app writes it until the block ends.  Refuses a
    symbolic link and anything that is not a regular file."""
    for _ in range(_REOPENS):
        fd = _open(path)
        handle = open(fd, "rb")  # noqa: SIM115  (closed below, after the block)
        try:
            stat = os.fstat(fd)
            if not S_ISREG(stat.st_mode):
                raise FileProblem("not a regular file")
            if not exclusive:
                yield handle
                return
            if not _lock(fd, wait):
                raise FileProblem(
                    "another Creator Reserve process has been writing this file for over "
                    f"{int(wait)} seconds; it was left to that process (tag it again later)",
                    Reason.BUSY,
                )
            # while we waited, the holder may have put a new file in its place: claim that one
            now = os.stat(path, follow_symlinks=False)
            if (now.st_dev, now.st_ino) == (stat.st_dev, stat.st_ino):
                yield handle
                return
        finally:
            handle.close()
    raise FileProblem(
        "the file kept being replaced by another program while it was being tagged; "
        "it was left as it is",
        Reason.CHANGED_WHILE_TAGGING,
    )
