"""GUI fixtures: a main window over a temporary catalogue, and image folders."""

from __future__ import annotations

import pytest

from creatorapp.core.catalogue import WorkState, open_catalogue
from tests.conftest import make_jpeg


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
