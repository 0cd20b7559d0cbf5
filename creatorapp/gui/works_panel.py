"""The Works panel: every catalogued work with its state, filtered by state, folder and format,
searched by name, read from the catalogue a page at a time; a detail pane shows every signal the
selected file carries, read back from the file itself.  Several works can be selected and acted
on at once (``gui/works_bulk.py``)."""

from __future__ import annotations

import html
import itertools
import os
from pathlib import Path

from creatorapp.core.catalogue import Store, Work, WorkState
from creatorapp.core.catalogue.store import Covered
from creatorapp.core.text.display import counted, shown, when
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.tagging import read_reservation, read_signals
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtCore, QtGui, QtWidgets, Signal
from creatorapp.gui.tables import tidy
from creatorapp.gui.works_bulk import (
    REVEAL_AT_MOST,
    LeftOut,
    PolicyDialog,
    Selection,
    confirm_exclude,
)
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
            f"Tagged: {when(work.tagged_at, never='never')}",
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
    """The works list.  Several works can be selected (click, Shift/Ctrl+click, Ctrl+A) and
    acted on at once: tag now, change their folder's policy, leave them out, show them in
    their folder.  Every action has a key, a button and a context-menu entry."""

    add_folder_requested = Signal()
    tag_requested = Signal()
    undo_requested = Signal()
    tag_works_requested = Signal(list, str)  # paths, a label for the batch
    message = Signal(str)  # a result worth a line in the status bar
    changed = Signal()  # the catalogue changed here (works left out)
    policy_change_requested = Signal(str, str)  # folder path, policy name

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
        # the home view's number these works are behind; clicking it shows every work again
        self._covered: tuple[Covered | None, str | None] = (None, None)
        self.covered_button = W.QPushButton()
        self.covered_button.setAccessibleName("Stop showing only these works")
        self.covered_button.setToolTip("Show every work again")
        self.covered_button.setVisible(False)
        self.covered_button.clicked.connect(self.clear_covered)
        self.table = W.QTableView()
        self.table.setModel(self.model)
        # the column headers get a selection of their own: painting a header asks whether its
        # column is wholly selected, which looks at every row (seconds with 100,000 selected)
        self.table.horizontalHeader().setSelectionModel(
            QtCore.QItemSelectionModel(self.model, self.table)
        )
        self.table.setAccessibleName("Works")
        self.table.setSelectionBehavior(W.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(W.QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setTabKeyNavigation(False)  # Tab leaves the table; arrows move within
        tidy(self.table, {0: 240, 1: 120, 2: 70, 3: 220})
        self.table.setIconSize(QtCore.QSize(40, 40))
        self.detail = WorkDetail()
        self.empty = W.QLabel(
            "<h2>No works yet</h2><p>Add a portfolio folder, or drop image files and folders "
            "anywhere on this window to tag them.</p>"
        )
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self._bulk_actions()

        actions = W.QHBoxLayout()
        for button in (self.add_button, self.tag_button, self.undo_button):
            actions.addWidget(button)
        actions.addStretch(1)
        bar = W.QHBoxLayout()
        bar.addWidget(self.state)
        bar.addWidget(self.folder)
        bar.addWidget(self.format)
        bar.addWidget(self.search, 1)
        bar.addWidget(self.covered_button)
        bulk = W.QHBoxLayout()
        bulk.addWidget(self.selected_label)
        bulk.addStretch(1)
        for button in self.bulk_buttons:
            bulk.addWidget(button)
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
        layout.addLayout(bulk)
        layout.addWidget(self.left_out)
        layout.addWidget(split, 1)
        layout.addWidget(self.counts)
        for combo in (self.state, self.folder, self.format):
            combo.currentIndexChanged.connect(self._apply)
        self.search.textChanged.connect(self._apply)
        self.table.selectionModel().currentRowChanged.connect(self._selected)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)
        self.model.modelReset.connect(self._selection_changed)
        self.table.activated.connect(self.open_detail)  # Enter, or a double click
        self._tab_order()
        self.refresh()

    # --- the actions on the selection ---------------------------------------------------------
    def _bulk_actions(self) -> None:
        """One QAction per action: its key works while the table has the focus, the same
        action is a button (enabled with it) and an entry of the table's context menu."""

        def action(text: str, slot, keys: tuple, tip: str) -> QtGui.QAction:
            act = QtGui.QAction(text, self.table)
            act.setIconText(text)  # a button would drop the "…" that says a question follows
            act.setShortcuts([QtGui.QKeySequence(k) for k in keys])
            act.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
            shown_keys = ", ".join(
                QtGui.QKeySequence(k).toString(QtGui.QKeySequence.SequenceFormat.NativeText)
                for k in keys[:1]
            )
            act.setToolTip(f"{tip} ({shown_keys})" if shown_keys else tip)
            act.triggered.connect(slot)
            self.table.addAction(act)
            return act

        self.tag_action = action(
            "Tag now", self.tag_selected, ("Ctrl+Return", "Ctrl+Enter"),
            "Tag the selected works now with their folder's policy",
        )  # fmt: skip
        self.policy_action = action(
            "Change folder policy…", self.change_policy, ("Ctrl+Shift+P",),
            "Change the policy of the folder the selected works are in",
        )  # fmt: skip
        self.exclude_action = action(
            "Leave out…", self.exclude_selected, (QtGui.QKeySequence.StandardKey.Delete,),
            "Leave the selected works out of the catalogue and watching",
        )  # fmt: skip
        self.reveal_action = action(
            "Show in folder", self.reveal_selected, ("Ctrl+Shift+O",),
            "Open the folders the selected files are in",
        )  # fmt: skip
        separator = QtGui.QAction(self.table)
        separator.setSeparator(True)
        self.table.addAction(separator)
        self.select_all_action = action(
            "Select all", self.select_all, (QtGui.QKeySequence.StandardKey.SelectAll,),
            "Select every work the filter shows",
        )  # fmt: skip
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        # the table takes Ctrl+A for itself (selecting the rows read so far): catch it first
        self.table.installEventFilter(self)
        self.bulk_buttons = []
        for act, name in (
            (self.tag_action, "Tag the selected works now"),
            (self.policy_action, "Change the policy of the selected works' folder"),
            (self.exclude_action, "Leave the selected works out"),
            (self.reveal_action, "Show the selected files in their folders"),
        ):
            button = W.QToolButton()
            button.setDefaultAction(act)
            button.setAccessibleName(name)
            button.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            self.bulk_buttons.append(button)
        self.selected_label = W.QLabel()
        self.selected_label.setAccessibleName("Selected works")
        self.left_out = LeftOut(self.store)  # what was just left out, and "Include again"
        self.left_out.included.connect(self._included)

    def eventFilter(self, watched: QtCore.QObject, event: QtCore.QEvent) -> bool:
        if (
            watched is self.table
            and event.type() == QtCore.QEvent.Type.KeyPress
            and event.matches(QtGui.QKeySequence.StandardKey.SelectAll)
        ):
            self.select_all()
            return True
        return super().eventFilter(watched, event)

    def _tab_order(self) -> None:
        chain = [
            self.add_button, self.tag_button, self.undo_button,
            self.state, self.folder, self.format, self.search,
            self.table, *self.bulk_buttons, self.detail.signals, self.detail.reveal,
        ]  # fmt: skip
        for first, second in itertools.pairwise(chain):
            W.QWidget.setTabOrder(first, second)

    def selected_rows(self) -> list[int]:
        """The selected rows, from the selection's ranges (asking Qt for each selected index
        would cost seconds for a hundred thousand works)."""
        rows: set[int] = set()
        for span in self.table.selectionModel().selection():
            rows.update(range(span.top(), span.bottom() + 1))
        return sorted(rows)

    def selection(self) -> Selection:
        return Selection.of(self.store, [self.model.work(r) for r in self.selected_rows()])

    def _selection_changed(self, *_args) -> None:
        selection = self.selection()
        some = bool(selection.works)
        for act in (self.tag_action, self.exclude_action, self.reveal_action):
            act.setEnabled(some)
        self.policy_action.setEnabled(selection.folder is not None)
        if some and selection.folder is None:
            self.policy_action.setToolTip(
                f"The selected works lie in {counted(selection.folders, 'folder')}; a policy "
                "belongs to a folder: select works of one folder to change its policy"
            )
        else:
            self.policy_action.setToolTip(
                "Change the policy of the folder the selected works are in (Ctrl+Shift+P)"
            )
        self.selected_label.setText(selection.summary() if some else "")

    def select_all(self) -> None:
        """Every work the filter shows, not only the rows read so far: those are selected at
        once, the rest read in the background and selected when they arrive."""
        self.table.selectAll()
        if not self.model.canFetchMore():
            return
        self.selected_label.setText("Selecting every work the filter shows…")
        model = self.model

        def arrived(rest: object) -> None:
            if model.add_rest(rest):  # type: ignore[arg-type]
                self.table.selectAll()

        tasks.Op(model.rest, title="Selecting every work").success(arrived).run()

    def open_detail(self, index: QtCore.QModelIndex | None = None) -> None:
        """Show the work in the detail pane and take the keyboard there."""
        index = index if index is not None and index.isValid() else self.table.currentIndex()
        if index.isValid():
            self.detail.show_work(self.model.work(index.row()))
            self.detail.signals.setFocus()

    def tag_selected(self) -> None:
        selection = self.selection()
        if selection.works:
            self.tag_works_requested.emit(selection.paths, counted(len(selection.works), "work"))

    def change_policy(self) -> None:
        """Choose another policy for the folder the selection lies in; the window's policy
        change (``gui/policy_change.py``) sets it, marks the works stale and asks whether to
        write it into the files now."""
        selection = self.selection()
        if selection.folder is None:
            self.message.emit(self.policy_action.toolTip())
            return
        dialog = PolicyDialog(selection, self)
        self.policy_dialog = dialog
        folder = selection.folder

        def chosen() -> None:
            name = dialog.chosen()
            if name == folder.policy:
                self.message.emit(f"{shown(os.path.basename(folder.path))} already uses {name}")
            else:
                self.policy_change_requested.emit(folder.path, name)

        dialog.accepted.connect(chosen)
        dialog.open()

    def exclude_selected(self) -> None:
        selection = self.selection()
        if not selection.works:
            return
        box = confirm_exclude(selection, self)
        self.exclude_box = box
        paths = selection.paths
        newly = selection.to_leave_out  # what "Include again" may take back

        def answered() -> None:
            if box.buttonRole(box.clickedButton()) != W.QMessageBox.ButtonRole.AcceptRole:
                return
            portfolio = Portfolio(self.store)

            def done(count: object) -> None:
                self.message.emit(f"Left {counted(int(count), 'work')} out")
                self.left_out.offer(newly, int(count))
                self.changed.emit()

            tasks.Op(lambda: portfolio.exclude(paths), title="Leaving works out").success(
                done
            ).run()

        box.finished.connect(answered)
        box.open()

    def _included(self, count: int) -> None:
        self.message.emit(f"Took {counted(count, 'work')} back into tagging and watching")
        self.changed.emit()

    def reveal_selected(self) -> None:
        folders = self.selection().reveal_folders()
        for folder in folders[:REVEAL_AT_MOST]:
            QtGui.QDesktopServices.openUrl(QtCore.QUrl.fromLocalFile(folder))
        if len(folders) > REVEAL_AT_MOST:
            self.message.emit(
                f"Opened {REVEAL_AT_MOST} of {counted(len(folders), 'folder')}; "
                "select fewer works to open the others"
            )

    def _reselect(self, paths: list[str], current: str | None) -> None:
        """Select the works at ``paths`` again after the rows were read anew."""
        rows = sorted(r for r in (self.model.row_of(p) for p in paths) if r is not None)
        chosen = QtCore.QItemSelection()
        last = self.model.columnCount() - 1
        start = None
        for i, row in enumerate(rows):
            if start is None:
                start = row
            if i + 1 == len(rows) or rows[i + 1] != row + 1:
                chosen.select(self.model.index(start, 0), self.model.index(row, last))
                start = None
        flags = QtCore.QItemSelectionModel.SelectionFlag
        selection_model = self.table.selectionModel()
        row = self.model.row_of(current) if current is not None else None
        if row is not None:
            selection_model.setCurrentIndex(self.model.index(row, 0), flags.NoUpdate)
        selection_model.select(chosen, flags.ClearAndSelect | flags.Rows)

    # --- the list ------------------------------------------------------------------------------
    def show_thumbnails(self, on: bool) -> None:
        self.model.show_thumbnails(on)
        self.table.verticalHeader().setDefaultSectionSize(
            46 if on else self.table.fontMetrics().height() + 10
        )

    def set_undo(self, label: str) -> None:
        self.undo_button.setEnabled(bool(label))
        self.undo_button.setToolTip(f"Undo: {label}" if label else "Nothing to undo")

    def show_covered(
        self,
        label: str,
        *,
        folder_id: int | None = None,
        covered: Covered | None = None,
        confirmed_at: str | None = None,
        state: WorkState | None = None,
    ) -> None:
        """Show the works behind a number of the home view: of one folder (all with None),
        carrying (or lacking) what ``covered`` names, confirmed at an opt-out destination, or
        in ``state``.  ``label`` says which on a button that shows every work again."""
        if folder_id is not None and self.folder.findData(folder_id) < 0:
            self.refresh()  # a folder added since the list was last read
        self._covered = (covered, confirmed_at)
        combos = (self.state, self.folder, self.format, self.search)
        for widget in combos:
            widget.blockSignals(True)
        self.state.setCurrentIndex(max(self.state.findData(state.value if state else None), 0))
        self.folder.setCurrentIndex(max(self.folder.findData(folder_id), 0))
        self.format.setCurrentIndex(0)
        self.search.clear()
        for widget in combos:
            widget.blockSignals(False)
        shown_label = covered is not None or confirmed_at is not None
        self.covered_button.setText(f"{label}  ✕" if shown_label else "")
        self.covered_button.setVisible(shown_label)
        self._apply()

    def clear_covered(self) -> None:
        """Stop showing only the works behind a home view number."""
        self._covered = (None, None)
        self.covered_button.setVisible(False)
        self._apply()

    def show_state(self, state: WorkState | None) -> None:
        """Show only the works in ``state`` (all with None)."""
        if self._covered != (None, None):
            self._covered = (None, None)
            self.covered_button.setVisible(False)
            self._apply()
        self.state.setCurrentIndex(max(self.state.findData(state.value if state else None), 0))

    def _apply(self) -> None:
        value = self.state.currentData()
        self.model.set_filter(
            WorkFilter(
                state=WorkState(value) if value else None,
                folder_id=self.folder.currentData(),
                format=self.format.currentData(),
                search=self.search.text().strip() or None,
                covered=self._covered[0],
                confirmed_at=self._covered[1],
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
        """Read the works again, keeping the selection (a batch just tagged them).  Once the
        window has closed the catalogue (the model is frozen), a late answer reads nothing."""
        if self.model.frozen:
            return
        kept = self.selection().paths
        current = self.table.currentIndex()
        current_path = self.model.work(current.row()).path if current.isValid() else None
        self._refill(
            self.folder,
            "All folders",
            [(os.path.basename(f.path) or f.path, f.id) for f in self.store.folders()],
        )
        self._refill(self.format, "All formats", [(f, f) for f in self.store.formats()])
        self.model.refresh()
        if kept:
            self._reselect(kept, current_path)
        counts = self.store.count_by_state()
        total = sum(counts.values())
        self.stack.setCurrentWidget(self.empty if total == 0 else self.table)
        parts = [f"{n:,} {STATE_LABELS[s].lower()}" for s, n in counts.items() if n]
        self.counts.setText(counted(total, "work") + (f": {', '.join(parts)}" if parts else ""))
