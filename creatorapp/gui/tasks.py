"""Long work off the event loop: a core call runs on a pool thread and reports back by signals
(delivered on the GUI thread).  Every failure arrives as one sentence a person can act on: a
core ``UserError`` as its own words, a file or disk error as what happened to which file and
what to do, anything else as "an unexpected problem" with the traceback kept in a file, never
shown.  A failure in the callbacks that receive an answer is reported the same way."""

from __future__ import annotations

import errno
import logging
import sqlite3
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path

import shiboken6

from creatorapp.core.text.display import shown
from creatorapp.errors import UserError
from creatorapp.gui.qt import QObject, QtCore, Signal

log = logging.getLogger(__name__)

CANCELLED = "cancelled before it started"  # a queued job the user cancelled: not a failure
PROBLEMS_LOG = "problems.log"  # in the data folder: tracebacks of unexpected problems

# what happened to the file, and what to do: by errno, after "<path>: "
_OS_SENTENCES: dict[int, str] = {
    errno.ENOENT: "it is no longer there (moved, deleted, or its drive unplugged); "
    "check where it went, then try again",
    errno.ENOTDIR: "part of the path is a file, not a folder; check the path, then try again",
    errno.EISDIR: "it is a folder where a file was expected; choose a file",
    errno.EACCES: "permission denied; give your account access to it (or its folder), "
    "then try again",
    errno.EPERM: "the system does not allow this change; check the file's permissions and "
    "whether it is locked, then try again",
    errno.EROFS: "it is on a drive that is read-only; use a writable drive, then try again",
    errno.ENOSPC: "the disk is full; free some space on it, then try again",
    errno.EDQUOT: "your disk quota is used up; free some space, then try again",
    errno.EIO: "the drive could not be read or written (a failing disk, or a network share "
    "that went away); check the drive, then try again",
    errno.EMFILE: "too many files are open at once; close other programs, then try again",
    errno.ENAMETOOLONG: "the name or path is too long for this drive; shorten it",
}


class JobSignals(QObject):
    progress = Signal(int, int)  # done, total (0 when not known yet)
    done = Signal(object)
    failed = Signal(str)


class Job(QtCore.QRunnable):
    """A long task people watch and may cancel: ``fn(job)`` runs on the pool, calls
    ``job.report(done, total)`` as it goes and looks at ``job.cancel`` (a threading.Event)
    between files.  Reports are thinned to a few a second so a fast batch cannot flood the
    event loop with signals."""

    INTERVAL = 0.05

    def __init__(self, title: str, fn: Callable[[Job], object]) -> None:
        super().__init__()
        self.title = title
        self.fn = fn
        self.cancel = threading.Event()
        self.signals = JobSignals()
        self._last = 0.0
        # Python owns the job: Qt deleting a Python runnable (autoDelete) while its signals
        # are still queued for the GUI thread crashes
        self.setAutoDelete(False)

    def report(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= self.INTERVAL or done == total:
            self._last = now
            self.signals.progress.emit(done, total)

    def run(self) -> None:
        try:
            result = self.fn(self)
        except Exception as exc:
            self.signals.failed.emit(explain(exc, self.title))
            return
        self.signals.done.emit(result)


def explain(exc: BaseException, title: str) -> str:
    """``exc`` as one sentence saying what happened and what to do; never a traceback.  An
    exception nobody foresaw gets its traceback written to the problems log, which the
    sentence names."""
    if isinstance(exc, UserError):
        from creatorapp.gui.advice import advised  # the window's words for the core's codes

        return advised(exc)
    if isinstance(exc, OSError) and exc.errno in _OS_SENTENCES:
        where = exc.filename if exc.filename is not None else "a file"
        return f"{shown(where)}: {_OS_SENTENCES[exc.errno]}"
    busy = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    if isinstance(exc, sqlite3.Error) and getattr(exc, "sqlite_errorcode", None) in busy:
        return (
            "the catalogue is busy: another Creator Reserve program is writing to it; "
            "try again when it has finished"
        )
    if isinstance(exc, sqlite3.Error):
        return (
            f"the catalogue could not be read or written ({shown(exc)}); quit and reopen "
            "Creator Reserve, then try again"
        )
    kept = _keep_traceback(exc, title)
    where = f"the details are in {shown(kept)}" if kept else "the details are in the log"
    return (
        f"an unexpected problem stopped it ({type(exc).__name__}); try again, and if it "
        f"happens again, report it: {where}"
    )


def _keep_traceback(exc: BaseException, title: str) -> Path | None:
    """Append the traceback to the problems log in the data folder (and the Python log)."""
    log.error("%s failed", title, exc_info=exc)
    try:
        from creatorapp.core.catalogue.location import data_dir, private_folder

        path = private_folder(data_dir()) / PROBLEMS_LOG
        text = "".join(traceback.format_exception(exc))
        with open(path, "a", encoding="utf-8", errors="backslashreplace") as handle:
            handle.write(f"--- {time.strftime('%Y-%m-%d %H:%M:%S')} {title}\n{text}\n")
        return path
    except OSError:
        return None


FailureSink = Callable[[str, str], None]  # title, message
_sink: FailureSink | None = None


def show_failures_with(sink: FailureSink | None) -> None:
    """Where failures go that their caller did not handle (the main window's notification):
    a failure is shown, never dropped."""
    global _sink
    _sink = sink


JobLister = Callable[[Job], None]
_lister: JobLister | None = None


def list_jobs_with(lister: JobLister | None) -> None:
    """Where long jobs started with ``listed=True`` are shown (the window's job list)."""
    global _lister
    _lister = lister


def _unhandled(title: str, message: str) -> None:
    if _sink is not None:
        _sink(title, message)
    else:
        log.warning("%s failed: %s", title, message)


def guarded(title: str, callback: Callable[[object], None]) -> Callable[[object], None]:
    """``callback`` as a slot whose own failure is reported like a job's: an exception
    escaping a slot would otherwise only be printed where nobody sees it."""

    def call(value: object) -> None:
        owner = getattr(callback, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            return  # the view that asked is gone: its answer has nowhere to go
        try:
            callback(value)
        except Exception as exc:
            _unhandled(title, explain(exc, title))

    return call


def start(
    fn: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[str], None] | None = None,
    *,
    title: str = "A background task",
    listed: bool = False,
) -> Job:
    """Run ``fn`` on the shared pool; the callbacks run on the GUI thread.  Without
    ``on_failed`` a failure goes to the window's notification (:func:`show_failures_with`).
    ``listed``: a long job people should see in the job list (publishing, sending)."""
    task = Job(title, lambda _job: fn())
    _running.add(task)
    if listed and _lister is not None:
        owner = getattr(_lister, "__self__", None)
        if isinstance(owner, QObject) and not shiboken6.isValid(owner):
            list_jobs_with(None)  # the window that listed jobs is gone
        else:
            _lister(task)

    def release() -> None:
        QtCore.QTimer.singleShot(0, lambda: _running.discard(task))

    task.signals.done.connect(guarded(title, on_done))
    if on_failed is not None:
        task.signals.failed.connect(guarded(title, on_failed))
    else:
        task.signals.failed.connect(lambda message: _unhandled(title, message))
    task.signals.done.connect(release)
    task.signals.failed.connect(release)
    QtCore.QThreadPool.globalInstance().start(task)
    return task


_running: set[Job] = set()  # tasks in flight, kept alive until their answer is delivered


class Op:
    """One background operation, said in one line where it is started:
    ``Op(fn, title=...).success(show).failure(explain).run()``.  ``failure`` is optional: a
    failure nobody handles is shown as a notification, never dropped."""

    def __init__(self, fn: Callable[[], object], *, title: str, listed: bool = False) -> None:
        self._fn = fn
        self._title = title
        self._listed = listed
        self._done: Callable[[object], None] = lambda _result: None
        self._failed: Callable[[str], None] | None = None

    def success(self, fn: Callable[[object], None]) -> Op:
        self._done = fn
        return self

    def failure(self, fn: Callable[[str], None]) -> Op:
        self._failed = fn
        return self

    def run(self) -> Job:
        return start(self._fn, self._done, self._failed, title=self._title, listed=self._listed)
