"""Publishing over WebDAV to a real wsgidav server on loopback."""

from __future__ import annotations

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError
from creatorapp.core.sites.transports.webdav import WebDav
from tests.integration.publish_contract import (
    check_dry_run_writes_nothing,
    check_merge_and_silent_republish,
)
from tests.servers import davd

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    return root


@pytest.fixture
def server(docroot):
    s = davd.DavServer(docroot)
    yield s
    s.stop()


def connect(server, **kw):
    args = dict(endpoint=server.url, user=davd.USER, password=davd.PASSWORD)
    args.update(kw)
    return WebDav(**args)


def test_publish_over_webdav_keeps_lines_and_republishes_nothing(server, docroot):
    check_merge_and_silent_republish(docroot, lambda: connect(server))


def test_a_dry_run_writes_nothing(server, docroot):
    check_dry_run_writes_nothing(docroot, lambda: connect(server))


def test_wrong_password(server):
    with pytest.raises(TransportError, match="wrong user name or password"):
        connect(server, password="nope")


def test_refused_connection():
    from tests.servers.common import free_port

    with pytest.raises(TransportError, match="cannot connect"):
        WebDav(endpoint=f"http://127.0.0.1:{free_port()}/", user="x", password="x")


def test_a_read_only_share_leaves_the_site_as_it_was(docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    ro = davd.DavServer(docroot, read_only=True)
    try:
        with connect(ro) as transport, pytest.raises(TransportError, match="permission denied"):
            publisher.publish(SITE, transport)
    finally:
        ro.stop()
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN
    assert sorted(p.name for p in docroot.iterdir()) == ["robots.txt"]


def test_publish_to_an_empty_share(server, docroot):
    with connect(server) as transport:
        report = publisher.publish(SITE, transport)
    assert {c.path for c in report.changes} == {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    assert (docroot / "ai.txt").read_text().startswith("# BEGIN Creator Reserve")
