"""The works table reads the catalogue a page at a time and filters without loading it all."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.gui.qt import Qt
from creatorapp.gui.works_model import PAGE, WorkFilter, WorksModel


def _catalogue(tmp_path, count=1200):
    store = open_catalogue(tmp_path / "c.sqlite3")
    folder = store.add_folder(str(tmp_path / "photos"), "no-ai", True)
    with store.transaction():
        for i in range(count):
            state = WorkState.FAILED if i % 100 == 0 else WorkState.TAGGED
            store.add_work(
                folder.id,
                str(tmp_path / "photos" / f"w{i:05d}.jpg"),
                size=1, mtime_ns=1, inode=i + 1, state=state, format="JPEG",
                error="the file is read-only" if state is WorkState.FAILED else None,
            )  # fmt: skip
    return store


def test_rows_arrive_a_page_at_a_time(qtbot, tmp_path):
    store = _catalogue(tmp_path)
    model = WorksModel(store)
    assert model.rowCount() == 0 and model.canFetchMore()
    with qtbot.waitSignal(model.rowsInserted):
        model.fetchMore()
    assert model.rowCount() == PAGE
    model.fetchMore()
    model.fetchMore()
    assert model.rowCount() == 1200 and not model.canFetchMore()
    first = model.index(0, 1)
    assert model.data(first) in ("Tagged", "Failed")
    from creatorapp.gui.qt import Qt

    assert model.headerData(1, Qt.Orientation.Horizontal) == "State"
    store.close()


def test_filters_by_state_and_search(qtbot, tmp_path):
    store = _catalogue(tmp_path)
    model = WorksModel(store)
    model.set_filter(WorkFilter(state=WorkState.FAILED))
    model.fetchMore()
    assert model.rowCount() == 12 and not model.canFetchMore()
    failed = model.index(0, 0)
    assert model.data(failed, role=3) == "the file is read-only"  # tooltip: the reason
    model.set_filter(WorkFilter(search="w0001"))
    model.fetchMore()
    assert sorted(model.data(model.index(r, 0)) for r in range(model.rowCount()))[0] == "w00010.jpg"
    assert model.rowCount() == 10
    store.close()


def test_the_works_panel_filters_as_the_user_types(qtbot, tmp_path):
    from creatorapp.gui.main_window import MainWindow

    store = _catalogue(tmp_path, count=300)
    window = MainWindow(store)
    qtbot.addWidget(window)
    window.show()
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 300)  # the view asked for the rows
    assert "300 works" in panel.counts.text() and "3 failed" in panel.counts.text()
    panel.state.setCurrentIndex(panel.state.findData(WorkState.FAILED.value))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    qtbot.keyClicks(panel.search, "w00100")
    qtbot.waitUntil(lambda: panel.model.rowCount() == 1)
    assert panel.model.data(panel.model.index(0, 0)) == "w00100.jpg"
    window.close()


def test_odd_names_are_shown_escaped_never_lost_or_rendered(qtbot, tmp_path):
    """A name that is not UTF-8 keeps its byte visibly (Qt would drop it), and markup or a
    newline in a name is shown as text, never rendered."""
    from creatorapp.gui.works_panel import WorkDetail

    store = open_catalogue(tmp_path / "c.sqlite3")
    folder = store.add_folder(str(tmp_path), "no-ai", True)
    odd = str(tmp_path / "caf\udce9.jpg")
    markup = str(tmp_path / "<img src=x>\n<b>ALL GOOD<b>.jpg")
    with store.transaction():
        for i, path in enumerate((odd, markup)):
            store.add_work(folder.id, path, size=1, mtime_ns=1, inode=i + 1, state=WorkState.NEW)
    model = WorksModel(store)
    model.fetchMore()
    names = {model.data(model.index(r, 0)) for r in range(model.rowCount())}
    assert names == {"caf\\xe9.jpg", "<img src=x>\\n<b>ALL GOOD<b>.jpg"}
    detail = WorkDetail()
    qtbot.addWidget(detail)
    detail.show_work(store.work(markup))
    assert "&lt;b&gt;ALL GOOD" in detail.title.text() and "<b>ALL" not in detail.title.text()
    store.close()


def _panel(qtbot, tmp_path, count):
    from creatorapp.gui.main_window import MainWindow

    window = MainWindow(_catalogue(tmp_path, count=count))
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    return window, window.works


def test_clearing_a_filter_that_matched_nothing_shows_the_works_again(qtbot, tmp_path):
    """A view asks for rows only when its geometry changes: from no rows to no rows it never
    asked, and the list stayed blank until another section was opened."""
    window, panel = _panel(qtbot, tmp_path, count=30)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 30)
    qtbot.keyClicks(panel.search, "zzz")  # each key a new filter: "z" already matches nothing
    # the list has settled: empty, and nothing more to read for this filter
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.model.canFetchMore())
    panel.search.selectAll()
    qtbot.keyClick(panel.search, Qt.Key.Key_Backspace)
    assert panel.search.text() == ""
    qtbot.waitUntil(lambda: panel.model.rowCount() == 30, timeout=5000)
    assert panel.table.model().data(panel.table.model().index(0, 0)) == "w00000.jpg"
    # the same through a state that no work is in, and back
    panel.state.setCurrentIndex(panel.state.findData(WorkState.DELETED.value))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 0 and not panel.model.canFetchMore())
    panel.state.setCurrentIndex(panel.state.findData(None))
    qtbot.waitUntil(lambda: panel.model.rowCount() == 30, timeout=5000)
    window.close()


def test_a_refresh_keeps_the_rows_read_and_the_selection(qtbot, tmp_path):
    window, panel = _panel(qtbot, tmp_path, count=1200)
    panel.model.fetchMore()
    panel.model.fetchMore()
    assert panel.model.rowCount() == 1200
    panel.table.selectRow(3)
    qtbot.keyClick(panel.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    panel.table.scrollToBottom()
    panel.refresh()  # what the window does after a batch or a watcher event
    assert panel.model.rowCount() == 1200  # the view keeps its place: no jump to the top
    rows = sorted(i.row() for i in panel.table.selectionModel().selectedRows())
    assert rows == [3, 4]
    assert panel.selected_label.text() == "2 works selected in photos"
    window.close()


def test_an_answer_that_arrives_after_the_window_closed_reads_nothing(qtbot, tmp_path):
    """A job finishing while the window closes asks the works to refresh: the catalogue is
    closed by then, and reading it would raise inside Qt's event loop."""
    window, panel = _panel(qtbot, tmp_path, count=3)
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    window.quit()
    panel.refresh()  # what a late "changed" signal does
    assert panel.model.rowCount() == 0
