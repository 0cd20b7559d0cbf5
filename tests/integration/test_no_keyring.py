"""Secrets and signing on a machine with no keyring at all (a NAS, a server, CI): every secret
goes to a file encrypted with the creator's passphrase, the whole signing path works, and the
key is never on disk unencrypted.  Before this, ``identity create`` failed there with
``the system keyring cannot store the secret (NoKeyringError)`` and nothing could be signed."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import select
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from creatorapp.core import secrets
from creatorapp.core.proof import identity
from creatorapp.core.secrets import file_store as secret_file
from creatorapp.core.works.tagging import SMALL_BATCH
from tests.conftest import make_jpeg, make_png
from tests.integration.test_c2pa import _reader_state
from tests.integration.test_cli import cli

PASSPHRASE = "correct horse battery staple"


def _data() -> Path:
    return Path(os.environ["CREATORAPP_DATA_DIR"])


def _store() -> Path:
    return _data() / secrets.FILE_NAME


def _run(*args: str, passphrase: str | None = PASSPHRASE) -> subprocess.CompletedProcess:
    """The CLI with standard input that is no terminal, and the passphrase if given."""
    env = {"CREATORAPP_PASSPHRASE": passphrase} if passphrase is not None else {}
    return cli(*args, env=env, input="")


def _one_line_error(run: subprocess.CompletedProcess) -> str:
    assert run.returncode == 2, (run.returncode, run.stdout, run.stderr)
    assert "Traceback" not in run.stderr
    [line] = run.stderr.strip().splitlines()
    assert line.startswith("creatorapp: error: ")
    return line


def _key_fingerprints(key_pem: bytes) -> list[bytes]:
    """What of the key could be found on disk: its PEM, its DER, its base64 body and the
    private number itself."""
    from cryptography.hazmat.primitives import serialization

    key = serialization.load_pem_private_key(key_pem, None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    scalar = key.private_numbers().private_value.to_bytes(32, "big")
    return [key_pem, der, base64.b64encode(der)[:40], scalar, scalar.hex().encode()]


def _every_file(*folders: Path):
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and not path.is_symlink():
                yield path


# --- the whole path through the command line -----------------------------------------------


def test_identity_create_then_tag_c2pa_with_no_keyring_at_all(tmp_path, no_keyring, monkeypatch):
    photos = tmp_path / "photos"
    photos.mkdir()
    works = [make_png(photos / "b.png")] + [
        make_jpeg(photos / f"w{i}.jpg", seed=i) for i in range(9)
    ]
    assert len(works) > SMALL_BATCH  # signed in worker processes
    made = _run("identity", "create", "--name", "Jane Doe")
    assert made.returncode == 0, made.stderr
    # said plainly, once, where the secrets are and what unlocks them
    assert made.stderr.count("No system keyring here") == 1
    assert str(_store()) in made.stderr and "CREATORAPP_PASSPHRASE" in made.stderr
    assert f"kept only in {_store()}, encrypted with your passphrase" in made.stdout
    assert stat.S_IMODE(_store().stat().st_mode) == 0o600
    assert not Path(os.environ["CREATORAPP_TEST_KEYRING"]).exists()  # no keyring was used

    run = _run("tag", str(photos), "--c2pa", "--jobs", "2", "--json")
    assert run.returncode == 0, run.stderr
    assert {json.loads(x)["status"] for x in run.stdout.splitlines()} == {"tagged"}
    ca = (_data() / "identity" / "ca.pem").read_bytes()
    for work in works:  # c2pa-python's own Reader finds the manifest, signed by this identity
        state, labels = _reader_state(work, ca)
        assert state == "Trusted"
        assert {"cawg.training-mining", "c2pa.training-mining"} <= set(labels)

    monkeypatch.setenv("CREATORAPP_PASSPHRASE", PASSPHRASE)
    key_pem = identity.load().key_pem  # read back here too, through the same store
    assert b"PRIVATE KEY" in key_pem
    config = Path(os.environ["CREATORAPP_CONFIG_DIR"])
    looked_at = 0
    for path in _every_file(_data(), config, photos):
        content = path.read_bytes()
        assert b"PRIVATE KEY" not in content, path
        for piece in _key_fingerprints(key_pem):
            assert piece not in content, path
        assert PASSPHRASE.encode() not in content, path
        looked_at += 1
    assert looked_at >= 6  # the store, the certificates, the catalogue, the works


def test_a_wrong_passphrase_is_one_line_and_changes_nothing(tmp_path, no_keyring):
    assert _run("identity", "create", "--name", "Jane Doe").returncode == 0
    store = _store().read_bytes()
    work = make_jpeg(tmp_path / "a.jpg")
    before = work.read_bytes()
    line = _one_line_error(_run("tag", str(work), "--c2pa", passphrase="wrong horse"))
    assert "CREATORAPP_PASSPHRASE does not unlock the secrets in" in line
    assert work.read_bytes() == before
    # making a new identity under another passphrase would leave a store nobody can open
    line = _one_line_error(_run("identity", "create", "--name", "Eve", passphrase="wrong horse"))
    assert "does not unlock" in line
    assert _store().read_bytes() == store
    shown = _run("identity", "show", "--json")
    assert shown.returncode == 0 and "CN=Jane Doe" in json.loads(shown.stdout)["subject"]


def test_no_passphrase_and_no_terminal_says_how_to_give_one(tmp_path, no_keyring):
    line = _one_line_error(_run("identity", "create", "--name", "Jane Doe", passphrase=None))
    assert "no system keyring here" in line and "set CREATORAPP_PASSPHRASE" in line
    assert "terminal" in line
    assert not _store().exists() and not (_data() / "identity").exists()  # nothing half-made
    assert not any(_data().iterdir())

    assert _run("identity", "create", "--name", "Jane Doe").returncode == 0
    work = make_jpeg(tmp_path / "a.jpg")
    line = _one_line_error(_run("tag", str(work), "--c2pa", passphrase=None))
    assert "are locked: set CREATORAPP_PASSPHRASE" in line
    # tagging without signing needs no passphrase: batch runs keep working unattended
    plain = _run("tag", str(work), "--json", passphrase=None)
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["status"] == "tagged"


@pytest.mark.skipif(not hasattr(os, "fork") or sys.platform == "darwin", reason="Linux pty")
def test_at_a_terminal_the_passphrase_is_asked_for_once_per_run(tmp_path, no_keyring):
    photos = tmp_path / "photos"
    photos.mkdir()
    for i in range(SMALL_BATCH + 2):  # enough for worker processes
        make_jpeg(photos / f"w{i}.jpg", seed=i)
    with Terminal("identity", "create", "--name", "Jane Doe") as term:
        term.expect(b"No system keyring here")
        term.expect(b"Choose a passphrase: ")
        term.send(PASSPHRASE)
        term.expect(b"The same passphrase again: ")
        term.send(PASSPHRASE)
        assert term.finish() == 0
    assert b"encrypted with your passphrase" in term.output
    assert PASSPHRASE.encode() not in term.transcript  # never echoed
    with Terminal("tag", str(photos), "--c2pa", "--jobs", "2") as term:
        term.expect(b"Passphrase for ")
        term.send("not it")
        term.expect(b"Wrong passphrase, try again: ")
        term.send(PASSPHRASE)
        assert term.finish() == 0
    # the worker processes sign with the key they were handed; none of them asked
    assert term.transcript.count(b"Passphrase for ") == 1
    assert term.transcript.count(b"try again") == 1
    assert b"tagged" in term.output
    ca = (_data() / "identity" / "ca.pem").read_bytes()
    assert all(_reader_state(p, ca)[0] == "Trusted" for p in photos.iterdir())


class Terminal:
    """The CLI on a pseudo-terminal, read until what it prints is there (a deadline, never a
    pause, bounds each wait)."""

    def __init__(self, *args: str) -> None:
        self.args = [sys.executable, "-m", "creatorapp", *args]
        self.output = b""  # since the last line sent
        self.transcript = b""  # everything

    def __enter__(self) -> Terminal:
        import pty

        env = {k: v for k, v in os.environ.items() if k != "CREATORAPP_PASSPHRASE"}
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: only exec, nothing of the test runs here
            os.execve(self.args[0], self.args, env)
        return self

    def _read(self, deadline: float) -> bool:
        left = deadline - time.monotonic()
        if left <= 0 or not select.select([self.fd], [], [], left)[0]:
            return False
        try:
            chunk = os.read(self.fd, 4096)
        except OSError:  # the child closed the terminal
            return False
        self.output += chunk
        self.transcript += chunk
        return bool(chunk)

    def expect(self, text: bytes, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if not self._read(deadline):
                raise AssertionError(f"{text!r} never came; the terminal shows {self.output!r}")

    def send(self, line: str) -> None:
        self.output = b""  # what follows is read afresh
        os.write(self.fd, line.encode() + b"\n")

    def finish(self, timeout: float = 120.0) -> int:
        deadline = time.monotonic() + timeout
        while self._read(deadline):
            pass
        _, status = os.waitpid(self.pid, 0)
        return os.waitstatus_to_exitcode(status)

    def __exit__(self, *exc) -> None:
        with contextlib.suppress(OSError):
            os.close(self.fd)
        try:
            os.kill(self.pid, 9)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass


# --- every kind of secret, through core/secrets.py -------------------------------------------

KINDS = [("identity", "signing-key"), ("ftp", "my-site"), ("sftp-key", "my-site"),
         ("github", "pages"), ("mail", "jane@jane.example"), ("registry", "spawning")]  # fmt: skip


def test_every_kind_of_secret_is_kept_in_the_file(no_keyring, monkeypatch, capsys):
    monkeypatch.setenv("CREATORAPP_PASSPHRASE", PASSPHRASE)
    for kind, name in KINDS:
        secrets.put(kind, name, f"{kind} secret for {name}")
    assert capsys.readouterr().err.count("No system keyring here") == 1  # when it was made
    secret_file.forget_keys()  # as a new process would: unlocked from the passphrase again
    for kind, name in KINDS:
        assert secrets.get(kind, name) == f"{kind} secret for {name}"
        assert secrets.kept_in(kind, name) == f"{_store()}, encrypted with your passphrase"
    raw = _store().read_bytes()
    assert b"secret for" not in raw
    secrets.forget("ftp", "my-site")
    assert secrets.get("ftp", "my-site") is None and secrets.kept_in("ftp", "my-site") is None
    assert secrets.get("github", "pages") == "github secret for pages"


def test_a_secret_never_stored_needs_no_passphrase(no_keyring, monkeypatch):
    """Anonymous FTP, a key file without passphrase: publishing asks for a secret that is not
    there, and must not be stopped by a locked store."""
    monkeypatch.setenv("CREATORAPP_PASSPHRASE", PASSPHRASE)
    secrets.put("github", "pages", "token")
    monkeypatch.delenv("CREATORAPP_PASSPHRASE")
    secret_file.forget_keys()
    assert secrets.get("ftp", "anonymous-site") is None
    assert secrets.get("sftp-key", "my-site") is None
    with pytest.raises(secrets.SecretError, match="locked: set CREATORAPP_PASSPHRASE"):
        secrets.get("github", "pages")


def test_with_a_keyring_the_file_is_not_used_and_an_older_copy_moves_out(no_keyring, monkeypatch):
    import keyring

    from tests.keyring_backends import MemoryKeyring

    monkeypatch.setenv("CREATORAPP_PASSPHRASE", PASSPHRASE)
    secrets.put("mail", "jane", "kept while there was no keyring")
    secrets.put("ftp", "site", "ftp password")
    memory = MemoryKeyring()
    keyring.set_keyring(memory)  # a keyring appears (the desktop session is back)
    assert secrets.get("mail", "jane") == "kept while there was no keyring"  # still found
    secrets.put("mail", "jane", "new password")
    assert memory.store[("creatorapp", "mail:jane")] == "new password"
    assert "mail:jane" not in secret_file.SecretFile(_store(), _refuse).names()
    assert secrets.get("mail", "jane") == "new password"
    assert secrets.kept_in("mail", "jane") == "the system keyring"
    assert secrets.kept_in("ftp", "site").startswith(str(_store()))


# --- the store itself ------------------------------------------------------------------------


def _refuse(path, new, again):
    raise AssertionError("the passphrase was asked for")


def _giving(*answers: str):
    asked: list[tuple[bool, bool]] = []
    replies = iter(answers)

    def ask(path, new, again):
        asked.append((new, again))
        return next(replies)

    ask.asked = asked  # type: ignore[attr-defined]
    return ask


def test_store_roundtrip_permissions_and_nothing_in_clear(tmp_path):
    path = tmp_path / "data" / "secrets.json"
    ask = _giving("pw")
    store = secret_file.SecretFile(path, ask)
    assert store.get("ftp:site") is None and not path.exists()
    store.put("ftp:site", "hunter2 ünïcode")
    store.put("mail:jane", "mail password")
    assert ask.asked == [(True, False)]  # once, for a new store, and kept for the process
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    raw = path.read_bytes()
    assert b"hunter2" not in raw and b"mail password" not in raw
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]
    secret_file.forget_keys()
    again = secret_file.SecretFile(path, _giving("pw"))
    assert again.get("ftp:site") == "hunter2 ünïcode"
    assert again.get("mail:jane") == "mail password"
    assert again.names() == {"ftp:site", "mail:jane"}
    assert secret_file.SecretFile(path, _refuse).get("absent:name") is None
    secret_file.SecretFile(path, _refuse).forget("ftp:site")  # removing needs no passphrase
    assert again.get("ftp:site") is None and again.get("mail:jane") == "mail password"


def test_store_wrong_passphrase_is_an_error_and_the_file_is_untouched(tmp_path):
    path = tmp_path / "secrets.json"
    secret_file.SecretFile(path, _giving("right")).put("ftp:site", "hunter2")
    before = path.read_bytes()
    secret_file.forget_keys()
    ask = _giving("wrong", "still wrong", "no")
    store = secret_file.SecretFile(path, ask)
    with pytest.raises(secrets.WrongPassphrase, match=r"does not unlock.*nothing was changed"):
        store.put("ftp:site", "overwritten")
    assert ask.asked == [(False, False), (False, True), (False, True)]
    with pytest.raises(secrets.WrongPassphrase):
        secret_file.SecretFile(path, _giving("x", "y", "z")).get("ftp:site")
    assert path.read_bytes() == before
    assert secret_file.SecretFile(path, _giving("wrong", "right")).get("ftp:site") == "hunter2"


def test_store_refuses_damage_links_and_swapped_values(tmp_path):
    path = tmp_path / "secrets.json"
    store = secret_file.SecretFile(path, _giving("pw"))
    store.put("ftp:a", "first")
    store.put("ftp:b", "second")
    doc = json.loads(path.read_text())
    entries = doc["entries"]
    entries["ftp:a"], entries["ftp:b"] = entries["ftp:b"], entries["ftp:a"]
    path.write_text(json.dumps(doc))
    with pytest.raises(secrets.SecretError, match=r"'ftp:a'.* is damaged"):
        store.get("ftp:a")  # a value moved to another name does not open under it

    path.write_bytes(b'{"format": "creatorapp-secrets", "version": 1, "kdf": {')
    with pytest.raises(secrets.SecretError, match=r"is damaged.*left as it is"):
        store.put("ftp:c", "third")
    assert path.read_bytes().endswith(b'"kdf": {')  # never replaced by a store of one entry

    path.write_text(json.dumps({**doc, "version": 9}))
    with pytest.raises(secrets.SecretError, match="newer version"):
        store.get("ftp:a")

    doc["kdf"]["n"] = 2**30  # a store asking scrypt for 128 GiB is refused, not obeyed
    path.write_text(json.dumps(doc))
    with pytest.raises(secrets.SecretError, match="out of range"):
        store.get("ftp:a")

    elsewhere = tmp_path / "elsewhere.json"
    elsewhere.write_text("{}")
    link = tmp_path / "linked.json"
    link.symlink_to(elsewhere)
    with pytest.raises(secrets.SecretError, match="symbolic link"):
        secret_file.SecretFile(link, _giving("pw")).put("ftp:a", "x")
    assert elsewhere.read_text() == "{}"


WRITER = """
import sys
from creatorapp.core.secrets.file_store import SecretFile
store = SecretFile(sys.argv[1], lambda path, new, again: "pw")
for i in range(8):
    store.put(f"{sys.argv[2]}:{i}", f"value {i}")
"""


def test_two_processes_writing_lose_nothing(tmp_path):
    path = tmp_path / "secrets.json"
    secret_file.SecretFile(path, _giving("pw")).put("first:0", "made")
    writers = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), name]) for name in ("a", "b")
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    store = secret_file.SecretFile(path, _giving("pw"))
    assert store.names() == {"first:0"} | {f"{n}:{i}" for n in "ab" for i in range(8)}
    assert store.get("b:7") == "value 7"
