"""Real mail servers on loopback: aiosmtpd for submission (STARTTLS required, AUTH required) and
Dovecot for IMAP (STARTTLS, a throwaway maildir), with one certificate authority (trustme) the
client is told to trust.

Mail the SMTP server accepts for the mailbox's own address is delivered into the IMAP mailbox
(by IMAP APPEND, so Dovecot owns its files), which is how a letter's copy to the sender and the
replies the tests write arrive where the app looks for them.
"""

from __future__ import annotations

import imaplib
import os
import pwd
import shutil
import signal
import ssl
import subprocess
import tempfile
import threading
import time
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from tests.servers.common import free_port
from tests.waiting import wait_until

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
USER, PASSWORD, ADDRESS = "jane", "mail-secret-789", "jane@jane.example"


def available() -> bool:
    return os.path.exists(DOVECOT)


class MailServers:
    def __init__(self) -> None:
        import trustme

        self.root = Path(tempfile.mkdtemp(prefix="creatorapp-mail-"))
        os.chmod(self.root, 0o755)  # Dovecot's own users must reach the mail folder
        ca = trustme.CA()
        cert = ca.issue_cert("127.0.0.1", "localhost")
        self.cafile = self.root / "ca.pem"
        ca.cert_pem.write_to_path(str(self.cafile))
        cert.private_key_pem.write_to_path(str(self.root / "key.pem"))
        chain = b"".join(blob.bytes() for blob in cert.cert_chain_pems)
        (self.root / "cert.pem").write_bytes(chain)
        self._server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        cert.configure_cert(self._server_tls)

        self.received: list[dict] = []  # every message the SMTP server accepted
        self.fail_after_accept = 0  # deliver, then answer 451 (the client cannot tell)
        self.refused: set[str] = set()
        self.lock = threading.Lock()
        self._start_imap()
        self.start_smtp()

    # --- IMAP (Dovecot) -------------------------------------------------------------------
    def _start_imap(self) -> None:
        self.imap_port = free_port()
        root = self.root
        for sub in ("run", "state", "mail"):
            (root / sub).mkdir()
        if os.geteuid() == 0:
            user = pwd.getpwnam("dovecot")
            uid, gid, own = user.pw_uid, user.pw_gid, ""
            os.chown(root / "mail", uid, gid)
        else:
            uid, gid = os.getuid(), os.getgid()
            me = pwd.getpwuid(uid).pw_name
            own = f"default_internal_user = {me}\ndefault_login_user = {me}\n"
        (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
        (root / "dovecot.conf").write_text(
            f"""base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <{root}/cert.pem
ssl_key = <{root}/key.pem
disable_plaintext_auth = yes
auth_mechanisms = plain login
first_valid_uid = 0
mail_location = maildir:{root}/mail/%u
{own}passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/mail/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap_port}
  }}
  inet_listener imaps {{
    port = 0
  }}
  chroot =
}}
service anvil {{
  chroot =
}}
"""
        )
        self.dovecot = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(root / "dovecot.conf")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        wait_until(lambda: self._imap_answers() or self.dovecot.poll() is not None, what="IMAP")
        if self.dovecot.poll() is not None:
            raise RuntimeError(f"dovecot did not start: {self.dovecot.stderr.read().decode()}")

    def _imap_answers(self) -> bool:
        try:
            with imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=2):
                return True
        except OSError:
            return False

    def _imap(self) -> imaplib.IMAP4:
        imap = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=10)
        imap.starttls(ssl_context=ssl.create_default_context(cafile=str(self.cafile)))
        imap.login(USER, PASSWORD)
        return imap

    def deliver(self, raw: bytes) -> None:
        """Put a message into the mailbox, as a mail server delivering it would."""
        imap = self._imap()
        try:
            status, _ = imap.append("INBOX", None, imaplib.Time2Internaldate(time.time()), raw)
            assert status == "OK"
        finally:
            imap.logout()

    def reply(
        self, to_message_id: str | None, subject: str, text: str, sender: str = "legal@ai.example"
    ) -> str:
        """An answer to a letter, threaded by In-Reply-To (or only by subject when a ticket
        system dropped the header)."""
        msg = EmailMessage()
        msg["From"] = sender
        msg["To"] = ADDRESS
        msg["Subject"] = subject
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain="ai.example")
        if to_message_id:
            msg["In-Reply-To"] = to_message_id
            msg["References"] = to_message_id
        msg.set_content(text)
        self.deliver(msg.as_bytes())
        return msg["Message-ID"]

    # --- SMTP (aiosmtpd) ------------------------------------------------------------------
    def start_smtp(self, port: int | None = None) -> None:
        """Start (or restart, on the same port) the submission server."""
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        outer = self

        def authenticate(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode()
            return AuthResult(success=ok, handled=False)

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, options):
                if address in outer.refused:
                    return "550 5.1.1 No such user here"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                with outer.lock:
                    outer.received.append(
                        {
                            "from": envelope.mail_from,
                            "to": list(envelope.rcpt_tos),
                            "raw": envelope.original_content or envelope.content,
                        }
                    )
                    fail = outer.fail_after_accept
                    outer.fail_after_accept = max(0, fail - 1)
                if ADDRESS in envelope.rcpt_tos:
                    await _in_thread(outer.deliver, envelope.original_content or envelope.content)
                return "451 4.3.0 Timeout, try again later" if fail else "250 Message accepted"

        self.smtp_port = port or free_port()
        self.smtp = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.smtp_port,
            tls_context=self._server_tls,
            require_starttls=True,
            auth_required=True,
            authenticator=authenticate,
            server_hostname="localhost",
        )
        self.smtp.start()
        self.smtp_running = True

    def stop_smtp(self) -> None:
        if self.smtp_running:
            self.smtp.stop()
            self.smtp_running = False

    def stop_imap(self) -> None:
        if self.dovecot.poll() is None:
            self.dovecot.send_signal(signal.SIGTERM)
            self.dovecot.wait(timeout=10)

    def stop(self) -> None:
        self.stop_smtp()
        self.stop_imap()
        shutil.rmtree(self.root, ignore_errors=True)

    def account(self) -> dict:
        return {
            "smtp_host": "127.0.0.1",
            "smtp_port": self.smtp_port,
            "imap_host": "127.0.0.1",
            "imap_port": self.imap_port,
            "username": USER,
            "from_address": ADDRESS,
        }


async def _in_thread(fn, *args):
    import asyncio

    return await asyncio.get_running_loop().run_in_executor(None, fn, *args)
