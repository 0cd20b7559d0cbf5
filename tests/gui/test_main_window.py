from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from creatorapp.gui.main_window import MainWindow
from creatorapp.gui.qt import Qt

ROOT = Path(__file__).resolve().parents[2]


def test_main_window_shows_title(qtbot):
    window = MainWindow()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    assert window.windowTitle() == "Creator Reserve"
    window.close()
    assert not window.isVisible()


def test_core_never_imports_qt():
    code = (
        "import sys, pkgutil, importlib, creatorapp.core as c\n"
        "for m in pkgutil.walk_packages(c.__path__, 'creatorapp.core.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6'))]\n"
        "print(bad); sys.exit(1 if bad else 0)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert run.returncode == 0, run.stdout + run.stderr


def test_a_damaged_catalogue_is_explained_and_left_alone(qapp, tmp_path, monkeypatch, capsys):
    from creatorapp.gui import app

    damaged = tmp_path / "catalogue.sqlite3"
    damaged.write_bytes(b"this is not a database" * 100)
    monkeypatch.setenv("CREATORAPP_CATALOGUE", str(damaged))
    assert app.run(exit_after_ms=50) == 2
    err = capsys.readouterr().err
    assert err.startswith("creatorapp: error: ") and "Traceback" not in err
    assert damaged.read_bytes() == b"this is not a database" * 100


def _dialogs() -> list:
    from creatorapp.gui.qt import QtWidgets

    shown = QtWidgets.QApplication.topLevelWidgets()
    return [w for w in shown if isinstance(w, QtWidgets.QDialog) and w.isVisible()]


def test_a_failed_background_job_is_said_once_in_words_and_never_blocks(qtbot, window, tmp_path):
    from tests.gui.conftest import WORK_MS

    missing = tmp_path / "unplugged-drive" / "portfolio"
    window.add_folder(str(missing))
    qtbot.waitUntil(lambda: window.notices.isVisible() and not window.jobs.busy, timeout=WORK_MS)
    [said] = window.notices.texts()
    assert said.startswith(f"Adding folders did not finish: not a folder: {missing}")
    assert "Traceback" not in said and "Error" not in said
    assert _dialogs() == []  # a notice above the panels, not a dialog that takes the keyboard
    assert window.works.search.isEnabled()

    window.add_folder(str(missing))  # the same failure again: the same notice, counted
    qtbot.waitUntil(lambda: "(2 times)" in window.notices.texts()[0], timeout=WORK_MS)
    assert len(window.notices.texts()) == 1 and _dialogs() == []
    notice = next(iter(window.notices.notices.values()))
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not window.notices.isVisible())
    assert window.notices.texts() == []


def test_files_that_cannot_be_tagged_are_one_notice_with_a_way_to_them(qtbot, window, tmp_path):
    from creatorapp.core.catalogue import WorkState
    from tests.gui.conftest import WORK_MS

    folder = tmp_path / "scans"
    folder.mkdir()
    for name in ("torn.jpg", "blank.jpg"):
        (folder / name).write_bytes(b"\xff\xd8\xff\xe0 not really a JPEG")
    window.add_folder(str(folder))
    qtbot.waitUntil(
        lambda: window.store.count_by_state().get(WorkState.FAILED) == 2 and not window.jobs.busy,
        timeout=WORK_MS,
    )
    qtbot.waitUntil(lambda: window.notices.isVisible())
    [said] = window.notices.texts()
    assert said.startswith("A file could not be tagged\n")
    assert "blank.jpg: " in said and "torn.jpg: " in said
    assert "tag the file again" in said  # what to do
    notice = window.notices.notices["A file could not be tagged"]
    assert notice.action_button is not None and notice.action_button.text() == "Show failed works"
    window.show_section("activity")
    qtbot.mouseClick(notice.action_button, Qt.MouseButton.LeftButton)
    assert window.section() == "works"
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 2)
    assert window.works.state.currentData() == WorkState.FAILED.value


def test_cancelling_work_that_waits_its_turn_is_not_a_failure(qtbot, window, photos):
    from tests.gui.conftest import WORK_MS

    first = window.tag([photos("first", count=40)])
    window.operations.add_folders([photos("second", count=2)])  # queued behind the batch
    first.signals.progress.connect(lambda *_: window.jobs.cancel_button.click())
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
    assert window.notices.texts() == [] and _dialogs() == []
    assert not hasattr(window, "last_failure")
