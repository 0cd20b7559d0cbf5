"""Undo of the last tagging batch puts back the exact original bytes, and only where the file is
still what the batch wrote."""

from __future__ import annotations

import os

from creatorapp.core.catalogue import WorkState, open_catalogue
from creatorapp.core.policy import PRESETS
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.undo import last_batch, tag_undoably, undo_last
from tests.conftest import VOCAB, make_jpeg, make_png


def test_undo_restores_originals_and_sidecars(tmp_path, exiftool):
    folder = tmp_path / "works"
    folder.mkdir()
    a = make_jpeg(folder / "a.jpg", seed=1)
    b = make_png(folder / "b.png")
    raw = folder / "c.dng"
    raw.write_bytes(b"not really a raw file")  # tagged by sidecar, or failed: never rewritten
    before = {p: p.read_bytes() for p in (a, b, raw)}
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    portfolio.add_folder(folder, "no-ai")
    seen = []
    summary = tag_undoably(
        portfolio, [folder], PRESETS["no-ai"], progress=lambda d, t: seen.append((d, t))
    )
    assert summary.counts.get("tagged") == 2
    assert seen[-1][0] == len(seen) and seen[-1][1] >= 2
    assert a.read_bytes() != before[a]
    assert exiftool(a)["XMP-plus:DataMining"].startswith(VOCAB + "DMI-PROHIBITED")
    assert last_batch() is not None and last_batch()[1] == summary.undoable

    report = undo_last(store)
    assert sorted(report.restored) == sorted(
        str(p) for p in (a, b, *([raw] if summary.undoable == 3 else []))
    )
    for path, data in before.items():
        assert path.read_bytes() == data
    assert not list(folder.glob("*.xmp"))
    assert store.work(str(a)).state is WorkState.NEW
    assert [e.kind for e in store.events()][-1] == "work.restored"
    assert last_batch() is None
    store.close()


def test_undo_leaves_a_file_changed_since(tmp_path):
    a = make_jpeg(tmp_path / "a.jpg", seed=2)
    b = make_jpeg(tmp_path / "b.jpg", seed=3)
    original_b = b.read_bytes()
    store = open_catalogue(tmp_path / "cat.sqlite3")
    tag_undoably(Portfolio(store), [a, b], PRESETS["no-ai"])
    edited = a.with_name("edit.tmp")
    edited.write_bytes(b"someone else's edit")
    os.replace(edited, a)
    report = undo_last(store)
    assert report.restored == [str(b)]
    assert report.left == [(str(a), "it changed after it was tagged")]
    assert a.read_bytes() == b"someone else's edit"
    assert b.read_bytes() == original_b
    store.close()


def test_unchanged_files_are_not_kept(tmp_path):
    a = make_jpeg(tmp_path / "a.jpg", seed=4)
    store = open_catalogue(tmp_path / "cat.sqlite3")
    portfolio = Portfolio(store)
    assert tag_undoably(portfolio, [a], PRESETS["no-ai"]).undoable == 1
    again = tag_undoably(portfolio, [a], PRESETS["no-ai"])
    assert again.undoable == 0 and again.counts == {"unchanged": 1}
    assert last_batch() is None  # the new batch replaced the old, and had nothing to undo
    store.close()
