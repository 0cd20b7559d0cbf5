"""Live verify against nginx serving the published document root with the generated snippet."""

from __future__ import annotations

import os

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.local import LocalFolder
from creatorapp.core.sites.verify import verify
from tests.conftest import make_jpeg
from tests.servers import nginx

pytestmark = pytest.mark.skipif(
    not nginx.available() and not os.environ.get("CI"), reason="nginx not installed"
)


def test_nginx_serves_our_files_and_headers_and_drift_is_reported(tmp_path):
    root = tmp_path / "www"
    (root / "img").mkdir(parents=True)
    make_jpeg(root / "img" / "a.jpg")
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    site = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])
    report = publisher.publish(site, LocalFolder(root))
    snippet = tmp_path / "creator-reserve.conf"
    snippet.write_text(publisher.render_all(site)["nginx-creator-reserve.conf"])

    server = nginx.Nginx(root, snippet, tmp_path / "nginx")
    try:
        site = SiteConfig("jane", server.url, PRESETS["no-ai"])  # the same site, on loopback
        result = verify(site, report.final, sample_image="img/a.jpg")
        assert result.ok, result.as_json()
        names = {c.name for c in result.checks if c.ok}
        assert {"image header tdm-reservation", "image header X-Robots-Tag"} <= names
        assert {"AI crawlers are disallowed", "search engines may crawl"} <= names

        (root / ".well-known" / "tdmrep.json").write_text(
            '[{"location": "/", "tdm-reservation": 0}]\n'
        )
        result = verify(site, report.final, sample_image="img/a.jpg")
        assert not result.ok
        assert (
            '+[{"location": "/", "tdm-reservation": 0}]' in result.drift[".well-known/tdmrep.json"]
        )
    finally:
        server.stop()
