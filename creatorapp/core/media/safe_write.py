"""The only way the application writes a user's file.

New bytes go to a hidden temporary file in the same folder, are flushed to disk, read back and
compared, then atomically replace the original, which keeps its permissions and modification
time.  If anything goes wrong the original is untouched and the temporary file is removed.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from stat import S_ISLNK, S_ISREG

from creatorapp.core.media import attributes
from creatorapp.core.media.base import FileProblem, Reason
from creatorapp.core.media.leftovers import sweep_once

TEMP_MARK = ".creatorapp-"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)  # a FIFO given by name must not hang the open
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)
_UMASK = os.umask(0o022)
os.umask(_UMASK)


_TEMP_NAME = re.compile(r"^\..+\.creatorapp-(\d+)-[0-9a-f]{8}\.tmp$")
_LEFTOVER_AGE = 24 * 3600  # where we cannot ask whether the writer still runs


def is_temp_name(name: str) -> bool:
    return name.startswith(".") and TEMP_MARK in name and name.endswith(".tmp")


_NAME_MAX = 255  # bytes in one file name on every filesystem the app writes to


def temp_path(path: Path) -> Path:
    """Hidden, unique, and naming the writing process, so leftovers can be recognised.  A long
    name is shortened so the temporary name still fits where the original's did."""
    tail = f"{TEMP_MARK}{os.getpid()}-{secrets.token_hex(4)}.tmp"
    name = path.name
    while len(os.fsencode(f".{name}{tail}")) > _NAME_MAX and len(name) > 1:
        name = name[:-1]
    return path.parent / f".{name}{tail}"


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


def _write_reusing(
    fd: int,
    path: Path,
    data: bytes,
    original: bytes | None,
    source: int | None,
    expect: os.stat_result | None,
) -> bool:
    """Write ``data``; the stretches it shares with the original are copied by the kernel
    (no trip through Python, and a reflink on filesystems that share extents), from the
    descriptor the original was read from, or else from the file by name when it is still the
    one that was read.  Whatever goes wrong here, the read-back comparison is the judge.
    True when parts were copied from the file by name (a change by someone else could then
    show up in the copy)."""
    if original is not None and _COPY_RANGE is not None and len(data) >= 4 * _BLOCK:
        head, tail = _shared_ends(original, data)
        if head + tail >= 2 * _BLOCK:
            src = source if source is not None else _open_original(path, expect)
            if src is not None:
                try:
                    _copy_range(src, fd, head, 0)
                    _write_all(fd, memoryview(data)[head : len(data) - tail])
                    _copy_range(src, fd, tail, len(original) - tail)
                    return src != source
                except OSError:
                    os.lseek(fd, 0, os.SEEK_SET)
                    os.ftruncate(fd, 0)
                finally:
                    if src != source:
                        os.close(src)
    _write_all(fd, memoryview(data))
    return False


def _open_original(path: Path, expect: os.stat_result | None) -> int | None:
    try:
        src = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except OSError:
        return None
    st = os.fstat(src)
    if expect is not None and (st.st_dev, st.st_ino) != (expect.st_dev, expect.st_ino):
        os.close(src)
        return None
    return src


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
    source: int | None = None,
    replace_read_only: bool = True,
) -> os.stat_result:
    """Replace ``path`` with ``data`` atomically, or create it when it does not exist; return
    the stat of the file put in place (what the catalogue may remember it by: taken from our
    own file, never from the name afterwards, which another program may already have taken).

    ``expect_stat`` is the stat taken when the original was read: if the file changed since (or
    another file, or a symbolic link, took its name), the write is abandoned rather than losing
    someone else's change.  ``verify`` gets the bytes read back from disk and raises FileProblem
    to abandon the write.  ``original`` is what the file held when it was read, and ``source``
    the descriptor it was read from; parts the new bytes share with it are copied from there
    rather than rewritten.  The replacement keeps the original's owner, group, mode, extended
    attributes and ACL, or nothing is written.  A read-only original (no write bit at all)
    is replaced, and stays read-only, only with ``replace_read_only``: tagging passes the
    user's ``--force`` there.
    """
    if expect_stat is not None:
        check_writable(expect_stat, force=replace_read_only)
    if not replace_read_only:
        _check_folder_writable(path.parent)
    sweep_once(path.parent)  # leftovers of our own killed writers in this folder go first
    folder = path.parent
    tmp = temp_path(path)
    try:
        fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600)
    except OSError as exc:
        raise FileProblem(f"cannot write in the folder ({_plain(exc)})") from None
    try:
        try:
            try:
                by_name = _write_reusing(fd, path, data, original, source, expect_stat)
                os.fsync(fd)
                written = _read_back(fd, len(data))
            finally:
                os.close(fd)
        except OSError as exc:
            raise FileProblem(f"writing failed ({_plain(exc)})") from None
        if written != data:
            why = (
                "the file may have been changed meanwhile, or the disk returned other bytes"
                if by_name
                else "the disk or file system returned other bytes than were written"
            )
            raise FileProblem(
                f"the written copy did not read back identically ({why}); the original was "
                "left untouched"
            )
        if verify is not None:
            verify(written)
        try:
            current = _still_the_same(path, expect_stat)
            if current is not None:
                attributes.keep(tmp, source if source is not None else path, current)
                if keep_mtime:
                    os.utime(tmp, ns=(current.st_atime_ns, current.st_mtime_ns))
            else:
                os.chmod(tmp, 0o666 & ~_UMASK)
                _give_to_folder_owner(tmp, folder)
            final = os.lstat(tmp)
            os.replace(tmp, path)
        except OSError as exc:
            raise FileProblem(f"replacing the file failed ({_plain(exc)})") from None
        if _deferred is not None:
            _deferred.add(folder)
        else:
            _fsync_dir(folder)
        return final
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _check_folder_writable(folder: Path) -> None:
    """A folder nobody may write in is the owner saying "leave what is in here as it is": an
    administrator replaces or adds files there only when forced, as with a read-only file."""
    try:
        mode = os.stat(folder).st_mode
    except OSError:
        return  # the write itself says what is wrong
    if not mode & 0o222:
        raise FileProblem(
            "the folder is read-only; make it writable first, or force tagging read-only files",
            Reason.READ_ONLY,
        )


def _give_to_folder_owner(tmp: Path, folder: Path) -> None:
    """A file the app adds (a sidecar) belongs to whoever owns the folder, not to the
    administrator who ran the app, so its owner can still edit it."""
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return  # an ordinary user's new file is theirs, as the folder's files are
    owner = os.stat(folder)
    os.chown(tmp, owner.st_uid, owner.st_gid, follow_symlinks=False)


def check_writable(stat: os.stat_result, *, force: bool) -> None:
    """A file nobody may write (no write bit at all) is the owner saying "leave it": even an
    administrator, whom the system would let write, replaces it only when forced."""
    if not stat.st_mode & 0o222 and not force:
        raise FileProblem(
            "the file is read-only; make it writable first, or force tagging read-only files "
            "(it stays read-only)",
            Reason.READ_ONLY,
        )


def symlink_problem(path: Path, what: str = "it") -> FileProblem:
    """Nothing is written through a symbolic link: the link may point anywhere (another
    person's file, a system file), and its target was not what the user named."""
    target = os.path.realpath(path)
    advice = (
        f"name {target} itself to tag it"
        if what == "it"
        else "put the file itself in place of the link to have it updated"
    )
    return FileProblem(
        f"{what} is a symbolic link to {target}; {advice} (nothing is written through a link)",
        Reason.SYMLINK,
    )


def read_existing(path: Path, what: str = "it") -> tuple[bytes, os.stat_result] | None:
    """A file's bytes and the stat they were read under, through a descriptor that never
    follows a symbolic link; None when there is no such file."""
    try:
        fd = os.open(path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
    except FileNotFoundError:
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP or os.path.islink(path):
            raise symlink_problem(path, what) from None
        raise
    with open(fd, "rb") as handle:
        stat = os.fstat(fd)
        if not S_ISREG(stat.st_mode):
            raise FileProblem(f"{what} is not a regular file")
        return handle.read(), stat


def _still_the_same(path: Path, expect: os.stat_result | None) -> os.stat_result | None:
    """The name still holds the very file that was read (same device and inode, same size and
    time), not a link or a replacement; None when there is no file to replace.  Without
    ``expect`` (the caller did not read it) whatever regular file is there is replaced."""
    try:
        now = os.lstat(path)
    except FileNotFoundError:
        if expect is None:
            return None
        raise FileProblem(
            "the file changed while it was being tagged (it was moved or deleted); "
            "nothing was written",
            Reason.CHANGED_WHILE_TAGGING,
        ) from None
    if S_ISLNK(now.st_mode):
        raise symlink_problem(path)
    if expect is None:
        if not S_ISREG(now.st_mode):
            raise FileProblem("it is not a regular file")
        return now
    same = (now.st_dev, now.st_ino, now.st_size, now.st_mtime_ns) == (
        expect.st_dev,
        expect.st_ino,
        expect.st_size,
        expect.st_mtime_ns,
    )
    if not (S_ISREG(now.st_mode) and same):
        raise FileProblem(
            "the file changed while it was being tagged (another program wrote or replaced "
            "it); it was left as that program wrote it: tag it again",
            Reason.CHANGED_WHILE_TAGGING,
        )
    return now
