"""FTP, with TLS (explicit FTPS) unless the user turns it off for a server that has none.

Files are stored under a temporary name and renamed into place.  The server's certificate is
checked against the system's trust store, or a CA file given for the site.
"""

from __future__ import annotations

import contextlib
import ftplib
import io
import posixpath
import secrets as random
import socket
import ssl

from creatorapp.core.sites.transports.base import Transport, TransportError, clean_path, register
from creatorapp.core.sites.transports.settings import Setting, Type

TIMEOUT = 20


@register
class Ftp(Transport):
    KIND = "ftp"
    TITLE = "FTP with TLS"
    NOUN = "an FTP site"
    RANK = 30
    SETTINGS = (
        Setting("host", "Server", help="the server's name or address", required=True,
                example="ftp.example.com"),
        Setting("port", "Port", Type.INT, "the server's FTP port", default=21, bounds=(1, 65535)),
        Setting("user", "User name", help="the user name to log in with", required=True),
        Setting("root", "Folder on the server", help="the site's document root on the server",
                required=True, example="/public_html"),
        Setting("tls", "Use TLS", Type.BOOL, "TLS encrypts the connection; without it the "
                "password travels in clear", default=True),
        Setting("ca_file", "CA certificate", Type.PATH, "trust this CA (PEM) for the server"),
        Setting("password", "Password", secret=True),
    )  # fmt: skip

    def __init__(
        self,
        *,
        host: str,
        user: str,
        root: str,
        password: str = "",
        port: int = 21,
        tls: bool = True,
        ca_file: str | None = None,
    ) -> None:
        self.host, self.root = host, "/" + root.strip("/") if root.strip("/") else "/"
        where = f"{host}:{port}"
        if tls:
            context = ssl.create_default_context(cafile=ca_file)
            self._ftp: ftplib.FTP = ftplib.FTP_TLS(context=context, timeout=TIMEOUT)
        else:
            self._ftp = ftplib.FTP(timeout=TIMEOUT)
        try:
            self._ftp.connect(host, port)
            self._ftp.login(user, password)
            if tls:
                self._ftp.prot_p()  # encrypt the data connections too
        except ftplib.error_perm as exc:
            self._abandon()
            if str(exc).startswith("530"):
                raise TransportError(
                    f"{where} refused the login: wrong user name or password"
                ) from None
            raise TransportError(f"{where} refused: {exc}") from None
        except ssl.SSLCertVerificationError as exc:
            self._abandon()
            raise TransportError(
                f"the TLS certificate of {where} cannot be trusted ({exc.verify_message}); "
                "nothing was sent"
            ) from None
        except (OSError, EOFError, ftplib.Error) as exc:
            self._abandon()
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise TransportError(f"cannot connect to {where} ({reason})") from None

    def _abandon(self) -> None:
        with contextlib.suppress(Exception):
            self._ftp.close()

    def _remote(self, path: str) -> str:
        return posixpath.join(self.root, clean_path(path))

    def _fail(self, action: str, path: str, exc: Exception) -> TransportError:
        text = str(exc)
        if text[:3] in ("550", "553", "532", "450") and action != "reading":
            return TransportError(
                f"the server does not allow {action} /{path} (permission denied: {text})"
            )
        if isinstance(exc, (EOFError, ConnectionError, socket.timeout)):
            return TransportError(f"the connection to {self.host} dropped while {action} /{path}")
        return TransportError(f"{action} /{path} on {self.host} failed ({text or exc!r})")

    def read(self, path: str) -> bytes | None:
        buffer = io.BytesIO()
        try:
            self._ftp.retrbinary(f"RETR {self._remote(path)}", buffer.write)
        except ftplib.error_perm as exc:
            if str(exc).startswith("550"):
                return None
            raise self._fail("reading", path, exc) from None
        except (OSError, EOFError, ftplib.Error) as exc:
            raise self._fail("reading", path, exc) from None
        return buffer.getvalue()

    def _makedirs(self, folder: str) -> None:
        current = ""
        for part in folder.strip("/").split("/"):
            if not part:
                continue
            current += "/" + part
            with contextlib.suppress(ftplib.error_perm):  # exists already
                self._ftp.mkd(current)

    def write_atomic(self, path: str, data: bytes) -> None:
        target = self._remote(path)
        folder, name = posixpath.split(target)
        tmp = posixpath.join(folder, f".{name}.creatorapp-{random.token_hex(4)}.tmp")
        try:
            self._makedirs(folder)
            self._ftp.storbinary(f"STOR {tmp}", io.BytesIO(data))
            try:
                self._ftp.rename(tmp, target)
            except ftplib.error_perm:  # servers that will not rename over a file
                with contextlib.suppress(ftplib.error_perm):
                    self._ftp.delete(target)
                self._ftp.rename(tmp, target)
        except (OSError, EOFError, ftplib.Error) as exc:
            with contextlib.suppress(Exception):
                self._ftp.delete(tmp)
            raise self._fail("writing", path, exc) from None

    def delete(self, path: str) -> None:
        try:
            self._ftp.delete(self._remote(path))
        except ftplib.error_perm as exc:
            if not str(exc).startswith("550"):
                raise self._fail("deleting", path, exc) from None
        except (OSError, EOFError, ftplib.Error) as exc:
            raise self._fail("deleting", path, exc) from None

    def close(self) -> None:
        try:
            self._ftp.quit()
        except Exception:
            self._abandon()
