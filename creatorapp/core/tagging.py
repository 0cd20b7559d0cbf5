"""The tag and verify services: batches of files, in parallel, idempotent, one outcome per file.

The CLI and the GUI both call :func:`tag_paths` and :func:`verify_paths`.  No file ever raises
out of here: every problem becomes a ``failed`` outcome with a plain-words reason, and the batch
goes on.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from pathlib import Path
from stat import S_ISREG

from creatorapp.core import media  # noqa: F401  (registers the formats)
from creatorapp.core.media import exiv2
from creatorapp.core.media.base import (
    HEAD_SIZE,
    Container,
    FileProblem,
    Outcome,
    SidecarFormat,
    Status,
    by_extension,
    detect,
)
from creatorapp.core.media.c2pa import Credentials, SignJob
from creatorapp.core.media.embed import sign_in_place, tag_embedded
from creatorapp.core.media.safe_write import deferred_folder_sync, is_temp_name
from creatorapp.core.media.sidecar import find_sidecar, read_sidecar, tag_sidecar
from creatorapp.core.policy import Policy
from creatorapp.core.signals import Field, embedded_fields, is_reserved

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


def iter_targets(paths: Iterable[Path]) -> Iterator[Target]:
    """Files to tag: given files as they are, folders walked recursively in name order."""
    for root in paths:
        if root.is_dir():
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
            if entry.is_dir(follow_symlinks=False):
                yield from _walk(Path(entry.path))
                continue
            if not entry.is_file():
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
    force: bool = False
    dry_run: bool = False
    digest: bool = False  # also report the final file's stat and SHA-256 (for the catalogue)
    credentials: SignJob | None = None  # sign Content Credentials too (written last)


def tag_file(path: Path, fields: tuple[Field, ...], options: TagOptions = TagOptions()) -> Outcome:
    """Tag one file; never raises."""
    outcome = _tag_file(path, fields, options)
    if options.digest and not options.dry_run and outcome.status is not Status.SKIPPED:
        outcome = _with_identity(path, outcome)
    return outcome


def _with_identity(path: Path, outcome: Outcome) -> Outcome:
    """Add the file's stat and content hash as it is now: what the catalogue remembers it by."""
    try:
        if outcome.sha256 is not None or outcome.status is Status.FAILED:
            stat, digest = os.stat(path), outcome.sha256
        else:
            with open(path, "rb") as handle:
                stat = os.fstat(handle.fileno())
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return outcome
    return replace(
        outcome, size=stat.st_size, mtime_ns=stat.st_mtime_ns, inode=stat.st_ino, sha256=digest
    )


def _tag_file(path: Path, fields: tuple[Field, ...], options: TagOptions) -> Outcome:
    display = str(path)
    try:
        real = Path(os.path.realpath(path))
        with open(real, "rb") as handle:
            stat = os.fstat(handle.fileno())
            if not S_ISREG(stat.st_mode):
                raise FileProblem("not a regular file")
            fmt = detect(real, handle.read(HEAD_SIZE))
            if isinstance(fmt, SidecarFormat):
                handle.close()
                outcome = tag_sidecar(
                    real, display, fmt, fields, force=options.force, dry_run=options.dry_run
                )
                if options.credentials is not None and outcome.status is not Status.FAILED:
                    outcome = sign_in_place(real, fmt.name, fields, options, outcome)
                return outcome
            if not options.dry_run and not os.access(real, os.W_OK):
                raise FileProblem("the file is read-only")
            if stat.st_nlink > 1:
                raise FileProblem("the file has other hard links; rewriting it would separate them")
            handle.seek(0)
            return tag_embedded(
                real,
                handle,
                stat,
                display,
                fmt,
                fields,
                force=options.force,
                dry_run=options.dry_run,
                digest=options.digest,
                credentials=options.credentials,
            )
    except FileNotFoundError:
        return Outcome(display, Status.SKIPPED, reason="the file is gone")
    except FileProblem as exc:
        return Outcome(display, Status.FAILED, reason=str(exc))
    except exiv2.Exiv2Error as exc:
        return Outcome(display, Status.FAILED, reason=f"the metadata cannot be read ({exc})")
    except PermissionError:
        return Outcome(display, Status.FAILED, reason="no permission to read or write the file")
    except OSError as exc:
        return Outcome(display, Status.FAILED, reason=f"file error: {exc.strerror or exc}")
    except Exception as exc:  # a bug must not stop the batch or show a traceback
        log.exception("unexpected error while tagging %s", path)
        return Outcome(
            display, Status.FAILED, reason=f"unexpected error ({type(exc).__name__}: {exc})"
        )


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc mallopt parameters


def _worker_setup() -> None:
    """Workers finish the file in hand when the user presses Ctrl-C (the parent decides what
    stops), and keep freed buffers in their heap: each file needs a few buffers its size, and
    handing them back to the kernel after every file costs a page fault per 4 KB next time."""
    import ctypes
    import signal

    with contextlib.suppress(ValueError, OSError):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None)
            libc.mallopt(_M_MMAP_THRESHOLD, 64 << 20)
            libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)


Chunk = tuple[list[str], tuple[Field, ...], TagOptions]


def tag_chunk(chunk: Chunk) -> list[Outcome]:
    """Tag a few files in a worker; their folders are fsynced once at the end."""
    paths, fields, options = chunk
    with deferred_folder_sync():
        return [tag_file(Path(p), fields, options) for p in paths]


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
        context.set_forkserver_preload(["creatorapp.core.tagging"])
    return context


class TagPool:
    """Worker processes for tagging (exiv2 is not thread-safe, so no threads)."""

    def __init__(self, jobs: int | None = None) -> None:
        from concurrent.futures import ProcessPoolExecutor  # loaded only when work needs it

        self.jobs = max(1, jobs or default_jobs())
        self._pool = ProcessPoolExecutor(
            max_workers=self.jobs, initializer=_worker_setup, mp_context=_context(START_METHOD)
        )

    def submit(self, chunk: Chunk) -> Future[list[Outcome]]:
        return self._pool.submit(tag_chunk, chunk)

    def shutdown(self, *, cancel_pending: bool = True) -> None:
        """Files in hand are finished, never cut off; queued ones are dropped if asked."""
        self._pool.shutdown(wait=True, cancel_futures=cancel_pending)


ProgressFn = Callable[[Outcome], None]


def tag_files(
    work: Iterable[tuple[Path, tuple[Field, ...]]],
    *,
    options: TagOptions = TagOptions(),
    jobs: int | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Outcomes for the given files (each with its own fields), in the order given.

    ``cancel`` stops handing out new files; files already in hand are finished, never left
    half-written.
    """
    todo = [(str(path), fields) for path, fields in work]
    jobs = max(1, jobs or default_jobs())
    if jobs == 1 or len(todo) <= SMALL_BATCH:
        for path, fields in todo:
            if cancel is not None and cancel.is_set():
                return
            yield tag_file(Path(path), fields, options)
        return
    size = max(1, min(8, len(todo) // (jobs * 16) or 1))
    chunks: list[Chunk] = []
    for path, fields in todo:
        if chunks and len(chunks[-1][0]) < size and chunks[-1][1] == fields:
            chunks[-1][0].append(path)
        else:
            chunks.append(([path], fields, options))
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


def tag_paths(
    paths: Iterable[Path],
    policy: Policy,
    *,
    options: TagOptions = TagOptions(),
    jobs: int | None = None,
    cancel: threading.Event | None = None,
) -> Iterator[Outcome]:
    """Outcomes for every target under ``paths``: skipped ones first, then the rest in order."""
    fields = embedded_fields(policy)
    todo: list[tuple[Path, tuple[Field, ...]]] = []
    for target in iter_targets(paths):
        if target.skip:
            yield Outcome(str(target.path), Status.SKIPPED, reason=target.skip)
        else:
            todo.append((target.path, fields))
    yield from tag_files(todo, options=options, jobs=jobs, cancel=cancel)


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
    trust = None
    if credentials:
        from creatorapp.core.identity import trust_anchor

        trust = trust_anchor()
    for target in iter_targets(paths):
        if target.skip:
            continue
        found = read_reservation(target.path)
        if credentials:
            found = _with_credentials(target.path, found, trust)
        yield found


def _with_credentials(path: Path, found: Reservation, trust: bytes | None) -> Reservation:
    from creatorapp.core.media import c2pa

    try:
        with open(path, "rb") as handle:
            fmt = detect(path, handle.read(HEAD_SIZE))
        creds = c2pa.read_path(path, getattr(fmt, "name", ""), trust)
    except (OSError, FileProblem):
        return found
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
