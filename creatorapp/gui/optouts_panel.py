"""The Opt-outs panel: every request, what each needs from the creator, and the actions that
answer it (I sent it, they confirmed, they refused, check now), over the same outbox the
command line uses.  Above them, the drafts ready to send (the set-up leaves one per registry
chosen): Review opens the new opt-out form on a draft, and only its Send sends it.
Destinations are shown by their titles, with the id beside them; states,
times and events read as words (a request's reference, a code for matching answers, is only in a
cell's tooltip, shortened)."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Callable

from creatorapp.core.optouts.advice import hint_of
from creatorapp.core.optouts.drafts import Draft, Drafts
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.text import events as event_words
from creatorapp.core.text.display import counted, shown, when
from creatorapp.gui import tasks
from creatorapp.gui.optout_dialog import advice, with_advice
from creatorapp.gui.qt import Qt, QtWidgets
from creatorapp.gui.tables import service_words, tidy, words

COLUMNS = ("Destination", "Asked", "State", "Items", "Sent", "Where", "Last problem")


def request_name(submission: dict, title: str, items: int | None = None) -> str:
    """A request as people tell it apart: where it goes, its part, how many items, when."""
    part = ""
    if (submission.get("part_count") or 1) > 1:
        part = f", part {submission['part_no']} of {submission['part_count']}"
    size = f", {counted(items, 'item')}" if items is not None else ""
    return f"{title}{part}{size}, asked {when(submission.get('created_at'), never='not yet')}"


def _target(target: str) -> str:
    """An item as people read it: an address or a name as it is, a file's SHA-256 fingerprint
    shortened and labelled (a destination that works by hash is sent the whole one)."""
    if _SHA256.fullmatch(target):
        return f"File fingerprint {target[:8]}…"
    return shown(target)


_SHA256 = re.compile(r"(?:sha256:)?[0-9a-f]{64}")


def reference(key: str) -> str:
    """The request's reference, shortened and labelled: what a destination's answer quotes."""
    return f"Reference {key[:11]}…" if len(key) > 12 else f"Reference {key}"


class OptOutsPanel(QtWidgets.QWidget):
    def __init__(self, optouts: OptOuts, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.optouts = optouts
        self.drafts = Drafts(optouts.store, optouts)
        self.dialog: QtWidgets.QDialog | None = None  # the form opened to review a draft
        self.waiting: list[Draft] = []  # the drafts as last read (the notices count them)
        self.ready_list = QtWidgets.QListWidget()
        self.ready_list.setAccessibleName("Opt-outs ready to send")
        self.review_button = QtWidgets.QPushButton("Review…")
        self.review_button.setAccessibleName("Review the selected draft before sending it")
        self.drop_button = QtWidgets.QPushButton("Drop")
        self.drop_button.setAccessibleName("Drop the selected draft without sending it")
        self.ready = QtWidgets.QWidget()  # shown only while there are drafts
        ready_buttons = QtWidgets.QHBoxLayout()
        ready_buttons.addWidget(self.review_button)
        ready_buttons.addWidget(self.drop_button)
        ready_buttons.addStretch(1)
        ready_layout = QtWidgets.QVBoxLayout(self.ready)
        ready_layout.setContentsMargins(0, 0, 0, 0)
        ready_layout.addWidget(
            QtWidgets.QLabel("<b>Ready to send</b> (nothing goes until you send it)")
        )
        ready_layout.addWidget(self.ready_list)
        ready_layout.addLayout(ready_buttons)
        self.summary = QtWidgets.QLabel()
        self.summary.setAccessibleName("Items by destination and state")
        self.summary.setWordWrap(True)
        self.attention = QtWidgets.QListWidget()
        self.attention.setAccessibleName("Requests that need you")
        self.table = QtWidgets.QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setAccessibleName("Opt-out requests")
        self.table.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QtWidgets.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QtWidgets.QAbstractItemView.SelectionMode.SingleSelection)
        tidy(self.table, {0: 220, 1: 170, 2: 130, 3: 50, 4: 130, 5: 220})
        self.sent_button = QtWidgets.QPushButton("I sent it")
        self.confirmed_button = QtWidgets.QPushButton("They confirmed")
        self.rejected_button = QtWidgets.QPushButton("They refused")
        self.check_button = QtWidgets.QPushButton("Check now")
        self.new_button = QtWidgets.QPushButton("New opt-out…")
        self.new_button.setAccessibleName("Start a new opt-out")
        self.items = QtWidgets.QTableWidget(0, 4)
        self.items.setHorizontalHeaderLabels(["Item", "State", "Changed", "Work"])
        self.items.setAccessibleName("Items of the selected request")
        self.items.setEditTriggers(QtWidgets.QAbstractItemView.EditTrigger.NoEditTriggers)
        tidy(self.items, {0: 420, 1: 130, 2: 130})
        self.timeline = QtWidgets.QListWidget()
        self.timeline.setAccessibleName("Timeline of the selected request")
        for button, name in (
            (self.sent_button, "Record that you sent the selected request"),
            (self.confirmed_button, "Record that the destination confirmed"),
            (self.rejected_button, "Record that the destination refused"),
            (self.check_button, "Ask every destination now"),
        ):
            button.setAccessibleName(name)
        self.message = QtWidgets.QLabel()
        self.message.setAccessibleName("Result of the last action")
        buttons = QtWidgets.QHBoxLayout()
        for button in (self.sent_button, self.confirmed_button, self.rejected_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.check_button)
        top = QtWidgets.QHBoxLayout()
        top.addWidget(self.summary, 1)
        top.addWidget(self.new_button)
        detail = QtWidgets.QTabWidget()
        detail.addTab(self.items, "Items")
        detail.addTab(self.timeline, "Timeline")
        layout = QtWidgets.QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.ready)
        layout.addWidget(QtWidgets.QLabel("<b>Needs you</b>"))
        layout.addWidget(self.attention)
        split = QtWidgets.QSplitter(Qt.Orientation.Vertical)
        split.addWidget(self.table)
        split.addWidget(detail)
        layout.addWidget(split, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.sent_button.clicked.connect(self.attest)
        self.confirmed_button.clicked.connect(lambda: self.resolve(ItemState.CONFIRMED))
        self.rejected_button.clicked.connect(lambda: self.resolve(ItemState.REJECTED))
        self.check_button.clicked.connect(self.check)
        self.new_button.clicked.connect(self.new_optout)
        self.review_button.clicked.connect(self.review)
        self.drop_button.clicked.connect(self.drop)
        self.ready_list.itemActivated.connect(lambda _item: self.review())
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.attention.currentRowChanged.connect(self._select_needed)
        self.refresh()

    def _select_needed(self, row: int) -> None:
        """Choosing a line under "Needs you" selects its request, ready for the buttons."""
        item = self.attention.item(row)
        if item is None:
            return
        key = item.data(Qt.ItemDataRole.UserRole)
        for r in range(self.table.rowCount()):
            if self.table.item(r, 0).data(Qt.ItemDataRole.UserRole) == key:
                self.table.selectRow(r)
                return

    def new_optout(self) -> None:
        from creatorapp.gui.optout_dialog import OptOutDialog

        dialog = OptOutDialog(self.optouts, self)
        dialog.exec()
        self.refresh()

    # --- drafts ---------------------------------------------------------------------------
    def _selected_draft(self) -> Draft | None:
        item = self.ready_list.currentItem()
        if item is None:
            self.message.setText("Select a draft first.")
            return None
        ident = item.data(Qt.ItemDataRole.UserRole)
        found = next((d for d in self.drafts.list() if d.id == ident), None)
        if found is None:  # sent or dropped meanwhile (from a terminal, say)
            self.message.setText("That draft is no longer waiting.")
            self.refresh()
        return found

    def review(self) -> None:
        """The new opt-out form on the draft: its destination and source chosen, nothing sent
        until its Send is pressed."""
        from creatorapp.gui.optout_dialog import OptOutDialog

        draft = self._selected_draft()
        if draft is None:
            return
        self.dialog = OptOutDialog(self.optouts, self, draft=draft)
        self.dialog.finished.connect(lambda _result: self.refresh())
        self.dialog.open()

    def drop(self) -> None:
        draft = self._selected_draft()
        if draft is None:
            return
        title = self.optouts.destinations.title(draft.destination)
        self._act(
            lambda: self.drafts.drop(draft.id),
            lambda _: f"Dropped the draft for {title}; nothing was sent.",
        )

    def _draft_line(self, draft: Draft) -> QtWidgets.QListWidgetItem:
        title = self.optouts.destinations.title(draft.destination)
        missing = self.drafts.needs(draft)
        said = f"{title}: {shown(draft.source.words())}"
        if missing:
            said += f". Still needs {'; '.join(m.text for m in missing)}."
        else:
            said += ". Ready: Review shows what would go."
        line = QtWidgets.QListWidgetItem(said)
        line.setData(Qt.ItemDataRole.UserRole, draft.id)
        tips = [f"Made by {draft.made_by}, {when(draft.made_at)}"]
        tips += [f"{m.text}: {advice(m.hint)}" for m in missing if m.hint]
        line.setToolTip("\n".join(tips))
        return line

    def _refresh_drafts(self) -> None:
        chosen = self.ready_list.currentItem()
        keep = chosen.data(Qt.ItemDataRole.UserRole) if chosen is not None else None
        self.ready_list.clear()
        self.waiting = self.drafts.list()
        for draft in self.waiting:
            line = self._draft_line(draft)
            self.ready_list.addItem(line)
            if draft.id == keep:
                self.ready_list.setCurrentItem(line)
        self.ready.setVisible(self.ready_list.count() > 0)

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        self.items.setRowCount(0)
        self.timeline.clear()
        if not rows:
            return
        key = self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)
        submission = self.optouts.store.submission(key=key)
        if submission is None:
            return
        items = self.optouts.store.items(submission_id=submission["id"], limit=2000)
        ids = [item["work_id"] for item in items if item.get("work_id")]
        names = {w.id: os.path.basename(w.path) for w in self.optouts.store.works_by_ids(ids)}
        self.items.setRowCount(len(items))
        for row, item in enumerate(items):
            target = item.get("target", "")
            values = (
                _target(target),
                words(item.get("state", "")),
                when(item.get("updated_at")),
                shown(names.get(item.get("work_id"), "")),
            )
            for column, value in enumerate(values):
                cell = QtWidgets.QTableWidgetItem(value)
                if column == 0 and value != target:
                    cell.setToolTip(target)  # the whole fingerprint, for who compares it
                self.items.setItem(row, column, cell)
        import json

        for event in self.optouts.store.events(subject=submission["destination"]):
            if key not in json.dumps(event.data):  # keys are unique: this is the request's own
                continue
            line = QtWidgets.QListWidgetItem(
                f"{when(event.at)}  {event_words.name(event.kind)}: "
                f"{event_words.sentence(event.kind, event.data)}"
            )
            self.timeline.addItem(line)

    def refresh(self) -> None:
        self._refresh_drafts()
        counts = self.optouts.status()
        destinations = self.optouts.destinations
        self.summary.setText(
            "<br>".join(
                f"<b>{html.escape(destinations.title(dest))}</b> [{html.escape(dest)}] "
                f"({service_words(destinations.status(dest).value).lower()}): "
                + ", ".join(f"{n} {words(state).lower()}" for state, n in sorted(c.items()))
                for dest, c in counts.items()
            )
            or "No opt-out requests yet."
        )
        self.attention.clear()
        for item in self.optouts.needs_attention():
            key = item["idempotency_key"]
            reason = with_advice(item["reason"], item["hint"])
            title = destinations.title(item["destination"])
            items = sum(item.get("counts", {}).values())
            line = QtWidgets.QListWidgetItem(f"{request_name(item, title, items)}: {reason}")
            line.setData(Qt.ItemDataRole.UserRole, key)
            if item.get("question"):  # what the destination asked, in full
                line.setToolTip(item["question"])
            self.attention.addItem(line)
        submissions = self.optouts.store.submissions(payload=False)
        counts_by = self.optouts.store.item_counts_by_submission()  # one query, not one a row
        self.table.setRowCount(len(submissions))
        for row, s in enumerate(submissions):
            values = (
                destinations.title(s["destination"]),
                when(s["created_at"]),
                words(s["state"]),
                str(sum(counts_by.get(s["id"], {}).values())),
                when(s["sent_at"], never="not yet"),
                s["remote_url"] or "",
                s["last_error"] or "",
            )
            for column, value in enumerate(values):
                cell = QtWidgets.QTableWidgetItem(value)
                cell.setData(Qt.ItemDataRole.UserRole, s["idempotency_key"])
                if column == 0:  # the id beside the title, and the reference answers quote
                    cell.setToolTip(f"{s['destination']}; {reference(s['idempotency_key'])}")
                self.table.setItem(row, column, cell)

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            self.message.setText("Select a request first.")
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _act(self, action, done: Callable[[int], str]) -> None:
        from creatorapp.errors import UserError

        try:
            moved = action()
        except UserError as exc:
            self.message.setText(with_advice(str(exc), hint_of(exc)))
            return
        self.message.setText(done(moved))
        self.refresh()

    def attest(self) -> None:
        key = self.selected()
        if key:
            self._act(
                lambda: self.optouts.attest(key),
                lambda n: (
                    f"Recorded: {counted(n, 'item')} {'waits' if n == 1 else 'wait'} for an answer."
                ),
            )

    def resolve(self, outcome: ItemState) -> None:
        key = self.selected()
        if key:
            self._act(
                lambda: self.optouts.resolve(key, outcome),
                lambda n: f"Recorded: {counted(n, 'item')} {words(outcome.value).lower()}.",
            )

    def check(self) -> None:
        self.check_button.setEnabled(False)
        self.message.setText("Asking the destinations…")
        optouts = self.optouts

        def work():
            optouts.send_queued()
            return optouts.poll(force=True)

        title = "Sending and checking opt-outs"
        tasks.start(work, self._checked, self._failed, title=title, listed=True)  # job list

    def _checked(self, report) -> None:
        self.check_button.setEnabled(True)
        changed = sum(n for c in report.changes.values() for n in c.values())
        title = self.optouts.destinations.title
        problems = "; ".join(
            f"{title(d)}: {with_advice(e, report.hints.get(d))}" for d, e in report.errors.items()
        )
        self.message.setText(
            f"{counted(changed, 'item')} changed."
            + (f" Not checked: {problems}" if problems else "")
        )
        self.refresh()

    def _failed(self, message: str) -> None:
        self.check_button.setEnabled(True)
        self.message.setText(f"Could not check: {message}")
