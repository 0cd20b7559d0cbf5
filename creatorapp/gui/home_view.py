"""The home view: how protected the work is, at a glance.  For the whole portfolio and for each
folder, the share of works that carry the reservation in the file, carry Content Credentials
and were confirmed by each opt-out destination; each site with whether its declarations are
live; and what still needs doing.  Every number opens the works behind it in Works.

The counting is ``core/app/coverage.py``, run off the event loop; a refresh asked for while one
runs is done once, after it."""

from __future__ import annotations

import html
from dataclasses import dataclass

from creatorapp.core.app import coverage
from creatorapp.core.app.coverage import Coverage, Row, SiteState
from creatorapp.core.catalogue import WorkState
from creatorapp.core.catalogue.store import Covered
from creatorapp.core.text.display import counted, shown
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtWidgets, Signal

W = QtWidgets
QUERY_ROLE = Qt.ItemDataRole.UserRole  # a folder table cell's WorksQuery

SITE_COLOURS = {
    SiteState.LIVE: "#2e9d4f",
    SiteState.DRIFTED: "#d7263d",
    SiteState.UNCHECKED: "#8a6d00",
    SiteState.UNPUBLISHED: "#6a6a6a",
}


@dataclass(frozen=True)
class WorksQuery:
    """The works behind a number: what Works is asked to show (``WorksPanel.show_covered``)."""

    label: str
    folder_id: int | None = None
    covered: Covered | None = None
    confirmed_at: str | None = None
    state: WorkState | None = None


def _bar(count: int, total: int, name: str) -> W.QProgressBar:
    bar = W.QProgressBar()
    bar.setRange(0, 1000)
    bar.setValue(round(coverage.fraction(count, total) * 1000))
    bar.setTextVisible(False)
    bar.setFixedHeight(12)
    bar.setMinimumWidth(160)
    bar.setAccessibleName(name)
    bar.setAccessibleDescription(coverage.share(count, total))
    return bar


class HomeView(W.QWidget):
    """How protected am I: the first section of the window."""

    open_works = Signal(object)  # a WorksQuery
    open_section = Signal(str)  # "sites", "optouts"
    add_folder_requested = Signal()
    measured = Signal(object)  # the Coverage just counted

    def __init__(self, store, title=str, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.title = title  # an opt-out destination's name for people
        self.coverage: Coverage | None = None
        self.counting = False
        self._again = False
        self.closed = False

        self.heading = W.QLabel("<h1>How protected your work is</h1>")
        self.heading.setAccessibleName("How protected your work is")
        self.summary = W.QLabel("Counting…")
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("Summary")
        self.refresh_button = W.QPushButton("Count again")
        self.refresh_button.setAccessibleName("Count again what is protected")
        self.refresh_button.clicked.connect(self.refresh)
        top = W.QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.refresh_button, 0, Qt.AlignmentFlag.AlignTop)

        self.whole_box = W.QGroupBox("Your whole portfolio")
        self.whole = W.QGridLayout(self.whole_box)
        self.whole.setColumnStretch(1, 1)
        self.sites_box = W.QGroupBox("Your sites")
        self.sites_layout = W.QGridLayout(self.sites_box)
        self.sites_layout.setColumnStretch(1, 1)
        self.folders_box = W.QGroupBox("By folder")
        self.folders = W.QTableWidget(0, 0)
        self.folders.setAccessibleName("Protection by folder")
        self.folders.setToolTip("Enter or double-click a number to see those works")
        self.folders.setEditTriggers(W.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.folders.setSelectionBehavior(W.QAbstractItemView.SelectionBehavior.SelectItems)
        self.folders.setSelectionMode(W.QAbstractItemView.SelectionMode.SingleSelection)
        self.folders.setTabKeyNavigation(False)
        self.folders.verticalHeader().setVisible(False)
        self.folders.itemActivated.connect(self._activated)
        folder_layout = W.QVBoxLayout(self.folders_box)
        folder_layout.addWidget(self.folders)

        self.empty = W.QWidget()
        empty_layout = W.QVBoxLayout(self.empty)
        empty_text = W.QLabel(
            "<h2>No works yet</h2><p>Add a portfolio folder: its works get the reservation "
            "written into them, and this page shows how much of your work is protected.</p>"
        )
        empty_text.setWordWrap(True)
        self.empty_button = W.QPushButton("Add a portfolio folder…")
        self.empty_button.clicked.connect(self.add_folder_requested)
        empty_layout.addWidget(empty_text)
        empty_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignLeft)
        self.empty.setVisible(False)

        body = W.QWidget()
        layout = W.QVBoxLayout(body)
        layout.addWidget(self.heading)
        layout.addLayout(top)
        layout.addWidget(self.empty)
        layout.addWidget(self.whole_box)
        layout.addWidget(self.sites_box)
        layout.addWidget(self.folders_box, 1)
        scroll = W.QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(W.QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        outer = W.QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.number_buttons: list[W.QPushButton] = []

    # --- counting ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Count again, off the event loop; asked while counting, count once more after."""
        if self.closed:
            return
        if self.counting:
            self._again = True
            return
        self.counting = True
        self.refresh_button.setEnabled(False)
        store, title = self.store, self.title
        tasks.Op(lambda: coverage.measure(store, title=title), title="Counting what is protected") \
            .success(self._counted).failure(self._failed).run()  # fmt: skip

    def close_view(self) -> None:
        """The catalogue is closing: count nothing more."""
        self.closed = True

    def _settle(self) -> bool:
        self.counting = False
        self.refresh_button.setEnabled(True)
        if self._again and not self.closed:
            self._again = False
            self.refresh()
            return False
        return True

    def _failed(self, message: str) -> None:
        self._settle()
        self.summary.setText(f"Could not count what is protected: {html.escape(shown(message))}")

    def _counted(self, found: object) -> None:
        assert isinstance(found, Coverage)
        try:
            self.coverage = found
            self._show(found)
            self.measured.emit(found)
        finally:
            self._settle()  # a failure here is reported (tasks.guarded); counting goes on

    # --- showing ----------------------------------------------------------------------------
    def _number(self, query: WorksQuery, text: str, name: str) -> W.QPushButton:
        button = W.QPushButton(text)
        button.setFlat(True)
        button.setCursor(Qt.CursorShape.PointingHandCursor)
        button.setStyleSheet("QPushButton { text-align: left; text-decoration: underline; }")
        button.setAccessibleName(name)
        button.setToolTip(f"{name} in Works")
        button.clicked.connect(lambda: self.open_works.emit(query))
        self.number_buttons.append(button)
        return button

    @staticmethod
    def _clear(layout: W.QLayout) -> None:
        while layout.count():
            item = layout.takeAt(0)
            widget = item.widget()
            if widget is not None:
                widget.hide()
                widget.setParent(None)  # gone from the view at once, not at the next loop
                widget.deleteLater()

    def _measure_row(
        self,
        row: int,
        label: str,
        count: int,
        total: int,
        query: WorksQuery,
        missing: WorksQuery | None = None,
        note: str = "",
    ) -> None:
        grid = self.whole
        title = W.QLabel(label)
        grid.addWidget(title, row, 0)
        grid.addWidget(_bar(count, total, label), row, 1)
        grid.addWidget(
            self._number(
                query,
                coverage.share(count, total),
                f"Show the {counted(count, 'work')}: {label.lower()}",
            ),
            row,
            2,
        )
        if missing is not None and count < total:
            rest = total - count
            grid.addWidget(
                self._number(
                    missing, f"{rest:,} without", f"Show the {counted(rest, 'work')} without it"
                ),
                row,
                3,
            )
        if note:
            extra = W.QLabel(note)
            extra.setStyleSheet("color: palette(mid);")
            grid.addWidget(extra, row, 4)

    def _show(self, found: Coverage) -> None:
        self.number_buttons = []
        p = found.portfolio
        none = p.works == 0
        self.empty.setVisible(none and not found.folders)
        self.whole_box.setVisible(not none)
        self.folders_box.setVisible(bool(found.folders) and not none)
        self.summary.setText(self._summary(found))
        self._clear(self.whole)
        self.whole_box.setTitle(
            f"Your whole portfolio: {counted(p.works, 'work')} in "
            f"{counted(len(found.folders), 'folder')}"
        )
        self._measure_row(
            0, "Reservation in the file", p.in_file, p.works,
            WorksQuery("Reservation in the file", covered=Covered.IN_FILE),
            WorksQuery("No reservation in the file yet", covered=Covered.NOT_IN_FILE),
        )  # fmt: skip
        self._measure_row(
            1, "Content Credentials", p.credentials, p.works,
            WorksQuery("With Content Credentials", covered=Covered.CREDENTIALS),
            WorksQuery("Without Content Credentials", covered=Covered.NO_CREDENTIALS),
        )  # fmt: skip
        row = 2
        for destination in found.destinations:
            works = p.confirmed.get(destination.id, 0)
            self._measure_row(
                row,
                f"Opt-out confirmed: {destination.title}",
                works,
                p.works,
                WorksQuery(f"Confirmed by {destination.title}", confirmed_at=destination.id),
                note=f"{destination.confirmed:,} of {counted(destination.asked, 'item')} asked "
                "there confirmed",
            )
            row += 1
        if not found.destinations:
            self.whole.addWidget(W.QLabel("Opt-outs"), row, 0)
            self.whole.addWidget(W.QLabel("none sent yet"), row, 1)
            go = W.QPushButton("Open Opt-outs")
            go.setAccessibleName("Open Opt-outs to send one")
            go.clicked.connect(lambda: self.open_section.emit("optouts"))
            self.whole.addWidget(go, row, 2)
            row += 1
        self.whole.addWidget(W.QLabel("Found in datasets"), row, 0)
        searched = W.QLabel("not searched yet")
        searched.setAccessibleName("Found in datasets: not searched yet")
        searched.setStyleSheet("color: palette(mid);")
        self.whole.addWidget(searched, row, 1)
        row += 1
        self._to_do(row, p)
        self._sites(found)
        self._folders(found)
        # widgets added to a box already on screen are shown only at the next turn of the
        # event loop: show them now, so what was counted is there as soon as it is said
        direct = Qt.FindChildOption.FindDirectChildrenOnly
        for box in (self.whole_box, self.sites_box):
            for widget in box.findChildren(W.QWidget, options=direct):
                widget.show()

    def _to_do(self, row: int, p: Row) -> None:
        """What keeps works from carrying the reservation, each a way to them."""
        parts = [
            (p.new, "new", "not tagged yet", WorkState.NEW),
            (p.stale, "to tag again", "to be tagged again", WorkState.STALE),
            (p.failed, "failed", "that could not be tagged", WorkState.FAILED),
        ]
        due = [(n, word, why, state) for n, word, why, state in parts if n]
        if not due:
            return
        self.whole.addWidget(W.QLabel("Still to do"), row, 0)
        line = W.QHBoxLayout()
        for n, word, why, state in due:
            works = f"{counted(n, 'work')} {why}"
            line.addWidget(
                self._number(WorksQuery(works, state=state), f"{n:,} {word}", f"Show the {works}")
            )
        line.addStretch(1)
        holder = W.QWidget()
        holder.setLayout(line)
        line.setContentsMargins(0, 0, 0, 0)
        self.whole.addWidget(holder, row, 1, 1, 4)

    def _sites(self, found: Coverage) -> None:
        self._clear(self.sites_layout)
        if not found.sites:
            text = W.QLabel(
                "No site yet. A site of yours can declare the reservation for everything it "
                "shows (robots.txt, TDMRep, ai.txt)."
            )
            text.setWordWrap(True)
            self.sites_layout.addWidget(text, 0, 0, 1, 2)
        for row, site in enumerate(found.sites):
            name = W.QLabel(f"<b>{html.escape(site.name)}</b> {html.escape(site.url)}")
            colour = SITE_COLOURS[site.state]
            state = W.QLabel(f"<span style='color:{colour}'>{html.escape(site.said())}</span>")
            state.setAccessibleName(f"{site.name}: {site.said()}")
            if site.reserves is None:
                policy = f"policy {site.policy} not found"
            elif site.reserves:
                policy = f"policy {site.policy} reserves AI training"
            else:
                policy = f"policy {site.policy} reserves nothing"
            self.sites_layout.addWidget(name, row, 0)
            self.sites_layout.addWidget(state, row, 1)
            self.sites_layout.addWidget(W.QLabel(policy), row, 2)
        go = W.QPushButton("Open Sites")
        go.setAccessibleName("Open Sites to publish or check them")
        go.clicked.connect(lambda: self.open_section.emit("sites"))
        self.sites_layout.addWidget(go, max(len(found.sites), 1), 0, Qt.AlignmentFlag.AlignLeft)

    def _folders(self, found: Coverage) -> None:
        table = self.folders
        columns = ["Folder", "Policy", "Works", "In the file", "Content Credentials"]
        columns += [f"Confirmed: {d.title}" for d in found.destinations]
        table.clear()
        table.setColumnCount(len(columns))
        for column, text in enumerate(columns):
            # a destination's name can be long: the header shows it up to its first bracket,
            # on two lines, and says it whole as its tooltip
            head = W.QTableWidgetItem(text.split(" (")[0].replace(": ", ":\n", 1))
            head.setToolTip(text)
            head.setData(QUERY_ROLE, text)
            table.setHorizontalHeaderItem(column, head)
        table.setRowCount(len(found.folders))
        for r, folder in enumerate(found.folders):
            name = W.QTableWidgetItem(folder.name)
            name.setToolTip(shown(folder.path))
            table.setItem(r, 0, name)
            table.setItem(r, 1, W.QTableWidgetItem(folder.policy))
            name_ = folder.name
            cells = [
                (
                    folder.works,
                    WorksQuery(f"All works of {name_}", folder.folder_id, Covered.LIVE),
                    False,
                ),
                (
                    folder.in_file,
                    WorksQuery(f"In the file, {name_}", folder.folder_id, Covered.IN_FILE),
                    True,
                ),
                (
                    folder.credentials,
                    WorksQuery(
                        f"Content Credentials, {name_}", folder.folder_id, Covered.CREDENTIALS
                    ),
                    True,
                ),
            ]
            cells += [
                (
                    folder.confirmed.get(d.id, 0),
                    WorksQuery(
                        f"Confirmed by {d.title}, {name_}", folder.folder_id, confirmed_at=d.id
                    ),
                    True,
                )
                for d in found.destinations
            ]
            for c, (count, query, as_share) in enumerate(cells, start=2):
                text = coverage.share(count, folder.works) if as_share else f"{count:,}"
                item = W.QTableWidgetItem(text)
                item.setData(QUERY_ROLE, query)
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                table.setItem(r, c, item)
        table.resizeColumnsToContents()
        height = table.horizontalHeader().height() + 8
        height += sum(table.rowHeight(r) for r in range(min(table.rowCount(), 12)))
        table.setMinimumHeight(height)

    def _activated(self, item: W.QTableWidgetItem) -> None:
        query = item.data(QUERY_ROLE)
        if isinstance(query, WorksQuery):
            self.open_works.emit(query)

    @staticmethod
    def _summary(found: Coverage) -> str:
        p = found.portfolio
        if p.works == 0:
            return "Nothing to count yet."
        percent = p.in_file * 100 // p.works
        lines = [
            f"<b>{percent}%</b> of your {counted(p.works, 'work')} carry the reservation in "
            "the file."
            if p.in_file < p.works
            else f"<b>Every one</b> of your {counted(p.works, 'work')} carries the "
            "reservation in the file."
        ]
        live = sum(s.state is SiteState.LIVE for s in found.sites)
        if found.sites:
            lines.append(f"{live:,} of {counted(len(found.sites), 'site')} declare it live.")
        if found.attention:
            n = len(found.attention)
            verb = "needs" if n == 1 else "need"
            lines.append(f"{counted(n, 'thing')} {verb} you: see the notices above.")
        return " ".join(lines)

    def folder_cell(self, folder_name: str, column: str) -> W.QTableWidgetItem | None:
        """The folder table's cell of ``folder_name`` under ``column`` (what a person reads)."""
        table = self.folders
        headers = [table.horizontalHeaderItem(c).toolTip() for c in range(table.columnCount())]
        for r in range(table.rowCount()):
            if table.item(r, 0).text() == folder_name and column in headers:
                return table.item(r, headers.index(column))
        return None
