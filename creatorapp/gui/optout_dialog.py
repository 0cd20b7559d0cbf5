"""Start an opt-out: a destination, what to send (a portfolio folder's works, a site's pages, a
list of addresses, or account names), a preview of exactly what would go, then send.

What a destination needs set up (its token, the mail account, the creator's contact details) is
a form made from the settings its adapter declares, checked and stored by the core; the advice
codes the core gives with a problem become words about this window's buttons and fields."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from pathlib import Path

from creatorapp.core.app import setup
from creatorapp.core.optouts import letters, targets
from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.optouts.destinations import split_destination
from creatorapp.core.optouts.drafts import Draft, Drafts, SourceKind
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.optouts.settings import CONTACT, MAIL, Group, Settings
from creatorapp.core.text.display import counted, shown, when
from creatorapp.errors import UserError
from creatorapp.gui import tasks
from creatorapp.gui.qt import QtGui, QtWidgets
from creatorapp.gui.tables import service_words, words

W = QtWidgets

SOURCES = (
    ("folder", "The works in a portfolio folder"),
    ("site", "The pages and images of one of your sites"),
    ("urls", "Addresses listed in a text file"),
    ("accounts", "Account names"),
)

_GROUP_WORDS = {MAIL.id: "mail account", CONTACT.id: "contact details", "token": "token"}
ADVICE: dict[Advice, Callable[[Hint], str]] = {
    Advice.SET_UP: lambda h: (
        f"fill in the {_GROUP_WORDS.get(h.group or '', 'settings')} in “New opt-out…” and press "
        "Save"
    ),
    Advice.NAME_DATASET: lambda h: "fill in the dataset (owner/name)",
    Advice.NAME_RECIPIENT: lambda h: "fill in the address to send to",
    Advice.SWEAR: lambda h: (
        "read the preview, and tick the box to swear the statements only if every one is true"
    ),
    Advice.ATTEST: lambda h: "once sent, select it under Opt-outs and press “I sent it”",
    Advice.RESOLVE: lambda h: "select it and press “They confirmed” or “They refused”",
    Advice.FIND_REFERENCE: lambda h: "choose a request from the list",
    Advice.ADD_FOLDER: lambda h: "add the folder under Works first",
    Advice.SCAN: lambda h: "wait until the folder's works are catalogued (see Works)",
    Advice.NAME_SITE: lambda h: "add the site under Sites first",
    Advice.BASE_URL: lambda h: "fill in where the folder is published",
    Advice.URL_LIST: lambda h: "list the addresses in a text file and send those instead",
    Advice.CHECK_NOW: lambda h: "press “Check now” to ask at once",
}


def advice(hint: Hint | None) -> str:
    return ADVICE[hint.advice](hint) if hint else ""


def with_advice(text: str, hint: Hint | None) -> str:
    said = advice(hint)
    return f"{text}: {said}" if said else text


def _payload_text(payload: dict) -> str:
    if "text" in payload:
        head = "\n".join(
            f"{k.replace('_', '-').title()}: {payload[k]}" for k in ("to", "from", "subject")
        )
        return f"{head}\n\n{payload['text']}"
    if "fields" in payload:
        parts = [f"Form: {payload['open']}"]
        parts += [f"--- {label} ---\n{value}" for label, value in payload["fields"].items()]
        if payload.get("instructions"):
            parts.append(f"Before you send:\n{payload['instructions']}")
        return "\n".join(parts)
    return json.dumps(payload, indent=2, ensure_ascii=False)


class SettingsForm(W.QGroupBox):
    """A settings group as a form, one field per declared setting.  A secret's field hides what
    is typed, is never filled in, and is stored only when something is typed in it."""

    def __init__(self, settings: Settings, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.group: Group | None = None
        self.owner: str | None = None
        self.fields: dict[str, W.QLineEdit] = {}
        self.form = W.QFormLayout()
        self.message = W.QLabel()
        self.message.setWordWrap(True)
        self.save_button = W.QPushButton("Save")
        self.save_button.clicked.connect(self.save)
        row = W.QHBoxLayout()
        row.addWidget(self.message, 1)
        row.addWidget(self.save_button)
        layout = W.QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addLayout(row)
        self.setVisible(False)

    def show_group(self, group: Group | None, owner: str | None = None) -> None:
        self.group, self.owner = group, owner
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self.message.clear()
        self.setVisible(group is not None)
        if group is None:
            return
        self.setTitle(group.title)
        self.setAccessibleName(group.title)
        self.save_button.setAccessibleName(f"Save the {group.title.lower()}")
        values = self.settings.values(group, owner)
        for s in group.settings:
            edit = W.QLineEdit()
            edit.setAccessibleName(s.label)
            edit.setToolTip(s.help)
            if s.secret:
                edit.setEchoMode(W.QLineEdit.EchoMode.Password)
                kept = self.settings.kept_in(group, owner)
                edit.setPlaceholderText(f"kept in {kept}" if kept else s.help)
            else:
                edit.setPlaceholderText(s.example)
                if s.name in values:
                    edit.setText(s.shown(values[s.name]))
            self.fields[s.name] = edit
            self.form.addRow(f"{s.label}{'' if s.required else ' (optional)'}:", edit)

    def given(self) -> dict[str, str]:
        """What the form holds: every value shown (an unchanged one is stored unchanged), and a
        secret only when one was typed."""
        assert self.group is not None
        given = {}
        for s in self.group.settings:
            text = self.fields[s.name].text()
            if text.strip():
                given[s.name] = text
        return given

    def save(self) -> bool:
        if self.group is None:
            return True
        try:
            self.settings.apply(self.group, self.given(), self.owner)
        except UserError as exc:
            from creatorapp.gui.advice import advised

            self.message.setText(f"<span style='color:#d7263d'>{html.escape(advised(exc))}</span>")
            return False
        self.show_group(self.group, self.owner)
        self.message.setText("Saved.")
        return True


class OptOutDialog(W.QDialog):
    """``draft``: a draft to review, shown with its destination and source chosen; sending it
    from here settles the draft, and nothing goes until Send is pressed."""

    def __init__(
        self, optouts: OptOuts, parent: W.QWidget | None = None, draft: Draft | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Review an opt-out draft" if draft else "Start an opt-out")
        self.resize(760, 680)
        self.optouts = optouts
        self.draft = draft
        store = optouts.store
        self.destination = W.QComboBox()
        self.destination.setAccessibleName("Destination")
        chosen = (store.setting(setup.REGISTRIES_SETTING) or {}).get("use", [])
        descriptors = sorted(
            (d for d in optouts.descriptors.values() if optouts.destinations.adapter_class(d.id)),
            key=lambda d: (d.id not in chosen, d.name),
        )
        for d in descriptors:
            self.destination.addItem(self._entry(d.id), d.id)
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
        # the legal register: personal data only where it is true, which only the creator knows
        self.shows_person = W.QCheckBox(
            "These works show me: send a personal-data (GDPR) request, not a copyright reservation"
        )
        self.shows_person.setAccessibleName("The works show me")
        self.register_note = W.QLabel()
        self.register_note.setWordWrap(True)
        self.register_note.setAccessibleName("What this request can do")
        self.account_form = SettingsForm(optouts.destinations.settings)
        self.contact_form = SettingsForm(optouts.destinations.settings)
        self.about = W.QLabel()
        self.about.setWordWrap(True)
        self.draft_note = W.QLabel()
        self.draft_note.setWordWrap(True)
        self.draft_note.setAccessibleName("About this draft")
        self.draft_note.setVisible(draft is not None)
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
        self.check_button = W.QPushButton("Check services")
        self.check_button.setAccessibleName("Check whether each destination's service works")
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
        setting_forms = W.QHBoxLayout()
        setting_forms.addWidget(self.account_form)
        setting_forms.addWidget(self.contact_form)
        buttons = W.QHBoxLayout()
        buttons.addWidget(self.result, 1)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.preview_button)
        buttons.addWidget(self.send_button)
        buttons.addWidget(close)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.draft_note)
        layout.addWidget(self.about)
        layout.addLayout(self.form)
        layout.addLayout(setting_forms)
        layout.addWidget(self.sworn)
        layout.addWidget(self.shows_person)
        layout.addWidget(self.register_note)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        self.destination.currentIndexChanged.connect(self._update)
        self.source.currentIndexChanged.connect(self._update)
        self.shows_person.toggled.connect(self._update_register)
        self.preview_button.clicked.connect(lambda: self.submit(dry_run=True))
        self.send_button.clicked.connect(lambda: self.submit(dry_run=False))
        self.check_button.clicked.connect(self.check_services)
        close.clicked.connect(self.accept)
        self.sent = None
        if draft is not None:
            self._preset(draft)
        self._update()

    def _preset(self, draft: Draft) -> None:
        """The draft's destination and source, chosen in the form as it was made."""
        self.draft_note.setText(
            f"A draft made by {draft.made_by}, {when(draft.made_at)}: nothing has been sent. "
            "Fill in what it still needs, press Preview to see exactly what would go, and Send "
            "when you agree."
        )
        row = self.destination.findData(draft.base)
        if row >= 0:
            self.destination.setCurrentIndex(row)
        self.scope.setText(split_destination(draft.destination)[1] or "")
        source = draft.source
        self.source.setCurrentIndex(max(0, self.source.findData(source.kind.value)))
        if source.kind is SourceKind.FOLDER:
            if self.folder.findData(source.value) < 0:
                self.folder.addItem(source.value, source.value)
            self.folder.setCurrentIndex(self.folder.findData(source.value))
            self.base_url.setText(source.base_url)
        elif source.kind is SourceKind.SITE and self.site.findData(source.value) >= 0:
            self.site.setCurrentIndex(self.site.findData(source.value))
        elif source.kind is SourceKind.ACCOUNTS:
            self.accounts.setText(", ".join(source.names))

    def descriptor(self):
        return self.optouts.descriptor(self.destination.currentData())

    def _entry(self, ident: str) -> str:
        """A destination in the list: its name, id and whether its service works, in words."""
        d = self.optouts.descriptors[ident]
        status = service_words(self.optouts.destinations.status(ident).value).lower()
        return f"{d.name} [{d.id}] ({status})"

    def _status_text(self, d) -> str:
        """Its status with what the last check found and when, and the day its facts were
        last checked."""
        destinations = self.optouts.destinations
        said = service_words(destinations.status(d.id).value)
        health = destinations.health(d.id)
        if health is not None:
            said += f" ({html.escape(health.detail)}, checked {when(health.checked_at)})"
        return f"Status: {said}. Facts last checked on {when(d.checked)}."

    def _update(self) -> None:
        d = self.descriptor()
        notice = f"<br>{html.escape(d.notice)}" if d.notice else ""
        self.about.setText(
            f"<b>{html.escape(d.name)}</b>: {html.escape(d.legal_basis)}. Answers usually come "
            f"within {counted(d.expected_turnaround_days, 'day')}; each answer is tracked in "
            "Opt-outs."
            f"<br>{self._status_text(d)}{notice}"
        )
        self.form.setRowVisible(1, bool(d.scope))
        self.scope_label.setText("Dataset (owner/name):" if d.scope == "dataset" else "Send to:")
        source = self.source.currentData()
        for row, key in ((3, "folder"), (4, "folder"), (5, "site"), (6, "urls"), (7, "accounts")):
            self.form.setRowVisible(row, key == source)
        self.sworn.setVisible(bool(d.letter and "dmca" in d.letter))
        self.shows_person.setVisible(bool(d.person_letter))
        if not d.person_letter:
            self.shows_person.setChecked(False)
        self._update_register()
        destinations = self.optouts.destinations
        group = destinations.group(d.id)
        self.account_form.show_group(group, destinations.owner(d.id, group) if group else None)
        self.contact_form.show_group(CONTACT if d.letter or d.fields else None)

    def register(self) -> letters.Register:
        """The register the creator chose: personal data only when they ticked that the works
        show them."""
        if self.shows_person.isChecked() and self.descriptor().person_letter:
            return letters.Register.PERSONAL_DATA
        return letters.Register.COPYRIGHT

    def _update_register(self) -> None:
        note = letters.register_note(self.descriptor(), self.register())
        self.register_note.setText(note)
        self.register_note.setVisible(bool(note))

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
        shows_person = self.register() is letters.Register.PERSONAL_DATA
        gather = self._gather()
        draft = self.draft
        self.preview_button.setEnabled(False)
        self.send_button.setEnabled(False)
        self.result.setText("Gathering what to send…" if dry_run else "Sending…")

        def work():
            try:
                destination = self.optouts.destination(destination_id, scope)
                found = gather()
                report = self.optouts.submit(
                    destination,
                    found.values,
                    dry_run=dry_run,
                    sworn=sworn,
                    works=found.works,
                    shows_person=shows_person,
                )
                # sent to the draft's destination: the draft went out (another is not it)
                if draft and not dry_run and split_destination(destination)[0] == draft.base:
                    Drafts(self.optouts.store, self.optouts).mark_sent(draft.id, report)
                known = [
                    *report.sent,
                    *report.found,
                    *(s for s, _ in report.scheduled),
                    *(f.submission for f in report.failed),
                ]
                # each request by its short reference and its works, never by its key
                about = {s["id"]: self.optouts.describe(s) for s in known}
            except Advised as exc:
                if exc.hint is None:
                    raise
                return exc  # shown with this window's advice
            return found, report, about

        def done(result) -> None:
            if isinstance(result, Advised):
                self._failed(with_advice(str(result), result.hint))
            else:
                self._done(dry_run, result)

        title = "Preparing an opt-out preview" if dry_run else "Sending opt-out requests"
        tasks.start(work, done, self._failed, title=title, listed=not dry_run)  # job list

    def check_services(self) -> None:
        """Ask each destination that has a liveness check whether its service works; the list
        and the text above show what was found."""
        self.check_button.setEnabled(False)
        self.result.setText("Checking the destinations' services…")
        destinations = self.optouts.destinations

        def done(found) -> None:
            self.check_button.setEnabled(True)
            for row in range(self.destination.count()):
                self.destination.setItemText(row, self._entry(self.destination.itemData(row)))
            self._update()
            down = [destinations.title(d) for d, h in found.items() if not h.alive]
            self.result.setText(
                f"Not working now: {', '.join(down)}." if down else "Every checked service works."
            )

        def failed(message: str) -> None:
            self.check_button.setEnabled(True)
            self.result.setText(f"Could not check: {message}")

        tasks.start(destinations.check_liveness, done, failed)

    def _failed(self, message: str) -> None:
        self.preview_button.setEnabled(True)
        self.send_button.setEnabled(True)
        self.result.setText(f"<span style='color:#d7263d'>{message}</span>")

    def _done(self, dry_run: bool, result) -> None:
        found, report, about = result
        self.preview_button.setEnabled(True)
        self.send_button.setEnabled(True)
        if dry_run:
            self.preview.setPlainText("\n\n".join(_payload_text(p) for p in report.payloads))
            self.result.setText(
                f"{counted(len(found.values), 'item')} from {shown(found.source)}. Nothing was "
                "sent or recorded."
            )
            return
        self.sent = report
        title = self.optouts.destinations.title
        lines = [
            f"Sent to {title(s['destination'])}, {about[s['id']]}: {words(s['state'])}"
            for s in report.sent
        ]
        lines += [
            f"Already asked of {title(s['destination'])}, {about[s['id']]}" for s in report.found
        ]
        lines += [
            f"Queued for {title(s['destination'])}, {about[s['id']]}: goes out on {when(t)}"
            for s, t in report.scheduled
        ]
        lines += [
            f"Not sent yet to {title(f.submission['destination'])}, {about[f.submission['id']]}: "
            f"{with_advice(f.error, f.hint)}"
            for f in report.failed
        ]
        lines += [
            f"Next: {step.text} Then {advice(Hint(step.advice, step.reference))}."
            for step in report.next_steps
        ]
        self.preview.setPlainText("\n".join(lines) or "Nothing new to send.")
        self.result.setText(
            f"{counted(len(found.values), 'item')} from {shown(found.source)}: recorded."
        )
