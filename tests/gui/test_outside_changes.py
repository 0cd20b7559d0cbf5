"""The window sees what other programs do to its catalogue, without a restart: a work tagged by
``creatorapp tag`` in a terminal, an opt-out request filed by a script.  And one watcher per
catalogue: while the window watches, ``creatorapp watch`` says so and exits; while a command
watches, the window says so and takes over once it stops."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.watch_lock import WatcherRunning, WatchLock, watching_elsewhere
from creatorapp.gui.main_window import MainWindow
from creatorapp.gui.operations import Part
from creatorapp.gui.outside_changes import OutsideChanges, parts_of
from tests.conftest import make_jpeg
from tests.gui.conftest import WORK_MS

SEEN_MS = 5000  # "within a few seconds": the window looks once a second


def cli(catalogue, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    run = subprocess.run(
        [sys.executable, "-m", "creatorapp", "--catalogue", str(catalogue), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check:
        assert run.returncode == 0, run.stderr
    return run


@pytest.fixture
def catalogue(tmp_path):
    """A catalogue with one portfolio folder (not watched) holding one work, untagged."""
    folder = tmp_path / "photos"
    folder.mkdir()
    make_jpeg(folder / "a.jpg", seed=3)
    path = tmp_path / "catalogue.sqlite3"
    store = open_catalogue(path)
    portfolio = Portfolio(store)
    added = portfolio.add_folder(folder, "no-ai", watching=False)
    portfolio.scan([added])
    store.close()
    return path, folder


def _window(qtbot, path, **kw) -> MainWindow:
    window = MainWindow(open_catalogue(path), **kw)
    qtbot.addWidget(window)
    window.show()
    return window


def _states(window: MainWindow) -> list[WorkState]:
    model = window.works.model
    return [model.work(row).state for row in range(model.rowCount())]


def test_the_window_shows_a_work_tagged_by_a_command_without_a_restart(qtbot, catalogue):
    path, folder = catalogue
    window = _window(qtbot, path)
    assert _states(window) == [WorkState.NEW]
    make_jpeg(folder / "b.jpg", seed=4)

    cli(path, "tag", str(folder))  # another process, while the window is open

    qtbot.waitUntil(lambda: _states(window) == [WorkState.TAGGED] * 2, timeout=SEEN_MS)
    assert window.works.counts.text().startswith("2 ")
    window.quit()


def test_the_window_shows_an_opt_out_request_a_script_filed(qtbot, catalogue, tmp_path):
    path, _ = catalogue
    window = _window(qtbot, path)
    assert window.optouts.table.rowCount() == 0
    urls = tmp_path / "urls.txt"
    urls.write_text("https://jane.example/art/1.jpg\n")

    cli(path, "optout", "submit", "meta", "--urls", str(urls), "--no-browser")

    qtbot.waitUntil(lambda: window.optouts.table.rowCount() == 1, timeout=SEEN_MS)
    window.quit()


def test_the_windows_own_writes_are_not_taken_for_another_programs(qtbot, catalogue):
    path, _ = catalogue
    store = open_catalogue(path)
    outside = OutsideChanges(store, every_ms=60_000)
    store.append("work.noted", "here", {})  # this process, this connection
    assert outside.check() == frozenset()

    other = open_catalogue(path)  # another connection, as another process has
    other.append("work.tagged", "there", {})
    other.close()
    assert outside.check() == {Part.WORKS, Part.ACTIVITY}
    assert outside.check() == frozenset()  # said once
    outside.stop()
    store.close()


def test_each_kind_of_event_refreshes_its_view():
    assert parts_of({"site.published"}) == {Part.SITES, Part.ACTIVITY}
    assert parts_of({"optout.sent", "work.added"}) == {Part.OPTOUTS, Part.WORKS, Part.ACTIVITY}
    assert parts_of({"folder.policy"}) == {Part.WORKS, Part.ACTIVITY}
    assert Part.WORKS in parts_of({"something.new"})  # unknown: refresh rather than miss it
    assert parts_of(set()) == frozenset()


def test_a_check_never_waits_for_a_batch_of_this_process(catalogue):
    path, _ = catalogue
    store = open_catalogue(path)
    outside = OutsideChanges(store, every_ms=60_000)
    with store.transaction():  # a job of the window holds the catalogue: skipped, not waited on
        assert store.change_token() is None
        assert outside.check() == frozenset()
    outside.stop()
    store.close()


def test_a_folder_a_command_adds_is_watched_by_the_window_that_had_none(qtbot, tmp_path):
    path = tmp_path / "catalogue.sqlite3"
    open_catalogue(path).close()
    window = _window(qtbot, path, watch=True)
    qtbot.waitUntil(lambda: window.watch.state == "off", timeout=SEEN_MS)  # nothing to watch
    folder = tmp_path / "photos"
    folder.mkdir()
    make_jpeg(folder / "a.jpg", seed=5)

    cli(path, "folders", "add", str(folder))

    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    make_jpeg(folder / "b.jpg", seed=6)
    qtbot.waitUntil(
        lambda: (
            (w := window.store.work(str(folder / "b.jpg"))) is not None
            and w.state is WorkState.TAGGED
        ),
        timeout=WORK_MS,
    )
    window.quit()


# --- one watcher per catalogue ---------------------------------------------------------------


def test_a_command_watcher_refuses_while_the_window_watches(qtbot, catalogue):
    path, _ = catalogue
    store = open_catalogue(path)
    store.update_folder(store.folders()[0].id, watching=True)
    store.close()
    window = _window(qtbot, path, watch=True)
    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)

    run = cli(path, "watch", "--settle", "0.1", check=False)

    assert run.returncode == 2, run.stdout + run.stderr
    assert f"already being watched by another Creator Reserve program (process {os.getpid()})" in (
        run.stderr
    )
    assert "Traceback" not in run.stderr and "watch --once" in run.stderr
    once = cli(path, "watch", "--once", check=False)  # a batch, not a watcher: runs beside it
    assert once.returncode == 0, once.stderr
    window.quit()


HOLD = """
import sys
from pathlib import Path
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.works.watch_lock import WatchLock
lock = WatchLock.take(open_catalogue(Path(sys.argv[1]), create=False))
print("held", flush=True)
sys.stdin.read()  # until the test closes it
lock.release()
"""


def test_the_window_says_another_program_watches_and_takes_over_when_it_stops(
    qtbot, catalogue, monkeypatch
):
    from creatorapp.gui.watching import WatchService

    path, folder = catalogue
    store = open_catalogue(path)
    store.update_folder(store.folders()[0].id, watching=True)
    holder = subprocess.Popen(  # as a `creatorapp watch` in a terminal holds it
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        assert watching_elsewhere(store) == holder.pid
        with pytest.raises(WatcherRunning):
            WatchLock.take(store)
        monkeypatch.setattr(WatchService, "RETRY_MS", 100)
        window = _window(qtbot, path, watch=True)
        qtbot.waitUntil(lambda: window.watch.state == "elsewhere", timeout=SEEN_MS)
        assert f"process {holder.pid}" in window.watch_label.text()
        assert not window.notices.isVisible()  # nothing went wrong: no failure notice
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    assert watching_elsewhere(store) == os.getpid()  # the window's watcher holds it now
    make_jpeg(folder / "new.jpg", seed=9)
    qtbot.waitUntil(
        lambda: (
            (w := store.work(str(folder / "new.jpg"))) is not None and w.state is WorkState.TAGGED
        ),
        timeout=WORK_MS,
    )
    window.quit()
    assert watching_elsewhere(store) is None  # released on quit
    store.close()


KILLED = """
import os, sys
from pathlib import Path
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.works.watch_lock import WatchLock
lock = WatchLock.take(open_catalogue(Path(sys.argv[1]), create=False))
worker = os.fork()  # a tagging worker, forked while the lock is held
if worker == 0:
    os.setsid()  # outlives its parent
    os.read(0, 1)
    os._exit(0)
print(worker, flush=True)
sys.stdin.read()
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="workers are forked only where fork exists")
def test_a_watcher_killed_hard_leaves_no_lock_even_while_its_worker_lingers(catalogue):
    import signal

    path, _ = catalogue
    store = open_catalogue(path)
    watcher = subprocess.Popen(
        [sys.executable, "-c", KILLED, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    worker = int(watcher.stdout.readline())
    try:
        assert watching_elsewhere(store) == watcher.pid
        watcher.kill()  # kill -9
        watcher.wait(timeout=30)
        os.kill(worker, 0)  # the worker is still there
        assert watching_elsewhere(store) is None
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker, signal.SIGKILL)
        watcher.stdin.close()
    store.close()
