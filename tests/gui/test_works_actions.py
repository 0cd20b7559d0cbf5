"""The Works panel's main actions through the window, on real files: add a folder (tagged in
the background with progress), drop files to tag them, cancel a batch, undo it, and see a
failure explained."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.catalogue import WorkState
from creatorapp.gui.qt import Qt, QtCore, QtGui
from tests.conftest import VOCAB, make_jpeg, pixels
from tests.gui.conftest import WORK_MS, tagged


def test_add_folder_tags_it_and_the_detail_pane_reads_the_file_back(
    qtbot, window, photos, exiftool
):
    folder = photos(count=3)
    window.add_folder(str(folder))
    qtbot.waitUntil(lambda: tagged(window.store) == 3 and not window.jobs.busy, timeout=WORK_MS)
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 3)
    assert "3 works: 3 tagged" in window.works.counts.text()
    first = folder / "p000.jpg"
    assert exiftool(first)["XMP-plus:DataMining"].startswith(VOCAB + "DMI-PROHIBITED")
    window.works.table.selectRow(0)
    qtbot.waitUntil(lambda: window.works.detail.signals.rowCount() > 0, timeout=WORK_MS)
    shown = {
        window.works.detail.signals.item(r, 1).text(): window.works.detail.signals.item(r, 2).text()
        for r in range(window.works.detail.signals.rowCount())
    }
    assert shown["IPTC Data Mining"].startswith(VOCAB + "DMI-PROHIBITED")
    assert "The file says: reserved" in window.works.detail.facts.text()
    # filters: the format filter offers JPEG and narrows to it; a search that matches nothing
    window.works.format.setCurrentIndex(window.works.format.findData("JPEG"))
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 3)
    window.works.search.setText("p001")
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 1)
    window.works.search.setText("nothing-like-this")
    qtbot.waitUntil(lambda: window.works.model.rowCount() == 0)


def _drop(window, paths: list[Path]) -> None:
    data = QtCore.QMimeData()
    data.setUrls([QtCore.QUrl.fromLocalFile(str(p)) for p in paths])
    point = QtCore.QPointF(window.width() / 2, window.height() / 2)
    enter = QtGui.QDragEnterEvent(
        point.toPoint(),
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QtCore.QCoreApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QtGui.QDropEvent(
        point,
        Qt.DropAction.CopyAction,
        data,
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.NoModifier,
    )
    QtCore.QCoreApplication.sendEvent(window, drop)


def test_dropping_files_tags_them_and_undo_puts_them_back(qtbot, window, tmp_path, exiftool):
    loose = tmp_path / "loose"
    loose.mkdir()
    files = [make_jpeg(loose / f"d{i}.jpg", seed=10 + i) for i in range(2)]
    before = {f: f.read_bytes() for f in files}
    _drop(window, files)
    qtbot.waitUntil(
        lambda: window.works.undo_button.isEnabled() and not window.jobs.busy, timeout=WORK_MS
    )
    for f in files:
        assert exiftool(f)["XMP-plus:DataMining"].startswith(VOCAB)
        assert pixels(f) == pixels_of(before[f], tmp_path)
    assert "2 files tagged" in window.statusBar().currentMessage()

    window.undo()
    qtbot.waitUntil(
        lambda: not window.works.undo_button.isEnabled() and not window.jobs.busy, timeout=WORK_MS
    )
    for f in files:
        assert f.read_bytes() == before[f]
    assert "Put back 2 files" in window.statusBar().currentMessage()


def pixels_of(data: bytes, tmp_path: Path):
    copy = tmp_path / "decoded-copy.jpg"
    copy.write_bytes(data)
    return pixels(copy)


def test_cancel_stops_a_batch_and_leaves_the_rest_untouched(qtbot, window, photos):
    folder = photos("many", count=240)
    before = {p: p.read_bytes() for p in folder.iterdir()}
    job = window.tag([folder])
    cancelled = []

    def cancel_once(done: int, total: int) -> None:
        if done >= 1 and not cancelled:
            cancelled.append(done)
            window.jobs.cancel_button.click()

    job.signals.progress.connect(cancel_once)
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
    assert cancelled
    changed = [p for p, data in before.items() if p.read_bytes() != data]
    assert 1 <= len(changed) < 240
    assert window.statusBar().currentMessage().startswith("Stopped:")
    # undo covers exactly what the cancelled batch wrote
    window.undo()
    qtbot.waitUntil(
        lambda: not window.jobs.busy and not window.works.undo_button.isEnabled(), timeout=WORK_MS
    )
    assert all(p.read_bytes() == data for p, data in before.items())


def test_a_file_that_cannot_be_tagged_is_explained_and_untouched(qtbot, window, tmp_path):
    bad = tmp_path / "broken.jpg"
    bad.write_bytes(b"\xff\xd8\xff\xe0 this is not really a JPEG")
    original = bad.read_bytes()
    window.tag([bad])
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
    title, text = window.last_failure
    assert title == "A file could not be tagged"
    assert text.startswith("broken.jpg: ") and len(text) > len("broken.jpg: ") + 5
    assert bad.read_bytes() == original
    assert "1 failed" in window.statusBar().currentMessage()


def test_panels_refresh_after_a_folder_is_added(qtbot, window, photos):
    window.add_folder(str(photos(count=2)))
    qtbot.waitUntil(lambda: tagged(window.store) == 2 and not window.jobs.busy, timeout=WORK_MS)
    window.show_section("activity")
    model = window.activity.model

    def kinds() -> set:
        return {model.data(model.index(r, 2)) for r in range(model.rowCount())}

    qtbot.waitUntil(lambda: {"Folder added", "Tagged"} <= kinds())  # the kinds, in words
    assert window.store.count_by_state() == {WorkState.TAGGED: 2}


def test_signed_files_are_not_broken_without_asking(qtbot, window, tmp_path):
    """With no identity to re-sign, a signed file is left alone and the window asks; only
    'Tag anyway' rewrites it."""
    from creatorapp.core.media import c2pa
    from creatorapp.core.media.c2pa import CredentialStatus, SignJob
    from creatorapp.core.policy import resolve_policy
    from creatorapp.core.policy.signals import embedded_fields
    from creatorapp.core.proof import identity
    from creatorapp.core.works.tagging import TagOptions, tag_files

    allow = resolve_policy("allow")  # what the file says; the window's default is no-ai
    signed = make_jpeg(tmp_path / "signed.jpg", seed=21)
    job = SignJob(identity.create("Someone Else", save=False)).with_policies([allow])
    [done] = tag_files([(signed, embedded_fields(allow))], options=TagOptions(credentials=job))
    assert done.status.value == "tagged", done.reason
    before = signed.read_bytes()

    window.tag([signed])
    qtbot.waitUntil(lambda: getattr(window, "credentials_box", None) is not None, timeout=WORK_MS)
    box = window.credentials_box
    assert "invalid" in box.text() and box.isVisible()
    assert signed.read_bytes() == before  # nothing broken while the question is open
    leave = next(b for b in box.buttons() if b.text().startswith("Leave"))
    leave.click()
    qtbot.waitUntil(lambda: not window.jobs.busy, timeout=WORK_MS)
    assert signed.read_bytes() == before

    window.operations.credentials_at_stake.emit([str(signed)])
    box = window.credentials_box
    go = next(b for b in box.buttons() if b.text() == "Tag anyway")
    go.click()
    qtbot.waitUntil(lambda: signed.read_bytes() != before and not window.jobs.busy, timeout=WORK_MS)
    assert c2pa.read_path(signed, "jpeg").status is CredentialStatus.INVALID
    assert pixels(signed) == pixels_of(before, tmp_path)


def test_a_tagging_batch_refreshes_the_works_and_the_ledger_only(qtbot, window, photos):
    read: list[str] = []
    for name in ("works", "sites", "optouts", "activity"):
        panel = getattr(window, name)
        real = panel.refresh
        panel.refresh = lambda real=real, name=name: (read.append(name), real())
    folder = photos("batch", count=2)

    window.operations.add_folders([folder])  # scanned, then tagged: both change works only
    qtbot.waitUntil(lambda: tagged(window.store) == 2 and not window.jobs.busy, timeout=WORK_MS)
    qtbot.waitUntil(lambda: "works" in read, timeout=WORK_MS)

    assert set(read) == {"works", "activity"}, read


# --- several works at once -------------------------------------------------------------------


def _untagged_folder(qtbot, window, photos, name="shoot", count=4):
    """A portfolio folder scanned but not tagged: its works are New (shown in Works: the
    window opens on Home)."""
    folder = photos(name, count=count)
    window.show_section("works")
    window.operations.add_folders([folder], tag=False)
    qtbot.waitUntil(
        lambda: (
            window.store.count_by_state().get(WorkState.NEW, 0) >= count and not window.jobs.busy
        ),
        timeout=WORK_MS,
    )
    return folder


CTRL_SHIFT = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier


def _click_row(qtbot, table, row: int, modifier=Qt.KeyboardModifier.NoModifier) -> None:
    rect = table.visualRect(table.model().index(row, 0))
    qtbot.mouseClick(table.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())


def _selected(panel) -> list[str]:
    return sorted(Path(p).name for p in panel.selection().paths)


def test_ctrl_click_selects_several_works_and_ctrl_enter_tags_only_those(
    qtbot, window, photos, exiftool
):
    folder = _untagged_folder(qtbot, window, photos)
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4)
    assert not panel.tag_action.isEnabled()  # nothing selected yet
    _click_row(qtbot, panel.table, 0)
    _click_row(qtbot, panel.table, 2, Qt.KeyboardModifier.ControlModifier)
    assert _selected(panel) == ["p000.jpg", "p002.jpg"]
    assert panel.selected_label.text() == "2 works selected in shoot"
    assert panel.tag_action.isEnabled() and panel.reveal_action.isEnabled()

    qtbot.keyClick(panel.table, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(
        lambda: window.works.undo_button.isEnabled() and not window.jobs.busy, timeout=WORK_MS
    )
    states = {Path(w.path).name: w.state for w in window.store.works()}
    assert states == {
        "p000.jpg": WorkState.TAGGED,
        "p001.jpg": WorkState.NEW,
        "p002.jpg": WorkState.TAGGED,
        "p003.jpg": WorkState.NEW,
    }
    assert exiftool(folder / "p002.jpg")["XMP-plus:DataMining"].startswith(VOCAB)
    assert "XMP-plus:DataMining" not in exiftool(folder / "p001.jpg")
    assert "2 works" in window.works.undo_button.toolTip()  # one undo for the batch
    # the refresh after the batch kept the selection
    qtbot.waitUntil(lambda: _selected(panel) == ["p000.jpg", "p002.jpg"])


def test_ctrl_a_selects_every_work_the_filter_shows_not_only_the_rows_read(qtbot, tmp_path):
    from creatorapp.gui.main_window import MainWindow
    from creatorapp.gui.works_model import PAGE
    from tests.gui.test_works_model import _catalogue

    window = MainWindow(_catalogue(tmp_path, count=1200))
    qtbot.addWidget(window)
    window.show()
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == PAGE)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: len(panel.selection().works) == 1200, timeout=WORK_MS)
    assert panel.model.rowCount() == 1200 and not panel.model.canFetchMore()
    assert panel.selected_label.text() == "1,200 works selected in photos"
    window.close()


def test_the_policy_is_changed_for_one_folder_only_and_said_to_be_the_folders(
    qtbot, window, photos, exiftool
):
    first = _untagged_folder(qtbot, window, photos, "first", count=2)
    _untagged_folder(qtbot, window, photos, "second", count=2)
    window.tag([first])
    qtbot.waitUntil(lambda: tagged(window.store) == 2 and not window.jobs.busy, timeout=WORK_MS)
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 4)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert not panel.policy_action.isEnabled()  # two folders: a policy belongs to one
    assert "lie in 2 folders" in panel.policy_action.toolTip()

    _click_row(qtbot, panel.table, 0)  # first/p000.jpg (rows are in path order)
    _click_row(qtbot, panel.table, 1, Qt.KeyboardModifier.ShiftModifier)
    assert _selected(panel) == ["p000.jpg", "p001.jpg"] and panel.policy_action.isEnabled()
    qtbot.keyClick(panel.table, Qt.Key.Key_P, CTRL_SHIFT)
    qtbot.waitUntil(lambda: getattr(panel, "policy_dialog", None) is not None)
    dialog = panel.policy_dialog
    assert dialog.isVisible()
    said = " ".join(w.text() for w in dialog.findChildren(type(panel.selected_label)))
    assert "for the whole folder <b>first</b>" in said and "It now uses <b>no-ai</b>" in said
    dialog.policy.setCurrentIndex(dialog.policy.findData("allow"))
    qtbot.mouseClick(dialog.ok, Qt.MouseButton.LeftButton)
    # the window's policy change asks whether to write it into the files now
    qtbot.waitUntil(lambda: window.policy_change.box is not None, timeout=WORK_MS)
    box = window.policy_change.box
    assert "2 works in first" in box.text()
    now = next(b for b in box.buttons() if b.text() == "Apply now")
    qtbot.mouseClick(now, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(
        lambda: not window.jobs.busy and tagged(window.store) == 2 and
        exiftool(first / "p000.jpg").get("XMP-plus:DataMining", "").endswith("DMI-ALLOWED"),
        timeout=WORK_MS,
    )  # fmt: skip
    folders = {Path(f.path).name: f.policy for f in window.store.folders()}
    assert folders == {"first": "allow", "second": "no-ai"}


def test_delete_leaves_works_out_only_after_asking_and_include_again_takes_them_back(
    qtbot, window, photos
):
    """Delete asks first, and Enter on the question keeps everything.  "Leave out" leaves the
    work out in the catalogue (``Portfolio.exclude``) and never touches its file; the strip
    that says so offers "Include again", which takes exactly that work back."""
    folder = _untagged_folder(qtbot, window, photos, count=3)
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    _click_row(qtbot, panel.table, 1)
    target = folder / "p001.jpg"
    original = target.read_bytes()
    before = window.store.count_by_state()
    assert not panel.left_out.isVisible()

    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: getattr(panel, "exclude_box", None) is not None)
    box = panel.exclude_box
    assert box.isVisible() and "Leave 1 work out" in box.text()
    assert "not changed or deleted" in box.text()
    qtbot.keyClick(box, Qt.Key.Key_Return)  # the default answer keeps things as they are
    qtbot.waitUntil(lambda: not box.isVisible())
    assert window.store.count_by_state() == before

    qtbot.keyClick(panel.table, Qt.Key.Key_Delete)
    qtbot.waitUntil(lambda: panel.exclude_box is not box and panel.exclude_box.isVisible())
    box = panel.exclude_box
    go = next(b for b in box.buttons() if b.text() == "Leave out")
    qtbot.mouseClick(go, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Left 1 work out" in window.statusBar().currentMessage())
    work = window.store.work(str(target.resolve()))
    assert work.state is WorkState.EXCLUDED and work.excluded_from == "new"
    assert window.store.count_by_state().get(WorkState.NEW) == before[WorkState.NEW] - 1
    assert target.read_bytes() == original  # leaving out never touches the file
    (event,) = window.store.events(kind="works.excluded")
    assert event.data["count"] == 1 and [Path(p).name for p in event.data["paths"]] == ["p001.jpg"]
    qtbot.waitUntil(lambda: panel.left_out.isVisible())
    assert "Left 1 work out" in panel.left_out.label.text()

    qtbot.mouseClick(panel.left_out.include_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: "Took 1 work back" in window.statusBar().currentMessage())
    assert not panel.left_out.isVisible()
    assert window.store.work(str(target.resolve())).state is WorkState.NEW
    assert window.store.count_by_state() == before
    assert len(list(window.store.events(kind="works.included"))) == 1
    assert target.read_bytes() == original


def test_show_in_folder_opens_each_folder_once(qtbot, window, photos, monkeypatch):
    opened: list[str] = []
    monkeypatch.setattr(
        QtGui.QDesktopServices, "openUrl", lambda url: opened.append(url.toLocalFile()) or True
    )
    folder = _untagged_folder(qtbot, window, photos, count=3)
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 3)
    panel.table.setFocus()
    qtbot.keyClick(panel.table, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClick(panel.table, Qt.Key.Key_O, CTRL_SHIFT)
    assert opened == [str(folder)]


def test_every_works_action_is_reachable_by_keyboard(qtbot, window, photos):
    _untagged_folder(qtbot, window, photos, count=2)
    panel = window.works
    qtbot.waitUntil(lambda: panel.model.rowCount() == 2)
    window.activateWindow()
    # Ctrl+F: to the filter, from anywhere in the window
    panel.table.setFocus()
    qtbot.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: panel.search.hasFocus())
    # Tab: filter -> list -> the selection's actions -> the detail pane
    qtbot.keyClick(panel.search, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: panel.table.hasFocus())
    qtbot.keyClick(panel.table, Qt.Key.Key_Down)
    qtbot.keyClick(panel.table, Qt.Key.Key_Tab)
    qtbot.waitUntil(lambda: panel.bulk_buttons[0].hasFocus())
    assert panel.bulk_buttons[0].defaultAction() is panel.tag_action
    # Enter on a work: its details, and the keyboard goes there
    panel.table.setFocus()
    panel.table.selectRow(1)
    qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: panel.detail.signals.hasFocus())
    assert panel.detail.work is not None and Path(panel.detail.work.path).name == "p001.jpg"
    # the context menu (Menu key, Shift+F10) lists every action with its key
    texts = [a.text() for a in panel.table.actions() if not a.isSeparator()]
    assert texts == [
        "Tag now",
        "Change folder policy…",
        "Leave out…",
        "Show in folder",
        "Select all",
    ]
    assert all(not a.shortcut().isEmpty() for a in panel.table.actions() if not a.isSeparator())
