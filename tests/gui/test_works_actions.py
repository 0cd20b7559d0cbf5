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

    qtbot.waitUntil(lambda: {"folder.added", "work.tagged"} <= kinds())
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
