"""The only place secrets are read or written: the operating system's keyring, or, where there
is none (a NAS, a server, a minimal desktop, CI), a file encrypted with the creator's
passphrase (``secret_file``), never plain text.

Passwords, tokens, API keys and the signing key never go into the catalogue, settings, logs or
error messages.  The passphrase comes from ``CREATORAPP_PASSPHRASE``, else from whoever asks
for it (the window installs a dialog; the default asks on the terminal when there is one).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable
from pathlib import Path

from creatorapp.errors import UserError

SERVICE = "creatorapp"
PASSPHRASE_ENV = "CREATORAPP_PASSPHRASE"
FILE_NAME = "secrets.json"

# Backends the keyring library falls back to that keep nothing, or keep it in clear text:
# where one of them is all there is, secrets go to the encrypted file instead.
NO_KEYRING = frozenset(
    {
        "keyring.backends.fail.Keyring",
        "keyring.backends.null.Keyring",
        "keyrings.alt.file.PlaintextKeyring",
    }
)
KEYRINGS = "GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager"


class SecretError(UserError):
    """The keyring or the secret store could not be used; the message says how to fix it."""


class WrongPassphrase(SecretError):
    """The passphrase given does not unlock the secret store (nothing was changed)."""


# (store, new, again) -> the passphrase, or None when the person declined to give one
Asker = Callable[[Path, bool, bool], "str | None"]
_asker: Asker | None = None


def ask_with(asker: Asker | None) -> None:
    """How the passphrase is asked for when ``CREATORAPP_PASSPHRASE`` is not set; None: on
    the terminal, when there is one."""
    global _asker
    _asker = asker


def _keyring():
    import keyring
    import keyring.errors

    return keyring, keyring.errors


def _system_keyring():
    """The keyring backend to use, or None where the system has no usable one."""
    keyring, _ = _keyring()
    backend = keyring.get_keyring()
    kind = type(backend)
    return None if f"{kind.__module__}.{kind.__qualname__}" in NO_KEYRING else backend


def store():
    """The encrypted file, used where there is no keyring (and read wherever it exists)."""
    from creatorapp.core.catalogue.location import data_dir
    from creatorapp.core.secrets.file_store import SecretFile

    return SecretFile(data_dir() / FILE_NAME, _passphrase, _announce)


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def get(kind: str, name: str) -> str | None:
    """None when there is no such secret.  The keyring is asked first; then the encrypted
    file, if there is one (asking for its passphrase only when it holds this secret), so
    publishing with a key file or to anonymous FTP needs no passphrase.  A keyring that exists
    but cannot be read (locked, broken) is an error."""
    key = _key(kind, name)
    backend = _system_keyring()
    if backend is not None:
        _, errors = _keyring()
        try:
            value = backend.get_password(SERVICE, key)
        except errors.NoKeyringError:
            value = None
        except errors.KeyringError as exc:
            raise SecretError(f"the system keyring cannot be read ({type(exc).__name__})") from None
        if value is not None:
            return value
    return store().get(key)


def put(kind: str, name: str, secret: str) -> None:
    """Into the keyring; with no keyring, into the encrypted file (made the first time, and
    said so)."""
    key = _key(kind, name)
    backend = _system_keyring()
    if backend is not None:
        _, errors = _keyring()
        try:
            backend.set_password(SERVICE, key, secret)
        except errors.NoKeyringError:
            pass  # a backend that turned out to have no keyring behind it: the file
        except errors.KeyringError as exc:
            raise SecretError(
                f"the system keyring cannot store the secret ({type(exc).__name__}); "
                f"install and unlock a keyring ({KEYRINGS})"
            ) from None
        else:
            # an older copy kept while there was no keyring goes; a damaged file is left as it
            # is (the keyring's copy is the one found first)
            with contextlib.suppress(SecretError):
                store().forget(key)
            return
    store().put(key, secret)


def forget(kind: str, name: str) -> None:
    key = _key(kind, name)
    backend = _system_keyring()
    if backend is not None:
        _, errors = _keyring()
        try:
            backend.delete_password(SERVICE, key)
        except (errors.PasswordDeleteError, errors.NoKeyringError):
            pass
        except errors.KeyringError as exc:
            raise SecretError(
                f"the system keyring cannot be changed ({type(exc).__name__})"
            ) from None
    store().forget(key)


def kept_in(kind: str, name: str) -> str | None:
    """Where a secret is kept, in words, found without opening it; None when it is nowhere."""
    key = _key(kind, name)
    backend = _system_keyring()
    if backend is not None:
        _, errors = _keyring()
        try:
            if backend.get_password(SERVICE, key) is not None:
                return "the system keyring"
        except errors.KeyringError:
            pass
    secret_file = store()
    if key in secret_file.names():
        return f"{secret_file.path}, encrypted with your passphrase"
    return None


def unlock() -> bool:
    """Ask for the passphrase now, where the secrets are in the encrypted file: the threads
    that sign and publish later cannot ask.  False when there is nothing to unlock."""
    return _system_keyring() is None and store().unlock()


def _env_passphrase() -> str | None:
    return os.environ.get(PASSPHRASE_ENV) or None


def _terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (OSError, ValueError):
        return False


def _passphrase(path: Path, new: bool, again: bool) -> str:
    """The store's passphrase: the environment's, else asked for; a clear error when neither
    can be had."""
    given = _env_passphrase()
    if given is not None:
        if again:
            raise WrongPassphrase(
                f"{PASSPHRASE_ENV} does not unlock the secrets in {path}; nothing was changed"
            )
        return given
    if _asker is None and not _terminal():
        if new:
            raise SecretError(
                f"there is no system keyring here, so secrets are kept encrypted in {path}: "
                f"set {PASSPHRASE_ENV} to the passphrase that protects them, or run this in a "
                f"terminal to be asked for it (or install and unlock a keyring: {KEYRINGS})"
            )
        raise SecretError(
            f"the secrets in {path} are locked: set {PASSPHRASE_ENV} to their passphrase, or "
            "run this in a terminal to be asked for it"
        )
    answer = (_asker or _ask_on_terminal)(path, new, again)
    if not answer:
        raise SecretError(f"no passphrase was given, so the secrets in {path} stay locked")
    return answer


def _ask_on_terminal(path: Path, new: bool, again: bool) -> str | None:
    import getpass

    try:
        if not new:
            prompt = "Wrong passphrase, try again: " if again else f"Passphrase for {path}: "
            return getpass.getpass(prompt)
        print(
            "No system keyring here: secrets are kept encrypted in "
            f"{path}, unlocked with your passphrase.",
            file=sys.stderr,
        )
        first = getpass.getpass("Choose a passphrase: ")
        if first and getpass.getpass("The same passphrase again: ") != first:
            raise SecretError("the two passphrases differ; nothing was stored")
        return first
    except EOFError:
        return None


def _announce(path: Path) -> None:
    """Said when the store is made: where the secrets went and what unlocks them.  A prompt
    says it itself; a passphrase from the environment makes none, so it is said here."""
    if _env_passphrase() is None:
        return
    print(
        f"No system keyring here: secrets are kept encrypted in {path}, unlocked with your "
        f"passphrase ({PASSPHRASE_ENV}).",
        file=sys.stderr,
    )
