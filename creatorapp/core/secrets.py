"""The only place secrets are read or written: the operating system's keyring.

Passwords, tokens and API keys never go into the catalogue, settings, logs or error messages.
"""

from __future__ import annotations

from creatorapp.errors import UserError

SERVICE = "creatorapp"


class SecretError(UserError):
    """The keyring could not be used; the message says how to fix it."""


def _keyring():
    import keyring
    import keyring.errors

    return keyring, keyring.errors


def _key(kind: str, name: str) -> str:
    return f"{kind}:{name}"


def get(kind: str, name: str) -> str | None:
    """None when there is no such secret.  With no keyring on the system at all (a server
    without a desktop session) nothing can ever have been stored, since ``put`` refuses, so
    the answer is None too: publishing with a key file or to anonymous FTP still works there.
    A keyring that exists but cannot be read (locked, broken) is an error."""
    keyring, errors = _keyring()
    try:
        return keyring.get_password(SERVICE, _key(kind, name))
    except errors.NoKeyringError:
        return None
    except errors.KeyringError as exc:
        raise SecretError(f"the system keyring cannot be read ({type(exc).__name__})") from None


def put(kind: str, name: str, secret: str) -> None:
    keyring, errors = _keyring()
    try:
        keyring.set_password(SERVICE, _key(kind, name), secret)
    except errors.KeyringError as exc:
        raise SecretError(
            f"the system keyring cannot store the secret ({type(exc).__name__}); "
            "install and unlock a keyring (GNOME Keyring, KWallet, macOS Keychain, Windows "
            "Credential Manager)"
        ) from None


def forget(kind: str, name: str) -> None:
    keyring, errors = _keyring()
    try:
        keyring.delete_password(SERVICE, _key(kind, name))
    except errors.PasswordDeleteError:
        pass
    except errors.KeyringError as exc:
        raise SecretError(f"the system keyring cannot be changed ({type(exc).__name__})") from None
