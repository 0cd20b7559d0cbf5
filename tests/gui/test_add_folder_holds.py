"""Adding a folder in the window while the watcher runs: one job adds, catalogues and tags it
under one hold, so the watcher never takes some of its files in between and the whole folder
is one undo."""

from __future__ import annotations

from creatorapp.core.catalogue import WorkState
from creatorapp.gui.job_bar import JobBar
from creatorapp.gui.operations import Operations
from tests.conftest import make_jpeg
from tests.integration.test_one_queue import _caught_up, _writes, env  # noqa: F401


def test_adding_a_folder_while_the_watcher_runs_tags_it_in_one_batch(qtbot, env, tmp_path):  # noqa: F811
    portfolio, seen, start = env
    watcher = start()
    bar = JobBar()
    qtbot.addWidget(bar)
    ops = Operations(portfolio.store, bar)
    summaries = []
    ops.undo_available.connect(summaries.append)
    root = tmp_path / "new-folder"
    root.mkdir()
    files = [make_jpeg(root / f"p{i:02d}.jpg", seed=i + 1, size=(640, 480)) for i in range(24)]
    ops.add_folders([root], policy="no-ai")
    qtbot.waitUntil(lambda: bool(summaries), timeout=60_000)
    _caught_up(root, seen, watcher, "sentinel.jpg")
    names = {str(p) for p in files}
    assert not [o for o in seen.outcomes if o.path in names]  # the watcher left them be
    for path in files:
        assert _writes(portfolio.store, path) == 1, path
        assert portfolio.store.work(str(path)).state is WorkState.TAGGED
    assert "24" in ops.undo_label()  # the whole folder is the one undo
