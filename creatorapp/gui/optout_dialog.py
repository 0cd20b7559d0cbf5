"""Start an opt-out: a destination, what to send (a portfolio folder's works, a site's pages, a
list of addresses, or account names), a preview of exactly what would go, then send."""

from __future__ import annotations

import json
from pathlib import Path

from creatorapp.core import setup
from creatorapp.core.registries import targets
from creatorapp.core.registries.outbox import OptOuts
from creatorapp.gui import tasks
from creatorapp.gui.qt import QtGui, QtWidgets

W = QtWidgets

SOURCES = (
    ("folder", "The works in a portfolio folder"),
    ("site", "The pages and images of one of your sites"),
    ("urls", "Addresses listed in a text file"),
    ("accounts", "Account names"),
)


def _payload_text(payload: dict) -> str:
    if "text" in payload:
        head = "\n".join(
            f"{k.replace('_', '-').title()}: {payload[k]}" for k in ("to", "from", "subject")
        )
        return f"{head}\n\n{payload['text']}"
    if "fields" in payload:
        parts = [f"Form: {payload['open']}"]
        parts += [f"--- {label} ---\n{value}" for label, value in payload["fields"].items()]
        return "\n".join(parts)
    return json.dumps(payload, indent=2, ensure_ascii=False)


class OptOutDialog(W.QDialog):
    def __init__(self, optouts: OptOuts, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Start an opt-out")
        self.resize(760, 600)
        self.optouts = optouts
        store = optouts.store
        self.destination = W.QComboBox()
        self.destination.setAccessibleName("Destination")
        chosen = (store.setting(setup.REGISTRIES_SETTING) or {}).get("use", [])
        descriptors = sorted(
            optouts.descriptors.values(), key=lambda d: (d.id not in chosen, d.name)
        )
        for d in descriptors:
            self.destination.addItem(d.name, d.id)
        self.scope = W.QLineEdit()
        self.scope.setAccessibleName("Dataset or recipient")
        self.scope_label = W.QLabel()
        self.source = W.QComboBox()
        self.source.setAccessibleName("What to send")
        for key, label in SOURCES:
            self.source.addItem(label, key)
        self.folder = W.QComboBox()
        self.folder.setAccessibleName("Portfolio folder")
        for f in store.folders():
            self.folder.addItem(f.path, f.path)
        self.base_url = W.QLineEdit()
        self.base_url.setAccessibleName("Where the folder is published")
        self.base_url.setPlaceholderText("https://jane.example/images/ (for URL-based registries)")
        self.site = W.QComboBox()
        self.site.setAccessibleName("Site")
        for s in store.sites():
            self.site.addItem(f"{s.name} ({s.url})", s.name)
        self.urls = W.QLineEdit()
        self.urls.setAccessibleName("File of addresses")
        self.accounts = W.QLineEdit()
        self.accounts.setAccessibleName("Account names")
        self.accounts.setPlaceholderText("name1, name2")
        self.sworn = W.QCheckBox(
            "I swear the statements the notice makes (needed for DMCA notices)"
        )
        self.sworn.setAccessibleName("Swear the notice's statements")
        self.about = W.QLabel()
        self.about.setWordWrap(True)
        self.preview = W.QPlainTextEdit()
        self.preview.setReadOnly(True)
        self.preview.setAccessibleName("What would be sent")
        self.preview.setFont(
            QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        )
        self.result = W.QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Opt-out result")
        self.preview_button = W.QPushButton("Preview")
        self.preview_button.setAccessibleName("Preview what would be sent")
        self.send_button = W.QPushButton("Send")
        self.send_button.setAccessibleName("Send the opt-out")
        self.send_button.setDefault(True)
        close = W.QPushButton("Close")
        self.form = W.QFormLayout()
        self.form.addRow("&Destination:", self.destination)
        self.form.addRow(self.scope_label, self.scope)
        self.form.addRow("&Send:", self.source)
        self.form.addRow("&Folder:", self.folder)
        self.form.addRow("Published &at:", self.base_url)
        self.form.addRow("S&ite:", self.site)
        self.form.addRow("&Addresses file:", self.urls)
        self.form.addRow("A&ccounts:", self.accounts)
        buttons = W.QHBoxLayout()
        buttons.addWidget(self.result, 1)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.send_button)
        buttons.addWidget(close)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.about)
        layout.addLayout(self.form)
        layout.addWidget(self.sworn)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.destination.currentIndexChanged.connect(self._update)
        self.source.currentIndexChanged.connect(self._update)
        self.preview_button.clicked.connect(lambda: self.submit(dry_run=True))
        self.send_button.clicked.connect(lambda: self.submit(dry_run=False))
        close.clicked.connect(self.accept)
        self.sent = None
        self._update()

    def descriptor(self):
        return self.optouts.descriptor(self.destination.currentData())

    def _update(self) -> None:
        d = self.descriptor()
        self.about.setText(
            f"<b>{d.name}</b>: {d.legal_basis}. Answers usually come within "
            f"{d.expected_turnaround_days} days; each answer is tracked in Opt-outs."
        )
        self.form.setRowVisible(1, bool(d.scope))
        self.scope_label.setText("Dataset (owner/name):" if d.scope == "dataset" else "Send to:")
        source = self.source.currentData()
        for row, key in ((3, "folder"), (4, "folder"), (5, "site"), (6, "urls"), (7, "accounts")):
            self.form.setRowVisible(row, key == source)
        self.sworn.setVisible(bool(d.letter and "dmca" in d.letter))

    def _gather(self):
        """Read the form here, on the GUI thread; the returned call runs on a worker."""
        unit = self.descriptor().unit
        source = self.source.currentData()
        store = self.optouts.store
        if source == "folder":
            folder = Path(self.folder.currentData() or "")
            base_url = self.base_url.text().strip() or None
            return lambda: targets.from_folder(store, folder, unit, base_url)
        if source == "site":
            site = self.site.currentData() or ""
            return lambda: targets.from_site(store, site, unit)
        if source == "urls":
            path = Path(self.urls.text().strip()).expanduser()
            return lambda: targets.from_file(path)
        names = [n.strip() for n in self.accounts.text().split(",") if n.strip()]
        return lambda: targets.from_accounts(names, unit)

    def submit(self, *, dry_run: bool) -> None:
        destination_id = self.destination.currentData()
        scope = self.scope.text().strip() or None
        sworn = self.sworn.isChecked()
        gather = self._gather()
        self.preview_button.setEnabled(False)
        self.send_button.setEnabled(False)
        self.result.setText("Gathering what to send…" if dry_run else "Sending…")

        def work():
            destination = self.optouts.destination(destination_id, scope)
            found = gather()
            report = self.optouts.submit(
                destination, found.values, dry_run=dry_run, sworn=sworn, works=found.works
            )
            return found, report

        tasks.start(work, lambda r: self._done(dry_run, r), self._failed)

    def _failed(self, message: str) -> None:
        self.preview_button.setEnabled(True)
        self.send_button.setEnabled(True)
        self.result.setText(f"<span style='color:#d7263d'>{message}</span>")

    def _done(self, dry_run: bool, result) -> None:
        found, report = result
        self.preview_button.setEnabled(True)
        self.send_button.setEnabled(True)
        if dry_run:
            self.preview.setPlainText("\n\n".join(_payload_text(p) for p in report.payloads))
            self.result.setText(
                f"{len(found.values):,} from {found.source}. Nothing was sent or recorded."
            )
            return
        self.sent = report
        lines = [f"Sent {s['idempotency_key']}: {s['state']}" for s in report.sent]
        lines += [f"Already filed as {s['idempotency_key']}" for s in report.found]
        lines += [f"Queued {s['idempotency_key']}: goes out at {t}" for s, t in report.scheduled]
        lines += [f"Not sent yet {s['idempotency_key']}: {e}" for s, e in report.failed]
        lines += [f"Next: {step}" for step in report.next_steps]
        self.preview.setPlainText("\n".join(lines) or "Nothing new to send.")
        self.result.setText(f"{len(found.values):,} from {found.source}: recorded.")
