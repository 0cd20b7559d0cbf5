"""``creatorapp gui --exit-after MS``: open the window, then quit; for start-up measurements
and smoke tests of an installed or frozen app."""

from __future__ import annotations

from creatorapp.gui.qt import QObject, QtCore, QTimer


class QuitAfterFirstPaint(QObject):
    """The countdown starts once the window has been painted, so a start-up figure includes
    drawing it; it quits the app, so the tray does not keep it running."""

    def __init__(self, window, ms: int) -> None:
        super().__init__(window)
        self.window, self.ms = window, ms

    def eventFilter(self, watched, event) -> bool:
        if event.type() == QtCore.QEvent.Type.Paint:
            self.window.removeEventFilter(self)
            QTimer.singleShot(self.ms, self.window.quit)
        return False
