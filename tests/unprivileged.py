"""Running part of a test as the unprivileged ``nobody`` when the suite runs as root (as CI
does): permission checks are then tested for real instead of skipped."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

NOBODY = 65534
IS_ROOT = hasattr(os, "geteuid") and os.geteuid() == 0


def as_nobody(work: Callable[[], object]) -> object:
    """Run ``work()`` in a child process that has become ``nobody`` (no supplementary groups)
    and return what it returned (JSON).  A fork, so the interpreter and the modules already
    loaded serve the child (it may not read root's Python install)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into pytest
        code = 1
        try:
            os.close(read)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            with os.fdopen(write, "w") as out:
                json.dump(work(), out)
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    with os.fdopen(read) as pipe:
        text = pipe.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, text
    return json.loads(text)


@contextmanager
def open_folder() -> Iterator[Path]:
    """A folder ``nobody`` may enter and write in (pytest's temporary folders are root's)."""
    folder = Path(tempfile.mkdtemp(prefix="creatorapp-unprivileged-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        shutil.rmtree(folder)
