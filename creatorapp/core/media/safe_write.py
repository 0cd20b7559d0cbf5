"""The only way the application writes a user's file.

New bytes go to a hidden temporary file in the same folder, are flushed to disk, read back and
compared, then atomically replace the original, which keeps its permissions and modification
time.  If anything goes wrong the original is untouched and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from creatorapp.core.media.base import FileProblem

TEMP_MARK = ".creatorapp-"
_UMASK = os.umask(0o022)
os.umask(_UMASK)


_TEMP_NAME = re.compile(r"^\..+\.creatorapp-(\d+)-[0-9a-f]{8}\.tmp$")
_LEFTOVER_AGE = 24 * 3600  # where we cannot ask whether the writer still runs


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name and name.endswith(".tmp")


def temp_path(path: Path) -> Path:
    """Hidden, unique, and naming the writing process, so leftovers can be recognised."""
    return path.parent / f".{path.name}{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp"


def _is_zombie(pid: int) -> bool:
    """A killed process nobody has reaped yet still answers signals, but writes nothing."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except (OSError, IndexError):
        return False


def is_leftover(path: str) -> bool:
    """True for a temporary file of ours whose writer is gone (killed mid-write): the original
    beside it was never touched, so removing it loses nothing."""
    match = _TEMP_NAME.match(os.path.basename(path))
    if match is None:
        return False
    pid = int(match.group(1))
    if os.name == "posix":
        if pid == os.getpid():
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        except OSError:
            return False
        return _is_zombie(pid)
    try:  # elsewhere, by age
        return time.time() - os.stat(path).st_mtime > _LEFTOVER_AGE
    except OSError:
        return False


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform or filesystem allows it
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_BLOCK = 1 << 16
_COPY_RANGE = getattr(os, "copy_file_range", None)


def _shared_ends(old: bytes, new: bytes) -> tuple[int, int]:
    """Lengths of the common prefix and suffix of two byte strings, in whole blocks."""
    limit = min(len(old), len(new))
    head = 0
    while head + _BLOCK <= limit and old[head : head + _BLOCK] == new[head : head + _BLOCK]:
        head += _BLOCK
    tail = 0
    no, nn = len(old), len(new)
    while (
        head + tail + _BLOCK <= limit
        and old[no - tail - _BLOCK : no - tail] == new[nn - tail - _BLOCK : nn - tail]
    ):
        tail += _BLOCK
    return head, tail


def _copy_range(src: int, dst: int, count: int, offset: int) -> None:
    while count:
        done = _COPY_RANGE(src, dst, count, offset)
        if done <= 0:
            raise OSError("short copy")
        count -= done
        offset += done


def _write_reusing(fd: int, path: Path, data: bytes, original: bytes | None) -> None:
    """Write ``data``; the stretches it shares with the file on disk are copied by the kernel
    (no trip through Python, and a reflink on filesystems that share extents).  Whatever goes
    wrong here, the read-back comparison after it is the judge."""
    if original is not None and _COPY_RANGE is not None and len(data) >= 4 * _BLOCK:
        head, tail = _shared_ends(original, data)
        if head + tail >= 2 * _BLOCK:
            try:
                src = os.open(path, os.O_RDONLY)
            except OSError:
                src = None
            if src is not None:
                try:
                    _copy_range(src, fd, head, 0)
                    _write_all(fd, memoryview(data)[head : len(data) - tail])
                    _copy_range(src, fd, tail, len(original) - tail)
                    return
                except OSError:
                    os.lseek(fd, 0, os.SEEK_SET)
                    os.ftruncate(fd, 0)
                finally:
                    os.close(src)
    _write_all(fd, memoryview(data))


def _write_all(fd: int, data: memoryview) -> None:
    while data:
        data = data[os.write(fd, data) :]


_deferred: set[Path] | None = None


@contextlib.contextmanager
def deferred_folder_sync() -> Iterator[None]:
    """Within the block, folders are fsynced once at its end instead of after every rename.

    The rename is atomic either way (a reader sees the old file or the new one, both complete);
    the folder fsync only makes the rename itself survive a power cut, so a batch may do it once.
    """
    global _deferred
    outer, _deferred = _deferred, set()
    try:
        yield
    finally:
        folders, _deferred = _deferred, outer
        for folder in folders:
            if outer is not None:
                outer.add(folder)
            else:
                _fsync_dir(folder)


def _read_back(fd: int, size: int) -> bytes:
    parts, offset = [], 0
    while offset < size + 1:
        chunk = os.pread(fd, size + 1 - offset, offset)
        if not chunk:
            break
        parts.append(chunk)
        offset += len(chunk)
    return b"".join(parts) if len(parts) != 1 else parts[0]


def _plain(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def safe_write(
    path: Path,
    data: bytes,
    *,
    expect_stat: os.stat_result | None = None,
    verify: Callable[[bytes], None] | None = None,
    keep_mtime: bool = True,
    original: bytes | None = None,
) -> None:
    """Replace ``path`` with ``data`` atomically, or create it when it does not exist.

    ``expect_stat`` is the stat taken when the original was read: if the file changed since, the
    write is abandoned rather than losing someone else's change.  ``verify`` gets the bytes read
    back from disk and raises FileProblem to abandon the write.  ``original`` is what the file
    held when it was read; parts the new bytes share with it are copied rather than rewritten.
    """
    folder = path.parent
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as exc:
        raise FileProblem(f"cannot write in the folder ({_plain(exc)})") from None
    try:
        try:
            try:
                _write_reusing(fd, path, data, original)
                os.fsync(fd)
                written = _read_back(fd, len(data))
            finally:
                os.close(fd)
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
        if _deferred is not None:
            _deferred.add(folder)
        else:
            _fsync_dir(folder)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
