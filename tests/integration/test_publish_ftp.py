"""Publishing over FTPS (and plain FTP when asked) to a real pyftpdlib server on loopback."""

from __future__ import annotations

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError
from creatorapp.core.sites.transports.ftp import Ftp
from tests.integration.publish_contract import (
    check_dry_run_writes_nothing,
    check_merge_and_silent_republish,
)
from tests.servers import ftpd

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    return root


@pytest.fixture
def server(docroot, tmp_path):
    s = ftpd.FtpServer(docroot, tmp_path)
    yield s
    s.stop()


def connect(server, **kw):
    args = dict(
        host="127.0.0.1",
        port=server.port,
        user=ftpd.USER,
        password=ftpd.PASSWORD,
        root="/",
        ca_file=str(server.cert),
    )
    args.update(kw)
    return Ftp(**args)


def test_publish_over_ftps_keeps_hand_written_lines_and_republishes_nothing(server, docroot):
    check_merge_and_silent_republish(docroot, lambda: connect(server))


def test_a_dry_run_writes_nothing(server, docroot):
    check_dry_run_writes_nothing(docroot, lambda: connect(server))


def test_an_untrusted_certificate_stops_before_anything_is_sent(server, docroot):
    with pytest.raises(TransportError, match="cannot be trusted"):
        connect(server, ca_file=None)


def test_wrong_password(server, docroot):
    with pytest.raises(TransportError, match="wrong user name or password"):
        connect(server, password="nope")


def test_refused_connection(docroot):
    from tests.servers.common import free_port

    with pytest.raises(TransportError, match="cannot connect"):
        Ftp(host="127.0.0.1", port=free_port(), user="x", password="x", root="/", tls=False)


def test_a_read_only_account_leaves_the_site_as_it_was(server, docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    with (
        connect(server, user=ftpd.READER, password=ftpd.READER_PASSWORD) as transport,
        pytest.raises(TransportError, match="permission denied"),
    ):
        publisher.publish(SITE, transport)
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN
    assert sorted(p.name for p in docroot.iterdir()) == ["robots.txt"]


def test_plain_ftp_when_the_server_has_no_tls(docroot, tmp_path):
    plain = ftpd.FtpServer(docroot, tmp_path, tls=False)
    try:
        with Ftp(
            host="127.0.0.1",
            port=plain.port,
            user=ftpd.USER,
            password=ftpd.PASSWORD,
            root="/",
            tls=False,
        ) as transport:
            publisher.publish(SITE, transport)
    finally:
        plain.stop()
    assert (docroot / "ai.txt").exists()


def test_the_cli_flow_over_ftps(server, docroot):
    import json
    import subprocess
    import sys

    from tests.integration.test_cli import cli
    from tests.servers.http_site import SiteServer

    web = SiteServer(docroot)  # the site as its web server serves the FTP folder
    add = subprocess.run(
        [
            sys.executable,
            "-m",
            "creatorapp",
            "site",
            "add",
            "ftpsite",
            "--url",
            web.url,
            "--transport",
            "ftp",
            "--host",
            "127.0.0.1",
            "--port",
            str(server.port),
            "--user",
            ftpd.USER,
            "--root",
            "/",
            "--ca-file",
            str(server.cert),
            "--password-stdin",
        ],
        input=ftpd.PASSWORD + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    try:
        run = cli("site", "publish", "ftpsite", "--json")
    finally:
        web.close()
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert "robots.txt" in doc["changed"]
    assert (docroot / "robots.txt").exists()
    assert doc["verify"]["ok"] is True  # publishing ended with the live check
