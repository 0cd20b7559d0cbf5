"""The Activity panel: the ledger, oldest first, read a page at a time; a check of its hash
chain runs in the background and says plainly whether the record is intact.  Events read as
words (core.text.events) at the user's local time; the codes stay in the ledger and its JSON."""

from __future__ import annotations

import itertools

from creatorapp.core.catalogue import Store, verify_ledger
from creatorapp.core.text import events as event_words
from creatorapp.core.text.display import counted, shown, when
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtCore, QtWidgets
from creatorapp.gui.tables import tidy

PAGE = 500
_ROOT = QtCore.QModelIndex()
KINDS = (
    ("Tagging", "work.tagged"),
    ("Failures", "work.failed"),
    ("Restores (undo)", "work.restored"),
    ("Folders added", "folder.added"),
    ("Sites published", "site.published"),
    ("Sites checked", "site.verified"),
    ("Opt-outs sent", "optout.sent"),
    ("Opt-out answers", "optout.items"),
)


class LedgerModel(QtCore.QAbstractTableModel):
    COLUMNS = ("#", "When", "What", "About")

    def __init__(self, store: Store, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self._rows: list = []
        self._source = None
        self.kind: str | None = None
        self.refresh()

    def freeze(self) -> None:
        self.beginResetModel()
        self._rows, self._source, self._more, self.frozen = [], iter(()), False, True
        self.endResetModel()

    def refresh(self) -> None:
        if getattr(self, "frozen", False):
            return
        self.beginResetModel()
        self._rows = []
        self._source = iter(self.store.events(kind=self.kind))
        self._more = True
        self.endResetModel()

    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        event = self._rows[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return (
                str(event.seq),
                when(event.at),
                event_words.name(event.kind),
                shown(event.subject),
            )[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole:
            return event_words.sentence(event.kind, event.data)
        return None

    def canFetchMore(self, parent=_ROOT) -> bool:
        return not parent.isValid() and self._more

    def fetchMore(self, parent=_ROOT) -> None:
        page = list(itertools.islice(self._source, PAGE))
        self._more = len(page) == PAGE
        if page:
            start = len(self._rows)
            self.beginInsertRows(_ROOT, start, start + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()


class ActivityPanel(QtWidgets.QWidget):
    def __init__(self, store: Store, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.model = LedgerModel(store, self)
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Ledger events")
        tidy(self.table, {0: 60, 1: 150, 2: 150})
        self.verify_button = QtWidgets.QPushButton("Check the ledger")
        self.verify_button.setAccessibleName("Check the ledger's hash chain")
        self.result = QtWidgets.QLabel("")
        self.result.setAccessibleName("Ledger check result")
        self.result.setWordWrap(True)
        self.kind = QtWidgets.QComboBox()
        self.kind.setAccessibleName("Show events of kind")
        self.kind.addItem("All events", None)
        for label, kind in KINDS:
            self.kind.addItem(label, kind)
        self.kind.currentIndexChanged.connect(self._filter)
        self.export_button = QtWidgets.QPushButton("Export evidence report…")
        self.export_button.setAccessibleName("Export an evidence report")
        self.export_button.clicked.connect(self.export)
        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.kind)
        bar.addWidget(self.verify_button)
        bar.addWidget(self.export_button)
        bar.addWidget(self.result, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.verify_button.clicked.connect(self.verify)

    def _filter(self) -> None:
        self.model.kind = self.kind.currentData()
        self.model.refresh()

    def refresh(self) -> None:
        self.model.refresh()

    def export(self, folder: str | None = None) -> None:
        if not folder:
            folder = QtWidgets.QFileDialog.getExistingDirectory(self, "Save the report into")
        if not folder:
            return
        from pathlib import Path

        from creatorapp.core.proof.report import write_report

        self.export_button.setEnabled(False)
        self.result.setText("Writing the report…")
        store = self.store

        def done(files) -> None:
            self.export_button.setEnabled(True)
            self.result.setText(
                f"Report written: {shown(files.html)} ({counted(files.events, 'event')}, chain "
                f"{'intact' if files.chain_ok else 'BROKEN'})"
            )

        def failed(message: str) -> None:
            self.export_button.setEnabled(True)
            self.result.setText(f"Could not write the report: {message}")

        tasks.start(lambda: write_report(store, Path(folder)), done, failed)

    def verify(self) -> None:
        self.verify_button.setEnabled(False)
        self.result.setText("Checking…")
        store = self.store
        tasks.start(
            lambda: verify_ledger(store),
            self._verified,
            self._failed,
        )

    def _verified(self, report) -> None:
        self.verify_button.setEnabled(True)
        if report.ok:
            where = " and ".join(report.matched) or "nowhere else yet"
            self.result.setText(
                f"Consistent: {counted(report.events, 'event')}, each linked to the one "
                f"before; the last one matches the head recorded {where}. This shows no event "
                "was changed or cut off by someone who could not also rewrite those records."
            )
        elif report.bad_seq is None:
            self.result.setText(f"Not verified: {report.problem}")
        else:
            self.result.setText(f"Broken at event {report.bad_seq}: {report.problem}")

    def _failed(self, message: str) -> None:
        self.verify_button.setEnabled(True)
        self.result.setText(f"Could not check: {message}")
