"""The passphrase of the encrypted secret store, asked for in a dialog where the system has no
keyring (``core/secrets.py`` keeps secrets in that file then).

Dialogs can only be shown on the window's thread, while tagging and publishing run in others:
so the store is unlocked once when the window opens, and a later ask from another thread is
declined (the operation then says the secrets are locked) rather than hanging.
"""

from __future__ import annotations

from pathlib import Path

from creatorapp.core import secrets
from creatorapp.gui.qt import QtCore, QtWidgets


def install() -> None:
    secrets.ask_with(ask)


def ask(store: Path, new: bool, again: bool) -> str | None:
    from creatorapp import APP_TITLE
    from creatorapp.gui.app import DISPLAYLESS

    app = QtWidgets.QApplication.instance()
    if app is None or QtCore.QThread.currentThread() is not app.thread():
        return None
    if app.platformName() in DISPLAYLESS:
        return None  # drawn on no screen: nobody could answer
    if new:
        text = (
            f"No system keyring here: secrets are kept encrypted in {store}, unlocked with "
            "your passphrase.\n\nChoose a passphrase:"
        )
    else:
        text = "Wrong passphrase, try again:" if again else f"Passphrase for {store}:"
    echo = QtWidgets.QLineEdit.EchoMode.Password
    answer, ok = QtWidgets.QInputDialog.getText(None, APP_TITLE, text, echo)
    if not ok or not answer:
        return None
    if new:
        repeat, ok = QtWidgets.QInputDialog.getText(
            None, APP_TITLE, "The same passphrase again:", echo
        )
        if not ok or repeat != answer:
            raise secrets.SecretError("the two passphrases differ; nothing was stored")
    return answer


def unlock_at_start() -> None:
    """Where the secrets are in the encrypted file, ask for its passphrase now; a refusal or
    a wrong passphrase is shown once, and what needs a secret later says it is locked."""
    from creatorapp import APP_TITLE
    from creatorapp.errors import UserError

    try:
        secrets.unlock()
    except UserError as exc:
        QtWidgets.QMessageBox.warning(None, APP_TITLE, str(exc))
