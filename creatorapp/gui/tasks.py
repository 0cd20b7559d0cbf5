"""Long work off the event loop: a core call runs on a pool thread and reports back by signals
(delivered on the GUI thread).  Errors a person can act on arrive as their one-line message;
anything else as "unexpected error" with the details logged, never a traceback in a dialog."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from creatorapp.errors import UserError
from creatorapp.gui.qt import QObject, QtCore, Signal

log = logging.getLogger(__name__)


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
        except UserError as exc:
            self.signals.failed.emit(str(exc))
            return
        except Exception as exc:
            log.exception("%s failed", self.title)
            self.signals.failed.emit(f"unexpected error: {type(exc).__name__}")
            return
        self.signals.done.emit(result)


FailureSink = Callable[[str, str], None]  # title, message
_sink: FailureSink | None = None


def show_failures_with(sink: FailureSink | None) -> None:
    """Where failures go that their caller did not handle (the main window's notification):
    a failure is shown, never dropped."""
    global _sink
    _sink = sink


def _unhandled(title: str, message: str) -> None:
    if _sink is not None:
        _sink(title, message)
    else:
        log.warning("%s failed: %s", title, message)


def start(
    fn: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[str], None] | None = None,
    *,
    title: str = "A background task",
) -> Job:
    """Run ``fn`` on the shared pool; the callbacks run on the GUI thread.  Without
    ``on_failed`` a failure goes to the window's notification (:func:`show_failures_with`)."""
    task = Job(title, lambda _job: fn())
    _running.add(task)

    def release() -> None:
        QtCore.QTimer.singleShot(0, lambda: _running.discard(task))

    task.signals.done.connect(on_done)
    if on_failed is not None:
        task.signals.failed.connect(on_failed)
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

    def __init__(self, fn: Callable[[], object], *, title: str) -> None:
        self._fn = fn
        self._title = title
        self._done: Callable[[object], None] = lambda _result: None
        self._failed: Callable[[str], None] | None = None

    def success(self, fn: Callable[[object], None]) -> Op:
        self._done = fn
        return self

    def failure(self, fn: Callable[[str], None]) -> Op:
        self._failed = fn
        return self

    def run(self) -> Job:
        return start(self._fn, self._done, self._failed, title=self._title)
