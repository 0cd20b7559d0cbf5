"""Each letter stands on the legal ground that is true for the works: a copyright reservation
under Art. 4(3) of the DSM Directive for artwork, and personal-data wording (GDPR Art. 17/21) only
when the creator says the works show them.  LAION acts only on personal-data requests, so the
creator is told plainly what a copyright reservation there will and will not do."""

from __future__ import annotations

import json
import re

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts import letters
from creatorapp.core.optouts.descriptor import load_all
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.core.optouts.settings import CONTACT
from creatorapp.core.resources import resource_dir
from tests.integration.test_cli import cli

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]
PERSONAL = ("personal data", "images of me", "Article 17", "Article 21", "GDPR")


@pytest.fixture
def optouts(tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    made = OptOuts(store, options={d: {"open_browser": False} for d in ("laion", "meta")})
    made.destinations.settings.apply(CONTACT, {"name": "Jane Doe", "email": "jane@x.example"})
    yield made
    store.close()


def explanation(optouts: OptOuts, destination: str, **kw) -> str:
    [payload] = optouts.submit(destination, URLS, dry_run=True, **kw).payloads
    return payload["fields"]["Explanation"]


def test_artwork_gets_a_copyright_reservation_and_only_a_person_gets_gdpr_wording(optouts):
    artwork = explanation(optouts, "laion")
    assert "Article 4(3) of" in artwork and "reserve the use of these works" in artwork
    for words in PERSONAL:
        assert words not in artwork, words
    assert all(url in artwork for url in URLS)

    person = explanation(optouts, "laion", shows_person=True)
    assert "Article 21 of the General Data Protection Regulation" in person
    assert "Article 17(1)(c)" in person and "images of me" in person
    assert "Article 4(3)" not in person
    assert all(url in person for url in URLS)

    meta = optouts.submit("meta", URLS, dry_run=True).payloads[0]["fields"]["Explanation"]
    assert "Article 4(3) of" in meta and "images of me" not in meta


def test_the_creator_is_told_what_laion_will_and_will_not_act_on(optouts):
    [payload] = optouts.submit("laion", URLS, dry_run=True).payloads
    said = payload["instructions"]
    assert payload["register"] == "copyright"
    assert "LAION acts only on personal-data (GDPR) requests" in said
    assert "copyright reservation (Art. 4(3) DSM Directive)" in said
    assert "will not remove works for it" in said and "dated record" in said
    [person] = optouts.submit("laion", URLS, dry_run=True, shows_person=True).payloads
    assert person["register"] == "personal_data"
    assert "only for works that show you" in person["instructions"]
    assert "will not remove works" not in person["instructions"]


def test_the_register_is_recorded_with_the_request(optouts):
    optouts.submit("laion", URLS[:1])
    optouts.submit("laion", URLS[1:], shows_person=True)
    queued = [e.data for e in optouts.store.events() if e.kind == "optout.queued"]
    assert [q["register"] for q in queued] == ["copyright", "personal_data"]


def test_the_command_line_chooses_the_register_with_shows_person(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    plain = cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run")
    assert plain.returncode == 0, plain.stderr
    assert "Article 4(3) of" in plain.stdout and "images of me" not in plain.stdout
    assert "will not remove works for it" in plain.stdout  # said before anything is sent
    person = cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run", "--shows-person")
    assert person.returncode == 0, person.stderr
    assert "images of me" in person.stdout and "Article 4(3)" not in person.stdout
    doc = json.loads(
        cli(
            "optout", "submit", "laion", "--urls", str(urls), "--dry-run", "--json",
            "--shows-person",
        ).stdout
    )  # fmt: skip
    assert "Article 21" in doc["payloads"][0]["fields"]["Explanation"]


def test_a_personal_data_request_is_refused_where_the_destination_takes_none(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text(URLS[0] + "\n")
    run = cli(
        "optout", "submit", "reservation-notice", "--to", "legal@ai.example", "--urls", str(urls),
        "--dry-run", "--shows-person",
    )  # fmt: skip
    assert run.returncode == 2
    assert "takes no personal-data request" in run.stderr and "Traceback" not in run.stderr


def test_no_letter_says_datset():
    """``datset`` is the LAION form's own name for its Dataset field, sent as the form spells
    it; no text of ours, in any letter and either register, says it."""
    contact = letters.Contact("Jane Doe", "jane@x.example", "1 Lane")
    for path in sorted((resource_dir() / "letters").glob("*.toml")):
        assert "datset" not in path.read_text(encoding="utf-8").lower(), path.name
        letter = letters.load(path.stem)
        written = letters.write(
            letter, contact, URLS, "laion-1", context={"dataset": "Re-LAION-5B"}, preview=True
        )
        assert "datset" not in (written.subject + written.text).lower(), path.name
    laion = load_all()["laion"]
    for register in letters.Register:
        assert "datset" not in letters.register_note(laion, register).lower()
    assert "datset" not in (laion.notice + " ".join(laion.field_help.values())).lower()


def test_a_form_preview_shows_neither_the_forms_field_names_nor_a_key(tmp_path):
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")
    cli("optout", "contact", "--name", "Jane Doe", "--email", "jane@x.example")
    for extra in ((), ("--shows-person",)):
        shown = cli("optout", "submit", "laion", "--urls", str(urls), "--dry-run", *extra)
        assert shown.returncode == 0, shown.stderr
        assert "datset" not in shown.stdout.lower()
        assert not re.search(r"cr-[0-9a-f]{16}", shown.stdout), shown.stdout
