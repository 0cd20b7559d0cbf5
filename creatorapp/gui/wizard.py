"""The first-run wizard: who you are, your policy, your folders, your site, your registries.

It only gathers answers (:class:`creatorapp.core.app.setup.Answers`); the main window applies them
with the same core call a script would use.  Each page is checked by core as it is left, and
what is wrong is said under its field.  Cancelling leaves nothing behind."""

from __future__ import annotations

import os
from dataclasses import replace
from pathlib import Path

from creatorapp.core import secrets
from creatorapp.core.app import setup
from creatorapp.core.optouts.descriptor import load_all
from creatorapp.core.optouts.settings import CONTACT
from creatorapp.core.policy import DEFAULT_PRESET, PRESETS, PolicyError, validate
from creatorapp.core.sites.sites import check_connection, check_url
from creatorapp.core.sites.transports import base as transports
from creatorapp.core.text.display import counted, when
from creatorapp.errors import UserError
from creatorapp.gui import tasks
from creatorapp.gui.add_folder_dialog import FolderCount, describe
from creatorapp.gui.preview_widget import CarrierPreview
from creatorapp.gui.qt import Qt, QtWidgets
from creatorapp.gui.site_form import SettingsForm, advice

W = QtWidgets
PROBLEM_COLOUR = "#d7263d"


def _line(name: str, placeholder: str = "") -> W.QLineEdit:
    edit = W.QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


def _no_default(*buttons: W.QPushButton) -> None:
    """Enter presses the wizard's Next or Finish wherever the focus is: a button that has the
    focus (Back after a click, Add folder, Test connection) would otherwise take Enter."""
    for button in buttons:
        button.setAutoDefault(False)


def _edited(field: W.QWidget):
    """The signal a field sends when the person changes it."""
    for name in ("textChanged", "valueChanged", "currentIndexChanged", "toggled"):
        signal = getattr(field, name, None)
        if signal is not None:
            return signal
    return None


def _row_of(form: W.QFormLayout, field: W.QWidget) -> int:
    """The form row whose field is ``field`` or a row layout holding it (a path and its
    browse button)."""

    def holds(item: W.QLayoutItem | None) -> bool:
        if item is None:
            return False
        if item.widget() is field:
            return True
        inner = item.layout()
        return inner is not None and any(holds(inner.itemAt(i)) for i in range(inner.count()))

    for row in range(form.rowCount()):
        roles = (W.QFormLayout.ItemRole.FieldRole, W.QFormLayout.ItemRole.SpanningRole)
        if any(holds(form.itemAt(row, role)) for role in roles):
            return row
    raise LookupError(f"{field.accessibleName()} is not in the form")


class FieldProblems:
    """What is wrong with a page's fields, said beside each: a line under the field, and the
    field outlined, until the person edits it.  Nothing typed is touched."""

    def __init__(self) -> None:
        self.lines: dict[W.QWidget, tuple[W.QFormLayout, W.QLabel]] = {}

    def show(self, form: W.QFormLayout, field: W.QWidget, text: str) -> None:
        self.clear(field)
        line = W.QLabel(text)
        line.setWordWrap(True)
        line.setAccessibleName(f"Problem with {field.accessibleName()}")
        line.setStyleSheet(f"color: {PROBLEM_COLOUR}")
        line.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.insertRow(_row_of(form, field) + 1, "", line)
        line.show()  # at once: a layout shows a new widget only on the next turn of the loop
        field.setStyleSheet(
            f"{type(field).__name__} {{ border: 1px solid {PROBLEM_COLOUR}; border-radius: 2px }}"
        )
        field.setAccessibleDescription(text)
        self.lines[field] = (form, line)
        edited = _edited(field)
        if edited is not None:
            edited.connect(lambda *_: self.clear(field), Qt.ConnectionType.SingleShotConnection)

    def clear(self, field: W.QWidget | None = None) -> None:
        for each in [field] if field is not None else list(self.lines):
            found = self.lines.pop(each, None)
            if found is None:
                continue
            form, line = found
            form.removeRow(line)
            each.setStyleSheet("")
            each.setAccessibleDescription("")

    def text(self, field: W.QWidget) -> str:
        """What is said under ``field`` ("" when nothing is wrong with it)."""
        found = self.lines.get(field)
        return found[1].text() if found else ""

    def focus_first(self) -> None:
        if self.lines:
            next(iter(self.lines)).setFocus()


# the words for a rights detail core refuses (core's own message names the policy file's keys)
_DETAIL_WORDS = {
    "creator": "Remove the control characters (pasted tabs or line breaks) from the name.",
    "copyright_notice": "Remove the control characters (pasted tabs or line breaks) from the "
    "notice.",
    "contact_url": "Give an address that starts with https:// or mailto:, such as "
    "https://jane.example/contact.",
}


class YouPage(W.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Who you are")
        self.setSubTitle(
            "Your name and notice go into every file and declaration, so that anyone who finds "
            "a work knows whose it is and how to reach you."
        )
        self.name = _line("Your name", "Jane Doe")
        self.notice = _line("Copyright notice", "© 2026 Jane Doe. All rights reserved.")
        self.email = _line("Contact email", "jane@example.com")
        self.url = _line("Contact page", "https://jane.example/contact (optional)")
        self._notice_edited = False
        self.name.textChanged.connect(self._suggest)
        self.notice.textEdited.connect(lambda _: setattr(self, "_notice_edited", True))
        self.form = W.QFormLayout(self)
        self.form.addRow("&Name:", self.name)
        self.form.addRow("&Copyright notice:", self.notice)
        self.form.addRow("&Email:", self.email)
        self.form.addRow("Contact &page:", self.url)
        self.problems = FieldProblems()
        self.registerField("name*", self.name)

    def _suggest(self, name: str) -> None:
        if not self._notice_edited:
            self.notice.setText(setup.default_notice(name.strip()))

    def check(self) -> dict[W.QWidget, str]:
        """Each field core refuses, with what to do about it: the email as the opt-out
        letters' contact setting checks it, the rights details as a policy checks them."""
        found: dict[W.QWidget, str] = {}
        if not self.name.text().strip():
            found[self.name] = "Say whose works these are: a name is needed."
        email = self.email.text().strip()
        if email:
            try:
                CONTACT.setting("email").parse(email)
            except UserError:
                found[self.email] = "This is not an email address; give one like jane@example.com."
        base = PRESETS[DEFAULT_PRESET]
        for key, edit in (
            ("creator", self.name),
            ("copyright_notice", self.notice),
            ("contact_url", self.url),
        ):
            try:
                validate(replace(base, **{key: edit.text().strip()}))
            except PolicyError:
                found.setdefault(edit, _DETAIL_WORDS[key])
        return found

    def validatePage(self) -> bool:
        self.problems.clear()
        for field, text in self.check().items():
            self.problems.show(self.form, field, text)
        self.problems.focus_first()
        return not self.problems.lines


class PolicyPage(W.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your policy")
        self.setSubTitle(
            "What may be done with your works. The preview shows what each carrier will say."
        )
        self.group = W.QButtonGroup(self)
        choices = W.QVBoxLayout()
        for i, preset in enumerate(PRESETS.values()):
            button = W.QRadioButton(preset.title)
            button.setAccessibleName(f"Policy: {preset.title}")
            button.setProperty("preset", preset.name)
            button.setToolTip(preset.description)
            explain = W.QLabel(preset.description)
            explain.setWordWrap(True)
            explain.setIndent(22)
            explain.setStyleSheet("color: palette(placeholder-text)")
            self.group.addButton(button, i)
            choices.addWidget(button)
            choices.addWidget(explain)
            if preset.name == DEFAULT_PRESET:
                button.setChecked(True)
        choices.addStretch(1)
        self.preview = CarrierPreview()
        layout = W.QHBoxLayout(self)
        layout.addLayout(choices, 2)
        layout.addWidget(self.preview, 3)
        self.group.buttonToggled.connect(lambda *_: self._show())
        self._show()

    def preset(self) -> str:
        return self.group.checkedButton().property("preset")

    def choose(self, preset: str) -> None:
        for button in self.group.buttons():
            if button.property("preset") == preset:
                button.setChecked(True)

    def _show(self) -> None:
        self.preview.show_policy(PRESETS[self.preset()])


class FoldersPage(W.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your portfolio folders")
        self.setSubTitle(
            "Every image in these folders (and below) is tagged, and new ones are tagged as "
            "they arrive. Files are only ever added to, never altered in their pixels."
        )
        self.policy_note = W.QLabel()
        self.policy_note.setWordWrap(True)
        self.policy_note.setAccessibleName("Policy for these folders")
        self.list = W.QListWidget()
        self.list.setAccessibleName("Portfolio folders")
        self.list.setWordWrap(True)
        self.add_button = W.QPushButton("&Add folder…")
        self.add_button.setAccessibleName("Add a portfolio folder")
        self.remove_button = W.QPushButton("&Remove")
        self.remove_button.setAccessibleName("Remove the selected folder")
        _no_default(self.add_button, self.remove_button)
        self.add_button.clicked.connect(self._browse)
        self.remove_button.clicked.connect(self.remove_current)
        self.tag_now = W.QCheckBox("&Tag the works now (you can undo the batch)")
        self.tag_now.setChecked(True)
        self.problem = W.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Problem with the folders")
        self.problem.setStyleSheet(f"color: {PROBLEM_COLOUR}")
        buttons = W.QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch(1)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.policy_note)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.problem)
        layout.addLayout(buttons)
        layout.addWidget(self.tag_now)
        self.counts: dict[str, FolderCount] = {}
        self.policy_title = PRESETS[DEFAULT_PRESET].title

    def initializePage(self) -> None:
        wizard = self.wizard()
        if isinstance(wizard, SetupWizard):
            self.policy_title = PRESETS[wizard.policy.preset()].title
        self.policy_note.setText(
            f"Their works get your policy, {self.policy_title}, with your name and notice. "
            "Each folder shows what it holds: the works whose files carry the reservation "
            "inside, and those that get it in a sidecar file beside them."
        )

    def _browse(self) -> None:
        path = W.QFileDialog.getExistingDirectory(self, "Add a portfolio folder", str(Path.home()))
        if path:
            self.add_folder(Path(path))

    def add_folder(self, path: Path) -> None:
        """List the folder and count what it holds, off the event loop."""
        key = str(path)
        if key in self.folders_as_text():
            return
        item = W.QListWidgetItem(f"{key}\n    Counting…")
        item.setData(Qt.ItemDataRole.UserRole, key)
        self.list.addItem(item)
        self.problem.clear()
        count = FolderCount(path, self)
        count.counting.connect(lambda n: self._say(key, f"Counting… {counted(n, 'work')} so far"))
        count.counted.connect(lambda found: self._say(key, describe(found)))
        count.failed.connect(lambda message: self._say(key, f"Could not count: {message}"))
        self.counts[key] = count.start()

    def _say(self, key: str, text: str) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == key:
                item.setText(f"{key}\n    {text}")
                item.setToolTip(text)

    def summary(self, path: Path | str) -> str:
        """What the list says about a folder (its count, once counted)."""
        for i in range(self.list.count()):
            item = self.list.item(i)
            if item.data(Qt.ItemDataRole.UserRole) == str(path):
                return item.text().partition("\n")[2].strip()
        return ""

    def remove_current(self) -> None:
        item = self.list.takeItem(self.list.currentRow())
        if item is not None:
            count = self.counts.pop(item.data(Qt.ItemDataRole.UserRole), None)
            if count is not None:
                count.stop()

    def folders_as_text(self) -> list[str]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def stop_counting(self) -> None:
        for count in self.counts.values():
            count.stop()

    def validatePage(self) -> bool:
        gone = [p for p in self.folders_as_text() if not os.path.isdir(p)]
        self.problem.setText(
            f"Not a folder any more (moved or unplugged?): {', '.join(gone)}. Remove it or "
            "add it again."
            if gone
            else ""
        )
        return not gone


class SitePage(W.QWizardPage):
    """The site, and how its files get there: one form per transport kind, made from what
    each kind declares.  Checking and storing are core's; a secret typed here is only handed
    over, for a connection test or for saving."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Your site")
        self.setSubTitle(
            "Creator Reserve publishes ai.txt, robots.txt rules and TDMRep to your site and "
            "checks that the live site serves them. You can skip this and add a site later."
        )
        self.enabled = W.QCheckBox("I have a site to publish to")
        self.enabled.setAccessibleName("Set up a site")
        self.site_name = _line("Site name", "portfolio")
        self.site_name.setText("portfolio")
        self.url = _line("Site address", "https://jane.example")
        self.transport = W.QComboBox()
        self.transport.setAccessibleName("How files reach the site")
        self.forms = W.QStackedWidget()
        for cls in transports.REGISTRY.classes():
            self.transport.addItem(cls.TITLE, cls.KIND)
            self.forms.addWidget(SettingsForm(cls))
        self.test_button = W.QPushButton("&Test connection")
        self.test_button.setAccessibleName("Test the connection to the site")
        self.trust_button = W.QPushButton("T&rust this key")
        self.trust_button.setAccessibleName("Trust the server's key")
        self.trust_button.setVisible(False)
        _no_default(self.test_button, self.trust_button)
        self.problems = FieldProblems()
        self.result = W.QLabel()
        self.result.setWordWrap(True)
        self.result.setAccessibleName("Connection test result")
        self.form = W.QFormLayout()
        self.form.addRow("Site &name:", self.site_name)
        self.form.addRow("&Address:", self.url)
        self.form.addRow("&Files go by:", self.transport)
        self.box = W.QWidget()
        box_layout = W.QVBoxLayout(self.box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addLayout(self.form)
        box_layout.addWidget(self.forms)
        test_row = W.QHBoxLayout()
        test_row.addWidget(self.test_button)
        test_row.addWidget(self.trust_button)
        test_row.addWidget(self.result, 1)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.enabled)
        layout.addWidget(self.box)
        layout.addLayout(test_row)
        layout.addStretch(1)
        self.enabled.toggled.connect(self._update)
        self.transport.currentIndexChanged.connect(self._update)
        self.test_button.clicked.connect(self.test)
        self.trust_button.clicked.connect(self.trust)
        self.trial_secret: tuple[str, str] | None = None  # nothing is put in the keyring to test
        self._unknown_key: str | None = None
        self._update()

    def kind(self) -> str:
        return self.transport.currentData()

    def settings_form(self) -> SettingsForm:
        return self.forms.currentWidget()

    def field(self, name: str) -> W.QWidget:
        """The current kind's editor for a setting."""
        return self.settings_form().field(name)

    def choose(self, kind: str) -> None:
        self.transport.setCurrentIndex(self.transport.findData(kind))

    def _update(self) -> None:
        self.problems.clear()
        on = self.enabled.isChecked()
        self.box.setEnabled(on)
        self.test_button.setEnabled(on)
        self.forms.setCurrentIndex(max(self.transport.currentIndex(), 0))
        self.trust_button.setVisible(False)

    def settings(self) -> dict:
        return self.settings_form().values()

    def answers(self) -> setup.SiteAnswers | None:
        if not self.enabled.isChecked():
            return None
        return setup.SiteAnswers(
            name=self.site_name.text().strip() or "portfolio",
            url=self.url.text().strip(),
            transport=self.kind(),
            settings=self.settings(),
            secret=self.settings_form().secret(),
        )

    def test(self) -> None:
        site = self.answers()
        if site is None:
            return
        self.test_button.setEnabled(False)
        self.trust_button.setVisible(False)
        self.result.setText("Connecting…")

        def run() -> str:
            try:
                return check_connection(site.name, site.transport, site.settings, site.secret)
            except transports.TransportError as exc:
                if exc.code == transports.Problem.HOST_KEY_UNKNOWN:
                    self._unknown_key = str(exc.facts["fingerprint"])
                raise UserError(advice(exc)) from None

        def finished(text: object) -> None:
            self.test_button.setEnabled(True)
            self.result.setText(str(text))

        def failed(message: str) -> None:
            finished(f"Could not connect: {message}")
            self.trust_button.setVisible(self._unknown_key is not None)

        self._unknown_key = None
        tasks.start(run, finished, failed)

    def trust(self) -> None:
        """Trust the server's key after the person compared its fingerprint."""
        fingerprint, site = self._unknown_key, self.answers()
        if fingerprint is None or site is None:
            return
        answer = W.QMessageBox.question(
            self,
            "Trust the server's key?",
            f"The server presents the key\n\n{fingerprint}\n\nTrust it only if your hosting "
            "provider shows the same fingerprint.",
        )
        if answer != W.QMessageBox.StandardButton.Yes:
            return
        cls = transports.transport_class(site.transport)
        settings = transports.validate(site.transport, site.settings, ready=False)

        def trusted(_: object) -> None:
            self.trust_button.setVisible(False)
            self.result.setText("Trusted. Test the connection again.")

        tasks.start(
            lambda: cls.trust(settings, fingerprint),
            trusted,
            lambda m: self.result.setText(f"Not trusted: {m}"),
        )

    def problem(self) -> str | None:
        """What is missing or wrong, in the form's words (core checks)."""
        site = self.answers()
        if site is None:
            return None
        try:
            check_url(site.url)
            transports.validate(site.transport, site.settings, site.secret)
        except UserError as exc:
            return advice(exc)
        return None

    def check(self) -> list[tuple[W.QFormLayout, W.QWidget, str]]:
        """Each field core refuses (the address; the settings the transport declares), with
        what to do about it, so the page can say it under that field."""
        site = self.answers()
        if site is None:
            return []
        found: list[tuple[W.QFormLayout, W.QWidget, str]] = []
        try:
            check_url(site.url)
        except UserError as exc:
            found.append((self.form, self.url, advice(exc)))
        form = self.settings_form()
        try:
            transports.validate(site.transport, site.settings, site.secret)
        except transports.TransportError as exc:
            names = {
                transports.Problem.SETTING_MISSING: exc.facts.get("settings", ()),
                transports.Problem.SETTING_INVALID: [exc.facts.get("setting")],
                transports.Problem.SECRET_MISSING: [exc.facts.get("setting")],
            }.get(exc.code, ())
            fields = [n for n in names if n in form.editors]
            for name in fields:
                label = form.cls.setting(name).label
                text = (
                    f"Fill in the {label[:1].lower()}{label[1:]}."
                    if exc.code == transports.Problem.SETTING_MISSING
                    else advice(exc)
                )
                found.append((form.layout_, form.field(name), text))
            if not fields:
                found.append((self.form, self.transport, advice(exc)))
        except UserError as exc:
            found.append((self.form, self.transport, advice(exc)))
        return found

    def validatePage(self) -> bool:
        self.problems.clear()
        for form, field, text in self.check():
            self.problems.show(form, field, text)
        problem = self.problem()
        if problem:
            self.result.setText(problem)
        self.problems.focus_first()
        return problem is None and not self.problems.lines


class RegistriesPage(W.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Registries and dataset hosts")
        self.setSubTitle(
            "Where you want to send opt-outs. Nothing is sent now: each one you tick waits "
            "under Opt-outs, Ready to send, for your folders (and your site), until you review "
            "it and press Send; then each answer is tracked there."
        )
        self.list = W.QListWidget()
        self.list.setAccessibleName("Registries to use")
        for descriptor in load_all().values():
            item = W.QListWidgetItem(
                f"{descriptor.name}\n    {descriptor.legal_basis}; answers usually within "
                f"{counted(descriptor.expected_turnaround_days, 'day')}; facts checked "
                f"{when(descriptor.checked)}"
            )
            item.setData(Qt.ItemDataRole.UserRole, descriptor.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            # nothing is chosen for the creator: each destination asks something different of
            # them (HaveIBeenTrained, once the obvious default, has been under maintenance)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.list.addItem(item)
        self.problem = W.QLabel()
        self.problem.setWordWrap(True)
        self.problem.setAccessibleName("Why the set-up was not saved")
        self.problem.setStyleSheet(f"color: {PROBLEM_COLOUR}")
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.problem)

    def chosen(self) -> list[str]:
        items = (self.list.item(i) for i in range(self.list.count()))
        return [
            i.data(Qt.ItemDataRole.UserRole)
            for i in items
            if i.checkState() == Qt.CheckState.Checked
        ]

    def choose(self, ids: list[str]) -> None:
        for i in range(self.list.count()):
            item = self.list.item(i)
            on = item.data(Qt.ItemDataRole.UserRole) in ids
            item.setCheckState(Qt.CheckState.Checked if on else Qt.CheckState.Unchecked)


class SetupWizard(W.QWizard):
    """Each page is checked as it is left and says what is wrong under the field; nothing
    typed is ever cleared (not by Back, a refused page, Cancel, or a set-up that could not be
    saved).  ``saved`` is set by whoever applies the answers, once core has stored them."""

    def __init__(self, previous: setup.Answers | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up Creator Reserve")
        self.setWizardStyle(W.QWizard.WizardStyle.ModernStyle)
        self.setOption(W.QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(820, 560)
        self.saved = False
        self.you = YouPage()
        self.policy = PolicyPage()
        self.folders = FoldersPage()
        self.site = SitePage()
        self.registries = RegistriesPage()
        for page in (self.you, self.policy, self.folders, self.site, self.registries):
            self.addPage(page)
        B = W.QWizard.WizardButton
        _no_default(*(self.button(b) for b in (B.BackButton, B.CancelButton, B.HelpButton)))
        if previous is not None:
            self.you.name.setText(previous.name)
            self.you.notice.setText(previous.copyright_notice)
            self.you._notice_edited = True
            self.you.email.setText(previous.email)
            self.you.url.setText(previous.contact_url)
            self.policy.choose(previous.preset)
            self.registries.choose(previous.registries)
        self.rejected.connect(self._forget_tested_secret)
        self.finished.connect(lambda _: self.folders.stop_counting())

    def cleanupPage(self, id: int) -> None:
        """Going Back or cancelling keeps what was typed (Qt's default empties the page)."""

    def setup_failed(self, message: str) -> None:
        """Core could not store the answers: show the wizard again as it was, saying why."""
        self.registries.problem.setText(
            f"Your set-up was not saved: {message}. Change it (Back goes to every page) and "
            "press Finish again."
        )
        self.open()

    def validateCurrentPage(self) -> bool:
        self.registries.problem.clear()
        return super().validateCurrentPage()

    def answers(self) -> setup.Answers:
        return setup.Answers(
            name=self.you.name.text().strip(),
            copyright_notice=self.you.notice.text().strip(),
            email=self.you.email.text().strip(),
            contact_url=self.you.url.text().strip(),
            preset=self.policy.preset(),
            folders=[Path(p) for p in self.folders.folders_as_text()],
            site=self.site.answers(),
            registries=self.registries.chosen(),
        )

    def tag_now(self) -> bool:
        return self.folders.tag_now.isChecked()

    def _forget_tested_secret(self) -> None:
        if self.site.trial_secret is not None:
            secrets.forget(*self.site.trial_secret)
