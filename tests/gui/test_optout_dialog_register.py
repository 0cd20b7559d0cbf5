"""In "New opt-out…", the box saying the works show the creator is what turns a copyright
reservation into a personal-data request: unticked, LAION gets a reservation under Art. 4(3) and
the window says what LAION will not do with it; ticked, the GDPR request.  What the window shows
after sending names the works and a short reference, never a key."""

from __future__ import annotations

import re

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.optouts.settings import CONTACT
from creatorapp.gui.optout_dialog import OptOutDialog

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]


@pytest.fixture
def dialog(qtbot, tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"laion": {"open_browser": False}})
    optouts.destinations.settings.apply(CONTACT, {"name": "Jane Doe", "email": "jane@x.example"})
    made = OptOutDialog(optouts)
    qtbot.addWidget(made)
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")
    made.destination.setCurrentIndex(made.destination.findData("laion"))
    made.source.setCurrentIndex(made.source.findData("urls"))
    made.urls.setText(str(urls))
    yield made
    store.close()


def press(qtbot, dialog, button) -> None:
    button.click()
    qtbot.waitUntil(lambda: dialog.preview_button.isEnabled(), timeout=20_000)


def test_the_box_chooses_the_letters_register(qtbot, dialog):
    assert not dialog.shows_person.isHidden() and not dialog.shows_person.isChecked()
    assert "will not remove works for it" in dialog.register_note.text()
    press(qtbot, dialog, dialog.preview_button)
    artwork = dialog.preview.toPlainText()
    assert artwork.count("Form: https://laion.ai/") == 1  # one form for the three works
    assert "Article 4(3) of" in artwork and "images of me" not in artwork
    assert "dated record" in artwork  # what LAION will and will not do, before sending

    dialog.shows_person.setChecked(True)
    assert "only for works that show you" in dialog.register_note.text()
    press(qtbot, dialog, dialog.preview_button)
    person = dialog.preview.toPlainText()
    assert "Article 21 of the General Data Protection Regulation" in person
    assert "images of me" in person and "Article 4(3)" not in person

    press(qtbot, dialog, dialog.send_button)
    store = dialog.optouts.store
    [queued] = [e.data for e in store.events() if e.kind == "optout.queued"]
    assert queued["register"] == "personal_data" and queued["items"] == 3
    shown = dialog.preview.toPlainText() + dialog.result.text()
    assert not re.search(r"cr-[0-9a-f]{16}", shown), shown
    [submission] = store.submissions()
    assert f"laion-{submission['id']} (https://jane.example/art/0.jpg" in shown


def test_the_box_is_only_offered_where_the_destination_takes_both(dialog):
    dialog.shows_person.setChecked(True)
    dialog.destination.setCurrentIndex(dialog.destination.findData("bigcode-stack"))
    assert dialog.shows_person.isHidden() and not dialog.shows_person.isChecked()
    assert dialog.register_note.isHidden()
