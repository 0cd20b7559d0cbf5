"""The Jobs window: every running and recent job in one list, with how far each is, how fast
it goes, the time left and Cancel for each.  It never blocks the window (it is not modal) and
follows the job list (``gui/job_list.py``) as it changes."""

from __future__ import annotations

from creatorapp.core.text.display import shown
from creatorapp.gui.job_list import JobList, JobRecord, JobState
from creatorapp.gui.qt import Qt, QtCore, QtGui, QtWidgets

W = QtWidgets
COLUMNS = ("Job", "State", "Done", "Rate", "Time", "")
STATE_COLOURS = {JobState.FAILED: "#d7263d", JobState.CANCELLED: "#8a6d00"}


class JobsView(W.QDialog):
    def __init__(self, jobs: JobList, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Jobs")
        self.setModal(False)
        self.resize(820, 360)
        self.jobs = jobs
        self.table = W.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Running and recent jobs")
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(W.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(W.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, W.QHeaderView.ResizeMode.Stretch)
        for column in range(1, len(COLUMNS)):
            header.setSectionResizeMode(column, W.QHeaderView.ResizeMode.ResizeToContents)
        self.empty = W.QLabel("No jobs yet. Tagging, publishing and sending opt-outs show here.")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        close = W.QPushButton("Close")
        close.setAutoDefault(False)
        close.clicked.connect(self.close)
        buttons = W.QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(close)
        heading = W.QLabel(
            "<b>Running and recent jobs</b>: tagging, adding folders, applying policies, "
            "publishing sites and sending opt-outs. A job stopped by Cancel keeps what it did."
        )
        heading.setWordWrap(True)
        layout = W.QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.rows: dict[int, int] = {}  # record id -> row
        self.cancel_buttons: dict[int, W.QPushButton] = {}
        jobs.changed.connect(self.rebuild)
        jobs.progressed.connect(self._progressed)
        # running for …: the time moves on even when a job reports nothing
        self.ticker = QtCore.QTimer(self, interval=1000)
        self.ticker.timeout.connect(self._tick)
        self.ticker.start()
        self.rebuild()

    def rebuild(self) -> None:
        """Lay the list out again (a job was added or changed state)."""
        records = self.jobs.records()
        self.empty.setVisible(not records)
        self.table.setVisible(bool(records))
        self.table.setRowCount(len(records))
        self.rows = {}
        self.cancel_buttons = {}
        for row, record in enumerate(records):
            self.rows[record.id] = row
            self._fill(row, record)
            self.table.setCellWidget(row, len(COLUMNS) - 1, self._cancel_button(record))

    def _cancel_button(self, record: JobRecord) -> W.QWidget:
        if not record.active:
            return W.QWidget()
        button = W.QPushButton("Cancel")
        button.setAutoDefault(False)
        button.setAccessibleName(f"Cancel {record.title}")
        if record.cancel is None:
            button.setEnabled(False)
            button.setToolTip("This job cannot be stopped half-way; it ends by itself")
        elif record.state is JobState.STOPPING:
            button.setEnabled(False)
            button.setToolTip("Stopping after the files in hand")
        else:
            button.setToolTip(
                "Stop after the files in hand (what was done is kept, and Undo puts it back)"
                if record.state is JobState.RUNNING
                else "Take it off the list before it starts"
            )
            button.clicked.connect(record.cancel)
        self.cancel_buttons[record.id] = button
        return button

    def _fill(self, row: int, record: JobRecord) -> None:
        state = record.state.value
        if record.message and record.state is JobState.FAILED:
            state = f"{state}: {shown(record.message)}"
        texts = (record.title, state, record.counts(), record.rate(), record.time())
        for column, text in enumerate(texts):
            item = self.table.item(row, column)
            if item is None:
                item = W.QTableWidgetItem()
                self.table.setItem(row, column, item)
            item.setText(text)
            if column == 1:
                item.setToolTip(text)
                colour = STATE_COLOURS.get(record.state)
                if colour:
                    item.setForeground(QtGui.QBrush(QtGui.QColor(colour)))

    def _progressed(self, record: JobRecord) -> None:
        row = self.rows.get(record.id)
        if row is not None:
            self._fill(row, record)

    def _tick(self) -> None:
        if not self.isVisible():
            return
        for record in self.jobs.records():
            if record.active and record.id in self.rows:
                self._fill(self.rows[record.id], record)

    def texts(self) -> list[tuple[str, ...]]:
        """What each row says, as a person reads it (tests, screen readers)."""
        return [
            tuple(
                self.table.item(r, c).text() if self.table.item(r, c) else ""
                for c in range(len(COLUMNS) - 1)
            )
            for r in range(self.table.rowCount())
        ]
