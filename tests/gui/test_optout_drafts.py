"""The registries ticked in the first-run wizard wait in the Opt-outs panel as drafts, ready to
send: Review opens the new opt-out form on the draft's destination and folder, only its Send
sends it (and settles the draft), Drop forgets one, and the home view's notices say how many
wait.  Driven through the real widgets."""

from __future__ import annotations

import os

from creatorapp.core.catalogue import open_catalogue
from creatorapp.gui import settings as prefs
from creatorapp.gui.main_window import MainWindow
from tests.gui.conftest import WORK_MS

BASE = "https://jane.example/photos/"


def test_the_wizards_registries_wait_as_drafts_and_review_opens_the_form_on_one(
    qtbot, tmp_path, photos
):
    folder = photos(count=2)
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    window = MainWindow(store, offer_setup=True)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitUntil(
        lambda: getattr(window, "wizard", None) is not None and window.wizard.isVisible()
    )
    wizard = window.wizard
    wizard.you.name.setText("Jane Doe")
    wizard.next()
    wizard.next()
    wizard.folders.add_folder(folder)
    while wizard.currentId() < 4:
        wizard.next()
    wizard.registries.choose(["laion", "tdmai"])
    wizard.accept()
    qtbot.waitUntil(lambda: prefs.flag(prefs.SETUP_DONE) and not window.jobs.busy, timeout=WORK_MS)

    window.show_section("optouts")
    panel = window.optouts
    qtbot.waitUntil(lambda: panel.ready_list.count() == 2, timeout=WORK_MS)
    assert panel.ready.isVisible()
    laion, tdmai = (panel.ready_list.item(i).text() for i in range(2))
    assert laion.startswith(f"LAION (Re-LAION-5B request form): the works in {folder}")
    assert "Still needs where the folder is published" in laion
    assert "Still needs the Liccium API key" in tdmai
    assert store.submissions() == []  # chosen is not sent
    # the home view's notices say how many wait, and go to them
    qtbot.waitUntil(lambda: "Opt-outs ready to send" in window.notices.notices, timeout=WORK_MS)
    notice = window.notices.notices["Opt-outs ready to send"]
    assert "2 opt-outs ready to send" in notice.text()

    panel.ready_list.setCurrentRow(0)
    panel.review_button.click()
    dialog = panel.dialog
    assert dialog is not None and dialog.isVisible()
    assert dialog.destination.currentData() == "laion"
    assert dialog.source.currentData() == "folder"
    assert dialog.folder.currentData() == os.path.realpath(folder)
    assert "nothing has been sent" in dialog.draft_note.text()
    panel.optouts.options = {"laion": {"open_browser": False}}
    dialog.base_url.setText(BASE)
    dialog.send_button.click()
    qtbot.waitUntil(lambda: "recorded" in dialog.result.text(), timeout=WORK_MS)
    dialog.accept()
    # sent from the form: the draft is settled, its request tracked with the folder's works
    assert panel.ready_list.count() == 1 and "Liccium" in panel.ready_list.item(0).text()
    assert {i["target"] for i in store.items("laion")} == {BASE + "p000.jpg", BASE + "p001.jpg"}
    assert all(i["work_id"] for i in store.items("laion"))

    panel.ready_list.setCurrentRow(0)
    panel.drop_button.click()
    assert "nothing was sent" in panel.message.text()
    assert panel.ready_list.count() == 0 and not panel.ready.isVisible()
    assert [s["destination"] for s in store.submissions()] == ["laion"]
    window.quit()
