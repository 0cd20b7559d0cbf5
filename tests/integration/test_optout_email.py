"""Letters by email end to end, against a real SMTP server (aiosmtpd, STARTTLS and AUTH
required) and a real IMAP server (Dovecot): the letter, its evidence, replies found by
In-Reply-To or by the case token in the subject, restarts, a send whose answer was lost, the
DMCA notice's sworn statements, and every failure leaving the items retryable."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.optouts import evidence
from creatorapp.core.optouts.http import RegistryError
from creatorapp.core.optouts.letters import LetterError
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.outbox import OptOutError, OptOuts
from tests.servers import mail

pytestmark = pytest.mark.skipif(not mail.available(), reason="needs Dovecot (dovecot-imapd)")

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]
NOTICE = "reservation-notice:legal@ai.example"
CONTACT = {"name": "Jane Doe", "email": "jane@jane.example", "address": "1 Art Lane, Paris"}


@pytest.fixture(scope="module")
def servers():
    s = mail.MailServers()
    yield s
    s.stop()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "cat.sqlite3"


def optouts(path, servers, *, account=True):
    store = open_catalogue(path)
    if account and store.setting("mail") is None:
        store.set_setting("mail", servers.account())
        store.set_setting("contact", CONTACT)
    secrets.put("mail", mail.USER, mail.PASSWORD)
    options = {"cafile": str(servers.cafile)}
    return OptOuts(store, options={"reservation-notice": options, "huggingface-dmca": options})


def sent_to(servers, key):
    return [m for m in servers.received if f"[{key}]".encode() in m["raw"]]


def states(o, dest=NOTICE):
    return o.status().get(dest, {})


def test_send_restart_find_the_reply_and_record_the_answer(path, servers):
    o = optouts(path, servers)
    report = o.submit(NOTICE, URLS)
    [sub] = report.sent
    key = sub["idempotency_key"]
    assert states(o) == {"submitted": 3}
    [letter] = sent_to(servers, key)
    assert sorted(letter["to"]) == ["jane@jane.example", "legal@ai.example"]
    parsed = email.message_from_bytes(letter["raw"], policy=email.policy.default)
    assert parsed["Message-ID"] == f"<{key}@jane.example>" == sub["remote_ref"]
    assert f"[{key}]" in parsed["Subject"]
    body = parsed.get_body().get_content()
    assert "Article 4(3)" in body and all(u in body for u in URLS) and "Jane Doe" in body
    sent_event = list(o.store.events(kind="optout.sent"))[-1]
    kept = sent_event.data["evidence"]["eml"]
    assert kept["sha256"] == hashlib.sha256(letter["raw"]).hexdigest() and evidence.check(kept)
    again = o.submit(NOTICE, list(reversed(URLS)))
    assert again.found and not again.queued and len(sent_to(servers, key)) == 1
    o.store.close()

    o = optouts(path, servers)  # the app restarted; no answer yet
    assert o.poll(force=True).changes == {NOTICE: {}}
    servers.reply(sub["remote_ref"], f"Re: {parsed['Subject']}", "We have received your notice.")
    assert o.poll(force=True).changes == {NOTICE: {"acknowledged": 3}}
    [reply] = [e.data for e in o.store.events(kind="optout.reply")]
    assert reply["from"] == "legal@ai.example" and evidence.check(reply["eml"])
    assert o.poll(force=True).changes == {NOTICE: {}}  # the same reply is not recorded twice
    assert len(list(o.store.events(kind="optout.reply"))) == 1
    assert [a["idempotency_key"] for a in o.needs_attention()] == [key]

    with pytest.raises(OptOutError, match="nothing to attest"):
        o.attest(key)  # a letter is answered by its recipient, not attested
    assert o.resolve(key, ItemState.CONFIRMED, note="they confirmed removal") == 3
    assert states(o) == {"confirmed": 3} and o.store.submission(key=key)["state"] == "closed"
    assert verify_chain(o.store.events(), expected_count=o.store.events_written()).ok
    o.store.close()


def test_a_reply_found_by_the_case_token_when_the_headers_were_rewritten(path, servers):
    o = optouts(path, servers)
    [sub] = o.submit("reservation-notice:privacy@ai.example", URLS[:1]).sent
    key = sub["idempotency_key"]
    servers.reply(None, f"[Ticket #4411] Your request [{key}]", "Ticket opened.")
    result = o.poll("reservation-notice", force=True)
    assert result.changes == {"reservation-notice:privacy@ai.example": {"acknowledged": 1}}
    o.store.close()


def test_a_send_whose_answer_was_lost_is_found_not_sent_twice(path, servers):
    o = optouts(path, servers)
    servers.fail_after_accept = 1  # delivered, but the client hears "451"
    report = o.submit("reservation-notice:press@ai.example", URLS)
    assert report.failed and states(o, "reservation-notice:press@ai.example") == {"pending": 3}
    key = report.failed[0][0]["idempotency_key"]
    assert len(sent_to(servers, key)) == 1
    o.store.close()
    o = optouts(path, servers)
    sub = o.store.submission(key=key)
    o.store.update_submission(sub["id"], next_attempt_at=None)  # the retry is due
    o.send_queued()
    assert len(sent_to(servers, key)) == 1  # found in the mailbox, not sent again
    assert states(o, "reservation-notice:press@ai.example") == {"submitted": 3}
    assert list(o.store.events(kind="optout.sent"))[-1].data["evidence"]["found_existing"]
    o.store.close()


def test_the_dmca_notice_needs_every_detail_and_an_explicit_oath(path, servers):
    o = optouts(path, servers)
    dest = "huggingface-dmca:acme/images"
    o.store.set_setting("contact", {**CONTACT, "address": ""})
    with pytest.raises(LetterError, match="needs your address"):
        o.submit(dest, URLS)
    o.store.set_setting("contact", CONTACT)
    with pytest.raises(LetterError, match="penalty of perjury"):
        o.submit(dest, URLS)
    assert o.store.submissions(dest) == [] and o.status() == {}
    preview = o.submit(dest, URLS, dry_run=True).payloads[0]
    assert "only when you confirm them" in preview["text"] and not preview["sworn_statements"]
    before = len(servers.received)
    report = o.submit(dest, URLS, sworn=True)
    assert report.sent and len(servers.received) == before + 1
    raw = servers.received[-1]["raw"]
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    text = parsed.get_body().get_content()
    assert "dmca@huggingface.co" in servers.received[-1]["to"]
    assert "under penalty of perjury" in text and "acme/images" in text
    assert "only when you confirm" not in text and "1 Art Lane" in text
    queued = list(o.store.events(kind="optout.queued"))[-1]
    assert queued.data["sworn_statements_confirmed"] is True
    o.store.close()


def test_wrong_password_untrusted_certificate_and_servers_down_lose_nothing(path, servers):
    o = optouts(path, servers)
    dest = "reservation-notice:ops@ai.example"
    secrets.put("mail", mail.USER, "wrong")
    report = o.submit(dest, URLS)
    assert "refused the login" in report.failed[0][1]
    assert states(o, dest) == {"pending": 3}
    key = report.failed[0][0]["idempotency_key"]
    assert sent_to(servers, key) == []

    secrets.put("mail", mail.USER, mail.PASSWORD)
    untrusting = OptOuts(o.store)  # no test CA: the server's certificate is not trusted
    [r] = untrusting.send_queued()
    assert "not trusted" in r.failed[0][1] and sent_to(servers, key) == []

    servers.refused.add("ops@ai.example")
    [r] = o.send_queued()
    assert "refused ops@ai.example" in r.failed[0][1]
    servers.refused.clear()
    [r] = o.send_queued()
    assert r.sent and states(o, dest) == {"submitted": 3}
    o.store.close()


def test_no_account_set_up_says_how_and_records_nothing(path, servers):
    o = optouts(path, servers, account=False)
    o.store.set_setting("contact", CONTACT)
    with pytest.raises(RegistryError, match="no mail account set up"):
        o.submit("reservation-notice:x@ai.example", URLS[:1])
    assert o.status() == {} and o.store.submissions() == []
    o.store.close()


def test_the_mail_command_keeps_the_password_in_the_keyring_only(tmp_path, servers):
    import os
    from pathlib import Path

    from tests.integration.test_cli import cli

    catalogue = tmp_path / "c.sqlite3"
    assert cli("--catalogue", str(catalogue), "catalogue", "init").returncode == 0
    result = cli(
        "--catalogue", str(catalogue),
        "optout", "mail", "--smtp", f"127.0.0.1:{servers.smtp_port}",
        "--imap", f"127.0.0.1:{servers.imap_port}", "--user", mail.USER,
        "--from", mail.ADDRESS, "--password-stdin",
        input=mail.PASSWORD + "\n",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert re.search(r"Password:\s+kept in the system keyring", result.stdout)
    assert mail.PASSWORD.encode() not in catalogue.read_bytes()
    assert mail.PASSWORD in Path(os.environ["CREATORAPP_TEST_KEYRING"]).read_text()
    bad = cli("--catalogue", str(catalogue), "optout", "mail", "--smtp", "host:notaport")
    assert bad.returncode == 2 and "HOST:PORT" in bad.stderr


def test_servers_down_keep_the_letter_queued_and_the_items_as_they_were(path):
    own = mail.MailServers()  # these are stopped part-way, so not the shared ones
    try:
        o = optouts(path, own)
        dest = "reservation-notice:legal@ai.example"
        own.stop_smtp()
        report = o.submit(dest, URLS)
        assert "cannot send" in report.failed[0][1] and "retry later" in report.failed[0][1]
        sub = o.store.submissions(dest)[0]
        assert sub["state"] == "failed" and sub["next_attempt_at"]  # retried with backoff
        assert states(o, dest) == {"pending": 3}
        own.start_smtp(own.smtp_port)
        o.store.update_submission(sub["id"], next_attempt_at=None)
        [r] = o.send_queued()
        assert r.sent and states(o, dest) == {"submitted": 3}
        own.stop_imap()
        result = o.poll(force=True)
        assert "cannot reach" in result.errors[dest] and states(o, dest) == {"submitted": 3}
        assert o.store.submissions(dest)[0]["last_error"]
        o.store.close()
    finally:
        own.stop()


def test_letters_keep_to_the_destinations_pace_by_scheduling_not_waiting(path, servers):
    from datetime import UTC, datetime, timedelta

    o = optouts(path, servers)
    first = o.submit("reservation-notice:a@ai.example", URLS[:1])
    assert first.sent and not first.scheduled
    second = o.submit("reservation-notice:b@ai.example", URLS[1:2])  # 20 an hour: 3 min apart
    [(held, when)] = second.scheduled
    assert not second.sent and sent_to(servers, held["idempotency_key"]) == []
    wait = datetime.strptime(when, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
    assert timedelta(minutes=2) < wait - datetime.now(UTC) <= timedelta(minutes=3)
    assert o.send_queued()[0].sent == []  # not before its slot
    earlier = (datetime.now(UTC) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    o.store.update_submission(first.sent[0]["id"], sent_at=earlier)  # ten minutes later...
    o.store.update_submission(held["id"], next_attempt_at=None)
    [report] = o.send_queued()
    assert report.sent and len(sent_to(servers, held["idempotency_key"])) == 1
    o.store.close()
