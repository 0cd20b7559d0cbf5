"""For each remote transport: publish, verify the served site passes, tamper with the served
robots.txt, and verify reports the drift."""

from __future__ import annotations

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.verify import verify
from tests.servers import davd, ftpd, github_api
from tests.servers.http_site import SiteServer


def _check(site_url, transport, tamper):
    site = SiteConfig("jane", site_url, PRESETS["no-ai"])
    report = publisher.publish(site, transport)
    first = verify(site, report.final)
    assert first.ok, first.as_json()
    tamper()
    second = verify(site, report.final)
    assert not second.ok and "robots.txt" in second.drift
    assert "+Allow: /" in second.drift["robots.txt"]


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    return root


def _tamper_file(docroot):
    return lambda: (docroot / "robots.txt").write_text("User-agent: *\nAllow: /\n")


def test_ftps(docroot, tmp_path):
    from creatorapp.core.sites.transports.ftp import Ftp

    server, web = ftpd.FtpServer(docroot, tmp_path), SiteServer(docroot)
    try:
        with Ftp(
            host="127.0.0.1",
            port=server.port,
            user=ftpd.USER,
            password=ftpd.PASSWORD,
            root="/",
            ca_file=str(server.cert),
        ) as transport:
            _check(web.url, transport, _tamper_file(docroot))
    finally:
        web.close()
        server.stop()


def test_webdav(docroot):
    from creatorapp.core.sites.transports.webdav import WebDav

    server, web = davd.DavServer(docroot), SiteServer(docroot)
    try:
        with WebDav(endpoint=server.url, user=davd.USER, password=davd.PASSWORD) as transport:
            _check(web.url, transport, _tamper_file(docroot))
    finally:
        web.close()
        server.stop()


def test_github_pages():
    from creatorapp.core.sites.transports.github import GitHubPages

    api = github_api.GitHubStandIn()
    pages = api.serve_pages()
    try:
        with GitHubPages(repo=github_api.REPO, token=github_api.TOKEN, api=api.url) as transport:

            def tamper():
                api.files["robots.txt"] = b"User-agent: *\nAllow: /\n"

            _check(pages, transport, tamper)
    finally:
        api.stop()
