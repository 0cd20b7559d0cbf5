"""Removing the temporary files a killed writer left behind.

A write that is cut off (the process killed, the power lost) leaves a hidden
``.NAME.creatorapp-PID-xxxxxxxx.tmp`` beside the original, up to the original's size; the
original itself was never touched.  Every command that writes in a folder clears such files of
its own there, once per process per folder: :func:`sweep_once` is called first thing by
``safe_write`` (so tagging, sidecars, local publishing and undo all do it), and the portfolio
scan removes them as it walks.  Only names of exactly our pattern whose writing process is gone
are removed, and only regular files: never anything else, never a file a live writer still owns.
"""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

_swept: set[str] = set()
_lock = threading.Lock()


def _fresh_lock() -> None:
    """A forked worker must not inherit the lock held by some other thread of its parent."""
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_fresh_lock)


def remove_if_leftover(path: str) -> bool:
    """Remove ``path`` if it is a temporary file of ours whose writer is gone; True if removed."""
    from creatorapp.core.media.safe_write import is_leftover  # it calls us: import when used

    if not is_leftover(path):
        return False
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        os.unlink(path)
    except OSError:
        return False
    return True


def sweep(folder: Path | str) -> int:
    """Remove the leftovers of dead writers directly in ``folder``; how many were removed."""
    from creatorapp.core.media.safe_write import is_temp_name

    try:
        with os.scandir(folder) as entries:
            names = [e.path for e in entries if is_temp_name(e.name)]
    except OSError:
        return 0  # a folder we cannot list: the write that follows reports the real problem
    return sum(remove_if_leftover(p) for p in names)


def sweep_once(folder: Path | str) -> int:
    """:func:`sweep`, the first time this process writes in ``folder``; 0 after that."""
    key = os.path.abspath(folder)
    with _lock:
        if key in _swept:
            return 0
        _swept.add(key)
    return sweep(key)
