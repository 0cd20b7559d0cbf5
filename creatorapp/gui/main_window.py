"""The main window.  For now it shows what the app is and points to the command line."""

from __future__ import annotations

from creatorapp import APP_TITLE, __version__
from creatorapp.core.policy import DEFAULT_PRESET, PRESETS
from creatorapp.gui.qt import QLabel, QMainWindow, Qt, QVBoxLayout, QWidget


class MainWindow(QMainWindow):
    def __init__(self) -> None:
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.resize(900, 600)
        body = QWidget(self)
        layout = QVBoxLayout(body)
        title = QLabel(f"<h1>{APP_TITLE}</h1>")
        title.setAccessibleName("Application title")
        preset = PRESETS[DEFAULT_PRESET]
        intro = QLabel(
            "Say “not for AI training” in every place where it counts, and keep proof.<br><br>"
            f"Default policy: <b>{preset.title}</b>: {preset.description}<br><br>"
            "Tag a folder from a terminal with <code>creatorapp tag FOLDER</code>; "
            "check files with <code>creatorapp verify FOLDER</code>."
        )
        intro.setWordWrap(True)
        intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        version = QLabel(f"Version {__version__}")
        for widget in (title, intro, version):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setCentralWidget(body)
