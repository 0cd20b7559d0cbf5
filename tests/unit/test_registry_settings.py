"""Settings are declared once and checked in core: the mail account, the contact details and a
destination's token are validated and stored the same way whichever shell gives them, secrets
go to the keyring under names made in one place, and the command line's flags are made from
the declarations."""

from __future__ import annotations

import argparse

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.letters import Contact
from creatorapp.core.optouts.settings import (
    CONTACT,
    MAIL,
    Group,
    MailAccount,
    Setting,
    SettingError,
    Settings,
    SettingType,
    token,
)


@pytest.fixture
def book(tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    yield Settings(store)
    store.close()


GOOD = {"smtp": "mail.jane.example", "imap": "mail.jane.example:993", "user": "jane"}


def test_the_mail_account_is_checked_whole_before_anything_is_stored(book):
    with pytest.raises(SettingError, match="needs: from address") as caught:
        book.apply(MAIL, GOOD)
    assert caught.value.hint.advice is Advice.SET_UP and caught.value.hint.missing == ("from",)
    with pytest.raises(SettingError, match=r"HOST:PORT"):
        book.apply(MAIL, {**GOOD, "from": "jane@jane.example", "imap": "mail:notaport"})
    with pytest.raises(SettingError, match="not an email address"):
        book.apply(MAIL, {**GOOD, "from": "jane at home"})
    assert book.store.setting("mail") is None  # nothing half-stored

    book.apply(MAIL, {**GOOD, "from": "jane@jane.example", "password": " s3cret "})
    # the stored form older catalogues hold, which the email adapter reads
    assert book.store.setting("mail") == {
        "smtp_host": "mail.jane.example",
        "smtp_port": 587,  # the declared default when only a host is given
        "imap_host": "mail.jane.example",
        "imap_port": 993,
        "username": "jane",
        "from_address": "jane@jane.example",
    }
    account = MailAccount.from_stored(book.store.setting("mail"))
    assert account and account.smtp_port == 587 and account.username == "jane"
    assert secrets.get("mail", "jane") == " s3cret "  # a password is kept exactly as typed
    assert book.missing(MAIL) == []
    book.apply(MAIL, {"smtp": "smtp.other.example:2525"})  # one change keeps the rest
    assert book.values(MAIL)["smtp"] == ("smtp.other.example", 2525)
    assert book.values(MAIL)["from"] == "jane@jane.example"

    book.forget(MAIL)
    assert book.store.setting("mail") is None and secrets.get("mail", "jane") is None


def test_secrets_are_never_repeated_in_a_refusal_and_tokens_are_one_word(book):
    github = token("GitHub token", "a token of your own account")
    with pytest.raises(SettingError) as caught:
        book.apply(github, {"token": "ghp_abc def"}, "bigcode-stack")
    assert "ghp_abc" not in str(caught.value) and "GitHub token" in str(caught.value)
    book.apply(github, {"token": "  ghp_abc\n"}, "bigcode-stack")
    assert secrets.get("registry", "bigcode-stack") == "ghp_abc"  # named by its destination
    assert book.secret_name(github, "bigcode-stack") == ("registry", "bigcode-stack")
    assert book.store.setting("token.bigcode-stack") is None  # a token alone: keyring only


def test_contact_details_are_checked_and_read_back_by_the_letters(book):
    with pytest.raises(SettingError, match="not an email address"):
        book.apply(CONTACT, {"email": "nope"})
    book.apply(CONTACT, {"name": "Jane Doe", "email": "jane@jane.example"})
    book.apply(CONTACT, {"address": "1 Art Lane, Paris"})
    assert Contact.from_dict(book.store.setting("contact")) == Contact(
        "Jane Doe", "jane@jane.example", "1 Art Lane, Paris"
    )


def test_the_command_lines_flags_are_made_from_the_declarations():
    from creatorapp.cli import optout_cmd
    from creatorapp.cli.main import build_parser

    parser = build_parser()
    for group in (MAIL, CONTACT):
        argv = ["optout", group.id]
        for s in group.settings:
            argv += [f"--{s.name}-stdin"] if s.secret else [f"--{s.name}", "x"]
        args = parser.parse_args(argv)
        assert optout_cmd.GROUPS[args.group] is group
        for s in group.settings:
            assert getattr(args, f"set_{s.name}") == (True if s.secret else "x")
    # a setting added to a declaration is a flag, with no other change
    extra = Group("extra", "Extra", (Setting("colour", SettingType.TEXT, "Colour", "a colour"),))
    made = argparse.ArgumentParser()
    optout_cmd._setting_flags(made, extra)
    assert made.parse_args(["--colour", "blue"]).set_colour == "blue"
