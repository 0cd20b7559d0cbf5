"""WebDAV over TLS: the CA a site was set up with wins over REQUESTS_CA_BUNDLE and
CURL_CA_BUNDLE, which requests would otherwise prefer."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest
import trustme
from cheroot import wsgi
from cheroot.ssl.builtin import BuiltinSSLAdapter

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError
from creatorapp.core.sites.transports.webdav import WebDav
from tests.conftest import ROOT
from tests.servers import davd

SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


class TlsDav:
    """The loopback WebDAV server's application behind TLS with a certificate from ``ca``."""

    def __init__(self, root, ca: trustme.CA, folder) -> None:
        plain = davd.DavServer(root)  # builds the configured application
        app = plain.server.wsgi_app
        plain.stop()
        cert = ca.issue_cert("127.0.0.1")
        key, chain = folder / "key.pem", folder / "chain.pem"
        cert.private_key_pem.write_to_path(str(key))
        chain.write_bytes(b"".join(blob.bytes() for blob in cert.cert_chain_pems))
        self.server = wsgi.Server(("127.0.0.1", 0), app, numthreads=4)
        self.server.ssl_adapter = BuiltinSSLAdapter(str(chain), str(key))
        self.server.prepare()
        self.url = f"https://127.0.0.1:{self.server.bind_addr[1]}/"
        self._thread = threading.Thread(target=self.server.serve, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self.server.stop()


@pytest.fixture
def tls(tmp_path):
    docroot = tmp_path / "www"
    docroot.mkdir()
    site_ca, other_ca = trustme.CA(), trustme.CA()
    site_ca_file, other_ca_file = tmp_path / "site-ca.pem", tmp_path / "other-ca.pem"
    site_ca.cert_pem.write_to_path(str(site_ca_file))
    other_ca.cert_pem.write_to_path(str(other_ca_file))
    server = TlsDav(docroot, site_ca, tmp_path)
    yield server, docroot, site_ca_file, other_ca_file
    server.stop()


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_the_sites_ca_wins_over_the_environment(tls, monkeypatch, variable):
    server, docroot, site_ca, other_ca = tls
    monkeypatch.setenv(variable, str(other_ca))
    with WebDav(
        endpoint=server.url, user=davd.USER, password=davd.PASSWORD, ca_file=str(site_ca)
    ) as transport:
        publisher.publish(SITE, transport)
    assert (docroot / "ai.txt").read_text().startswith("# BEGIN Creator Reserve")


def test_without_a_site_ca_an_unknown_certificate_is_refused_in_one_sentence(tls, monkeypatch):
    server, docroot, _, other_ca = tls
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(other_ca))
    with pytest.raises(TransportError) as caught:
        WebDav(endpoint=server.url, user=davd.USER, password=davd.PASSWORD)
    message = str(caught.value)
    assert message.startswith("the TLS certificate of 127.0.0.1 cannot be trusted (")
    assert "nothing was sent" in message and "HTTPSConnectionPool" not in message
    assert list(docroot.iterdir()) == []


def test_site_publish_from_the_command_line_uses_the_sites_ca(tls):
    server, docroot, site_ca, other_ca = tls
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "REQUESTS_CA_BUNDLE": str(other_ca),
        "CURL_CA_BUNDLE": str(other_ca),
    }

    def cli(*args: str, input: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "creatorapp", *args],
            capture_output=True,
            text=True,
            env=env,
            input=input,
            timeout=120,
        )

    from tests.servers.http_site import SiteServer

    web = SiteServer(docroot)  # the live site, which publishing checks after writing
    add = cli(
        "site", "add", "jane", "--url", web.url, "--transport", "webdav",
        "--endpoint", server.url, "--user", davd.USER, "--ca-file", str(site_ca),
        "--password-stdin", input=davd.PASSWORD + "\n",
    )  # fmt: skip
    assert add.returncode == 0, add.stderr
    try:
        run = cli("site", "publish", "jane")
    finally:
        web.close()
    assert run.returncode == 0, run.stdout + run.stderr
    assert (docroot / "robots.txt").is_file() and (docroot / "ai.txt").is_file()
