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


def start(
    fn: Callable[[], object],
    on_done: Callable[[object], None],
    on_failed: Callable[[str], None],
) -> Job:
    """Run ``fn`` on the shared pool; the callbacks run on the GUI thread."""
    task = Job("background task", lambda _job: fn())
    _running.add(task)

    def release() -> None:
        QtCore.QTimer.singleShot(0, lambda: _running.discard(task))

    task.signals.done.connect(on_done)
    task.signals.failed.connect(on_failed)
    task.signals.done.connect(release)
    task.signals.failed.connect(release)
    QtCore.QThreadPool.globalInstance().start(task)
    return task


_running: set[Job] = set()  # tasks in flight, kept alive until their answer is delivered
