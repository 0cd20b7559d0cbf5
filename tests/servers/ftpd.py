"""pyftpdlib on a free loopback port, plain or with TLS (explicit FTPS), in a thread."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path

from pyftpdlib.authorizers import DummyAuthorizer
from pyftpdlib.handlers import FTPHandler, TLS_FTPHandler
from pyftpdlib.servers import FTPServer

USER, PASSWORD = "jane", "s3cret-ftp"
READER, READER_PASSWORD = "reader", "read-only"


def make_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (also the CA file clients trust)."""
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not cert.exists():
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "2",
                "-subj",
                "/CN=127.0.0.1",
                "-addext",
                "subjectAltName=IP:127.0.0.1",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )
    return cert, key


class FtpServer:
    def __init__(self, root: Path, workdir: Path, *, tls: bool = True) -> None:
        authorizer = DummyAuthorizer()
        authorizer.add_user(USER, PASSWORD, str(root), perm="elradfmwMT")
        authorizer.add_user(READER, READER_PASSWORD, str(root), perm="elr")
        handler_base = TLS_FTPHandler if tls else FTPHandler
        handler = type("Handler", (handler_base,), {})
        handler.authorizer = authorizer
        handler.passive_ports = None
        if tls:
            self.cert, key = make_certificate(workdir)
            handler.certfile = str(self.cert)
            handler.keyfile = str(key)
            handler.tls_control_required = True
            handler.tls_data_required = True
        handler.banner = "test ftpd"
        handler.auth_failed_timeout = 0.05
        self.server = FTPServer(("127.0.0.1", 0), handler)
        self.port = self.server.socket.getsockname()[1]
        self._thread = threading.Thread(
            target=self.server.serve_forever, daemon=True, kwargs={"timeout": 0.2}
        )
        self._thread.start()

    def stop(self) -> None:
        # closed from inside the server's own loop: closing it from here while it polls makes
        # its thread fail with EBADF
        self.server.ioloop.call_later(0, self.server.close_all)
        self._thread.join(timeout=10)
