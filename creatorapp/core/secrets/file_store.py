"""Secrets kept in an encrypted file, where the system has no keyring to keep them (a NAS, a
server, a minimal desktop, CI).

One JSON file, readable by its owner only.  Each value is sealed with AES-256-GCM under a key
that scrypt derives from the creator's passphrase and the file's random salt; the entry's name
is sealed with it (associated data), so a value cannot be moved to another name unnoticed.
Names stay readable (a site's name, a mail account's user name: the settings hold them too) so
that asking for a secret that was never stored needs no passphrase, and publishing to
anonymous FTP or with a key file keeps working unattended.  A check value sealed the same way
tells a wrong passphrase apart before anything is written: a store is never extended under a
second passphrase, which would leave entries nobody can open.

Every change is written to a new file beside the store, flushed, and put in place with one
rename, under a lock held from the read to the rename: a crash or a second process leaves the
old store or the new one, never a mixture.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import errno
import json
import os
import secrets as random
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path

from creatorapp.core.catalogue.location import private_folder
from creatorapp.core.secrets import SecretError, WrongPassphrase

try:
    import fcntl
except ImportError:  # Windows, which always has a keyring (Credential Manager)
    fcntl = None  # type: ignore[assignment]

FORMAT = "creatorapp-secrets"
VERSION = 1
_CHECK = b"creatorapp secrets: the passphrase is right"
_CHECK_NAME = "\0check"  # sealed under a name no secret has
_SCRYPT = {"n": 2**15, "r": 8, "p": 1}  # 32 MiB and about a tenth of a second per unlock
_MAX_MEMORY = 256 * 2**20  # what a store may make scrypt use: a damaged file must not exhaust RAM
_TRIES = 3  # passphrases asked for before giving up (only a person at a prompt gets more than one)

# (store, new store, asked again after a wrong one) -> the passphrase; raises SecretError
# when there is none to be had
Ask = Callable[[Path, bool, bool], str]

_keys: dict[tuple[str, str], bytes] = {}  # (store, salt) -> derived key: one unlock per process


def forget_keys() -> None:
    """Drop every key this process derived (the next use asks for the passphrase again)."""
    _keys.clear()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ValueError("not text")
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(passphrase: str, salt: bytes, kdf: dict) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    text = unicodedata.normalize("NFC", passphrase)  # the same words typed on another system
    return Scrypt(salt=salt, length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(text.encode())


def _aad(name: str) -> bytes:
    return f"{FORMAT}/{VERSION}\0{name}".encode()


def _seal(key: bytes, name: str, value: bytes) -> str:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = random.token_bytes(12)
    return _b64(nonce + AESGCM(key).encrypt(nonce, value, _aad(name)))


def _open(key: bytes, name: str, sealed: str) -> bytes | None:
    """The value, or None when this key does not open it."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        raw = _unb64(sealed)
        return AESGCM(key).decrypt(raw[:12], raw[12:], _aad(name))
    except (InvalidTag, ValueError, binascii.Error):
        return None


class SecretFile:
    """The encrypted store at ``path``.  ``ask`` is called only when a value has to be opened
    or written, never to learn that a name is absent."""

    def __init__(self, path: Path, ask: Ask, announce: Callable[[Path], None] | None = None):
        self.path = Path(path)
        self._ask = ask
        self._announce = announce

    # reading ------------------------------------------------------------------------------

    def exists(self) -> bool:
        return os.path.lexists(self.path)

    def names(self) -> set[str]:
        doc = self._read()
        return set(doc["entries"]) if doc else set()

    def get(self, name: str) -> str | None:
        doc = self._read()
        if doc is None or name not in doc["entries"]:
            return None
        value = _open(self._key(doc), name, doc["entries"][name])
        if value is None:
            raise SecretError(
                f"the secret {name!r} in {self.path} is damaged and cannot be read; store it again"
            )
        return value.decode("utf-8")

    def unlock(self) -> bool:
        """Ask for the passphrase now, if there is a store and it is still locked (a window
        does this once on its own thread; the threads that sign or publish later cannot
        ask).  False when there is no store yet."""
        doc = self._read()
        if doc is None:
            return False
        self._key(doc)
        return True

    # writing ------------------------------------------------------------------------------

    def put(self, name: str, value: str) -> None:
        fresh = None if self.exists() else self._new()
        if fresh is not None:  # asked for before anything is made: a refusal leaves no trace
            self._key(fresh, new=True)
        with self._locked():
            doc = self._read()
            created = doc is None
            if doc is None:
                doc = fresh if fresh is not None else self._new()
                key = self._key(doc, new=fresh is None)
            else:  # including one another process made meanwhile: its passphrase, then
                key = self._key(doc)
            doc["entries"][name] = _seal(key, name, value.encode("utf-8"))
            self._write(doc)
        if created and self._announce is not None:
            self._announce(self.path)

    def forget(self, name: str) -> None:
        """Removing a value needs no passphrase: whoever may write the file may delete it."""
        if not self.exists():
            return
        with self._locked():
            doc = self._read()
            if doc is None or doc["entries"].pop(name, None) is None:
                return
            self._write(doc)

    # the file -----------------------------------------------------------------------------

    def _new(self) -> dict:
        return {
            "format": FORMAT,
            "version": VERSION,
            "kdf": {"name": "scrypt", "salt": _b64(random.token_bytes(16)), **_SCRYPT},
            "check": "",  # sealed once the passphrase is known
            "entries": {},
        }

    def _key(self, doc: dict, *, new: bool = False) -> bytes:
        kdf = doc["kdf"]
        cached = (str(self.path.absolute()), kdf["salt"])
        salt = _unb64(kdf["salt"])
        if new:
            key = _derive(self._ask(self.path, True, False), salt, kdf)
            doc["check"] = _seal(key, _CHECK_NAME, _CHECK)
            _keys[cached] = key
            return key
        key = _keys.get(cached)
        if key is not None and _open(key, _CHECK_NAME, doc["check"]) == _CHECK:
            return key
        for attempt in range(_TRIES):
            key = _derive(self._ask(self.path, False, attempt > 0), salt, kdf)
            if _open(key, _CHECK_NAME, doc["check"]) == _CHECK:
                _keys[cached] = key
                return key
        raise WrongPassphrase(
            f"the passphrase does not unlock the secrets in {self.path}; nothing was changed"
        )

    def _read(self) -> dict | None:
        """The store, checked; None when there is none.  A link is refused, never followed:
        whoever points it elsewhere would have the next write land there."""
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        if not hasattr(os, "O_NOFOLLOW") and os.path.islink(self.path):
            raise self._link()
        try:
            fd = os.open(self.path, flags)
        except FileNotFoundError:
            return None
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise self._link() from None
            raise SecretError(f"cannot read {self.path} ({exc.strerror})") from None
        with open(fd, "rb") as handle:
            raw = handle.read()
        try:
            return _checked(json.loads(raw))
        except (ValueError, KeyError, TypeError, binascii.Error) as exc:
            what = (
                "was made by a newer version of this app"
                if isinstance(exc, _Newer)
                else "is damaged"
            )
            raise SecretError(f"{self.path} {what} ({exc}); it was left as it is") from None

    def _link(self) -> SecretError:
        return SecretError(f"{self.path} is a symbolic link; secrets are not kept through one")

    def _write(self, doc: dict) -> None:
        data = (json.dumps(doc, indent=1, sort_keys=True) + "\n").encode("ascii")
        _checked(json.loads(data))  # what goes to disk reads back as a store
        private_folder(self.path.parent)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}-{random.token_hex(4)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(tmp, flags | getattr(os, "O_BINARY", 0), 0o600)
        except OSError as exc:
            raise SecretError(f"cannot write {self.path} ({exc.strerror})") from None
        try:
            with open(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise SecretError(
                f"cannot write {self.path} ({exc.strerror}); it is unchanged"
            ) from None
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        _sync_folder(self.path.parent)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One writer at a time across processes, from the read to the rename.  Temporary
        files found while holding the lock belong to a writer that died: they are removed."""
        if fcntl is None:
            yield
            return
        private_folder(self.path.parent)
        lock = self.path.with_name(self.path.name + ".lock")
        flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        try:
            fd = os.open(lock, flags, 0o600)
        except OSError as exc:
            raise SecretError(f"cannot lock {self.path} ({exc.strerror})") from None
        try:
            with contextlib.suppress(OSError):  # a filesystem that keeps no locks
                fcntl.flock(fd, fcntl.LOCK_EX)
            for stale in self.path.parent.glob(f".{self.path.name}.*.tmp"):
                with contextlib.suppress(OSError):
                    stale.unlink()
            yield
        finally:
            os.close(fd)


class _Newer(ValueError):
    pass


def _checked(doc: object) -> dict:
    """The store's structure, or ValueError/KeyError/TypeError saying what is wrong."""
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError("not a Creator Reserve secret store")
    if doc.get("version") != VERSION:
        if isinstance(doc.get("version"), int) and doc["version"] > VERSION:
            raise _Newer(f"format version {doc['version']}")
        raise ValueError(f"unknown format version {doc.get('version')!r}")
    kdf = doc["kdf"]
    if kdf["name"] != "scrypt" or len(_unb64(kdf["salt"])) < 16:
        raise ValueError("unknown key derivation")
    n, r, p = (kdf[k] for k in ("n", "r", "p"))
    if not all(type(v) is int and v > 0 for v in (n, r, p)) or n & (n - 1) or n < 2**14:
        raise ValueError("scrypt parameters out of range")
    if 128 * n * r * p > _MAX_MEMORY:
        raise ValueError("scrypt parameters out of range")
    if len(_unb64(doc["check"])) < 12 + 16:
        raise ValueError("no passphrase check")
    entries = doc["entries"]
    if not isinstance(entries, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in entries.items()
    ):
        raise ValueError("entries are not name: value pairs")
    return doc


def _sync_folder(folder: Path) -> None:
    """The rename itself reaches the disk (POSIX; Windows has no folder handles to flush)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
