"""Every transport, when the server drops the connection in the middle of an upload: a clear
message, and the site's files as they were."""

from __future__ import annotations

import os

import pytest

from creatorapp.core.sites.transports.base import TransportError
from tests.servers import davd, ftpd, github_api, sshd
from tests.servers.cutting_proxy import CuttingProxy

ORIGINAL = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
BIG = os.urandom(3_000_000)  # long enough to be cut in the middle


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "robots.txt").write_bytes(ORIGINAL)
    return root


def _upload_is_cut(transport, proxy):
    assert transport.read("robots.txt") == ORIGINAL
    proxy.cut_after(200_000)
    with pytest.raises(TransportError) as caught:
        transport.write_atomic("robots.txt", BIG)
    assert proxy.cut.is_set()
    return str(caught.value)


def test_sftp(docroot, tmp_path):
    from creatorapp.core.sites.transports import sftp

    server = sshd.SshServer(tmp_path / "sshd")
    proxy = CuttingProxy(server.port)
    try:
        sftp.trust("127.0.0.1", server.port, server.host_fingerprint())
        import paramiko

        keys = paramiko.HostKeys(str(sftp.known_hosts_file()))
        key = keys.lookup(f"[127.0.0.1]:{server.port}")
        name = next(iter(key))
        keys.add(f"[127.0.0.1]:{proxy.port}", name, key[name])
        keys.save(str(sftp.known_hosts_file()))
        transport = sftp.Sftp(
            host="127.0.0.1",
            port=proxy.port,
            user=server.user,
            root=str(docroot),
            key_file=str(server.client_key),
        )
        message = _upload_is_cut(transport, proxy)
        transport.close()
    finally:
        proxy.stop()
        server.stop()
    assert "dropped while writing /robots.txt" in message
    assert (docroot / "robots.txt").read_bytes() == ORIGINAL


def test_ftp(docroot, tmp_path):
    from creatorapp.core.sites.transports.ftp import Ftp

    server = ftpd.FtpServer(docroot, tmp_path, tls=False)
    proxy = CuttingProxy(server.port)
    try:
        transport = Ftp(
            host="127.0.0.1",
            port=proxy.port,
            user=ftpd.USER,
            password=ftpd.PASSWORD,
            root="/",
            tls=False,
        )
        assert transport.read("robots.txt") == ORIGINAL
        proxy.cut_after(0)  # the control connection goes; the file is never renamed into place
        with pytest.raises(TransportError, match=r"robots\.txt"):
            transport.write_atomic("robots.txt", BIG)
        transport.close()
    finally:
        proxy.stop()
        server.stop()
    assert (docroot / "robots.txt").read_bytes() == ORIGINAL


def test_webdav(docroot):
    from creatorapp.core.sites.transports.webdav import WebDav

    server = davd.DavServer(docroot)
    proxy = CuttingProxy(server.port)
    try:
        transport = WebDav(
            endpoint=f"http://127.0.0.1:{proxy.port}/", user=davd.USER, password=davd.PASSWORD
        )
        message = _upload_is_cut(transport, proxy)
        transport.close()
    finally:
        proxy.stop()
        server.stop()
    assert "dropped while writing" in message
    assert (docroot / "robots.txt").read_bytes() == ORIGINAL


def test_github():
    from creatorapp.core.sites.transports.github import GitHubPages

    api = github_api.GitHubStandIn()
    api.files["robots.txt"] = ORIGINAL
    port = int(api.url.rsplit(":", 1)[1])
    proxy = CuttingProxy(port)
    try:
        transport = GitHubPages(
            repo=github_api.REPO, token=github_api.TOKEN, api=f"http://127.0.0.1:{proxy.port}"
        )
        message = _upload_is_cut(transport, proxy)
        transport.close()
    finally:
        proxy.stop()
        api.stop()
    assert "dropped during PUT" in message
    assert api.files["robots.txt"] == ORIGINAL
