"""Secrets with no keyring on the system, and with one that fails."""

from __future__ import annotations

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from creatorapp.core import secrets


class Locked(KeyringBackend):
    priority = 1

    def get_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")

    def set_password(self, service, username, password):
        raise keyring.errors.KeyringLocked("locked")

    def delete_password(self, service, username):
        raise keyring.errors.KeyringLocked("locked")


def test_without_any_keyring_nothing_is_stored_and_nothing_is_found():
    keyring.set_keyring(fail.Keyring())
    assert secrets.get("sftp-key", "jane") is None
    with pytest.raises(secrets.SecretError, match="install and unlock a keyring"):
        secrets.put("sftp", "jane", "hunter2")


def test_a_keyring_that_cannot_be_read_is_an_error_not_a_missing_secret():
    keyring.set_keyring(Locked())
    with pytest.raises(secrets.SecretError, match=r"cannot be read \(KeyringLocked\)"):
        secrets.get("sftp", "jane")
