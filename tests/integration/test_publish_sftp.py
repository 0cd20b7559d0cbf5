"""Publishing over SFTP to a real OpenSSH sshd on loopback."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports import sftp
from creatorapp.core.sites.transports.base import TransportError
from tests.integration.publish_contract import (
    check_dry_run_writes_nothing,
    check_merge_and_silent_republish,
)
from tests.servers import sshd
from tests.servers.common import free_port

pytestmark = pytest.mark.skipif(
    not sshd.available() and not os.environ.get("CI"), reason="OpenSSH server not installed"
)

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = sshd.SshServer(tmp_path_factory.mktemp("sshd"))
    yield s
    s.stop()


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    return root


def connect(server, docroot, **kw):
    return sftp.Sftp(
        host="127.0.0.1",
        port=server.port,
        user=server.user,
        root=str(docroot),
        key_file=kw.pop("key_file", str(server.client_key)),
        **kw,
    )


def test_an_unknown_host_key_stops_the_connection_until_confirmed(server, docroot):
    with pytest.raises(TransportError, match="not known") as caught:
        connect(server, docroot)
    assert server.host_fingerprint() in str(caught.value)
    with pytest.raises(TransportError, match="nothing was trusted"):
        sftp.trust("127.0.0.1", server.port, "SHA256:" + "A" * 43)
    assert sftp.trust("127.0.0.1", server.port, server.host_fingerprint())
    with connect(server, docroot) as transport:
        assert transport.read("robots.txt") is None


@pytest.fixture
def trusted(server):
    sftp.trust("127.0.0.1", server.port, server.host_fingerprint())
    return server


def test_publish_merge_and_republish_without_writing(trusted, docroot):
    check_merge_and_silent_republish(docroot, lambda: connect(trusted, docroot))


def test_a_dry_run_writes_nothing(trusted, docroot):
    check_dry_run_writes_nothing(docroot, lambda: connect(trusted, docroot))


def test_a_changed_host_key_is_refused(trusted, docroot, tmp_path):
    import paramiko

    fake = tmp_path / "known_hosts"
    other = paramiko.Ed25519Key.from_private_key_file(str(trusted.client_key))
    keys = paramiko.HostKeys()
    keys.add(f"[127.0.0.1]:{trusted.port}", other.get_name(), other)
    keys.save(str(fake))
    with pytest.raises(TransportError, match="CHANGED"):
        connect(trusted, docroot, known_hosts=fake)


def test_a_wrong_password_is_a_clear_message(trusted, docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    with pytest.raises(TransportError, match="refused the login"):
        connect(trusted, docroot, key_file=None, password="not the password")
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN


def test_a_refused_connection_is_a_clear_message(docroot):
    port = free_port()
    with pytest.raises(TransportError, match="cannot connect"):
        sftp.Sftp(host="127.0.0.1", port=port, user="x", root=str(docroot), password="x")


def test_a_read_only_server_leaves_the_site_as_it_was(tmp_path, docroot):
    ro = sshd.SshServer(tmp_path / "ro", read_only=True)
    try:
        sftp.trust("127.0.0.1", ro.port, ro.host_fingerprint())
        (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
        site = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])
        with connect(ro, docroot) as transport, pytest.raises(TransportError) as caught:
            publisher.publish(site, transport)
        assert "permission denied" in str(caught.value), caught.value
    finally:
        ro.stop()
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN
    assert sorted(p.name for p in docroot.iterdir()) == ["robots.txt"]


def test_the_cli_flow_over_sftp(server, docroot):
    import json

    from tests.integration.test_cli import cli
    from tests.servers.http_site import SiteServer

    web = SiteServer(docroot)
    try:
        run = cli(
            "site",
            "add",
            "jane",
            "--url",
            web.url,
            "--transport",
            "sftp",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.port),
            "--user",
            server.user,
            "--root",
            str(docroot),
            "--key-file",
            str(server.client_key),
        )
        assert run.returncode == 0, run.stderr
        blocked = cli("site", "publish", "jane")
        assert blocked.returncode == 2 and "not known" in blocked.stderr
        shown = cli("site", "trust", "jane")
        assert server.host_fingerprint() in shown.stdout
        assert (
            cli("site", "trust", "jane", "--fingerprint", server.host_fingerprint()).returncode == 0
        )
        assert cli("site", "publish", "jane").returncode == 0
        assert (docroot / "ai.txt").exists()
        ok = cli("site", "verify", "jane", "--json")
        assert ok.returncode == 0 and json.loads(ok.stdout)["ok"] is True
        (docroot / "ai.txt").write_text("User-Agent: *\nAllow: /\n")
        drift = cli("site", "verify", "jane")
        assert drift.returncode == 1 and "DRIFT /ai.txt" in drift.stdout
    finally:
        web.close()


def test_a_password_goes_to_the_keyring_only(server, docroot):
    import sqlite3

    from tests.integration.test_cli import cli

    secret = "correct horse battery staple"
    run = subprocess_run_with_stdin(
        [
            "site",
            "add",
            "pw",
            "--url",
            "https://pw.example",
            "--transport",
            "sftp",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.port),
            "--user",
            server.user,
            "--root",
            str(docroot),
            "--password-stdin",
        ],
        secret + "\n",
    )
    assert run.returncode == 0, run.stderr
    keyring_file = os.environ["CREATORAPP_TEST_KEYRING"]
    assert secret in Path(keyring_file).read_text()
    catalogue = os.environ["CREATORAPP_CATALOGUE"]
    db = sqlite3.connect(catalogue)
    dump = "\n".join(db.iterdump())
    assert secret not in dump
    assert cli("site", "remove", "pw").returncode == 0
    assert secret not in Path(keyring_file).read_text()


def subprocess_run_with_stdin(args, text):
    import subprocess
    import sys

    return subprocess.run(
        [sys.executable, "-m", "creatorapp", *args],
        input=text,
        capture_output=True,
        text=True,
        timeout=60,
    )
