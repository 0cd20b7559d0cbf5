"""The status bar's progress for long work: what is running, how far it is, and Cancel.  Jobs
wait their turn, one at a time, so two batches never fight over the same files."""

from __future__ import annotations

from collections.abc import Callable

from creatorapp.gui.qt import QtCore, QtWidgets, Signal
from creatorapp.gui.tasks import CANCELLED, Job, guarded


class JobBar(QtWidgets.QWidget):
    finished = Signal(str, bool)  # title, ok
    idle = Signal()

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QtWidgets.QLabel()
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the running task")
        self.cancel_button.setToolTip("Stop after the files in hand (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.current: Job | None = None
        self._queue: list[tuple[Job, Callable, Callable]] = []
        self.setVisible(False)

    @property
    def busy(self) -> bool:
        return self.current is not None

    def run(
        self,
        job: Job,
        on_done: Callable[[object], None],
        on_failed: Callable[[str], None],
    ) -> Job:
        self._queue.append((job, on_done, on_failed))
        if self.current is None:
            self._next()
        return job

    def cancel(self) -> None:
        if self.current is not None:
            self.current.cancel.set()
            self.label.setText(f"{self.current.title}: stopping after the files in hand…")
            self.cancel_button.setEnabled(False)
        for _job, _done, failed in self._queue:
            failed(CANCELLED)
        self._queue.clear()

    def _next(self) -> None:
        if not self._queue:
            self.current = None
            self.setVisible(False)
            self.idle.emit()
            return
        job, on_done, on_failed = self._queue.pop(0)
        self.current = job
        self.label.setText(job.title)
        self.bar.setRange(0, 0)
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        job.signals.progress.connect(self._progress)
        job.signals.done.connect(lambda result: self._finish(job, True, on_done, result))
        job.signals.failed.connect(lambda message: self._finish(job, False, on_failed, message))
        QtCore.QThreadPool.globalInstance().start(job)

    def _progress(self, done: int, total: int) -> None:
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
            self.bar.setFormat(f"{done:,} of {total:,}")

    def _finish(self, job: Job, ok: bool, callback: Callable, value: object) -> None:
        self.last = job  # let go only later: its signal is still being delivered
        try:
            guarded(job.title, callback)(value)  # a failing callback is reported, not lost
        finally:
            self.finished.emit(job.title, ok)
            self._next()
