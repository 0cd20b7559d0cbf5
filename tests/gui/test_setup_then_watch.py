"""New portfolio folders are tagged by one writer: the window's tagging batch first, and only
then the folder watcher, whose catch-up scan finds the batch's work done.

Started together, both tag the same new files; the batch, losing the race on a file, recorded
it as failed after the watcher had tagged it, and the watcher never looked at it again (the
flaky wizard test, docs/reliability.md)."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.gui.main_window import MainWindow
from tests.gui.conftest import WORK_MS, tagged


def _window(qtbot, tmp_path, **kw) -> MainWindow:
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    window = MainWindow(store, **kw)
    qtbot.addWidget(window)
    window.show()
    return window


def _note_watcher_starts(window: MainWindow) -> list[tuple[bool, int]]:
    """(a job still running, works tagged) each time the watcher is started."""
    starts: list[tuple[bool, int]] = []
    start = window.watch.start

    def noted() -> None:
        starts.append((window.jobs.busy, tagged(window.store)))
        start()

    window.watch.start = noted
    return starts


def test_the_watcher_starts_after_the_set_up_has_tagged_the_new_folder(qtbot, tmp_path, photos):
    folder = photos(count=3)
    window = _window(qtbot, tmp_path, offer_setup=True)
    qtbot.waitUntil(lambda: getattr(window, "wizard", None) is not None)
    starts = _note_watcher_starts(window)
    wizard = window.wizard
    wizard.you.name.setText("Jane Doe")
    wizard.folders.add_folder(folder)
    wizard.accept()

    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    assert starts == [(False, 3)]
    assert window.store.count_by_state() == {WorkState.TAGGED: 3}  # nothing recorded as failed
    window.quit()


def test_the_watcher_starts_after_an_added_folder_is_tagged(qtbot, tmp_path, photos):
    folder = photos(count=3)
    window = _window(qtbot, tmp_path)
    starts = _note_watcher_starts(window)
    window.add_folder(str(folder))

    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    assert starts == [(False, 3)]
    window.quit()
