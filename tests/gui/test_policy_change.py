"""A folder's policy changed in the window: its works show as stale at once, the ledger says so,
and the window asks "Apply now / Later"; applying is one job with progress that writes the new
policy into every file (exiftool reads it back)."""

from __future__ import annotations

from dataclasses import replace

from creatorapp.core.catalogue import WorkState
from creatorapp.core.policy import PRESETS, save_policy
from creatorapp.core.policy.signals import data_mining_uri
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService
from creatorapp.gui.policy_change import NOTICE
from creatorapp.gui.qt import Qt
from tests.gui.conftest import WORK_MS, tagged


def _tagged_folder(window, folder, policy="no-ai"):
    portfolio = Portfolio(window.store)
    added = portfolio.add_folder(folder, policy)
    list(TaggingService(portfolio).process(portfolio.scan([added]).due, jobs=1))
    assert tagged(window.store) == 3


def _button(box, text):
    return next(b for b in box.buttons() if b.text() == text)


def _stale(store) -> int:
    return store.count_by_state().get(WorkState.STALE, 0)


def test_a_new_folder_policy_is_stale_at_once_and_applied_when_asked(
    qtbot, window, photos, exiftool
):
    folder = photos(count=3)
    _tagged_folder(window, folder)
    with qtbot.waitSignal(window.policy_change.asked, timeout=WORK_MS) as asked:
        window.policy_change.set_policy(str(folder), "no-genai")
    box = asked.args[0]
    # before anything is written: stale, and the change is in the ledger with its count
    assert _stale(window.store) == 3 and tagged(window.store) == 0
    (event,) = window.store.events(kind="folder.policy")
    assert (event.data["to"], event.data["stale"]) == ("no-genai", 3)
    assert "3 works" in box.text() and "no-genai" in box.text()
    assert "stale" in box.text()

    qtbot.mouseClick(_button(box, "Apply now"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: tagged(window.store) == 3 and not window.jobs.busy, timeout=WORK_MS)
    for path in sorted(folder.glob("*.jpg")):
        assert exiftool(path)["XMP-plus:DataMining"] == data_mining_uri(PRESETS["no-genai"])
    (done,) = window.store.events(kind="folder.policy_applied")
    assert (done.data["works"], done.data["written"], done.data["left"]) == (3, 3, 0)
    assert "New policy written into 3 files" in window.statusBar().currentMessage()


def test_later_keeps_them_stale_and_leaves_the_question_where_it_is_seen(
    qtbot, window, photos, exiftool
):
    folder = photos(count=3)
    _tagged_folder(window, folder)
    with qtbot.waitSignal(window.policy_change.asked, timeout=WORK_MS) as asked:
        window.policy_change.set_policy(str(folder), "no-genai")
    box = asked.args[0]
    qtbot.keyClick(box, Qt.Key.Key_Escape)  # Escape means Later, never Apply
    qtbot.waitUntil(lambda: not box.isVisible())
    assert not window.jobs.busy
    assert _stale(window.store) == 3
    first = sorted(folder.glob("*.jpg"))[0]
    assert exiftool(first)["XMP-plus:DataMining"] == data_mining_uri(PRESETS["no-ai"])
    assert NOTICE in window.notices.notices
    assert "3 works still carry the old policy" in " ".join(window.notices.texts())

    window.policy_change.apply()
    qtbot.waitUntil(lambda: tagged(window.store) == 3 and not window.jobs.busy, timeout=WORK_MS)
    assert exiftool(first)["XMP-plus:DataMining"] == data_mining_uri(PRESETS["no-genai"])


def test_an_edited_policy_saved_in_the_window_asks_too(qtbot, window, photos):
    folder = photos(count=3)
    mine = replace(PRESETS["no-ai"], name="mine", creator="Ann", source="user", extends="no-ai")
    save_policy(mine)
    _tagged_folder(window, folder, "mine")
    save_policy(replace(mine, copyright_notice="© 2026 Ann"))
    with qtbot.waitSignal(window.policy_change.asked, timeout=WORK_MS) as asked:
        window.policies.saved.emit("mine")
    assert _stale(window.store) == 3
    assert "3 works" in asked.args[0].text()
    (event,) = window.store.events(kind="folder.policy")
    assert event.data["edited"] is True
    asked.args[0].close()
