"""Portfolio folders against a real catalogue and real files: scan, tag, move, delete, recover."""

from __future__ import annotations

import os
import shutil

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.media.base import Status
from creatorapp.core.works import tagging
from creatorapp.core.works.portfolio import Portfolio, PortfolioError
from creatorapp.core.works.service import TaggingService
from creatorapp.core.works.tagging import read_reservation
from tests.conftest import make_jpeg, make_png, pixels

VOCAB = "http://ns.useplus.org/ldf/vocab/"


@pytest.fixture
def portfolio(tmp_path):
    p = Portfolio(open_catalogue(tmp_path / "cat.sqlite3"))
    yield p
    p.store.close()


@pytest.fixture
def photos(tmp_path):
    root = tmp_path / "photos"
    (root / "2026").mkdir(parents=True)
    make_jpeg(root / "a.jpg", seed=1)
    make_jpeg(root / "2026" / "b.jpg", seed=2)
    make_png(root / "c.png")
    (root / "notes.txt").write_text("not a work")
    (root / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0 cut short")
    return root


def _sync(portfolio, folders=None, **kw):
    report = portfolio.scan(folders, **kw)
    outcomes = list(TaggingService(portfolio).process(report.due, jobs=1))
    return report, outcomes


def _events(store, kind=None, subject=None):
    return list(store.events(kind=kind, subject=subject))


def test_adding_a_folder_catalogues_and_tags_every_work(portfolio, photos):
    folder = portfolio.add_folder(photos)
    report, outcomes = _sync(portfolio, [folder])
    assert (report.seen, report.added) == (4, 4)  # notes.txt is not a work
    by_name = {os.path.basename(o.path): o.status for o in outcomes}
    assert by_name == {
        "a.jpg": Status.TAGGED,
        "b.jpg": Status.TAGGED,
        "c.png": Status.TAGGED,
        "broken.jpg": Status.FAILED,
    }
    store = portfolio.store
    assert store.count_by_state() == {WorkState.TAGGED: 3, WorkState.FAILED: 1}
    work = store.work(str(photos / "a.jpg"))
    st = os.stat(photos / "a.jpg")
    assert work.same_file(st.st_size, st.st_mtime_ns, st.st_ino)
    assert work.sha256 == __import__("hashlib").sha256((photos / "a.jpg").read_bytes()).hexdigest()
    assert store.work(str(photos / "broken.jpg")).error.startswith("the file is cut short")
    tagged = _events(store, "work.tagged")
    assert len(tagged) == 3 and all(e.data["data_mining"].startswith(VOCAB) for e in tagged)
    assert len(_events(store, "work.added")) == 4
    assert verify_chain(store.events(), expected_count=store.events_written()).ok


def test_rescan_without_changes_opens_nothing_and_records_nothing(portfolio, photos, monkeypatch):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    events_before = portfolio.store.events_written()

    opened = []
    real_open = open

    def spy(file, *args, **kwargs):
        if str(file).startswith(str(photos)):
            opened.append(file)
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr("builtins.open", spy)
    report = portfolio.scan([folder], retry_failed=False)
    assert opened == []
    assert report.due == [] and report.unchanged == 4
    assert portfolio.store.events_written() == events_before


def test_tag_skips_known_done_works_without_reading_them(portfolio, photos, monkeypatch):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])

    def must_not_run(*a, **k):
        raise AssertionError("a known, unchanged work was opened")

    monkeypatch.setattr(tagging, "tag_file", must_not_run)
    service = TaggingService(portfolio)
    outcomes = list(service.tag([photos / "a.jpg", photos / "2026"], None, jobs=1))
    assert [o.status for o in outcomes] == [Status.UNCHANGED, Status.UNCHANGED]


def test_a_changed_file_and_a_changed_policy_make_works_stale(portfolio, photos):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    a = photos / "a.jpg"
    make_jpeg(a, seed=9)  # re-exported: new pixels, no reservation
    report, outcomes = _sync(portfolio, [folder], retry_failed=False)
    assert report.changed == 1 and [o.path for o in outcomes] == [str(a)]
    assert read_reservation(a).reserved

    portfolio.set_folder(photos, policy="no-genai")
    report, outcomes = _sync(portfolio, retry_failed=False)
    assert report.changed == 3
    assert {o.status for o in outcomes} == {Status.TAGGED}
    assert read_reservation(photos / "c.png").data_mining.endswith("DMI-PROHIBITED-GENAIMLTRAINING")
    assert _events(portfolio.store, "folder.policy")[0].data["to"] == "no-genai"


def test_a_renamed_file_keeps_its_history_and_is_not_retagged(portfolio, photos):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    old, new = photos / "a.jpg", photos / "2026" / "renamed.jpg"
    work_id = portfolio.store.work(str(old)).id
    before = new_bytes = None
    before = old.read_bytes()
    old.rename(new)
    report, outcomes = _sync(portfolio, [folder], retry_failed=False)
    assert (report.moved, report.added, report.deleted) == (1, 0, 0)
    assert outcomes == []
    new_bytes = new.read_bytes()
    assert new_bytes == before
    work = portfolio.store.work(str(new))
    assert work.id == work_id and work.state is WorkState.TAGGED
    moved = _events(portfolio.store, "work.moved")
    assert moved[0].data == {"from": str(old), "to": str(new), "sha256": work.sha256}


def test_a_copy_with_a_new_inode_is_recognised_by_content(portfolio, photos, tmp_path):
    """Moving between drives is copy + delete: new inode, same content."""
    other = tmp_path / "other"
    other.mkdir()
    a_folder = portfolio.add_folder(photos)
    b_folder = portfolio.add_folder(other, policy="no-ai")
    _sync(portfolio, [a_folder, b_folder])
    src = photos / "2026" / "b.jpg"
    work_id = portfolio.store.work(str(src)).id
    shutil.copy2(src, other / "b.jpg")
    src.unlink()
    report, outcomes = _sync(portfolio, retry_failed=False)
    assert (report.moved, report.added, report.deleted) == (1, 0, 0)
    assert outcomes == []
    work = portfolio.store.work(str(other / "b.jpg"))
    assert work.id == work_id and work.folder_id == b_folder.id
    assert work.inode == os.stat(other / "b.jpg").st_ino


def test_deleted_works_are_marked_not_forgotten(portfolio, photos):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    (photos / "c.png").unlink()
    report, _ = _sync(portfolio, [folder], retry_failed=False)
    assert report.deleted == 1
    work = portfolio.store.work(str(photos / "c.png"))
    assert work.state is WorkState.DELETED and work.sha256
    assert len(_events(portfolio.store, "work.deleted", str(photos / "c.png"))) == 1
    # and it comes back as the same work when restored
    make_png(photos / "c.png")
    _sync(portfolio, [folder], retry_failed=False)
    again = portfolio.store.work(str(photos / "c.png"))
    assert again.id == work.id and again.state is WorkState.TAGGED


def test_a_missing_folder_is_reported_and_its_works_kept(portfolio, photos, tmp_path):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    unplugged = tmp_path / "unplugged"
    photos.rename(unplugged)
    report, outcomes = _sync(portfolio, retry_failed=False)
    assert outcomes == [] and report.deleted == 0
    assert "not available" in report.problems[0]
    assert portfolio.store.count_by_state()[WorkState.TAGGED] == 3
    assert "not available" in portfolio.store.folders()[0].error
    unplugged.rename(photos)
    report, _ = _sync(portfolio, retry_failed=False)
    assert report.problems == [] and report.unchanged == 4
    assert portfolio.store.folders()[0].error is None
    assert _events(portfolio.store, "folder.available")


def test_an_unreadable_subfolder_does_not_mark_its_works_deleted(portfolio, photos, monkeypatch):
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    real_scandir = os.scandir

    def failing(path):
        if str(path).endswith("2026"):
            raise PermissionError(13, "Permission denied")
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", failing)
    report = portfolio.scan([folder], retry_failed=False)
    assert report.deleted == 0
    assert any("2026" in p for p in report.problems)
    assert portfolio.store.work(str(photos / "2026" / "b.jpg")).state is WorkState.TAGGED


def test_leftover_temp_files_of_a_killed_writer_are_removed(portfolio, photos):
    folder = portfolio.add_folder(photos)
    dead_pid = 2**22 + 12345  # above Linux's pid_max default: no such process
    leftover = photos / f".a.jpg.creatorapp-{dead_pid}-0123abcd.tmp"
    leftover.write_bytes(b"half written")
    ours = photos / f".a.jpg.creatorapp-{os.getpid()}-0123abcd.tmp"
    ours.write_bytes(b"being written right now")
    someone_elses = photos / ".a.jpg.tmp"
    someone_elses.write_bytes(b"not ours")
    report = portfolio.scan([folder])
    assert report.leftovers_removed == 1
    assert not leftover.exists() and ours.exists() and someone_elses.exists()


def test_folder_rules(portfolio, photos, tmp_path):
    portfolio.add_folder(photos)
    with pytest.raises(PortfolioError, match="already"):
        portfolio.add_folder(photos)
    with pytest.raises(PortfolioError, match="nested"):
        portfolio.add_folder(photos / "2026")
    with pytest.raises(PortfolioError, match="not a folder"):
        portfolio.add_folder(tmp_path / "nowhere")
    with pytest.raises(PortfolioError, match=r"no-such-policy"):
        portfolio.add_folder(tmp_path, policy="no-such-policy")
    before = {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()}
    assert portfolio.remove_folder(photos) == 0
    assert {p: p.read_bytes() for p in photos.rglob("*") if p.is_file()} == before
    assert portfolio.store.folders() == []
    assert _events(portfolio.store, "folder.removed")


def test_tag_in_a_folder_uses_the_folders_policy_and_records(portfolio, photos):
    portfolio.add_folder(photos, policy="no-tdm")
    outcomes = list(TaggingService(portfolio).tag([photos / "a.jpg"], None, jobs=1))
    assert outcomes[0].status is Status.TAGGED
    assert read_reservation(photos / "a.jpg").data_mining == VOCAB + "DMI-PROHIBITED"
    work = portfolio.store.work(str(photos / "a.jpg"))
    assert work.state is WorkState.TAGGED and work.policy == "no-tdm"


def test_pixels_survive_the_whole_flow(portfolio, photos):
    before = pixels(photos / "a.jpg")
    folder = portfolio.add_folder(photos)
    _sync(portfolio, [folder])
    assert pixels(photos / "a.jpg") == before


def test_losing_a_race_to_another_writer_is_not_recorded_as_a_failed_work(portfolio, photos):
    """When another program replaced the file while it was being tagged, the work is not
    marked failed (a failed work with an unchanged stat is never retried by the watcher): it
    stays due, and the next pass tags it."""
    from creatorapp.core.media.base import Outcome, Reason

    folder = portfolio.add_folder(photos)
    report = portfolio.scan([folder])
    item = next(d for d in report.due if d.path.endswith("a.jpg"))
    st = os.stat(item.path)
    lost = Outcome(
        item.path, Status.FAILED, reason="the file changed while it was being tagged",
        size=st.st_size, mtime_ns=st.st_mtime_ns, inode=st.st_ino,
        code=Reason.CHANGED_WHILE_TAGGING,
    )  # fmt: skip
    service = TaggingService(portfolio)
    service.record(lost, item)

    assert portfolio.store.work(item.path).state is not WorkState.FAILED
    assert not _events(portfolio.store, "work.failed", item.path)
    again = portfolio.scan([folder], retry_failed=False)
    assert item.path in {d.path for d in again.due}
    outcomes = list(service.process(again.due, jobs=1))
    assert portfolio.store.work(item.path).state is WorkState.TAGGED, outcomes
