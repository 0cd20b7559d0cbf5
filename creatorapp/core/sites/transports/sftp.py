"""SFTP (paramiko).  The server's host key must be known: from the user's ``~/.ssh/known_hosts``
or from the app's own list, where a key only gets after the user confirmed its fingerprint
(:func:`trust`).  A changed key is refused, never accepted silently.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import hashlib
import io
import posixpath
import secrets as random
import socket
from collections.abc import Mapping
from pathlib import Path

from creatorapp.core.catalogue.location import data_dir
from creatorapp.core.sites.transports.base import (
    Capability,
    Problem,
    Transport,
    TransportError,
    clean_path,
    register,
)
from creatorapp.core.sites.transports.settings import Setting, Type

TIMEOUT = 20


def known_hosts_file() -> Path:
    return data_dir() / "known_hosts"


def fingerprint(key) -> str:
    """OpenSSH's form: SHA256:<base64 without padding>."""
    digest = hashlib.sha256(key.asbytes()).digest()
    return "SHA256:" + base64.b64encode(digest).decode().rstrip("=")


def _host_id(host: str, port: int) -> str:
    return host if port == 22 else f"[{host}]:{port}"


def server_key(host: str, port: int = 22):
    """The server's host key, fetched without logging in (for the user to confirm)."""
    import paramiko

    try:
        sock = socket.create_connection((host, port), timeout=TIMEOUT)
    except OSError as exc:
        raise TransportError(f"cannot reach {host}:{port} ({exc.strerror or exc})") from None
    transport = paramiko.Transport(sock)
    try:
        transport.start_client(timeout=TIMEOUT)
        return transport.get_remote_server_key()
    except (paramiko.SSHException, OSError) as exc:
        raise TransportError(f"{host}:{port} does not speak SSH ({exc})") from None
    finally:
        transport.close()


def trust(host: str, port: int, expected: str) -> str:
    """Add the server's key to the app's known hosts if its fingerprint is ``expected``."""
    import paramiko

    key = server_key(host, port)
    actual = fingerprint(key)
    if actual != expected:
        raise TransportError(
            f"the server's key is {actual}, not {expected}: nothing was trusted. "
            "Check the fingerprint with the server's administrator."
        )
    path = known_hosts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    keys = paramiko.HostKeys()
    if path.exists():
        keys.load(str(path))
    keys.add(_host_id(host, port), key.get_name(), key)
    keys.save(str(path))
    return actual


@register
class Sftp(Transport):
    KIND = "sftp"
    TITLE = "SFTP (SSH)"
    NOUN = "an SFTP site"
    RANK = 20
    SETTINGS = (
        Setting("host", "Server", help="the server's name or address", required=True,
                example="ssh.example.com"),
        Setting("port", "Port", Type.INT, "the server's SSH port", default=22, bounds=(1, 65535)),
        Setting("user", "User name", help="the user name to log in with", required=True),
        Setting("root", "Folder on the server", help="the site's document root on the server",
                required=True, example="/var/www/site"),
        Setting("key_file", "Private key", Type.PATH, "log in with this private key"),
        Setting("password", "Password", help="used when no private key is given", secret=True),
        Setting("key_passphrase", "Key passphrase", help="the private key's passphrase, if any",
                secret=True, vault="sftp-key"),
    )  # fmt: skip
    CAPABILITIES = frozenset({Capability.HOST_KEY})

    @classmethod
    def secret_setting(cls, settings: Mapping[str, object]) -> Setting | None:
        return cls.setting("key_passphrase" if settings.get("key_file") else "password")

    @classmethod
    def presented_key(cls, settings: Mapping[str, object]) -> tuple[str, str]:
        key = server_key(str(settings["host"]), int(settings.get("port") or 22))
        return key.get_name(), fingerprint(key)

    @classmethod
    def trust(cls, settings: Mapping[str, object], fingerprint: str) -> str:
        return trust(str(settings["host"]), int(settings.get("port") or 22), fingerprint)

    def __init__(
        self,
        *,
        host: str,
        user: str,
        root: str,
        port: int = 22,
        password: str | None = None,
        key_file: str | None = None,
        key_passphrase: str | None = None,
        known_hosts: Path | None = None,
    ) -> None:
        import paramiko

        self.host, self.port, self.root = host, port, root.rstrip("/") or "/"
        self._client = paramiko.SSHClient()
        with contextlib.suppress(OSError):
            self._client.load_system_host_keys()
        ours = known_hosts or known_hosts_file()
        if ours.exists():
            self._client.load_host_keys(str(ours))
        self._client.set_missing_host_key_policy(_Unknown())
        where = f"{host}:{port}"
        try:
            self._client.connect(
                host,
                port=port,
                username=user,
                password=password,
                key_filename=key_file,
                passphrase=key_passphrase,
                timeout=TIMEOUT,
                banner_timeout=TIMEOUT,
                auth_timeout=TIMEOUT,
                allow_agent=False,
                look_for_keys=False,
            )
            self._sftp = self._client.open_sftp()
            self._sftp.get_channel().settimeout(TIMEOUT)
        except _UnknownHost as exc:
            self._client.close()
            raise TransportError(
                f"the host key of {where} is not known ({exc.fingerprint}); nothing was sent",
                code=Problem.HOST_KEY_UNKNOWN,
                host=host,
                port=port,
                fingerprint=exc.fingerprint,
            ) from None
        except paramiko.BadHostKeyException as exc:
            self._client.close()
            raise TransportError(
                f"the host key of {where} has CHANGED (now {fingerprint(exc.key)}); nothing was "
                "sent. Someone may be intercepting the connection, or the server was reinstalled."
            ) from None
        except paramiko.AuthenticationException:
            self._client.close()
            raise TransportError(
                f"{where} refused the login: wrong user name, password or key"
            ) from None
        except (paramiko.SSHException, OSError, EOFError) as exc:
            self._client.close()
            reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
            raise TransportError(f"cannot connect to {where} ({reason})") from None

    def _remote(self, path: str) -> str:
        return posixpath.join(self.root, clean_path(path))

    def _fail(self, action: str, path: str, exc: Exception) -> TransportError:
        import paramiko

        link = self._client.get_transport()
        gone = link is None or not link.is_active()
        if gone or isinstance(
            exc, (EOFError, ConnectionError, paramiko.SSHException, socket.timeout)
        ):
            return TransportError(
                f"the connection to {self.host} dropped while {action} /{path}; "
                "the file on the site was left as it was"
            )
        if isinstance(exc, PermissionError) or getattr(exc, "errno", None) == errno.EACCES:
            return TransportError(f"the server does not allow {action} /{path} (permission denied)")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return TransportError(f"{action} /{path} on {self.host} failed ({reason})")

    def read(self, path: str) -> bytes | None:
        try:
            with self._sftp.open(self._remote(path), "rb") as handle:
                return handle.read()
        except FileNotFoundError:
            return None
        except (OSError, EOFError) as exc:
            if getattr(exc, "errno", None) == errno.ENOENT:
                return None
            raise self._fail("reading", path, exc) from None

    def _makedirs(self, folder: str) -> None:
        parts = []
        while folder not in ("", "/", self.root):
            parts.append(folder)
            folder = posixpath.dirname(folder)
        for part in reversed(parts):
            try:
                self._sftp.stat(part)
            except FileNotFoundError:
                self._sftp.mkdir(part)

    def write_atomic(self, path: str, data: bytes) -> None:
        target = self._remote(path)
        folder, name = posixpath.split(target)
        tmp = posixpath.join(folder, f".{name}.creatorapp-{random.token_hex(4)}.tmp")
        try:
            self._makedirs(folder)
            self._sftp.putfo(io.BytesIO(data), tmp, file_size=len(data), confirm=True)
            try:
                self._sftp.posix_rename(tmp, target)  # atomic replace (OpenSSH extension)
            except OSError:
                with contextlib.suppress(OSError):
                    self._sftp.remove(target)
                self._sftp.rename(tmp, target)
        except Exception as exc:  # OSError, EOFError, or paramiko's own on a drop
            with contextlib.suppress(Exception):
                self._sftp.remove(tmp)
            raise self._fail("writing", path, exc) from None

    def delete(self, path: str) -> None:
        try:
            self._sftp.remove(self._remote(path))
        except FileNotFoundError:
            pass
        except (OSError, EOFError) as exc:
            raise self._fail("deleting", path, exc) from None

    def close(self) -> None:
        self._client.close()


class _UnknownHost(Exception):
    def __init__(self, fingerprint: str) -> None:
        super().__init__(fingerprint)
        self.fingerprint = fingerprint


class _Unknown:
    """paramiko policy: an unknown host key stops the connection (and says its fingerprint)."""

    def missing_host_key(self, client, hostname, key) -> None:
        raise _UnknownHost(fingerprint(key))
