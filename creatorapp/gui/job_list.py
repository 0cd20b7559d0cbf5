"""Every long job the window runs, running and recent, in one list: tagging, adding folders,
applying a policy, publishing, sending opt-outs.  Each has its counts, its rate and the time
left, computed here and nowhere else (:class:`Pace`), and a way to cancel it.

The status bar's ``JobBar`` and the Jobs window (``gui/jobs_view.py``) both read this list."""

from __future__ import annotations

import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from creatorapp.core.text.display import counted
from creatorapp.gui.qt import QObject, Signal
from creatorapp.gui.tasks import CANCELLED, Job

RECENT = 20  # finished jobs kept in the list


def clock() -> float:
    """The time jobs are measured by (a test may put its own clock here)."""
    return time.monotonic()


class Pace:
    """Rate and time left from a job's progress reports.  The rate is taken over the reports of
    the last :attr:`WINDOW` seconds, so a job that speeds up or slows down is followed; a count
    that goes down starts a new phase (a folder is counted, then tagged) and measures anew."""

    WINDOW = 20.0
    SETTLE = 0.5  # seconds of reports before a rate is given: one report says nothing

    def __init__(self) -> None:
        self.samples: deque[tuple[float, int]] = deque()
        self.done = 0
        self.total = 0

    def add(self, done: int, total: int) -> None:
        now = clock()
        if self.samples and done < self.samples[-1][1]:
            self.samples.clear()
        self.samples.append((now, done))
        while len(self.samples) > 2 and now - self.samples[0][0] > self.WINDOW:
            self.samples.popleft()
        self.done, self.total = done, total

    def rate(self) -> float | None:
        """Items a second, or None while not known."""
        if len(self.samples) < 2:
            return None
        (t0, d0), (t1, d1) = self.samples[0], self.samples[-1]
        if t1 - t0 < self.SETTLE or d1 <= d0:
            return None
        return (d1 - d0) / (t1 - t0)

    def left(self) -> float | None:
        """Seconds until done at the current rate, or None while not known."""
        rate = self.rate()
        if rate is None or not self.total:
            return None
        return max(self.total - self.done, 0) / rate


def rate_text(rate: float | None) -> str:
    if rate is None:
        return ""
    if rate >= 10:
        return f"{rate:,.0f} a second"
    if rate >= 1:
        return f"{rate:.1f} a second"
    if rate * 60 >= 1:
        return f"{rate * 60:.0f} a minute"
    return f"{rate * 3600:.0f} an hour"


def duration_text(seconds: float) -> str:
    """``12 s``, ``4 min``, ``1 h 20 min``: rounded as people say it."""
    if seconds < 1:
        return "under a second"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{minutes} min"
    return f"{minutes // 60} h {minutes % 60} min"


def left_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 10:
        return "a few seconds left"
    return f"about {duration_text(seconds)} left"


class JobState(StrEnum):
    QUEUED = "waiting its turn"
    RUNNING = "running"
    STOPPING = "stopping after the files in hand"
    DONE = "done"
    FAILED = "did not finish"
    CANCELLED = "cancelled"


ACTIVE = (JobState.QUEUED, JobState.RUNNING, JobState.STOPPING)
_ids = itertools.count(1)


@dataclass(eq=False)
class JobRecord:
    """One job as people see it in the list."""

    title: str
    job: Job
    cancel: Callable[[], None] | None  # None: it cannot be stopped half-way
    state: JobState = JobState.QUEUED
    id: int = field(default_factory=lambda: next(_ids))
    pace: Pace = field(default_factory=Pace)
    started: float | None = None
    ended: float | None = None
    message: str = ""
    reported: bool = False  # whether it ever said how far it is

    @property
    def active(self) -> bool:
        return self.state in ACTIVE

    def counts(self) -> str:
        """``1,234 of 2,000``, or ``1,234 so far`` while the total is not known yet."""
        if not self.reported:
            return ""
        done, total = self.pace.done, self.pace.total
        return f"{done:,} of {total:,}" if total else f"{done:,} so far"

    def rate(self) -> str:
        if self.active:
            return rate_text(self.pace.rate())
        if self.started is not None and self.ended is not None and self.pace.done:
            elapsed = self.ended - self.started
            return rate_text(self.pace.done / elapsed) if elapsed > 0 else ""
        return ""

    def time(self) -> str:
        """Time left while running; how long it took once over."""
        if self.state is JobState.QUEUED:
            return ""
        if self.active:
            left = left_text(self.pace.left())
            if left:
                return left
            return f"running for {duration_text(clock() - (self.started or clock()))}"
        if self.started is not None and self.ended is not None:
            return f"took {duration_text(self.ended - self.started)}"
        return ""

    def progress(self) -> str:
        """What the status bar says: counts, rate and time left, as far as they are known."""
        parts = [self.counts(), self.rate(), self.time() if self.reported else ""]
        return " · ".join(p for p in parts if p)


class JobList(QObject):
    """The jobs, running first (in the order they run), then the recent ones, newest first."""

    changed = Signal()  # a job was added or changed state
    progressed = Signal(object)  # a JobRecord whose counts moved

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list[JobRecord] = []

    def records(self) -> list[JobRecord]:
        active = [r for r in self._records if r.active]
        over = [r for r in reversed(self._records) if not r.active]
        return active + over[:RECENT]

    def record_of(self, job: Job) -> JobRecord | None:
        return next((r for r in self._records if r.job is job), None)

    def track(
        self, job: Job, *, cancel: Callable[[], None] | None, running: bool = False
    ) -> JobRecord:
        """Follow ``job`` from now on: its progress, its end."""
        record = JobRecord(job.title, job, cancel)
        self._records.append(record)
        job.signals.progress.connect(lambda done, total: self._progress(record, done, total))
        job.signals.done.connect(lambda _result: self.finish(record, JobState.DONE))
        job.signals.failed.connect(
            lambda message: self.finish(
                record, JobState.CANCELLED if message == CANCELLED else JobState.FAILED, message
            )
        )
        if running:
            self.start(record)
        self._forget_old()
        self.changed.emit()
        return record

    def start(self, record: JobRecord) -> None:
        record.state = JobState.RUNNING
        record.started = clock()
        self.changed.emit()

    def stopping(self, record: JobRecord) -> None:
        if record.active:
            record.state = JobState.STOPPING
            self.changed.emit()

    def finish(self, record: JobRecord, state: JobState, message: str = "") -> None:
        if not record.active:
            return
        if record.job.cancel.is_set() and state is JobState.DONE:
            state = JobState.CANCELLED  # stopped part-way: what it did is kept
            message = message or f"stopped after {counted(record.pace.done, 'item')}"
        record.state = state
        record.message = message
        record.ended = clock()
        if record.started is None:
            record.started = record.ended
        self.changed.emit()

    def _progress(self, record: JobRecord, done: int, total: int) -> None:
        record.pace.add(done, total)
        record.reported = True
        self.progressed.emit(record)

    def _forget_old(self) -> None:
        over = [r for r in self._records if not r.active]
        for old in over[: max(len(over) - RECENT, 0)]:
            self._records.remove(old)
