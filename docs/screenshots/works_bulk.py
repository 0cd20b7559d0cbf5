"""Screenshot of a bulk selection in Works, for the README, from a demo portfolio, under Xvfb.

    python docs/screenshots/works_bulk.py      (re-runs itself under xvfb-run without a display)

Everything lives in a temporary folder (images, catalogue, settings), as with ``take.py``,
whose helpers it uses; nothing of the user's is read or written."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(ROOT))

from take import _display, _images, main_window, sandbox, settle  # noqa: E402  (take.py sits beside this file)

OUT = HERE / "works-bulk-selection.png"


def main() -> int:
    _display()
    work = sandbox()
    from creatorapp.core.catalogue import open_catalogue
    from creatorapp.core.works.portfolio import Portfolio

    portfolio_dir = work / "Portfolio"
    _images(portfolio_dir / "2026 studies", 14)
    _images(portfolio_dir / "commissions", 6)
    store = open_catalogue(None)
    portfolio = Portfolio(store)
    studies = portfolio.add_folder(portfolio_dir / "2026 studies", "no-ai")
    commissions = portfolio.add_folder(portfolio_dir / "commissions", "no-genai")
    report = portfolio.scan([studies, commissions])
    tagged = [d for d in report.due if "study-0" not in Path(d.path).name]  # some still New
    for _ in portfolio.process(tagged):
        pass
    store.close()

    from creatorapp.gui.qt import QtCore

    app, window = main_window()
    settle(500)
    panel = window.works
    table = panel.table
    flags = QtCore.QItemSelectionModel.SelectionFlag
    table.selectionModel().setCurrentIndex(panel.model.index(8, 0), flags.NoUpdate)
    for row in (2, 3, 4, 6, 8):  # a Ctrl+click selection inside one folder
        table.selectionModel().select(panel.model.index(row, 0), flags.Select | flags.Rows)
    table.setFocus()
    settle(900)  # thumbnails and the detail pane read in the background
    window.grab().save(str(OUT))
    window.quit()
    print(f"works bulk selection: {OUT}")
    shutil.rmtree(work, ignore_errors=True)
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
