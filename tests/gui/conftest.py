"""GUI fixtures: a main window over a temporary catalogue, and image folders."""

from __future__ import annotations

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from tests.conftest import make_jpeg

# How long a wait on background work that writes files may take before the test fails.  Each
# safe write syncs to disk, and while another process (the bundle build running beside the GUI
# tests) has hundreds of megabytes waiting to be written, one sync can take seconds.  The wait
# ends as soon as its condition holds, so this only bounds how long a failure takes to show.
WORK_MS = 120_000


@pytest.fixture
def window(qtbot, tmp_path):
    from creatorapp.gui.main_window import MainWindow

    store = open_catalogue(tmp_path / "catalogue.sqlite3")
    win = MainWindow(store)
    qtbot.addWidget(win)
    win.show()
    qtbot.waitExposed(win)
    yield win
    win.quit()


@pytest.fixture
def photos(tmp_path):
    def make(name: str = "photos", count: int = 3):
        folder = tmp_path / name
        folder.mkdir()
        for i in range(count):
            make_jpeg(folder / f"p{i:03d}.jpg", seed=i + 1)
        return folder

    return make


def tagged(store) -> int:
    counts = store.count_by_state()
    return counts.get(WorkState.TAGGED, 0) + counts.get(WorkState.SIDECAR, 0)
