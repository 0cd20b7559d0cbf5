"""The first-run wizard: who you are, your policy, your folders, your site, your registries.

It only gathers answers (:class:`creatorapp.core.app.setup.Answers`); the main window applies them
with the same core call a script would use.  Cancelling leaves nothing behind."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core import secrets
from creatorapp.core.app import setup
from creatorapp.core.optouts.descriptor import load_all
from creatorapp.core.policy import DEFAULT_PRESET, PRESETS
from creatorapp.core.sites.sites import check_connection, check_url
from creatorapp.core.sites.transports import base as transports
from creatorapp.errors import UserError
from creatorapp.gui import tasks
from creatorapp.gui.preview_widget import CarrierPreview
from creatorapp.gui.qt import Qt, QtWidgets
from creatorapp.gui.site_form import SettingsForm, advice

W = QtWidgets


def _line(name: str, placeholder: str = "") -> W.QLineEdit:
    edit = W.QLineEdit()
    edit.setAccessibleName(name)
    edit.setPlaceholderText(placeholder)
    return edit


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
        form = W.QFormLayout(self)
        form.addRow("&Name:", self.name)
        form.addRow("&Copyright notice:", self.notice)
        form.addRow("&Email:", self.email)
        form.addRow("Contact &page:", self.url)
        self.registerField("name*", self.name)

    def _suggest(self, name: str) -> None:
        if not self._notice_edited:
            self.notice.setText(setup.default_notice(name.strip()))

    def validatePage(self) -> bool:
        email = self.email.text().strip()
        if email and "@" not in email:
            W.QMessageBox.warning(self, "Email", f"{email!r} is not an email address.")
            return False
        return True


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
        self.list = W.QListWidget()
        self.list.setAccessibleName("Portfolio folders")
        add = W.QPushButton("&Add folder…")
        add.setAccessibleName("Add a portfolio folder")
        remove = W.QPushButton("&Remove")
        remove.setAccessibleName("Remove the selected folder")
        add.clicked.connect(self._browse)
        remove.clicked.connect(lambda: self.list.takeItem(self.list.currentRow()))
        self.tag_now = W.QCheckBox("Tag the works now (you can undo the batch)")
        self.tag_now.setChecked(True)
        buttons = W.QHBoxLayout()
        buttons.addWidget(add)
        buttons.addWidget(remove)
        buttons.addStretch(1)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.list, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.tag_now)

    def _browse(self) -> None:
        path = W.QFileDialog.getExistingDirectory(self, "Add a portfolio folder", str(Path.home()))
        if path:
            self.add_folder(Path(path))

    def add_folder(self, path: Path) -> None:
        if str(path) not in self.folders_as_text():
            self.list.addItem(str(path))

    def folders_as_text(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]


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

    def validatePage(self) -> bool:
        problem = self.problem()
        if problem:
            self.result.setText(problem)
            return False
        return True


class RegistriesPage(W.QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Registries and dataset hosts")
        self.setSubTitle(
            "Where you want to send opt-outs. Nothing is sent now: the Opt-outs section sends "
            "them when you are ready and tracks each answer."
        )
        self.list = W.QListWidget()
        self.list.setAccessibleName("Registries to use")
        for descriptor in load_all().values():
            item = W.QListWidgetItem(
                f"{descriptor.name}\n    {descriptor.legal_basis}; answers usually within "
                f"{descriptor.expected_turnaround_days} days"
            )
            item.setData(Qt.ItemDataRole.UserRole, descriptor.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            checked = descriptor.id in ("spawning",)
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)
            self.list.addItem(item)
        layout = W.QVBoxLayout(self)
        layout.addWidget(self.list)

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
    def __init__(self, previous: setup.Answers | None = None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Set up Creator Reserve")
        self.setWizardStyle(W.QWizard.WizardStyle.ModernStyle)
        self.setOption(W.QWizard.WizardOption.NoBackButtonOnStartPage, True)
        self.resize(820, 560)
        self.you = YouPage()
        self.policy = PolicyPage()
        self.folders = FoldersPage()
        self.site = SitePage()
        self.registries = RegistriesPage()
        for page in (self.you, self.policy, self.folders, self.site, self.registries):
            self.addPage(page)
        if previous is not None:
            self.you.name.setText(previous.name)
            self.you.notice.setText(previous.copyright_notice)
            self.you._notice_edited = True
            self.you.email.setText(previous.email)
            self.you.url.setText(previous.contact_url)
            self.policy.choose(previous.preset)
            self.registries.choose(previous.registries)
        self.rejected.connect(self._forget_tested_secret)

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
