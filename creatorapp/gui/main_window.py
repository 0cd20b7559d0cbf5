"""The main window: a sidebar of panels over the same core services the command line uses."""

from __future__ import annotations

from creatorapp import APP_TITLE, __version__
from creatorapp.core.catalogue import Store
from creatorapp.core.policy import DEFAULT_PRESET, PRESETS
from creatorapp.core.registries.outbox import OptOuts
from creatorapp.gui.activity_panel import ActivityPanel
from creatorapp.gui.optouts_panel import OptOutsPanel
from creatorapp.gui.qt import QLabel, QMainWindow, Qt, QtWidgets, QVBoxLayout, QWidget
from creatorapp.gui.works_panel import WorksPanel


def _about() -> QWidget:
    body = QWidget()
    layout = QVBoxLayout(body)
    title = QLabel(f"<h1>{APP_TITLE}</h1>")
    title.setAccessibleName("Application title")
    preset = PRESETS[DEFAULT_PRESET]
    intro = QLabel(
        "Say “not for AI training” in every place where it counts, and keep proof.<br><br>"
        f"Default policy: <b>{preset.title}</b>: {preset.description}<br><br>"
        "Everything here is also a command: <code>creatorapp --help</code>."
    )
    intro.setWordWrap(True)
    intro.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    for widget in (title, intro, QLabel(f"Version {__version__}")):
        layout.addWidget(widget)
    layout.addStretch(1)
    return body


class MainWindow(QMainWindow):
    def __init__(self, store: Store | None = None) -> None:
        super().__init__()
        self.setWindowTitle(APP_TITLE)
        self.resize(1100, 700)
        if store is None:
            from creatorapp.core.catalogue import open_catalogue

            store = open_catalogue(None)
        self.store = store
        self.sidebar = QtWidgets.QListWidget()
        self.sidebar.setAccessibleName("Sections")
        self.sidebar.setFixedWidth(160)
        self.pages = QtWidgets.QStackedWidget()
        self.works = WorksPanel(store)
        self.activity = ActivityPanel(store)
        self.optouts = OptOutsPanel(OptOuts(store))
        for name, page in (
            ("Works", self.works),
            ("Opt-outs", self.optouts),
            ("Activity", self.activity),
            ("About", _about()),
        ):
            self.sidebar.addItem(name)
            self.pages.addWidget(page)
        self.sidebar.currentRowChanged.connect(self.pages.setCurrentIndex)
        self.sidebar.setCurrentRow(0)
        body = QWidget(self)
        layout = QtWidgets.QHBoxLayout(body)
        layout.addWidget(self.sidebar)
        layout.addWidget(self.pages, 1)
        self.setCentralWidget(body)

    def closeEvent(self, event) -> None:
        self.store.close()
        super().closeEvent(event)
