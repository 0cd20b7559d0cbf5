"""The Works panel: every catalogued work with its state, filtered by state and searched by
name, read from the catalogue a page at a time."""

from __future__ import annotations

from creatorapp.core.catalogue import Store, WorkState
from creatorapp.gui.qt import QtWidgets
from creatorapp.gui.works_model import STATE_LABELS, WorkFilter, WorksModel


class WorksPanel(QtWidgets.QWidget):
    def __init__(self, store: Store, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = WorksModel(store, self)
        self.state = QtWidgets.QComboBox()
        self.state.setAccessibleName("Show works in state")
        self.state.addItem("All states", None)
        for state, label in STATE_LABELS.items():
            self.state.addItem(label, state.value)
        self.search = QtWidgets.QLineEdit()
        self.search.setPlaceholderText("Search file names")
        self.search.setAccessibleName("Search works")
        self.search.setClearButtonEnabled(True)
        self.counts = QtWidgets.QLabel()
        self.counts.setAccessibleName("Works by state")
        self.table = QtWidgets.QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Works")
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setStretchLastSection(True)

        bar = QtWidgets.QHBoxLayout()
        bar.addWidget(self.state)
        bar.addWidget(self.search, 1)
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.counts)
        self.state.currentIndexChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)
        self.refresh()

    def _apply(self) -> None:
        value = self.state.currentData()
        self.model.set_filter(
            WorkFilter(
                state=WorkState(value) if value else None,
                search=self.search.text().strip() or None,
            )
        )

    def refresh(self) -> None:
        self.model.refresh()
        counts = self.model.store.count_by_state()
        total = sum(counts.values())
        parts = [f"{n} {STATE_LABELS[s].lower()}" for s, n in counts.items() if n]
        self.counts.setText(f"{total} works" + (f": {', '.join(parts)}" if parts else ""))
