"""Tagging files in worker processes, and reading back what files carry.

This is the engine under the tagging service (``core/tagging_service.py``), which every caller
goes through to tag works and record them: it knows nothing of the catalogue.  Files are tagged
in parallel and idempotently, one outcome per file.  No file ever raises out of here: every
problem becomes a ``failed`` outcome with a plain-words reason and, where it has one, a stable
reason code (:class:`~creatorapp.core.media.base.Reason`); the batch goes on.
:func:`verify_paths` reads back what files say.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

from creatorapp.core import media  # noqa: F401  (registers the formats
from creatorapp.core.media import exiv2
from creatorapp.core.media.attributes import owner_problem
from creatorapp.core.media.base import (
    HEAD_SIZE,
    Container,
    FileProblem,
    Outcome,
    Reason,
    SidecarFormat,
    Status,
    by_extension,
    detect,
)
from creatorapp.core.media.c2pa import Credentials, SignJob
from creatorapp.core.media.claim import claimed
from creatorapp.core.media.embed import tag_embedded, tag_with_sidecar
from creatorapp.core.media.safe_write import check_writable, deferred_folder_sync, is_temp_name
from creatorapp.core.media.sidecar import find_sidecar, read_sidecar
from creatorapp.core.policy.signals import Field, is_reserved

log = logging.getLogger(__name__)

_TEMP_SUFFIXES = (".tmp", ".temp", ".part", ".crdownload", ".download", ".swp", ".swx", ".bak", "~")
SMALL_BATCH = 8  # up to this many files, no worker processes are started


def ignored_reason(name: str) -> str | None:
    """Why a file name is not a work (hidden, editor or download temp file, sidecar), or None."""
    lower = name.lower()
    if name.startswith("."):
        return "hidden file"
    if name.startswith(("~$", "#")) or lower.endswith(_TEMP_SUFFIXES) or is_temp_name(name):
        return "temporary file"
    if lower.endswith(".xmp"):
        return "XMP sidecar (it is updated together with its image)"
    return None


@dataclass(frozen=True)
class Target:
    path: Path
    skip: str | None = None


def link_reason(path: Path | str) -> str:
    """Why a symbolic link is not followed.  Writing through it would change a file somewhere
    else (perhaps outside every portfolio folder) that the user never named."""
    return f"symbolic link to {os.path.realpath(path)}; not followed; name the target to tag it"


def iter_targets(paths: Iterable[Path]) -> Iterator[Target]:
    """Files to tag: given files as they are, folders walked recursively in name order.

    Symbolic links are never followed, given or found: each comes back once as skipped, saying
    where it leads.  (A folder given through a link is walked: the user named that folder.)
    """
    for root in paths:
        if root.is_symlink() and not root.is_dir():
            yield Target(root, link_reason(root))
        elif root.is_dir():
            yield from _walk(root)
        elif root.exists():
            reason = ignored_reason(root.name)
            if reason is None and by_extension(root) is None:
                reason = "not an image format Creator Reserve handles"
            yield Target(root, reason)
        else:
            yield Target(root, "no such file or folder")


def _walk(folder: Path) -> Iterator[Target]:
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield Target(folder, f"folder cannot be read ({exc.strerror or exc})")
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        try:
            if entry.is_symlink():
                if not ignored_reason(entry.name):
                    yield Target(Path(entry.path), link_reason(entry.path))
                continue
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
                continue
            if not entry.is_file(follow_symlinks=False):
                continue
        except OSError:
            continue
        if ignored_reason(entry.name):
            continue
        path = Path(entry.path)
        if by_extension(path) is None:
            yield Target(path, "not an image format Creator Reserve handles")
        else:
            yield Target(path)


@dataclass(frozen=True)
class TagOptions:
    force: bool = False  # also overwrite others' values, and rewrite read-only files
    dry_run: bool = False
    digest: bool = False  # also report the final file's stat and SHA-256 (for the catalogue)
    credentials: SignJob | None = None  # sign Content Credentials too (written last)
    # rewrite files whose Content Credentials cannot be re-signed (no identity), knowingly
    break_credentials: bool = False


def tag_file(path: Path, fields: tuple[Field, ...], options: TagOptions = TagOptions()) -> Outcome:
    """Tag one file; never raises."""
    return _tag_file(path, fields, options)


def _identified(
    outcome: Outcome, handle: BinaryIO, checked: os.stat_result, options: TagOptions
) -> Outcome:
    """The identity the catalogue remembers a work by, taken from the bytes that were checked:
    a file we wrote carries the stat of our own replacement already; any other is described by
    the descriptor it was read from, never by its name afterwards (an export may have taken
    the name meanwhile, and would then be trusted as checked for good)."""
    if outcome.size is None:
        outcome = replace(
            outcome, size=checked.st_size, mtime_ns=checked.st_mtime_ns, inode=checked.st_ino
        )
    wanted = options.digest and not options.dry_run and outcome.status is not Status.FAILED
    if wanted and outcome.sha256 is None:
        handle.seek(0)
        outcome = replace(outcome, sha256=hashlib.file_digest(handle, "sha256").hexdigest())
    return outcome


def _tag_file(path: Path, fields: tuple[Field, ...], options: TagOptions) -> Outcome:
    """The file is opened without following a symbolic link and claimed (one writer per file
    across processes) before it is read, and held until its replacement is in place."""
    display = str(path)
    checked: os.stat_result | None = None
    try:
        with claimed(path, exclusive=not options.dry_run) as handle:
            stat = checked = os.fstat(handle.fileno())
            fmt = detect(path, handle.read(HEAD_SIZE))
            if isinstance(fmt, SidecarFormat):
                outcome = tag_with_sidecar(path, display, fmt, fields, options)
                return _identified(outcome, handle, stat, options)
            if not options.dry_run:
                check_writable(stat, force=options.force)
                problem = owner_problem(stat)
                if problem is not None:
                    raise problem
            if stat.st_nlink > 1:
                raise FileProblem(
                    "the file has other hard links; rewriting it would separate them",
                    Reason.HARD_LINKS,
                )
            handle.seek(0)
            outcome = tag_embedded(
                path,
                handle,
                stat,
                display,
                fmt,
                fields,
                force=options.force,
                dry_run=options.dry_run,
                digest=options.digest,
                credentials=options.credentials,
                break_credentials=options.break_credentials,
            )
            return _identified(outcome, handle, stat, options)
    except FileNotFoundError:
        return Outcome(display, Status.SKIPPED, reason="the file is gone")
    except FileProblem as exc:
        failed = Outcome(display, Status.FAILED, reason=str(exc), code=exc.code)
    except exiv2.Exiv2Error as exc:
        failed = Outcome(display, Status.FAILED, reason=f"the metadata cannot be read ({exc})")
    except PermissionError:
        failed = Outcome(display, Status.FAILED, reason="no permission to read or write the file")
    except OSError as exc:
        if exc.errno == errno.ENAMETOOLONG:
            failed = Outcome(
                display,
                Status.FAILED,
                reason="the name is longer than the 255 bytes a file name may have here; "
                "shorten it",
                code=Reason.NAME_TOO_LONG,
            )
        else:
            failed = Outcome(display, Status.FAILED, reason=f"file error: {exc.strerror or exc}")
    except Exception as exc:  # a bug must not stop the batch or show a traceback
        log.exception("unexpected error while tagging %s", path)
        failed = Outcome(
            display, Status.FAILED, reason=f"unexpected error ({type(exc).__name__}: {exc})"
        )
    if checked is None:
        return failed
    # a failure is remembered with the stat of the file that failed, so that a new version
    # under the same name is tried again
    return replace(failed, size=checked.st_size, mtime_ns=checked.st_mtime_ns, inode=checked.st_ino)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters


def _worker_setup(app_pid: int | None = None) -> None:
    """Workers finish the file in hand when the user presses Ctrl-C (the parent decides what
    stops), and keep freed buffers in their heap: each file needs a few buffers its size, and
    handing them back to the kernel after every file costs a page fault per 4 KB next time.

    A worker also stops by itself when the app is gone (killed, crashed): nothing would record
    what it writes, and nobody would stop it.  See :func:`_watch_parent`."""
    import ctypes
    import signal

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None)
            libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
            libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    if app_pid is not None:
        threading.Thread(
            target=_watch_parent,
            args=(app_pid, os.getppid(), _pidfd(app_pid)),
            name="parent-watch",
            daemon=True,
        ).start()


# Held while a worker tags a file: the watch below ends the worker only between files, so a
# write is never cut off (an os.replace half-done is impossible anyway; this also keeps the
# verified temp file from being left for the sweep).
_busy = threading.Lock()
_WATCH_EVERY = 0.25  # seconds between checks where the platform cannot wait on the app itself


def _pidfd(pid: int) -> int | None:
    """A descriptor that becomes readable when the process ends (Linux 5.3+), else None."""
    opener = getattr(os, "pidfd_open", None)
    if opener is None:
        return None
    try:
        return opener(pid)
    except OSError:
        return None


def _watch_parent(app_pid: int, ppid: int, pidfd: int | None) -> None:
    """End this worker soon after the app that started it dies.

    Neither the parent-death signal (it fires when the forking *thread* exits, and a pool may
    fork from a helper thread) nor the pool's pipes (every worker holds copies of their ends)
    can be trusted for that.  The app's pid is watched directly (a pidfd where there is one),
    and so is this process's parent (the app, or the forkserver, which exits with the app).
    """
    import select

    pause = threading.Event()
    while not _parent_gone(app_pid, ppid, pidfd):
        if pidfd is not None:
            with contextlib.suppress(OSError, ValueError):
                select.select([pidfd], [], [], _WATCH_EVERY)
        else:
            pause.wait(_WATCH_EVERY)
    _busy.acquire()  # the file in hand is finished first; no further file is started
    os._exit(3)


def _parent_gone(app_pid: int, ppid: int, pidfd: int | None) -> bool:
    if sys.platform == "win32":
        import multiprocessing

        parent = multiprocessing.parent_process()
        return parent is not None and not parent.is_alive()
    if os.getppid() != ppid:
        return True  # orphaned: adopted by init (or a subreaper)
    if pidfd is not None:
        import select

        try:
            return bool(select.select([pidfd], [], [], 0)[0])
        except (OSError, ValueError):
            return False
    try:
        os.kill(app_pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        pass
    return False


Chunk = tuple[list[str], tuple[Field, ...], TagOptions]


def tag_chunk(chunk: Chunk) -> list[Outcome]:
    """Tag a few files in a worker; their folders are fsynced once at the end."""
    paths, fields, options = chunk
    outcomes: list[Outcome] = []
    with deferred_folder_sync():
        for p in paths:
            with _busy:  # see _watch_parent
                outcomes.append(tag_file(Path(p), fields, options))
    return outcomes


def default_jobs() -> int:
    return 2 * (os.cpu_count() or 1)  # half of tagging is waiting on the disk


# How worker processes start.  The command line uses the platform's default (a fork on Linux,
# fast); the desktop app asks for DESKTOP_START_METHOD, because forking a process that runs Qt's
# threads can copy a held lock.  Where the platform has no forkserver (Windows), workers spawn.
DESKTOP_START_METHOD = "forkserver"
START_METHOD: str | None = None


def use_start_method(method: str | None) -> None:
    """``None``: the platform's default."""
    global START_METHOD
    START_METHOD = method


def _context(method: str | None):
    import multiprocessing

    if method is None:
        return None
    if method not in multiprocessing.get_all_start_methods():
        method = "spawn"  # Windows: the one it has, and as safe as forkserver
    context = multiprocessing.get_context(method)
    if method == "forkserver":
        context.set_forkserver_preload(["creatorapp.core.works.tagging"])
    return context


class TagPool:
    """Worker processes for tagging (exiv2 is not thread-safe, so no threads)."""

    def __init__(self, jobs: int | None = None) -> None:
        from concurrent.futures import ProcessPoolExecutor  # loaded only when work needs it

        self.jobs = max(1, jobs or default_jobs())
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs,
            initializer=_worker_setup,
            initargs=(os.getpid(),),
            mp_context=_context(START_METHOD),
        )

    def submit(self, chunk: Chunk) -> Future[list[Outcome]]:
        return self._pool.submit(tag_chunk, chunk)

    def shutdown(self, *, cancel_pending: bool = True) -> None:
        """Files in hand are finished, never cut off; queued ones are dropped if asked."""
        self._pool.shutdown(wait=True, cancel_futures=cancel_pending)


# a file, the fields to write, and (optionally) its own options instead of the batch's
Item = tuple[Path, tuple[Field, ...]] | tuple[Path, tuple[Field, ...], TagOptions]


def chunked(work: Iterable[tuple[str, tuple[Field, ...], TagOptions]], jobs: int) -> list[Chunk]:
    """Consecutive files of the same fields and options, up to 8 per chunk and at least two
    chunks per worker where there are files enough: every worker gets a share and a cancel is
    felt soon, while handing a chunk over, syncing its folders once and recording it cost
    little next to tagging it.  One rule for every caller: a burst the watcher hands over is
    tagged as fast as the same files named to ``creatorapp tag``."""
    todo = list(work)
    size = max(1, min(8, len(todo) // (max(1, jobs) * 2) or 1))
    chunks: list[Chunk] = []
    for path, fields, options in todo:
        last = chunks[-1] if chunks else None
        if last and len(last[0]) < size and last[1] == fields and last[2] is options:
            last[0].append(path)
        else:
            chunks.append(([path], fields, options))
    return chunks


def tag_files(
    work: Iterable[Item],
    *,
    options: TagOptions = TagOptions(),
    jobs: int | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Outcomes for the given files (each with its own fields, and its own options where an
    item has a third element), in the order given.

    ``cancel`` stops handing out new files; files already in hand are finished, never left
    half-written.
    """
    todo = [(str(item[0]), item[1], item[2] if len(item) > 2 else options) for item in work]
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(todo) <= SMALL_BATCH:
        for path, fields, own in todo:
            if cancel is not None and cancel.is_set():
                return
            yield tag_file(Path(path), fields, own)
        return
    chunks = chunked(todo, jobs)
    pool = TagPool(jobs)
    pending = [pool.submit(c) for c in chunks]
    try:
        for i, future in enumerate(pending):
            if cancel is not None and cancel.is_set():
                # queued files are dropped; files already in a worker's hands are finished
                # and reported like any other, so nothing written goes unrecorded
                for rest in pending[i:]:
                    rest.cancel()
                for rest in pending[i:]:
                    if not rest.cancelled():
                        yield from rest.result()
                break
            yield from future.result()
    finally:
        pool.shutdown(cancel_pending=True)


# --- reading back ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reservation:
    path: str
    reserved: bool
    data_mining: str | None
    source: str  # "embedded" | "sidecar" | "none"
    error: str | None = None
    credentials: Credentials | None = None  # Content Credentials, when asked for
    agrees: bool | None = None  # whether they say what the IPTC field says

    def as_json(self) -> dict:
        doc = {
            "path": self.path,
            "reserved": self.reserved,
            "data_mining": self.data_mining,
            "source": self.source,
        }
        if self.error:
            doc["error"] = self.error
        if self.credentials is not None:
            doc["credentials"] = {**self.credentials.as_json(), "agrees_with_iptc": self.agrees}
        return doc


def read_reservation(path: Path) -> Reservation:
    """What a crawler reading the file (or its sidecar) would be told; never raises."""
    display = str(path)
    embedded_error = None
    try:
        with open(path, "rb") as handle:
            head = handle.read(HEAD_SIZE)
            fmt = detect(path, head)
            if isinstance(fmt, Container):
                handle.seek(0)
                meta = exiv2.read(fmt.read_for_check(handle))
            else:
                meta = exiv2.read_path(str(path))
        value = meta.xmp.get("Xmp.plus.DataMining")
        if value:
            return Reservation(display, is_reserved(value), value, "embedded")
    except FileProblem as exc:
        embedded_error = str(exc)
    except exiv2.Exiv2Error as exc:
        embedded_error = f"the metadata cannot be read ({exc})"
    except OSError as exc:
        embedded_error = f"file error: {exc.strerror or exc}"
    try:
        sidecar = find_sidecar(path)
        if sidecar is not None:
            value = read_sidecar(sidecar).xmp.get("Xmp.plus.DataMining")
            if value:
                return Reservation(display, is_reserved(value), value, "sidecar")
    except (FileProblem, OSError) as exc:
        embedded_error = embedded_error or str(exc)
    return Reservation(display, False, None, "none", embedded_error)


def verify_paths(paths: Iterable[Path], *, credentials: bool = True) -> Iterator[Reservation]:
    """A reservation per target; one that was not read (not an image, hidden, a folder that
    cannot be read) comes back with source ``"skipped"`` and the reason as its error, so no
    path asked about goes unanswered."""
    trust = None
    if credentials:
        from creatorapp.core.proof.identity import trust_anchor

        trust = trust_anchor()
    for target in iter_targets(paths):
        if target.skip:
            yield Reservation(str(target.path), False, None, "skipped", target.skip)
            continue
        found = read_reservation(target.path)
        if credentials:
            found = _with_credentials(target.path, found, trust)
        yield found


def _with_credentials(path: Path, found: Reservation, trust: bytes | None) -> Reservation:
    """The file's Content Credentials in one of four states (absent, valid, invalid,
    unreadable): a file that cannot be read is unreadable, never "invalid" or "none"."""
    from creatorapp.core.media import c2pa

    try:
        with open(path, "rb") as handle:
            fmt = detect(path, handle.read(HEAD_SIZE))
        creds = c2pa.read_path(path, getattr(fmt, "name", ""), trust)
    except (OSError, FileProblem) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        creds = c2pa.Credentials(c2pa.CredentialStatus.UNREADABLE, error=why)
    return replace(found, credentials=creds, agrees=c2pa.agrees_with_iptc(creds, found.data_mining))


SIGNAL_LABELS: dict[str, str] = {
    "Xmp.plus.DataMining": "IPTC Data Mining",
    "Xmp.xmpRights.Marked": "Rights marked",
    "Xmp.xmpRights.UsageTerms": "Usage terms",
    "Xmp.xmpRights.WebStatement": "Rights statement",
    "Xmp.dc.rights": "Rights (XMP)",
    "Xmp.dc.creator": "Creator (XMP)",
    "Xmp.plus.Licensor": "Licensor",
    "Exif.Image.Copyright": "Copyright (EXIF)",
    "Exif.Image.Artist": "Artist (EXIF)",
    "Iptc.Application2.Copyright": "Copyright (IPTC)",
    "Iptc.Application2.Byline": "By-line (IPTC)",
}


def _plain(value: object) -> str:
    if isinstance(value, dict):
        return "; ".join(str(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return "; ".join(str(v) for v in value)
    return str(value)


def read_signals(path: Path) -> list[tuple[str, str, str]]:
    """Every reservation signal the file carries as read back: (where, label, value), from the
    file itself and from its sidecar.  Unreadable parts are left out (read_reservation says
    why); never raises."""
    found: list[tuple[str, str, str]] = []
    sources: list[tuple[str, Callable[[], exiv2.Metadata]]] = []

    def embedded() -> exiv2.Metadata:
        with open(path, "rb") as handle:
            fmt = detect(path, handle.read(HEAD_SIZE))
            if isinstance(fmt, SidecarFormat):
                return exiv2.Metadata()
            if isinstance(fmt, Container):
                handle.seek(0)
                return exiv2.read(fmt.read_for_check(handle))
        return exiv2.read_path(str(path))

    sources.append(("file", embedded))
    sidecar = find_sidecar(path)
    if sidecar is not None:
        sources.append((f"sidecar {sidecar.name}", lambda: read_sidecar(sidecar)))
    for where, read in sources:
        try:
            meta = read()
        except (FileProblem, exiv2.Exiv2Error, OSError):
            continue
        for key, label in SIGNAL_LABELS.items():
            value = meta.get(key)
            if value not in (None, "", [], {}):
                found.append((where, label, _plain(value)))
    return found
