"""What a rewritten file keeps of the one it replaces: owner, group, mode, extended attributes
(``user.*`` tags, macOS Finder tags and quarantine flags, SELinux labels) and the ACL (stored
as the ``system.posix_acl_access`` attribute).

A rewrite makes a new file, which would belong to whoever runs the app and carry none of the
original's attributes.  Everything is copied onto the new file before it takes the name, and
checked; what cannot be kept makes the write fail, and the original stays as it was.
"""

from __future__ import annotations

import contextlib
import errno
import os
from pathlib import Path
from stat import S_IMODE

from creatorapp.core.media.base import FileProblem, Reason

ACL = "system.posix_acl_access"
_UNSUPPORTED = {errno.ENOTSUP, getattr(errno, "EOPNOTSUPP", errno.ENOTSUP), errno.ENOSYS}
_ABSENT = {getattr(errno, "ENODATA", errno.ENOENT), getattr(errno, "ENOATTR", errno.ENOENT)}
_ABSENT |= _UNSUPPORTED
_HAS_XATTRS = all(hasattr(os, f) for f in ("listxattr", "getxattr", "setxattr", "removexattr"))

Source = int | Path  # the original, by the descriptor it was read from or by name


def keep(tmp: Path, source: Source, original: os.stat_result) -> None:
    """Give ``tmp`` the original's extended attributes, owner, group and mode; raises
    FileProblem (ATTRIBUTES_NOT_KEPT, OWNER_NOT_KEPT) when one of them cannot be kept.

    The order matters: attributes first, while the new file is still ours to label; the owner
    next (changing it clears set-id bits); the mode last, which also sets an ACL's mask to the
    original's group bits, as the original has it."""
    _copy_xattrs(source, tmp)
    _keep_owner(tmp, original)
    with contextlib.suppress(OSError):  # a filesystem with fixed permissions (FAT) refuses
        os.chmod(tmp, S_IMODE(original.st_mode))  # ... and then both already agree: checked
    now = os.lstat(tmp)
    if (now.st_uid, now.st_gid, S_IMODE(now.st_mode)) != (
        original.st_uid,
        original.st_gid,
        S_IMODE(original.st_mode),
    ):
        raise FileProblem(
            f"the rewritten file could not keep the owner, group and permissions of the "
            f"original ({_who(original)}, {S_IMODE(original.st_mode):o}); it was left untouched",
            Reason.OWNER_NOT_KEPT,
        )


def owner_problem(stat: os.stat_result) -> FileProblem | None:
    """Why this user cannot rewrite the file and keep its owner and group, found before any
    work is done; None when they can (or the system has no owners to keep)."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        return None
    if stat.st_uid != os.geteuid():
        return _not_kept(stat, "only its owner or an administrator can tag it")
    if stat.st_gid != os.getegid() and stat.st_gid not in os.getgroups():
        return _not_kept(stat, "you are not a member of its group")
    return None


def _not_kept(stat: os.stat_result, why: str) -> FileProblem:
    return FileProblem(
        f"it belongs to {_who(stat)}, and a rewritten copy made by you could not keep that "
        f"owner and group ({why}); it was left untouched",
        Reason.OWNER_NOT_KEPT,
    )


def _who(stat: os.stat_result) -> str:
    try:
        import grp
        import pwd
    except ImportError:  # Windows: no owners to name
        return f"{stat.st_uid}:{stat.st_gid}"
    try:
        user = pwd.getpwuid(stat.st_uid).pw_name
    except KeyError:
        user = str(stat.st_uid)
    try:
        group = grp.getgrgid(stat.st_gid).gr_name
    except KeyError:
        group = str(stat.st_gid)
    return f"{user}:{group}"


def _keep_owner(tmp: Path, original: os.stat_result) -> None:
    if not hasattr(os, "chown"):
        return
    now = os.lstat(tmp)
    uid = original.st_uid if now.st_uid != original.st_uid else -1
    gid = original.st_gid if now.st_gid != original.st_gid else -1
    if uid == -1 and gid == -1:
        return
    try:
        os.chown(tmp, uid, gid, follow_symlinks=False)
    except OSError:
        raise _not_kept(
            original, "changing a file's owner or group needs its owner or an administrator"
        ) from None


def _names(target: Source) -> list[str]:
    if isinstance(target, int):
        return os.listxattr(target)
    return os.listxattr(target, follow_symlinks=False)


def _get(target: Source, name: str) -> bytes | None:
    try:
        if isinstance(target, int):
            return os.getxattr(target, name)
        return os.getxattr(target, name, follow_symlinks=False)
    except OSError as exc:
        if exc.errno in _ABSENT:
            return None
        raise


def _label(name: str) -> str:
    return "access control list (ACL)" if name == ACL else f"extended attribute {name}"


def _copy_xattrs(source: Source, tmp: Path) -> None:
    """Every attribute of the original onto the new file, and none it does not have (a new
    file may inherit a default ACL from its folder)."""
    if not _HAS_XATTRS:
        return  # this platform's Python has no attribute calls (macOS, Windows)
    try:
        names = _names(source)
    except OSError as exc:
        if exc.errno in _UNSUPPORTED:
            return  # the filesystem keeps none
        raise FileProblem(
            f"its extended attributes cannot be read ({exc.strerror or exc}); "
            "it was left untouched",
            Reason.ATTRIBUTES_NOT_KEPT,
        ) from None
    for name in names:
        try:
            value = _get(source, name)
            if value is not None and _get(tmp, name) != value:
                os.setxattr(tmp, name, value, follow_symlinks=False)
        except OSError as exc:
            raise FileProblem(
                f"its {_label(name)} could not be copied to the rewritten file "
                f"({exc.strerror or exc}); it was left untouched",
                Reason.ATTRIBUTES_NOT_KEPT,
            ) from None
    try:
        extra = set(_names(tmp)) - set(names)
    except OSError:
        extra = set()
    for name in extra:
        try:
            os.removexattr(tmp, name, follow_symlinks=False)
        except OSError as exc:
            if name.startswith("security."):
                continue  # a label the system gives every new file; not ours to refuse over
            raise FileProblem(
                f"the rewritten file got an {_label(name)} the original does not have, and it "
                f"could not be removed ({exc.strerror or exc}); it was left untouched",
                Reason.ATTRIBUTES_NOT_KEPT,
            ) from None
