"""Standard output that says when it cannot be written.

Writing to a full disk (``> /dev/full``, a quota, a dying USB stick) raises a bare OSError from
deep inside whatever was printing; main() could not tell it from a bug.  Standard output is
wrapped once so that such a failure arrives as :class:`OutputError`, which main() turns into
one line.  A reader that went away (EPIPE) stays a BrokenPipeError: that one ends quietly.
"""

from __future__ import annotations

import io
import os
import sys


class OutputError(OSError):
    """Standard output could not be written (not a closed pipe)."""


class _Fd(io.RawIOBase):
    def __init__(self, fd: int) -> None:
        self._fd = fd

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        return self._fd

    def isatty(self) -> bool:
        return os.isatty(self._fd)

    def write(self, data) -> int:
        try:
            return os.write(self._fd, data)
        except BrokenPipeError:
            raise
        except OSError as exc:
            raise OutputError(exc.errno, exc.strerror) from None


def install() -> None:
    """Replace ``sys.stdout`` with the same stream over :class:`_Fd` (same encoding, errors
    and line buffering), when it is the process's real standard output."""
    current = sys.stdout
    try:
        fd = current.fileno()
    except (AttributeError, OSError, ValueError):
        return  # already replaced (tests capture it): leave it
    current.flush()
    sys.stdout = io.TextIOWrapper(
        io.BufferedWriter(_Fd(fd)),
        encoding=current.encoding,
        errors=current.errors,
        line_buffering=current.line_buffering,
        write_through=False,
    )
