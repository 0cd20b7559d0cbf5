"""The only way the application writes a user's file.

New bytes go to a hidden temporary file in the same folder, are flushed to disk, read back and
compared, then atomically replace the original, which keeps its permissions and modification
time.  If anything goes wrong the original is untouched and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from creatorapp.core.media.base import FileProblem

TEMP_MARK = ".creatorapp-"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name and name.endswith(".tmp")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or filesystem allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _plain(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def safe_write(
    path: Path,
    data: bytes,
    *,
    expect_stat: os.stat_result | None = None,
    verify: Callable[[bytes], None] | None = None,
    keep_mtime: bool = True,
) -> None:
    """Replace ``path`` with ``data`` atomically, or create it when it does not exist.

    ``expect_stat`` is the stat taken when the original was read: if the file changed since, the
    write is abandoned rather than losing someone else's change.  ``verify`` gets the bytes read
    back from disk and raises FileProblem to abandon the write.
    """
    folder = path.parent
    tmp = folder / f".{path.name}{TEMP_MARK}{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise FileProblem(f"cannot write in the folder ({_plain(exc)})") from None
    try:
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            with open(tmp, "rb") as handle:
                written = handle.read()
        except OSError as exc:
            raise FileProblem(f"writing failed ({_plain(exc)})") from None
        if written != data:
            raise FileProblem("the written copy did not read back identically")
        if verify is not None:
            verify(written)
        try:
            current = os.stat(path) if expect_stat is not None else None
            if current is not None:
                if (current.st_size, current.st_mtime_ns) != (
                    expect_stat.st_size,
                    expect_stat.st_mtime_ns,
                ):
                    raise FileProblem("the file changed while it was being tagged; try again")
                os.chmod(tmp, current.st_mode & 0o7777)
                if keep_mtime:
                    os.utime(tmp, ns=(current.st_atime_ns, current.st_mtime_ns))
            else:
                os.chmod(tmp, 0o666 & ~_UMASK)
            os.replace(tmp, path)
        except OSError as exc:
            raise FileProblem(f"replacing the file failed ({_plain(exc)})") from None
        _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
