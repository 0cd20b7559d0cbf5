"""The Sites panel: your sites, what would be published to each (with the diff against what the
server holds), publishing, and checking the live site, with the last result and any drift."""

from __future__ import annotations

from creatorapp.core.catalogue import SiteRecord, Store
from creatorapp.core.sites import publisher
from creatorapp.core.sites.sites import Sites
from creatorapp.core.sites.transports.base import transport_class
from creatorapp.core.text.display import counted, when
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtGui, QtWidgets, Signal
from creatorapp.gui.site_form import advice
from creatorapp.gui.tables import tidy
from creatorapp.gui.wizard import SitePage

W = QtWidgets


def _when(ts: str | None) -> str:
    return when(ts, never="never")


class AddSiteDialog(W.QDialog):
    """The wizard's site page on its own."""

    def __init__(self, sites: Sites, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a site")
        self.sites = sites
        self.page = SitePage()
        self.page.enabled.setChecked(True)
        self.page.enabled.setVisible(False)
        buttons = W.QDialogButtonBox(
            W.QDialogButtonBox.StandardButton.Save | W.QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.page)
        layout.addWidget(buttons)
        self.added: SiteRecord | None = None

    def save(self) -> None:
        if not self.page.validatePage():
            return
        from creatorapp.core.app import setup
        from creatorapp.errors import UserError

        answers = self.page.answers()
        assert answers is not None
        try:
            policy = setup.POLICY_NAME if setup.existing(self.sites.store) else "no-ai"
            self.added = self.sites.add(
                answers.name,
                answers.url,
                answers.transport,
                answers.settings,
                secret=answers.secret,  # core puts it in the keyring
                ready=True,
                policy=policy,
            )
        except UserError as exc:
            self.page.result.setText(advice(exc))
            return
        self.accept()


class SitesPanel(W.QWidget):
    changed = Signal()

    def __init__(self, store: Store, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.sites = Sites(store)
        self.table = W.QTableWidget(0, 5)
        self.table.setHorizontalHeaderLabels(["Site", "Address", "Policy", "Published", "Checked"])
        self.table.setAccessibleName("Sites")
        tidy(self.table, {0: 120, 1: 240, 2: 90, 3: 140})
        self.table.setSelectionBehavior(W.QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(W.QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(W.QAbstractItemView.EditTrigger.NoEditTriggers)
        self.add_button = W.QPushButton("Add site…")
        self.add_button.setAccessibleName("Add a site")
        self.preview_button = W.QPushButton("Preview && diff")
        self.preview_button.setAccessibleName("Preview what would be published and the diff")
        self.publish_button = W.QPushButton("Publish")
        self.publish_button.setAccessibleName("Publish the declarations to the site")
        self.verify_button = W.QPushButton("Check live site")
        self.verify_button.setAccessibleName("Check what the live site serves")
        self.status = W.QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Site result")
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        self.files = W.QPlainTextEdit()
        self.files.setReadOnly(True)
        self.files.setFont(mono)
        self.files.setAccessibleName("What would be published")
        self.diff = W.QPlainTextEdit()
        self.diff.setReadOnly(True)
        self.diff.setFont(mono)
        self.diff.setAccessibleName("Changes against the server")
        self.checks = W.QPlainTextEdit()
        self.checks.setReadOnly(True)
        self.checks.setFont(mono)
        self.checks.setAccessibleName("Last check of the live site")
        self.reach = W.QPlainTextEdit()
        self.reach.setReadOnly(True)
        self.reach.setAccessibleName("How files reach the site")
        self.tabs = W.QTabWidget()
        self.tabs.addTab(self.files, "Declarations")
        self.tabs.addTab(self.reach, "Connection")
        self.tabs.addTab(self.diff, "Diff before publishing")
        self.tabs.addTab(self.checks, "Live check and drift")
        buttons = W.QHBoxLayout()
        for b in (self.add_button, self.preview_button, self.publish_button, self.verify_button):
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout = W.QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.tabs, 2)
        self.add_button.clicked.connect(self.add_site)
        self.preview_button.clicked.connect(self.preview)
        self.publish_button.clicked.connect(self.publish)
        self.verify_button.clicked.connect(self.verify)
        self.table.itemSelectionChanged.connect(self._selected)
        self.busy = False
        self.refresh()

    def refresh(self) -> None:
        chosen = self.selected()
        records = self.sites.store.sites()
        self.table.setRowCount(len(records))
        for row, r in enumerate(records):
            checked = (
                "never"
                if r.verified_at is None
                else (f"{'Served' if r.verify_ok else 'Problems'}, {_when(r.verified_at)}")
            )
            for column, text in enumerate(
                (r.name, r.url, r.policy, _when(r.published_at), checked)
            ):
                item = W.QTableWidgetItem(text)
                item.setData(Qt.ItemDataRole.UserRole, r.name)
                self.table.setItem(row, column, item)
        names = [r.name for r in records]
        if records:
            self.table.selectRow(names.index(chosen) if chosen in names else 0)
        self._selected()

    def selected(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.table.item(rows[0].row(), 0).data(Qt.ItemDataRole.UserRole)

    def _selected(self) -> None:
        name = self.selected()
        for b in (self.preview_button, self.publish_button, self.verify_button):
            b.setEnabled(name is not None and not self.busy)
        if name is None:
            self.status.setText("No sites yet: add the site your works are on.")
            return
        record = self.sites.store.site(name)
        self.files.setPlainText(self._rendered(record))
        self.reach.setPlainText(self._connection(record))

    @staticmethod
    def _rendered(record: SiteRecord) -> str:
        try:
            rendered = publisher.render_all(Sites.config(record))
        except Exception as exc:  # a policy that no longer loads: say so in place
            return f"Cannot render: {exc}"
        return "\n".join(f"===== /{path}\n{text}" for path, text in rendered.items())

    @staticmethod
    def _connection(record: SiteRecord) -> str:
        """The site's stored settings under the labels its transport declares; secrets are in
        the keyring and not shown."""
        try:
            cls = transport_class(record.transport)
        except Exception as exc:  # a kind this version does not know: say so in place
            return str(exc)
        lines = [f"Files go by: {cls.TITLE}"]
        for setting in cls.SETTINGS:
            value = record.settings.get(setting.name)
            if setting.secret:
                continue
            if value not in (None, ""):
                lines.append(f"{setting.label}: {value}")
        return "\n".join(lines)

    def add_site(self) -> None:
        dialog = AddSiteDialog(self.sites, self)
        if dialog.exec() == W.QDialog.DialogCode.Accepted:
            self.refresh()
            self.changed.emit()

    # --- background actions ----------------------------------------------------------------
    def _start(self, text: str, fn, done) -> None:
        self.busy = True
        self._selected()
        self.status.setText(text)

        def finished(result: object) -> None:
            self.busy = False
            done(result)
            self.refresh()

        def failed(message: str) -> None:
            self.busy = False
            self.status.setText(f"<span style='color:#d7263d'>{message}</span>")
            self.refresh()

        tasks.start(fn, finished, failed, title=text.rstrip("…"), listed=True)  # job list

    def preview(self) -> None:
        name = self.selected()
        if name is None:
            return
        self._start(
            f"Comparing with what {name} holds…",
            lambda: self.sites.publish(name, dry_run=True),
            lambda report: self._show_plan(name, report),
        )

    def _show_plan(self, name: str, report) -> None:
        diff = "".join(c.diff() for c in report.changes)
        self.diff.setPlainText(diff or "Nothing would change: the site is up to date.")
        self.tabs.setCurrentWidget(self.diff)
        warnings = "".join(f"<br>Warning: {w}" for w in report.warnings)
        self.status.setText(
            f"{counted(len(report.changes), 'file')} would change on {name}." + warnings
            if report.changes
            else f"{name} is up to date."
        )

    def publish(self) -> None:
        name = self.selected()
        if name is None:
            return
        self._start(
            f"Publishing to {name}…",
            lambda: self.sites.publish(name),
            lambda report: self._published(name, report),
        )

    def _published(self, name: str, report) -> None:
        """Publishing ends with the live check (core does both): the diff, then the check."""
        self.diff.setPlainText("".join(c.diff() for c in report.changes) or "Nothing changed.")
        said = (
            f"Published {counted(len(report.changes), 'file')} to {name}."
            if report.changes
            else f"{name} was already up to date; nothing written."
        )
        live = report.verified
        if live is not None:
            self.checks.setPlainText(self._check_lines(live))
            said += (
                " The live site serves them."
                if live.ok
                else " <span style='color:#d7263d'>But the live site shows problems: see "
                "the live check.</span>"
            )
            if not live.ok:
                self.tabs.setCurrentWidget(self.checks)
        self.status.setText(said)
        self.changed.emit()

    @staticmethod
    def _check_lines(report) -> str:
        lines = [
            f"{'ok  ' if c.ok else 'FAIL'} {c.name}" + (f": {c.detail}" if c.detail else "")
            for c in report.checks
        ]
        for path, diff in report.drift.items():
            lines.append(f"DRIFT /{path} differs from what was published:\n{diff}")
        return "\n".join(lines)

    def verify(self) -> None:
        name = self.selected()
        if name is None:
            return
        self._start(
            f"Checking what {name} serves…",
            lambda: self.sites.verify(name),
            lambda report: self._verified(name, report),
        )

    def _verified(self, name: str, report) -> None:
        self.checks.setPlainText(self._check_lines(report))
        self.tabs.setCurrentWidget(self.checks)
        failed = sum(1 for c in report.checks if not c.ok)
        found = [counted(failed, "problem")] if failed else []
        if report.drift:
            found.append(f"changed since publishing: {', '.join(report.drift)}")
        said = "; ".join(found) or "see the live check"
        self.status.setText(
            f"{name}: the live site serves every declaration."
            if report.ok
            else f"<span style='color:#d7263d'>{name}: {said}</span>"
        )
        self.changed.emit()
