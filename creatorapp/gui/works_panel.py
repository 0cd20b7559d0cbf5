"""The Works panel: every catalogued work with its state, filtered by state, folder and format,
searched by name, read from the catalogue a page at a time; a detail pane shows every signal the
selected file carries, read back from the file itself."""

from __future__ import annotations

import html
import os
from pathlib import Path

from creatorapp.core.catalogue import Store, Work, WorkState
from creatorapp.core.text.display import shown
from creatorapp.core.works.tagging import read_reservation, read_signals
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from creatorapp.gui.tables import tidy
from creatorapp.gui.works_model import STATE_LABELS, WorkFilter, WorksModel

W = QtWidgets


class WorkDetail(W.QWidget):
    """The selected work: what the catalogue knows and what the file says when read back."""

    def __init__(self, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = W.QLabel("Select a work to see what it carries.")
        self.title.setWordWrap(True)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.facts = W.QLabel()
        self.facts.setWordWrap(True)
        self.facts.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.signals = W.QTableWidget(0, 3)
        self.signals.setHorizontalHeaderLabels(["In", "Signal", "Value"])
        self.signals.setAccessibleName("Signals read back from the file")
        self.signals.verticalHeader().setVisible(False)
        self.signals.horizontalHeader().setStretchLastSection(True)
        self.signals.setEditTriggers(W.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.signals.setWordWrap(True)
        self.reveal = W.QPushButton("Show in folder")
        self.reveal.setAccessibleName("Show the file in its folder")
        self.reveal.setEnabled(False)
        self.reveal.clicked.connect(self._reveal)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.facts)
        layout.addWidget(self.signals, 1)
        layout.addWidget(self.reveal)
        self.work: Work | None = None

    def show_work(self, work: Work | None) -> None:
        self.work = work
        self.signals.setRowCount(0)
        self.reveal.setEnabled(work is not None)
        if work is None:
            self.title.setText("Select a work to see what it carries.")
            self.facts.setText("")
            return
        name, where = html.escape(shown(os.path.basename(work.path))), html.escape(shown(work.path))
        self.title.setText(f"<b>{name}</b><br>{where}")
        facts = [
            f"State: {STATE_LABELS.get(work.state, work.state.value)}",
            f"Policy: {work.policy or '-'}",
            f"Tagged: {(work.tagged_at or 'never')[:19].replace('T', ' ')}",
        ]
        if work.error:
            problem = html.escape(shown(work.error))
            facts.append(f"<span style='color:#d7263d'>Problem: {problem}</span>")
        self.facts.setText("<br>".join(facts) + "<br><i>Reading the file…</i>")
        path = Path(work.path)
        wanted = work.path

        def read() -> tuple:
            return read_reservation(path), read_signals(path)

        tasks.Op(read, title="Reading the file").success(
            lambda r: self._read(wanted, facts, r)
        ).failure(lambda message: self._unreadable(wanted, facts, message)).run()

    def _unreadable(self, path: str, facts: list[str], message: str) -> None:
        if self.work is None or self.work.path != path:
            return
        problem = html.escape(shown(message))
        self.facts.setText("<br>".join([*facts, f"<i>The file could not be read: {problem}</i>"]))

    def _read(self, path: str, facts: list[str], result: object) -> None:
        if self.work is None or self.work.path != path:
            return  # another work was selected meanwhile
        reservation, found = result
        verdict = (
            "<span style='color:#2e9d4f'>The file says: reserved</span>"
            if reservation.reserved
            else "<span style='color:#d7263d'>The file carries no reservation</span>"
            + (f" ({html.escape(shown(reservation.error))})" if reservation.error else "")
        )
        self.facts.setText("<br>".join([*facts, verdict]))
        self.signals.setRowCount(len(found))
        for row, values in enumerate(found):
            for column, text in enumerate(values):
                self.signals.setItem(row, column, W.QTableWidgetItem(text))
        self.signals.resizeRowsToContents()

    def _reveal(self) -> None:
        if self.work is not None:
            url = QtCore.QUrl.fromLocalFile(os.path.dirname(self.work.path))
            QtGui.QDesktopServices.openUrl(url)


class WorksPanel(W.QWidget):
    add_folder_requested = Signal()
    tag_requested = Signal()
    undo_requested = Signal()

    def __init__(self, store: Store, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = WorksModel(store, self)
        self.add_button = W.QPushButton("Add folder…")
        self.add_button.setAccessibleName("Add a portfolio folder")
        self.add_button.setToolTip("Add a portfolio folder, then tag and watch it (Ctrl+O)")
        self.tag_button = W.QPushButton("Tag files…")
        self.tag_button.setAccessibleName("Tag files or folders")
        self.tag_button.setToolTip("Tag chosen files; or drop files and folders on the window")
        self.undo_button = W.QPushButton("Undo last batch")
        self.undo_button.setAccessibleName("Undo the last tagging batch")
        self.undo_button.setEnabled(False)
        self.add_button.clicked.connect(self.add_folder_requested)
        self.tag_button.clicked.connect(self.tag_requested)
        self.undo_button.clicked.connect(self.undo_requested)

        self.state = W.QComboBox()
        self.state.setAccessibleName("Show works in state")
        self.state.addItem("All states", None)
        for state, label in STATE_LABELS.items():
            self.state.addItem(label, state.value)
        self.folder = W.QComboBox()
        self.folder.setAccessibleName("Show works in folder")
        self.format = W.QComboBox()
        self.format.setAccessibleName("Show works of format")
        self.search = W.QLineEdit()
        self.search.setPlaceholderText("Search file names (Ctrl+F)")
        self.search.setAccessibleName("Search works")
        self.search.setClearButtonEnabled(True)
        self.counts = W.QLabel()
        self.counts.setAccessibleName("Works by state")
        self.table = W.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Works")
        self.table.setSelectionBehavior(W.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(W.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        tidy(self.table, {0: 240, 1: 120, 2: 70, 3: 220})
        self.table.setIconSize(QtCore.QSize(40, 40))
        self.detail = WorkDetail()
        self.empty = W.QLabel(
            "<h2>No works yet</h2><p>Add a portfolio folder, or drop image files and folders "
            "anywhere on this window to tag them.</p>"
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)

        actions = W.QHBoxLayout()
        for button in (self.add_button, self.tag_button, self.undo_button):
            actions.addWidget(button)
        actions.addStretch(1)
        bar = W.QHBoxLayout()
        bar.addWidget(self.state)
        bar.addWidget(self.folder)
        bar.addWidget(self.format)
        bar.addWidget(self.search, 1)
        self.stack = W.QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty)
        split = W.QSplitter()
        split.addWidget(self.stack)
        split.addWidget(self.detail)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout = W.QVBoxLayout(self)
        layout.addLayout(actions)
        layout.addLayout(bar)
        layout.addWidget(split, 1)
        layout.addWidget(self.counts)
        for combo in (self.state, self.folder, self.format):
            combo.currentIndexChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.refresh()

    def show_thumbnails(self, on: bool) -> None:
        self.model.show_thumbnails(on)
        self.table.verticalHeader().setDefaultSectionSize(
            46 if on else self.table.fontMetrics().height() + 10
        )

    def set_undo(self, label: str) -> None:
        self.undo_button.setEnabled(bool(label))
        self.undo_button.setToolTip(f"Undo: {label}" if label else "Nothing to undo")

    def _apply(self) -> None:
        value = self.state.currentData()
        self.model.set_filter(
            WorkFilter(
                state=WorkState(value) if value else None,
                folder_id=self.folder.currentData(),
                format=self.format.currentData(),
                search=self.search.text().strip() or None,
            )
        )
        self.detail.show_work(None)

    def _selected(self, current: QtCore.QModelIndex, _previous=None) -> None:
        self.detail.show_work(self.model.work(current.row()) if current.isValid() else None)

    def _refill(self, combo: W.QComboBox, everything: str, items: list[tuple[str, object]]) -> None:
        chosen = combo.currentData()
        combo.blockSignals(True)
        combo.clear()
        combo.addItem(everything, None)
        for label, value in items:
            combo.addItem(label, value)
        index = combo.findData(chosen)
        combo.setCurrentIndex(max(index, 0))
        combo.blockSignals(False)

    def refresh(self) -> None:
        self._refill(
            self.folder,
            "All folders",
            [(os.path.basename(f.path) or f.path, f.id) for f in self.store.folders()],
        )
        self._refill(self.format, "All formats", [(f, f) for f in self.store.formats()])
        self.model.refresh()
        counts = self.store.count_by_state()
        total = sum(counts.values())
        self.stack.setCurrentWidget(self.empty if total == 0 else self.table)
        parts = [f"{n:,} {STATE_LABELS[s].lower()}" for s, n in counts.items() if n]
        self.counts.setText(f"{total:,} works" + (f": {', '.join(parts)}" if parts else ""))
