"""Where the window lists destinations ("New opt-out…"), each shows its status in words
(working, not working now, you send it yourself) and the day its facts were last checked;
"Check services" asks HaveIBeenTrained's stand-in and the list says what it found."""

from __future__ import annotations

import re

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.gui.optout_dialog import OptOutDialog
from creatorapp.gui.optouts_panel import OptOutsPanel
from tests.servers import spawning_api


@pytest.fixture
def api():
    s = spawning_api.SpawningStandIn()
    yield s
    s.stop()


def entry(dialog, ident: str) -> str:
    return dialog.destination.itemText(dialog.destination.findData(ident))


def test_the_list_shows_status_and_checked_date_and_a_check_marks_degraded(qtbot, tmp_path, api):
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"spawning": {"liveness": api.page_url}})
    dialog = OptOutDialog(optouts)
    qtbot.addWidget(dialog)
    assert entry(dialog, "laion").endswith("[laion] (you send it yourself)")
    assert entry(dialog, "bigcode-stack").endswith("(working)")
    assert entry(dialog, "spawning").endswith("(you send it yourself)")
    dialog.destination.setCurrentIndex(dialog.destination.findData("laion"))
    assert "Facts last checked on 2 Dec 2026." in dialog.about.text()
    assert "Status: You send it yourself" in dialog.about.text()
    assert "personal-data (GDPR)" in dialog.about.text()

    dialog.check_button.click()
    qtbot.waitUntil(lambda: dialog.check_button.isEnabled(), timeout=20_000)
    assert api.page_requests == 1
    assert entry(dialog, "spawning").endswith("(not working now)")
    assert "Spawning Do Not Train Registry" in dialog.result.text()
    dialog.destination.setCurrentIndex(dialog.destination.findData("spawning"))
    assert "Status: Not working now" in dialog.about.text()
    # when it was checked, in the user's own time: no UTC stamp
    assert "under maintenance" in dialog.about.text() and "UTC" not in dialog.about.text()
    assert re.search(r"checked \d{1,2} [A-Z][a-z]{2} \d{4}, \d\d:\d\d\)", dialog.about.text())
    store.close()


def test_the_panels_summary_shows_each_destinations_status(qtbot, tmp_path, api):
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"spawning": {"liveness": api.page_url}})
    optouts.submit("spawning", ["https://jane.example/a.jpg", "https://jane.example/b.jpg"])
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    assert "[spawning] (you send it yourself)" in panel.summary.text()
    optouts.destinations.check_liveness()
    panel.refresh()
    assert "[spawning] (not working now)" in panel.summary.text()
    store.close()
