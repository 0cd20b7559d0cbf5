"""The status bar's progress for long work: what is running, how far it is, how fast, the time
left, and Cancel.  Jobs wait their turn, one at a time, so two batches never fight over the
same files.  Every job it runs, and every other long job the window lists (publishing, sending
opt-outs), is in its job list (``gui/job_list.py``), which *Jobs…* shows."""

from __future__ import annotations

from collections.abc import Callable

from creatorapp.gui.job_list import JobList, JobRecord, JobState
from creatorapp.gui.qt import QtCore, QtWidgets, Signal
from creatorapp.gui.tasks import CANCELLED, Job, guarded


class JobBar(QtWidgets.QWidget):
    finished = Signal(str, bool)  # title, ok
    idle = Signal()
    show_list = Signal()  # the person asked for the job list

    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.list = JobList(self)
        self.label = QtWidgets.QLabel()
        self.bar = QtWidgets.QProgressBar()
        self.bar.setAccessibleName("Progress")
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel_button = QtWidgets.QPushButton("Cancel")
        self.cancel_button.setAccessibleName("Cancel the running task")
        self.cancel_button.setToolTip("Stop after the files in hand (Esc)")
        self.cancel_button.clicked.connect(self.cancel)
        self.list_button = QtWidgets.QPushButton("Jobs…")
        self.list_button.setAccessibleName("Show every running and recent job")
        self.list_button.setToolTip("Every running and recent job, with Cancel for each (Ctrl+J)")
        self.list_button.clicked.connect(self.show_list)
        layout = QtWidgets.QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        layout.addWidget(self.list_button)
        self.current: Job | None = None
        self._record: JobRecord | None = None
        self._queue: list[tuple[Job, Callable, Callable]] = []
        self.list.progressed.connect(self._progress)
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
        self.list.track(job, cancel=lambda: self.cancel_job(job))
        if self.current is None:
            self._next()
        return job

    def track(self, job: Job) -> JobRecord:
        """List a job that runs beside the queue (publishing, sending): it cannot be stopped
        half-way, but people see it, how long it runs and how it ended."""
        return self.list.track(job, cancel=None, running=True)

    def cancel(self) -> None:
        """Cancel everything: the running job stops after the files in hand, the waiting ones
        do not start."""
        if self.current is not None:
            self.cancel_job(self.current)
        for job, _done, _failed in list(self._queue):
            self.cancel_job(job)

    def cancel_job(self, job: Job) -> None:
        """Cancel one job: the running one stops after the files in hand (what it did is
        kept, and undone by Undo), a waiting one never starts."""
        record = self.list.record_of(job)
        if job is self.current:
            job.cancel.set()
            self.label.setText(f"{job.title}: stopping after the files in hand…")
            self.cancel_button.setEnabled(False)
            if record is not None:
                self.list.stopping(record)
            return
        for entry in self._queue:
            if entry[0] is job:
                self._queue.remove(entry)
                job.cancel.set()
                if record is not None:
                    self.list.finish(record, JobState.CANCELLED, CANCELLED)
                entry[2](CANCELLED)
                return

    def _next(self) -> None:
        if not self._queue:
            self.current = None
            self._record = None
            self.setVisible(False)
            self.idle.emit()
            return
        job, on_done, on_failed = self._queue.pop(0)
        self.current = job
        self._record = self.list.record_of(job)
        if self._record is not None:
            self.list.start(self._record)
        self.label.setText(job.title)
        self.bar.setRange(0, 0)
        self.bar.setFormat("")
        self.cancel_button.setEnabled(True)
        self.setVisible(True)
        job.signals.done.connect(lambda result: self._finish(job, True, on_done, result))
        job.signals.failed.connect(lambda message: self._finish(job, False, on_failed, message))
        QtCore.QThreadPool.globalInstance().start(job)

    def _progress(self, record: JobRecord) -> None:
        if record is not self._record or record.job.cancel.is_set():
            return
        done, total = record.pace.done, record.pace.total
        if total:
            self.bar.setRange(0, total)
            self.bar.setValue(done)
        else:
            self.bar.setRange(0, 0)
        self.bar.setFormat(record.counts())
        pace = ", ".join(p for p in (record.rate(), record.time()) if p)
        self.label.setText(f"{record.title}: {pace}" if pace else record.title)

    def _finish(self, job: Job, ok: bool, callback: Callable, value: object) -> None:
        self.last = job  # let go only later: its signal is still being delivered
        try:
            guarded(job.title, callback)(value)  # a failing callback is reported, not lost
        finally:
            self.finished.emit(job.title, ok)
            self._next()
