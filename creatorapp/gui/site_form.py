"""Forms made from a transport's declared settings, and the desktop's words for the problems
core reports by code.  A transport that declares its settings gets its form here without any
code of its own; secret settings are password fields, and nothing here stores them."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.sites.sites import UNKNOWN_SITE
from creatorapp.core.sites.transports.base import Problem, Transport, transport_class
from creatorapp.core.sites.transports.settings import Setting, Type
from creatorapp.gui.qt import QtWidgets

W = QtWidgets
KEYRING_NOTE = "Kept in your system's keyring (or, without one, encrypted under your passphrase)"


class SettingsForm(W.QWidget):
    """One row per declared setting: a line, a number, a switch, a list or a path with a
    browse button."""

    def __init__(self, cls: type[Transport], parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.cls = cls
        self.editors: dict[str, W.QWidget] = {}
        self.layout_ = W.QFormLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        for setting in cls.SETTINGS:
            editor, row = self._editor(setting)
            editor.setAccessibleName(setting.label)
            editor.setToolTip(KEYRING_NOTE if setting.secret else setting.help)
            self.editors[setting.name] = editor
            self.layout_.addRow("" if setting.type is Type.BOOL else f"{setting.label}:", row)

    def _editor(self, setting: Setting) -> tuple[W.QWidget, W.QWidget | W.QLayout]:
        kind = setting.type
        if kind is Type.BOOL:
            box = W.QCheckBox(setting.label)
            box.setChecked(bool(setting.default))
            return box, box
        if kind is Type.INT:
            spin = W.QSpinBox()
            low, high = setting.bounds or (0, 2**31 - 1)
            if setting.default is not None:  # one below the range: "use the default"
                low -= 1
                spin.setSpecialValueText(f"default ({setting.default})")
            spin.setRange(low, high)
            spin.setValue(low)
            return spin, spin
        if kind is Type.CHOICE:
            combo = W.QComboBox()
            combo.addItems(list(setting.choices))
            if setting.default in setting.choices:
                combo.setCurrentText(str(setting.default))
            return combo, combo
        line = W.QLineEdit()
        default = f"default: {setting.default}" if setting.default not in (None, "") else ""
        line.setPlaceholderText(setting.example or default or setting.help)
        if setting.secret:
            line.setEchoMode(W.QLineEdit.EchoMode.Password)
        if kind not in (Type.PATH, Type.FOLDER):
            return line, line
        browse = W.QToolButton()
        browse.setText("…")
        browse.setAccessibleName(f"Choose: {setting.label}")
        browse.clicked.connect(lambda: self._browse(setting, line))
        row = W.QHBoxLayout()
        row.addWidget(line, 1)
        row.addWidget(browse)
        return line, row

    def _browse(self, setting: Setting, line: W.QLineEdit) -> None:
        start = line.text() or str(Path.home())
        if setting.type is Type.FOLDER:
            path = W.QFileDialog.getExistingDirectory(self, setting.label, start)
        else:
            path, _ = W.QFileDialog.getOpenFileName(self, setting.label, start)
        if path:
            line.setText(path)

    def field(self, name: str) -> W.QWidget:
        return self.editors[name]

    def _value(self, setting: Setting) -> object:
        editor = self.editors[setting.name]
        if isinstance(editor, W.QCheckBox):
            return editor.isChecked()
        if isinstance(editor, W.QSpinBox):
            default = editor.specialValueText() and editor.value() == editor.minimum()
            return None if default else editor.value()
        if isinstance(editor, W.QComboBox):
            return editor.currentText()
        return editor.text() if setting.secret else editor.text().strip() or None

    def values(self) -> dict:
        """What the form says, as core's validation takes it (secrets left out)."""
        found = {s.name: self._value(s) for s in self.cls.SETTINGS if not s.secret}
        return {name: value for name, value in found.items() if value is not None}

    def secret(self) -> str | None:
        """The secret these settings log in with, as typed (never stored here)."""
        key = self.cls.secret_setting(self.values())
        return (self._value(key) or None) if key is not None else None


def advice(exc: Exception) -> str:
    """The desktop's words for a problem: which field to fill in rather than which flag."""
    code = getattr(exc, "code", None)
    facts = getattr(exc, "facts", {})
    if code == Problem.SETTING_MISSING:
        cls = transport_class(facts["kind"])
        labels = ", ".join(cls.setting(name).label for name in facts["settings"])
        return f"Fill in: {labels}."
    if code == Problem.SECRET_MISSING:
        label = transport_class(facts["kind"]).setting(facts["setting"]).label
        return f"Enter the {label.lower()}: it is kept in your system's keyring, or encrypted."
    if code == Problem.HOST_KEY_UNKNOWN:
        return (
            f"The server's key is not known yet ({facts['fingerprint']}). Compare it with the "
            "fingerprint your hosting provider shows; if they are the same, trust the key."
        )
    if code == UNKNOWN_SITE:
        return f"{str(exc)[:1].upper()}{str(exc)[1:]}; it may have been removed."
    text = str(exc)
    return text[:1].upper() + text[1:]
