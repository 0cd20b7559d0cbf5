"""Adding a portfolio folder from the window asks which policy first, and shows how many works
the folder holds and how many get the reservation in the file or in a sidecar, counted off the
event loop, with a count that goes up and can be stopped (issue 19, point 9)."""

from __future__ import annotations

import threading

from PIL import Image

from creatorapp.core.catalogue import WorkState
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.survey import survey
from creatorapp.gui import add_folder_dialog
from creatorapp.gui.qt import Qt, QtWidgets
from tests.gui.conftest import WORK_MS, tagged

W = QtWidgets


def _folder_with_a_sidecar_format(photos):
    folder = photos(count=3)
    (folder / "sub").mkdir()
    Image.new("RGB", (8, 8)).save(folder / "sub" / "anim.gif")
    (folder / "notes.txt").write_text("not a work")
    (folder / ".hidden.jpg").write_bytes((folder / "p000.jpg").read_bytes())
    return folder


def test_the_menu_asks_which_policy_and_says_what_the_folder_holds_before_adding(
    qtbot, window, photos, monkeypatch
):
    folder = _folder_with_a_sidecar_format(photos)
    monkeypatch.setattr(W.QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    action = next(
        a for a in window.menuBar().actions()[0].menu().actions() if "portfolio folder" in a.text()
    )
    action.trigger()
    qtbot.waitUntil(lambda: getattr(window, "add_folder_dialog", None) is not None)
    dialog = window.add_folder_dialog
    assert dialog.isVisible()
    assert window.store.folders() == []  # nothing starts before the question is answered
    qtbot.waitUntil(lambda: "found" in dialog.found.text(), timeout=WORK_MS)
    assert dialog.found.text() == (
        "4 works found. The reservation goes into the file for 3 (JPEG 3) and into an XMP "
        "sidecar file beside the image for 1 (GIF 1), leaving that image untouched."
    )
    assert not dialog.stop_button.isVisible()
    choices = [dialog.policy_box.itemData(i) for i in range(dialog.policy_box.count())]
    assert {"no-ai", "no-genai", "research-only"} <= set(choices)
    assert dialog.policy() == "no-ai"  # the user's own, else the default
    dialog.policy_box.setCurrentIndex(dialog.policy_box.findData("no-genai"))
    assert "generative" in dialog.explain.text()
    assert dialog.add_button.isDefault()
    dialog.add_button.click()

    qtbot.waitUntil(lambda: tagged(window.store) == 4 and not window.jobs.busy, timeout=WORK_MS)
    (added,) = window.store.folders()
    assert added.policy == "no-genai"
    assert window.store.count_by_state() == {WorkState.TAGGED: 3, WorkState.SIDECAR: 1}


def test_cancelling_the_dialog_adds_nothing(qtbot, window, photos, monkeypatch):
    folder = photos(count=2)
    monkeypatch.setattr(W.QFileDialog, "getExistingDirectory", lambda *a, **k: str(folder))
    window.works.add_button.click()
    qtbot.waitUntil(lambda: getattr(window, "add_folder_dialog", None) is not None)
    dialog = window.add_folder_dialog
    qtbot.waitUntil(lambda: "found" in dialog.found.text(), timeout=WORK_MS)
    dialog.reject()
    assert window.store.folders() == [] and not window.jobs.busy


def test_the_count_goes_up_without_holding_the_window_and_can_be_stopped(
    qtbot, tmp_path, photos, monkeypatch
):
    """A folder that takes long to walk: the count is shown as it goes while the window keeps
    answering, and Stop ends the walk with what was found so far."""
    folder = photos(count=2)
    halfway = threading.Event()
    go_on = threading.Event()

    def slow(path, *, progress, cancel):
        progress(1_500)
        halfway.set()
        go_on.wait(WORK_MS / 1000)  # a slow drive: held until the test has looked
        return survey(path, progress=progress, cancel=cancel)

    monkeypatch.setattr(add_folder_dialog, "survey", slow)
    dialog = add_folder_dialog.AddFolderDialog(folder)
    qtbot.addWidget(dialog)
    dialog.show()
    try:
        qtbot.waitUntil(lambda: dialog.found.text() == "Counting… 1,500 works so far")
        assert halfway.is_set() and dialog.count.running
        # the event loop is free: the person can choose a policy while it counts
        dialog.policy_box.setCurrentIndex(dialog.policy_box.findData("no-tdm"))
        assert dialog.policy() == "no-tdm"
        qtbot.mouseClick(dialog.stop_button, Qt.MouseButton.LeftButton)
    finally:
        go_on.set()
    qtbot.waitUntil(lambda: dialog.found.text().startswith("Counting stopped."), timeout=WORK_MS)
    assert dialog.count.result.cancelled
    qtbot.waitUntil(lambda: not dialog.count.running)


def test_the_survey_counts_what_a_scan_then_finds(tmp_path, photos):
    """The count shown before adding is the scan's count: same rules for hidden, temporary,
    sidecar and unknown files and for links; nothing is written by counting."""
    from creatorapp.core.catalogue import open_catalogue

    folder = _folder_with_a_sidecar_format(photos)
    (folder / "p001.jpg.xmp").write_text("<x:xmpmeta xmlns:x='adobe:ns:meta/'/>")
    (folder / "link.jpg").symlink_to(folder / "p000.jpg")
    before = sorted((p.relative_to(folder), p.stat().st_mtime_ns) for p in folder.rglob("*"))
    found = survey(folder)
    assert sorted((p.relative_to(folder), p.stat().st_mtime_ns) for p in folder.rglob("*")) == (
        before
    )
    assert (dict(found.in_file), dict(found.by_sidecar), found.links) == (
        {"JPEG": 3},
        {"GIF": 1},
        1,
    )
    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    portfolio = Portfolio(store)
    report = portfolio.scan([portfolio.add_folder(folder)])
    assert report.seen == found.works == 4 and len(report.skipped) == found.links
    store.close()
