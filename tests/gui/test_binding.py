"""The Qt binding must not lose references: PySide6 6.12.0 drops one reference to None on each
call that returns nothing, and on Python 3.11 the app then aborts after a few thousand calls
(events, timers, progress).  This holds the pinned version to account."""

from __future__ import annotations

import sys

from creatorapp.gui.qt import QtCore


def test_calls_returning_nothing_keep_none_alive(qapp):
    before = sys.getrefcount(None)
    for _ in range(2000):
        QtCore.QCoreApplication.processEvents()
        QtCore.QTimer.singleShot(0, lambda: None)
    QtCore.QCoreApplication.processEvents()
    assert sys.getrefcount(None) - before > -200
