"""Letters by email (registries.md §13a): SMTP with STARTTLS, replies found over IMAP.

Each letter has a Message-ID made from its idempotency key and the key in its subject
("[cr-…]"), because ticket systems often rewrite Message-ID and References.  A copy goes to the
sender's own mailbox, which is how a retry after a lost connection finds the letter instead of
sending it twice.  Replies (``UID SEARCH HEADER In-Reply-To``, or the key in the subject) move the
items to ``acknowledged``; the raw ``.eml`` of the letter and of every reply is kept as evidence.
Whether a reply means "done" or "no" is the creator's call: mail has no structured answer.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import json
import ssl
from email.message import EmailMessage
from email.utils import formataddr, formatdate
from typing import ClassVar

from creatorapp.core.optouts import evidence, letters, settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Outcome, Sent
from creatorapp.core.optouts.http import RegistryError
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.settings import MailAccount


class EmailLetter(Adapter):
    kind: ClassVar[str] = "email"
    submit_mode: ClassVar[str] = "email"
    status_mode: ClassVar[str] = "imap_thread"
    settings = settings.MAIL  # one account for every letter; the password under its login
    capabilities = Capabilities(finds_earlier=True, answers_in_words=True, poll_schedule=("1h",))
    last_etag: str | None = None
    _imap = None

    @property
    def account(self) -> MailAccount:
        account = MailAccount.from_stored(self.options.get("mail"))  # type: ignore[arg-type]
        if account is None:
            raise RegistryError(
                "no mail account set up (the one letters are sent from and replies arrive at)",
                retryable=False,
                hint=self.set_up_hint(*(s.name for s in settings.MAIL.settings if s.required)),
            )
        return account

    def _no_password(self, account: MailAccount) -> RegistryError:
        return RegistryError(
            f"no password for {account.username} in the keyring",
            retryable=False,
            hint=self.set_up_hint("password"),
        )

    @property
    def recipient(self) -> str:
        if self.descriptor.scope == "recipient":
            to = self.context.scope or ""
        else:
            to = self.descriptor.recipient or ""
        if "@" not in to or any(c in to for c in " <>,;\r\n"):
            raise RegistryError(f"{to!r} is not an email address", retryable=False)
        return to

    def _tls(self) -> ssl.SSLContext:
        cafile = self.options.get("cafile")
        return ssl.create_default_context(cafile=str(cafile) if cafile else None)

    def _letter(self, targets: list[str], key: str, *, preview: bool) -> letters.Written:
        return letters.write(
            letters.load(self.descriptor.letter or "dsm-4-3"),
            self.context.contact,
            targets,
            key,
            context={"dataset": self.context.scope or ""},
            sworn=self.context.sworn,
            preview=preview,
        )

    def message_id(self, key: str) -> str:
        domain = self.account.from_address.rsplit("@", 1)[-1]
        return f"<{key}@{domain}>"

    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        preview = self.options.get("dry_run", False)
        written = self._letter(targets, key, preview=bool(preview))
        try:
            account = self.account
            sender = account.from_address
        except RegistryError:
            if not preview:
                raise
            account, sender = None, "[your mail account]"
        number, count = part
        subject = written.subject
        if count > 1:
            subject = subject.replace(f"[{key}]", f"(part {number}/{count}) [{key}]")
        return {
            "to": self.recipient,
            "from": sender,
            "subject": subject,
            "message_id": self.message_id(key) if account else f"<{key}@…>",
            "text": written.text,
            "sworn_statements": written.sworn_included,
        }

    def _message(self, payload: dict, key: str) -> EmailMessage:
        account = self.account
        msg = EmailMessage(policy=email.policy.SMTP)
        msg["From"] = formataddr((self.context.contact.name, account.from_address))
        msg["To"] = payload["to"]
        msg["Subject"] = payload["subject"]
        msg["Date"] = formatdate(localtime=False, usegmt=True)
        msg["Message-ID"] = self.message_id(key)
        msg["X-Creator-Reserve-Reference"] = key
        msg.set_content(payload["text"])
        return msg

    def send(self, payload: dict, key: str) -> Sent:
        import smtplib

        account = self.account
        if not self.secret:
            raise self._no_password(account)
        msg = self._message(payload, key)
        raw = msg.as_bytes()
        try:
            with smtplib.SMTP(account.smtp_host, account.smtp_port, timeout=60) as smtp:
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    raise RegistryError(
                        f"{account.smtp_host} does not offer STARTTLS; letters are never sent "
                        "unencrypted",
                        retryable=False,
                    )
                smtp.starttls(context=self._tls())
                smtp.ehlo()
                smtp.login(account.username, self.secret)
                self._transmit(smtp, raw, payload["to"], account.from_address)
        except smtplib.SMTPAuthenticationError:
            raise RegistryError(
                f"the mail server refused the login for {account.username} (wrong or expired "
                "password)",
                retryable=False,
                hint=self.set_up_hint("password"),
            ) from None
        except smtplib.SMTPRecipientsRefused as exc:
            refused = ", ".join(exc.recipients)
            raise RegistryError(f"the mail server refused {refused}", retryable=False) from None
        except smtplib.SMTPDataError as exc:
            raise RegistryError(
                f"the mail server did not take the letter ({exc.smtp_code} "
                f"{exc.smtp_error.decode(errors='replace')}); will retry later"
            ) from None
        except ssl.SSLError as exc:
            raise RegistryError(
                f"the mail server's certificate is not trusted ({exc.reason})", retryable=False
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise RegistryError(
                f"cannot send through {account.smtp_host}:{account.smtp_port} ({exc}); "
                "will retry later"
            ) from None
        kept = evidence.keep(raw, ".eml")
        return Sent(
            state=ItemState.SUBMITTED,
            remote_ref=self.message_id(key),
            remote_url=f"mailto:{payload['to']}",
            evidence={
                "message_id": self.message_id(key),
                "to": payload["to"],
                "subject": payload["subject"],
                "eml": kept,
                "sworn_statements": payload.get("sworn_statements", False),
            },
        )

    @staticmethod
    def _transmit(smtp, raw: bytes, to: str, copy_to: str) -> None:
        """The recipient first: only if the server takes it does the copy to the sender go too
        (the copy is how a retry finds the letter, so it must never exist alone)."""
        import smtplib

        code, reply = smtp.mail(copy_to)
        if code != 250:
            smtp.rset()
            raise smtplib.SMTPSenderRefused(code, reply, copy_to)
        code, reply = smtp.rcpt(to)
        if code not in (250, 251):
            smtp.rset()
            raise smtplib.SMTPRecipientsRefused({to: (code, reply)})
        smtp.rcpt(copy_to)  # no copy is no reason to hold the letter back
        code, reply = smtp.data(raw)
        if code != 250:
            raise smtplib.SMTPDataError(code, reply)

    # --- the mailbox ----------------------------------------------------------------------
    def _mailbox(self):
        import imaplib

        if self._imap is None:
            account = self.account
            if not self.secret:
                raise self._no_password(account)
            try:
                imap = imaplib.IMAP4(account.imap_host, account.imap_port, timeout=60)
                imap.starttls(ssl_context=self._tls())
                imap.login(account.username, self.secret)
                imap.select("INBOX", readonly=True)
            except imaplib.IMAP4.error as exc:
                text = str(exc)
                if "auth" in text.lower() or "login" in text.lower():
                    raise RegistryError(
                        f"the mail server refused the login for {account.username} (wrong or "
                        "expired password)",
                        retryable=False,
                        hint=self.set_up_hint("password"),
                    ) from None
                raise RegistryError(
                    f"the mailbox refused us ({text[:120]}); will retry later"
                ) from None
            except ssl.SSLError as exc:
                raise RegistryError(
                    f"the IMAP server's certificate is not trusted ({exc.reason})",
                    retryable=False,
                ) from None
            except OSError as exc:
                raise RegistryError(
                    f"cannot reach {account.imap_host}:{account.imap_port} ({exc}); "
                    "will retry later"
                ) from None
            self._imap = imap
        return self._imap

    def _search(self, *criteria: str) -> list[bytes]:
        import imaplib

        try:
            status, data = self._mailbox().uid("SEARCH", *criteria)
        except (imaplib.IMAP4.error, OSError) as exc:
            self.close()
            raise RegistryError(f"the mailbox search failed ({exc}); will retry later") from None
        if status != "OK":
            raise RegistryError(f"the mailbox search failed ({status}); will retry later")
        return data[0].split() if data and data[0] else []

    def _fetch(self, uid: bytes) -> bytes:
        import imaplib

        try:
            _status, data = self._mailbox().uid("FETCH", uid, "(BODY.PEEK[])")
        except (imaplib.IMAP4.error, OSError) as exc:
            self.close()
            raise RegistryError(f"reading a reply failed ({exc}); will retry later") from None
        for part in data or []:
            if isinstance(part, tuple) and len(part) == 2:
                return part[1]
        raise RegistryError(f"the mailbox gave no message for UID {uid.decode()}")

    def find(self, key: str) -> Sent | None:
        """Our own copy of the letter, if a send got through before the connection was lost."""
        msgid = self.message_id(key)
        for uid in self._search("HEADER", "Message-ID", _quote(msgid)):
            raw = self._fetch(uid)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            if parsed["Message-ID"] == msgid:
                return Sent(
                    state=ItemState.SUBMITTED,
                    remote_ref=msgid,
                    remote_url=f"mailto:{parsed['To']}",
                    evidence={
                        "message_id": msgid,
                        "eml": evidence.keep(raw, ".eml"),
                        "found_existing": True,
                    },
                )
        return None

    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        msgid = submission["remote_ref"]
        key = submission["idempotency_key"]
        seen = set(json.loads(submission.get("etag") or "[]"))
        uids = set(self._search("HEADER", "In-Reply-To", _quote(msgid)))
        uids |= set(self._search("SUBJECT", _quote(f"[{key}]")))
        replies = []
        for uid in sorted(uids, key=int):
            raw = self._fetch(uid)
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            reply_id = parsed["Message-ID"] or f"uid-{uid.decode()}"
            if reply_id == msgid or reply_id in seen:
                continue  # our own copy, or a reply recorded before
            seen.add(reply_id)
            replies.append(
                {
                    "key": key,
                    "message_id": reply_id,
                    "from": str(parsed["From"] or ""),
                    "subject": str(parsed["Subject"] or ""),
                    "date": str(parsed["Date"] or ""),
                    "eml": evidence.keep(raw, ".eml"),
                }
            )
        self.received.extend(replies)
        self.last_etag = json.dumps(sorted(seen)) if replies else None
        if not replies:
            return []
        sender = replies[0]["from"]
        return [
            Outcome(i["id"], ItemState.ACKNOWLEDGED, f"reply from {sender}")
            for i in items
            if i["state"] != ItemState.ACKNOWLEDGED.value
        ]

    def close(self) -> None:
        if self._imap is not None:
            with contextlib.suppress(Exception):  # a dead connection is closed either way
                self._imap.logout()
            self._imap = None


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
