"""The catalogue as a Qt table, read in pages as the view scrolls (``fetchMore``), so a
100,000-work catalogue opens at once and scrolls without loading everything."""

from __future__ import annotations

import os
from dataclasses import dataclass

from creatorapp.core.catalogue import Store, Work, WorkState
from creatorapp.core.catalogue.store import Covered
from creatorapp.core.text.display import shown, when
from creatorapp.gui.qt import Qt, QtCore, QtGui
from creatorapp.gui.thumbnails import Thumbnails

PAGE = 500
REREAD_AT_MOST = 4 * PAGE  # rows a refresh reads again at once (~40 ms), to keep the view's place
_ROOT = QtCore.QModelIndex()  # the table's root: Qt's default parent argument

# state -> how it is shown (words first: colour alone does not carry meaning)
STATE_LABELS: dict[WorkState, str] = {
    WorkState.NEW: "New",
    WorkState.TAGGED: "Tagged",
    WorkState.SIDECAR: "Sidecar",
    WorkState.FAILED: "Failed",
    WorkState.STALE: "Needs tagging again",
    WorkState.DELETED: "Deleted",
    WorkState.EXCLUDED: "Left out",
}


# a badge colour per state, beside the words
STATE_COLOURS: dict[WorkState, str] = {
    WorkState.NEW: "#8a8a8a",
    WorkState.TAGGED: "#2e9d4f",
    WorkState.SIDECAR: "#2f7fbf",
    WorkState.FAILED: "#d7263d",
    WorkState.STALE: "#e0a100",
    WorkState.DELETED: "#5a5a5a",
    WorkState.EXCLUDED: "#b0b0b0",
}


def _badge(colour: str) -> QtGui.QIcon:
    pixmap = QtGui.QPixmap(24, 24)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(pixmap)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    painter.setBrush(QtGui.QColor(colour))
    painter.setPen(Qt.PenStyle.NoPen)
    painter.drawEllipse(4, 4, 16, 16)
    painter.end()
    return QtGui.QIcon(pixmap)


@dataclass(frozen=True)
class WorkFilter:
    state: WorkState | None = None
    folder_id: int | None = None
    search: str | None = None
    format: str | None = None
    covered: Covered | None = None  # what the works carry (the home view's numbers)
    confirmed_at: str | None = None  # an opt-out destination that confirmed the works


class WorksModel(QtCore.QAbstractTableModel):
    COLUMNS = ("File", "State", "Format", "Folder", "Tagged")

    def __init__(self, store: Store, parent: QtCore.QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.filter = WorkFilter()
        self._rows: list[Work] = []
        self._row_of: dict[str, int] = {}
        self._exhausted = False
        self._frozen = False
        self._badges: dict[WorkState, QtGui.QIcon] = {}
        self.thumbnails: Thumbnails | None = None

    def show_thumbnails(self, on: bool) -> None:
        if on and self.thumbnails is None:
            self.thumbnails = Thumbnails(self)
            self.thumbnails.ready.connect(self._thumbnail_ready)
        elif not on:
            self.thumbnails = None
        if self._rows:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rows) - 1, 0))

    def _thumbnail_ready(self, path: str) -> None:
        row = self._row_of.get(path)
        if row is not None:
            index = self.index(row, 0)
            self.dataChanged.emit(index, index, [Qt.ItemDataRole.DecorationRole])

    # --- the table ------------------------------------------------------------------------
    def rowCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=_ROOT) -> int:
        return 0 if parent.isValid() else len(self.COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.COLUMNS[section]
        return None

    def work(self, row: int) -> Work:
        return self._rows[row]

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        work = self._rows[index.row()]
        column = index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return self._text(work, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            return shown(work.error if work.error else work.path)
        if role == Qt.ItemDataRole.UserRole:
            return work.id
        if role == Qt.ItemDataRole.DecorationRole:
            if column == 1:
                if work.state not in self._badges:
                    self._badges[work.state] = _badge(STATE_COLOURS[work.state])
                return self._badges[work.state]
            if column == 0 and self.thumbnails is not None:
                return self.thumbnails.get(work.path)
        return None

    @staticmethod
    def _text(work: Work, column: int) -> str:
        if column == 0:
            return shown(os.path.basename(work.path))
        if column == 1:
            return STATE_LABELS.get(work.state, work.state.value)
        if column == 2:
            return work.format or ""
        if column == 3:
            return shown(os.path.dirname(work.path))
        return when(work.tagged_at)

    # --- lazy loading ---------------------------------------------------------------------
    # Every reset (a new filter, a refresh) holds its first rows when it ends.  A view asks
    # for more (canFetchMore/fetchMore) only when its geometry changes; a reset from no rows
    # to no rows changes nothing, so a model that waited to be asked after a filter that
    # matched nothing stayed empty when the filter was cleared.
    def canFetchMore(self, parent=_ROOT) -> bool:
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent=_ROOT) -> None:
        if parent.isValid() or self._exhausted:
            return
        self._insert(self._read(PAGE))

    def rest(self) -> tuple[WorkFilter, int, list[Work]] | None:
        """The works of the filter not read yet (None when there are none), with what they
        were read for; safe to call off the GUI thread, it changes nothing.  Reading 100,000
        works takes a second: the caller runs it in the background, then hands it to
        :meth:`add_rest`."""
        if self._exhausted:
            return None
        start = len(self._rows)
        f = self.filter
        found = self.store.works(
            state=f.state, folder_id=f.folder_id, search=f.search or None, format=f.format,
            covered=f.covered, confirmed_at=f.confirmed_at, offset=start,
        )  # fmt: skip
        return f, start, found

    def add_rest(self, rest: tuple[WorkFilter, int, list[Work]] | None) -> bool:
        """Show what :meth:`rest` read, unless the rows changed meanwhile; True when every
        work of the filter is now shown."""
        if rest is not None:
            f, start, found = rest
            if f != self.filter or start != len(self._rows) or self._exhausted:
                return self._exhausted
            self._exhausted = True
            self._insert(found)
        return self._exhausted

    def _read(self, limit: int | None) -> list[Work]:
        page = self.store.works(
            state=self.filter.state,
            folder_id=self.filter.folder_id,
            search=self.filter.search or None,
            format=self.filter.format,
            covered=self.filter.covered,
            confirmed_at=self.filter.confirmed_at,
            offset=len(self._rows),
            limit=limit,
        )
        if limit is None or len(page) < limit:
            self._exhausted = True
        return page

    def _keep(self, page: list[Work]) -> int:
        start = len(self._rows)
        self._rows.extend(page)
        self._row_of.update((w.path, start + i) for i, w in enumerate(page))
        return start

    def _insert(self, page: list[Work]) -> None:
        if page:
            start = len(self._rows)
            self.beginInsertRows(QtCore.QModelIndex(), start, start + len(page) - 1)
            self._keep(page)
            self.endInsertRows()

    def _reset(self, new: WorkFilter, rows: int) -> None:
        """Show the works of ``new``, the first ``rows`` of them read at once."""
        self.beginResetModel()
        self.filter = new
        self._rows = []
        self._row_of = {}
        self._exhausted = self._frozen
        if not self._frozen:
            self._keep(self._read(rows))
        self.endResetModel()

    def set_filter(self, new: WorkFilter) -> None:
        """Show other works, from the first page."""
        self._reset(new, PAGE)

    def refresh(self) -> None:
        """Read the same works again: as many rows as were read before (so the view keeps
        its place), at least a page and at most :data:`REREAD_AT_MOST`."""
        if not self._frozen:
            loaded = -(-max(len(self._rows), 1) // PAGE) * PAGE  # whole pages
            self._reset(self.filter, min(loaded, REREAD_AT_MOST))

    @property
    def frozen(self) -> bool:
        return self._frozen

    def row_of(self, path: str) -> int | None:
        return self._row_of.get(path)

    def freeze(self) -> None:
        """The catalogue is closing: show nothing and read nothing more."""
        self.beginResetModel()
        self._rows, self._row_of, self._exhausted, self._frozen = [], {}, True, True
        self.endResetModel()
