"""The job list: every running and recent job in one place with counts, rate, time left and
Cancel for each (driven through the real widgets; jobs are held at gates, never slept on)."""

from __future__ import annotations

import threading

import pytest

from creatorapp.gui import job_list
from creatorapp.gui.job_list import JobState, Pace
from creatorapp.gui.qt import Qt
from creatorapp.gui.tasks import CANCELLED, Job
from tests.gui.conftest import WORK_MS


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(job_list, "clock", fake)
    monkeypatch.setattr(Job, "INTERVAL", 0.0)  # every report reaches the list
    return fake


def test_pace_measures_rate_and_time_left_from_reports(clock):
    pace = Pace()
    pace.add(0, 100)
    assert pace.rate() is None and pace.left() is None  # one report says nothing
    clock.now += 10
    pace.add(25, 100)
    assert pace.rate() == 2.5 and pace.left() == 30
    assert job_list.rate_text(2.5) == "2.5 a second"
    assert job_list.left_text(30) == "about 30 s left"
    clock.now += 1
    pace.add(3, 0)  # a new phase (counting, then tagging) measures anew
    assert pace.rate() is None
    assert job_list.rate_text(0.5) == "30 a minute"
    assert job_list.left_text(3 * 3600 + 600) == "about 3 h 10 min left"


def _gated(gates: list[threading.Event], ran: list[str]):
    def work(job: Job) -> str:
        ran.append(job.title)
        job.report(0, 100)
        gates[0].wait(WORK_MS / 1000)
        job.report(25, 100)
        gates[1].wait(WORK_MS / 1000)
        return "stopped" if job.cancel.is_set() else "finished"

    return work


def _row(view, title: str) -> tuple[str, ...]:
    view.rebuild()
    [row] = [r for r in view.texts() if r[0] == title]
    return row


def test_the_job_list_shows_counts_rate_time_left_and_cancels_each_job(qtbot, window, clock):
    gates = [threading.Event(), threading.Event()]
    ran: list[str] = []
    ended: list[object] = []
    first = Job("Tagging the studio", _gated(gates, ran))
    second = Job("Tagging the archive", lambda job: ran.append(job.title))
    window.jobs.run(first, ended.append, ended.append)
    window.jobs.run(second, ended.append, ended.append)
    try:
        qtbot.mouseClick(window.jobs.list_button, Qt.MouseButton.LeftButton)
        view = window.jobs_view
        assert view.isVisible() and not view.isModal()
        records = window.jobs.list
        record = records.record_of(first)
        qtbot.waitUntil(lambda: record.reported, timeout=WORK_MS)
        assert _row(view, "Tagging the archive")[1] == "waiting its turn"
        clock.now += 10
        gates[0].set()
        qtbot.waitUntil(lambda: record.pace.done == 25, timeout=WORK_MS)
        _title, state, done, rate, left = _row(view, "Tagging the studio")
        assert (state, done, rate, left) == (
            "running",
            "25 of 100",
            "2.5 a second",
            "about 30 s left",
        )
        # the status bar says the same, from the same record
        assert window.jobs.bar.format() == "25 of 100"
        assert window.jobs.label.text() == "Tagging the studio: 2.5 a second, about 30 s left"

        # Cancel on the waiting job: it never starts, and its caller hears it was cancelled
        qtbot.mouseClick(
            view.cancel_buttons[records.record_of(second).id], Qt.MouseButton.LeftButton
        )
        assert _row(view, "Tagging the archive")[1] == "cancelled"
        assert CANCELLED in ended

        # Cancel on the running job: it stops after the files in hand, what it did is kept
        qtbot.mouseClick(view.cancel_buttons[record.id], Qt.MouseButton.LeftButton)
        assert first.cancel.is_set()
        assert _row(view, "Tagging the studio")[1] == "stopping after the files in hand"
        gates[1].set()
        qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
        assert record.state is JobState.CANCELLED
        assert "stopped" in ended
        clock.now += 5
        _title, state, done, rate, took = _row(view, "Tagging the studio")
        assert (state, done, rate, took) == ("cancelled", "25 of 100", "2.5 a second", "took 10 s")
        assert ran == ["Tagging the studio"]  # the cancelled waiting job never ran
        assert view.cancel_buttons == {}  # nothing left to cancel
    finally:
        for gate in gates:
            gate.set()


def test_a_real_tagging_batch_is_listed_with_its_counts(qtbot, window, photos, monkeypatch):
    monkeypatch.setattr(Job, "INTERVAL", 0.0)
    folder = photos("studio", count=3)
    window.show_jobs()
    job = window.tag([folder])
    record = window.jobs.list.record_of(job)
    assert record is not None
    qtbot.waitUntil(lambda: record.state is JobState.DONE, timeout=WORK_MS)
    title, state, done, _rate, took = _row(window.jobs_view, job.title)
    assert title == "Tagging studio" and state == "done"
    assert done == "3 of 3" and took.startswith("took ")


def test_publishing_and_sending_jobs_join_the_list(qtbot, window):
    """A job run beside the queue (here the window's opt-out send and check) is listed too;
    it cannot be stopped half-way, and its Cancel says so rather than pretending."""
    gate = threading.Event()
    from creatorapp.gui import tasks

    job = tasks.Op(lambda: gate.wait(WORK_MS / 1000), title="Publishing to folio", listed=True)
    started = job.run()
    window.show_jobs()
    view = window.jobs_view
    record = window.jobs.list.record_of(started)
    assert record is not None and record.state is JobState.RUNNING
    button = view.cancel_buttons[record.id]
    assert not button.isEnabled() and "cannot be stopped" in button.toolTip()
    gate.set()
    qtbot.waitUntil(lambda: record.state is JobState.DONE, timeout=WORK_MS)

    window.poll_optouts()  # the real periodic job: nothing queued, nothing to ask
    qtbot.waitUntil(
        lambda: any(
            r.title == "Sending and checking opt-outs" and not r.active
            for r in window.jobs.list.records()
        ),
        timeout=WORK_MS,
    )
    titles = [row[0] for row in view.texts()]
    assert titles[:2] == ["Sending and checking opt-outs", "Publishing to folio"]  # newest first


def test_the_job_list_opens_from_the_keyboard(qtbot, window):
    from PySide6.QtTest import QTest

    QTest.keyClick(window, Qt.Key.Key_J, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: getattr(window, "jobs_view", None) is not None)
    assert window.jobs_view.isVisible()
    assert window.jobs_view.empty.isVisible()  # nothing has run yet, and it says so
