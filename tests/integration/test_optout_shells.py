"""Each shell turns the core's advice codes into its own words (the command line names commands
and flags, the window names its buttons and fields), and the window's settings forms are made
from the settings each destination's adapter declares."""

from __future__ import annotations

import json

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.optouts.settings import CONTACT, MAIL
from tests.integration.test_cli import cli

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(2)]


def test_the_command_line_names_the_command_that_moves_a_request_on(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")
    assert cli("optout", "submit", "meta", "--urls", str(urls), "--no-browser").returncode == 0
    key = json.loads(cli("optout", "status", "--json").stdout)["submissions"][0]["idempotency_key"]
    status = cli("optout", "status").stdout
    assert f"'creatorapp optout attest {key}'" in status
    assert "Meta (third-party data) [meta]: 2 awaiting_user_action" in status  # title and id
    doc = json.loads(cli("optout", "status", "--json").stdout)
    assert doc["needs_attention"][0]["advice"] == "attest"
    assert doc["titles"] == {"meta": "Meta (third-party data)"}

    no_token = cli("optout", "submit", "bigcode-stack", "--account", "jane")
    assert no_token.returncode == 1
    assert "no GitHub token stored" in no_token.stdout
    assert "'creatorapp optout token bigcode-stack'" in no_token.stdout
    unknown = cli("optout", "attest", "cr-nope")
    assert unknown.returncode == 2 and "'creatorapp optout status'" in unknown.stderr
    needless = cli("optout", "token", "meta", input="x\n")
    assert needless.returncode == 2 and "meta needs no token" in needless.stderr
    shared = cli("optout", "token", "reservation-notice", input="x\n")
    assert shared.returncode == 2 and "'creatorapp optout mail --smtp HOST:PORT" in shared.stderr
    dmca = ("optout", "submit", "huggingface-dmca", "--dataset", "a/b", "--urls", str(urls))
    who = cli(*dmca)
    assert who.returncode == 2 and "'creatorapp optout contact --name NAME" in who.stderr
    cli("optout", "contact", "--name", "Jane", "--email", "j@x.example", "--address", "1 Lane")
    swear = cli(*dmca)
    assert swear.returncode == 2 and "add --swear only if" in swear.stderr


def test_the_window_names_its_own_buttons_not_commands(qtbot, tmp_path):
    from creatorapp.gui.optouts_panel import OptOutsPanel

    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"meta": {"open_browser": False}})
    optouts.submit("meta", URLS)
    assert optouts.submit("bigcode-stack", ["jane"]).failed  # no token yet
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    lines = [panel.attention.item(i).text() for i in range(panel.attention.count())]
    assert any("press “I sent it”" in line for line in lines), lines
    assert any("no GitHub token" in line and "token in “New opt-out…”" in line for line in lines)
    assert not any("optout" in line or "--" in line for line in lines), lines
    assert panel.table.item(0, 0).text() in ("Meta (third-party data)", "The Stack (BigCode)")
    store.close()


@pytest.fixture
def dialog(qtbot, tmp_path):
    from creatorapp.gui.optout_dialog import OptOutDialog

    store = open_catalogue(tmp_path / "c.sqlite3")
    made = OptOutDialog(OptOuts(store), None)
    qtbot.addWidget(made)
    yield made
    store.close()


def choose(dialog, destination: str) -> None:
    dialog.destination.setCurrentIndex(dialog.destination.findData(destination))


def test_the_windows_settings_forms_are_made_from_the_declarations(dialog):
    from creatorapp.gui.qt import QtWidgets

    store = dialog.optouts.store
    choose(dialog, "bigcode-stack")
    form = dialog.account_form
    assert not form.isHidden() and form.title() == "GitHub token"
    assert list(form.fields) == ["token"]
    assert form.fields["token"].echoMode() == QtWidgets.QLineEdit.EchoMode.Password
    form.fields["token"].setText("ghp_from_the_window")
    form.save_button.click()
    assert secrets.get("registry", "bigcode-stack") == "ghp_from_the_window"
    assert form.fields["token"].text() == ""  # a secret is never shown again
    assert form.fields["token"].placeholderText().startswith("kept in")

    choose(dialog, "reservation-notice")
    assert list(form.fields) == [s.name for s in MAIL.settings]
    assert list(dialog.contact_form.fields) == [s.name for s in CONTACT.settings]
    form.fields["smtp"].setText("mail.jane.example:notaport")
    form.fields["imap"].setText("mail.jane.example")
    form.fields["user"].setText("jane")
    form.fields["from"].setText("jane@jane.example")
    form.save_button.click()
    assert "HOST:PORT" in form.message.text() and store.setting("mail") is None
    form.fields["smtp"].setText("mail.jane.example")
    form.fields["password"].setText("mail-pass")
    form.save_button.click()
    assert form.message.text() == "Saved."
    assert store.setting("mail")["smtp_port"] == 587 and secrets.get("mail", "jane") == "mail-pass"
    assert form.fields["smtp"].text() == "mail.jane.example:587"  # shown as stored

    choose(dialog, "meta")
    assert form.isHidden()  # a form needs nothing set up


def test_the_dialog_says_what_to_fill_in(dialog, qtbot, tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(URLS[0] + "\n")
    choose(dialog, "huggingface")
    dialog.source.setCurrentIndex(dialog.source.findData("urls"))
    dialog.urls.setText(str(urls))
    dialog.preview_button.click()
    qtbot.waitUntil(lambda: dialog.preview_button.isEnabled(), timeout=20_000)
    assert "fill in the dataset (owner/name)" in dialog.result.text()
    assert "--dataset" not in dialog.result.text()
