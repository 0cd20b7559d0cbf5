"""The window as a whole: shortcuts, accessible names, settings kept between runs, and the
watcher started, paused and resumed from the window."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.gui import settings as prefs
from creatorapp.gui.main_window import MainWindow
from creatorapp.gui.qt import Qt, QtWidgets
from tests.conftest import make_jpeg
from tests.gui.conftest import WORK_MS


def test_shortcuts_switch_sections_and_find(qtbot, window):
    from PySide6.QtTest import QTest

    QTest.keyClick(window, Qt.Key.Key_3, Qt.KeyboardModifier.ControlModifier)
    assert window.section() == "policies"
    QTest.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    assert window.section() == "activity"
    QTest.keyClick(window, Qt.Key.Key_1, Qt.KeyboardModifier.ControlModifier)
    assert window.section() == "home"  # how protected the work is comes first
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    assert window.section() == "works"
    qtbot.waitUntil(window.works.search.hasFocus)


def _qt_internal(widget: QtWidgets.QWidget) -> bool:
    """Parts Qt makes itself (headers, combo pop-ups, clear buttons, corner buttons)."""
    if widget.objectName().startswith("qt_") or isinstance(widget, QtWidgets.QHeaderView):
        return True
    parent = widget.parent()
    while parent is not None:
        if isinstance(parent, (QtWidgets.QComboBox, QtWidgets.QLineEdit)):
            return True
        parent = parent.parent()
    return False


def test_every_control_has_a_name_for_screen_readers(window):
    kinds = (QtWidgets.QLineEdit, QtWidgets.QComboBox, QtWidgets.QAbstractItemView)
    unnamed = []
    for widget in window.findChildren(QtWidgets.QWidget):
        if _qt_internal(widget):
            continue
        if isinstance(widget, QtWidgets.QAbstractButton):
            named = widget.text() or widget.accessibleName()
        elif isinstance(widget, (*kinds, QtWidgets.QSpinBox)):
            named = widget.accessibleName()
        else:
            continue
        if not named:
            unnamed.append(f"{type(widget).__name__} in {type(widget.parent()).__name__}")
    assert unnamed == []
    assert len(window.findChildren(QtWidgets.QAbstractButton)) > 20  # the check saw the panels


def test_the_section_and_thumbnail_choice_are_remembered(qtbot, tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    first = MainWindow(store)
    qtbot.addWidget(first)
    first.show_section("sites")
    first.thumbs_action.trigger()  # thumbnails were on by default
    first.quit()
    second = MainWindow(open_catalogue(tmp_path / "c.sqlite3"))
    qtbot.addWidget(second)
    assert second.section() == "sites"
    assert not second.thumbs_action.isChecked() and second.works.model.thumbnails is None
    second.quit()


def test_watching_tags_new_files_and_pauses(qtbot, tmp_path):
    folder = tmp_path / "watched"
    folder.mkdir()
    store = open_catalogue(tmp_path / "c.sqlite3")
    from creatorapp.core.works.portfolio import Portfolio

    Portfolio(store).add_folder(folder, "no-ai")
    window = MainWindow(store, watch=True)
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.watch.state == "watching", timeout=WORK_MS)
    assert window.watch_label.text() == "Watching 1 folder"
    with qtbot.waitSignal(window.watch.tagged, timeout=WORK_MS) as got:
        make_jpeg(folder / "new.jpg", seed=7)
    assert got.args == [str(folder / "new.jpg")]
    qtbot.waitUntil(lambda: store.work(str(folder / "new.jpg")).state is WorkState.TAGGED)

    window.toggle_watch()
    qtbot.waitUntil(lambda: window.watch.state == "paused", timeout=WORK_MS)
    assert prefs.flag(prefs.WATCH_PAUSED)
    assert window.pause_action.text() == "&Resume watching"
    window.quit()
    # paused is remembered: a new window does not start watching
    again = MainWindow(open_catalogue(tmp_path / "c.sqlite3"), watch=True)
    qtbot.addWidget(again)
    assert again.watch.state == "paused" and again.watch_label.text() == "Watching paused"
    again.toggle_watch()
    qtbot.waitUntil(lambda: again.watch.state == "watching", timeout=WORK_MS)
    assert not prefs.flag(prefs.WATCH_PAUSED)
    again.quit()
