"""Things that need the person reach them once, as a notice with a button to the place to act,
and by the tray while the window is hidden (driven through the real widgets)."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState, utc_now
from creatorapp.core.catalogue import open_catalogue as open_store
from creatorapp.gui.main_window import MainWindow
from creatorapp.gui.qt import Qt
from tests.gui.conftest import WORK_MS

SPAWNING = "Spawning Do Not Train Registry (HaveIBeenTrained)"


def _counted(qtbot, window) -> None:
    """Let the home view count (what needs the person is found as it counts)."""
    home = window.home
    before = home.coverage
    window.refresh()
    qtbot.waitUntil(lambda: home.coverage is not before and not home.counting, timeout=WORK_MS)


def _notice(window, title: str):
    notice = window.notices.notices.get(title)
    assert notice is not None, window.notices.texts()
    return notice


def test_an_opt_out_that_needs_more_information_is_said_once(qtbot, window, tmp_path):
    store = window.store
    store.add_items("spawning", ["https://jane.example/a.jpg"], "needs_info")
    _counted(qtbot, window)
    notice = _notice(window, "An opt-out needs you")
    said = notice.text()
    assert f"{SPAWNING} asked for more information about 1 item" in said
    assert "needs_info" not in said  # words, not state names
    window.show_section("works")
    qtbot.mouseClick(notice.action_button, Qt.MouseButton.LeftButton)
    assert window.section() == "optouts"

    _counted(qtbot, window)  # counted again, nothing new: said once, not twice
    assert "(2 times)" not in _notice(window, "An opt-out needs you").text()
    qtbot.mouseClick(notice.dismiss_button, Qt.MouseButton.LeftButton)
    _counted(qtbot, window)
    assert "An opt-out needs you" not in window.notices.notices  # dismissed stays dismissed

    # a new question (the item moves on) is said again
    [item] = store.items("spawning")
    store.set_items([item["id"]], state="needs_info")  # asked again: a later change
    _counted(qtbot, window)
    assert "An opt-out needs you" in window.notices.notices


def test_said_before_holds_across_a_restart(qtbot, tmp_path):
    path = tmp_path / "c.sqlite3"
    store = open_store(path)
    store.add_items("spawning", ["https://jane.example/a.jpg"], "awaiting_user_action")
    first = MainWindow(store)
    qtbot.addWidget(first)
    _counted(qtbot, first)
    assert "waits for you to send it" in _notice(first, "An opt-out needs you").text()
    first.quit()
    second = MainWindow(open_store(path))
    qtbot.addWidget(second)
    _counted(qtbot, second)
    assert second.notices.texts() == []  # said before, in the last run
    second.quit()


def test_a_site_whose_live_declarations_drifted_goes_to_its_row(qtbot, window):
    store = window.store
    now = utc_now()
    for name in ("folio", "shop"):
        site = store.add_site(
            name=name, url=f"https://{name}.example", policy="no-ai", transport="local"
        )
        store.update_site(site.id, published_at=now, verified_at=now, verify_ok=(name == "folio"))
    window.sites.refresh()
    _counted(qtbot, window)
    notice = _notice(window, "A site's declarations drifted")
    said = notice.text()
    assert "shop (https://shop.example)" in said and "folio" not in said
    assert "no longer serves the declarations that were published" in said
    qtbot.mouseClick(notice.action_button, Qt.MouseButton.LeftButton)
    assert window.section() == "sites"
    table = window.sites.table
    assert [table.item(i.row(), 0).text() for i in table.selectionModel().selectedRows()] == [
        "shop"
    ]


def test_files_that_could_not_be_tagged_are_said_with_a_way_to_them(qtbot, window):
    store = window.store
    folder = store.add_folder("/p/alpha", "no-ai", True)
    store.add_work(folder.id, "/p/alpha/ok.jpg", state=WorkState.TAGGED)
    store.add_work(folder.id, "/p/alpha/torn.jpg", state=WorkState.FAILED, error="torn")
    _counted(qtbot, window)
    notice = _notice(window, "A file could not be tagged")
    assert "1 file of your portfolio could not be tagged" in notice.text()
    qtbot.mouseClick(notice.action_button, Qt.MouseButton.LeftButton)
    assert window.section() == "works"
    assert window.works.state.currentData() == WorkState.FAILED.value
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 1)


class Tray:
    """Stands in for the system tray (the offscreen platform has none)."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, str]] = []

    def showMessage(self, title, text, *_args) -> None:
        self.messages.append((title, text))

    def __getattr__(self, name):
        return lambda *args, **kwargs: None


def test_the_tray_says_it_while_the_window_is_hidden(qtbot, window):
    tray = window.tray = Tray()
    store = window.store
    window.hide()
    store.add_items("spawning", ["https://jane.example/a.jpg"], "needs_info")
    _counted(qtbot, window)
    assert tray.messages == [
        (
            "An opt-out needs you",
            f"{SPAWNING} asked for more information about 1 item of your opt-out request",
        )
    ]
    window.show()
    folder = store.add_folder("/p/alpha", "no-ai", True)
    store.add_work(folder.id, "/p/alpha/torn.jpg", state=WorkState.FAILED)
    _counted(qtbot, window)
    assert len(tray.messages) == 1  # shown in the window: the notice is enough
    assert "A file could not be tagged" in window.notices.notices
