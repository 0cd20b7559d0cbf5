"""One tagger per file: with the real watcher (watchdog, real events) running beside them, a tag
batch (what the window's set-up and bulk edits run), applying a policy and an undo each hold
their files; the watcher never tags a file at the same time, never re-does an undo, and still
sees a change from outside once the hold ends."""

from __future__ import annotations

import threading

import pytest

from creatorapp.core.catalogue import UNDONE, WorkState, open_catalogue
from creatorapp.core.media.base import Status
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService
from creatorapp.core.works.undo import tag_undoably, undo_last
from creatorapp.core.works.watch import Watcher
from tests.conftest import make_jpeg
from tests.waiting import wait_until


class Seen:
    def __init__(self):
        self.outcomes = []
        self.lock = threading.Lock()

    def add(self, outcome):
        with self.lock:
            self.outcomes.append(outcome)

    def tagged(self, path) -> bool:
        with self.lock:
            return any(o.path == str(path) and o.status is Status.TAGGED for o in self.outcomes)


@pytest.fixture
def env(tmp_path):
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    seen = Seen()
    watchers = []

    def start():
        w = Watcher(portfolio, settle=0.1, jobs=2, folder_check=0.05, on_outcome=seen.add)
        w.start()
        assert w.wait_ready(20)
        watchers.append(w)
        return w

    yield portfolio, seen, start
    for w in watchers:
        w.stop()
    store.close()


def _writes(store, path) -> int:
    """How many times the file was written by tagging, as the ledger tells it."""
    return sum(1 for e in store.events(kind="work.tagged", subject=str(path)) if e.data["written"])


def _caught_up(root, seen, watcher, name):
    """Events are handled in order: once a file made now is tagged, every earlier event (and
    the look again after a hold) has been handled too."""
    sentinel = make_jpeg(root / name, seed=99)
    wait_until(lambda: seen.tagged(sentinel), what=f"{name} tagged")
    wait_until(lambda: not watcher.busy, what="watcher idle")


def test_an_undo_is_not_redone_by_the_watcher(env, tmp_path):
    portfolio, seen, start = env
    root = tmp_path / "photos"
    root.mkdir()
    files = [make_jpeg(root / f"p{i}.jpg", seed=i + 1) for i in range(6)]
    originals = {p: p.read_bytes() for p in files}
    portfolio.add_folder(root, "no-ai")
    summary = tag_undoably(portfolio, [root], None)
    assert summary.failures == [] and summary.undoable == 6
    watcher = start()  # caught up: nothing is due

    report = undo_last(portfolio.store)
    assert sorted(report.restored) == sorted(str(p) for p in files)
    _caught_up(root, seen, watcher, "after-undo.jpg")
    for path in files:
        assert path.read_bytes() == originals[path], f"{path.name} was tagged again"
        work = portfolio.store.work(str(path))
        assert (work.state, work.signature) == (WorkState.NEW, UNDONE)
        assert _writes(portfolio.store, path) == 1
    assert watcher.stats.events > 6  # the events of the undo did arrive

    # a scan (the watcher's next start) leaves them too; a change from outside does not
    assert [d.path for d in portfolio.scan().due] == []
    make_jpeg(files[0], seed=50)
    wait_until(lambda: _writes(portfolio.store, files[0]) == 2, what="an edited file tagged")


def test_a_set_up_tags_its_folder_itself_while_the_watcher_runs(env, tmp_path):
    """What the window's set-up does, under one hold: add the folder, catalogue it and tag it,
    while the watcher (which finds a new folder within 50 ms) runs.  The batch tags, and can
    undo, every file; the watcher tags none of them; no file is written twice or fails."""
    portfolio, seen, start = env
    watcher = start()
    for round_ in range(3):
        root = tmp_path / f"set-up-{round_}"
        root.mkdir()
        files = [make_jpeg(root / f"p{i:02d}.jpg", seed=i + 1, size=(640, 480)) for i in range(24)]
        with TaggingService(portfolio).holding([root]):
            folder = portfolio.add_folder(root, "no-ai")
            portfolio.scan([folder])
            summary = tag_undoably(portfolio, [root], None)
        assert summary.failures == [], summary.failures
        assert (summary.counts, summary.undoable) == ({"tagged": 24}, 24)
        _caught_up(root, seen, watcher, "sentinel.jpg")
        for path in files:
            assert _writes(portfolio.store, path) == 1, path
            assert portfolio.store.work(str(path)).state is WorkState.TAGGED
        names = {str(p) for p in files}
        assert not [o for o in seen.outcomes if o.path in names]  # the watcher left them be
    assert not list(portfolio.store.events(kind="work.failed"))


def test_the_watcher_stays_off_held_files_and_looks_again_when_released(env, tmp_path):
    portfolio, seen, start = env
    root, other = tmp_path / "photos", tmp_path / "other"
    root.mkdir()
    other.mkdir()
    portfolio.add_folder(root, "no-ai")
    portfolio.add_folder(other, "no-ai")
    watcher = start()
    service = TaggingService(portfolio)
    with service.holding([root]):
        outside = make_jpeg(root / "dropped-while-held.jpg", seed=3)
        _caught_up(other, seen, watcher, "elsewhere.jpg")  # its event has been handled
        assert not seen.tagged(outside)
        assert portfolio.store.work(str(outside)) is None
    wait_until(lambda: seen.tagged(outside), what="the held file tagged once released")
    assert _writes(portfolio.store, outside) == 1
