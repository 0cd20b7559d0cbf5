"""Publishing to a local folder (a static-site generator's output): the transport contract."""

from __future__ import annotations

import json
import os

import pytest
from protego import Protego

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import managed, publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError
from creatorapp.core.sites.transports.local import LocalFolder
from tests.unprivileged import IS_ROOT, as_nobody, open_folder

ORIGIN = "https://jane.example"
HAND_WRITTEN = b"# written by hand\nUser-agent: *\nDisallow: /drafts/\n\nSitemap: https://jane.example/sitemap.xml\n"


@pytest.fixture
def docroot(tmp_path):
    root = tmp_path / "public"
    root.mkdir()
    return root


def site(preset="no-ai", **kw):
    return SiteConfig("jane", ORIGIN, PRESETS[preset], **kw)


def test_publish_to_an_empty_site(docroot):
    report = publisher.publish(site(), LocalFolder(docroot))
    assert report.written
    assert {c.path for c in report.changes} == {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    robots = (docroot / "robots.txt").read_text()
    assert not Protego.parse(robots).can_fetch(f"{ORIGIN}/a.jpg", "GPTBot")
    assert (
        json.loads((docroot / ".well-known" / "tdmrep.json").read_text())[0]["tdm-reservation"] == 1
    )
    assert not [p for p in docroot.rglob(".*.tmp")]


def test_hand_written_robots_txt_survives_byte_for_byte(docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    report = publisher.publish(site(), LocalFolder(docroot))
    after = (docroot / "robots.txt").read_bytes()
    assert after.startswith(HAND_WRITTEN)
    assert managed.outside(after.decode()).encode() == HAND_WRITTEN + b"\n"
    assert report.warnings == []


def test_republishing_an_unchanged_policy_writes_nothing(docroot):
    publisher.publish(site(), LocalFolder(docroot))
    stamps = {p: os.stat(p).st_mtime_ns for p in docroot.rglob("*") if p.is_file()}
    inodes = {p: os.stat(p).st_ino for p in stamps}
    report = publisher.publish(site(), LocalFolder(docroot))
    assert report.changes == [] and not report.written
    assert {p: os.stat(p).st_mtime_ns for p in stamps} == stamps
    assert {p: os.stat(p).st_ino for p in inodes} == inodes


def test_dry_run_shows_a_diff_and_writes_nothing(docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    report = publisher.publish(site("no-tdm"), LocalFolder(docroot), dry_run=True)
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN
    diff = next(c for c in report.changes if c.path == "robots.txt").diff()
    assert "+# BEGIN Creator Reserve" in diff and "+User-agent: GPTBot" in diff
    assert "-User-agent: *" not in diff  # the creator's lines are context, not removed


def test_a_contradicting_rule_is_warned_about(docroot):
    (docroot / "robots.txt").write_text("User-agent: GPTBot\nAllow: /\n")
    report = publisher.publish(site(), LocalFolder(docroot), dry_run=True)
    assert any("GPTBot" in w for w in report.warnings)


def test_policy_change_rewrites_only_our_block(docroot):
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    publisher.publish(site("no-ai"), LocalFolder(docroot))
    publisher.publish(site("allow"), LocalFolder(docroot))
    text = (docroot / "robots.txt").read_text()
    assert text.startswith(HAND_WRITTEN.decode())
    assert "GPTBot" not in text and "Content-Usage: train-ai=y" in text


def test_hosted_policy_pages(docroot):
    publisher.publish(site(host_policy=True), LocalFolder(docroot))
    assert "<title>" in (docroot / "ai-policy.html").read_text()
    assert json.loads((docroot / "ai-policy.json").read_text())["@type"] == "Offer"
    rules = json.loads((docroot / ".well-known" / "tdmrep.json").read_text())
    assert rules[0]["tdm-policy"] == f"{ORIGIN}/ai-policy.json"  # the ODRL offer, not the page


def test_paths_cannot_leave_the_site(docroot):
    with pytest.raises(TransportError, match="not a path inside"):
        LocalFolder(docroot).write_atomic("../escape.txt", b"x")
    assert not (docroot.parent / "escape.txt").exists()


def test_a_read_only_site_gives_a_clear_error_and_is_left_alone(docroot):
    def publish() -> str:
        try:
            publisher.publish(site(), LocalFolder(root))
        except TransportError as exc:
            return str(exc)
        return "published"

    with open_folder() as shared:  # root writes anywhere: the user who cannot is nobody
        root = shared / "public" if IS_ROOT else docroot
        root.mkdir(exist_ok=True)
        (root / "robots.txt").write_bytes(HAND_WRITTEN)
        root.chmod(0o555)
        try:
            said = as_nobody(publish) if IS_ROOT else publish()
        finally:
            root.chmod(0o755)
        assert "cannot write" in said, said
        assert (root / "robots.txt").read_bytes() == HAND_WRITTEN


def test_render_all_includes_the_server_snippets():
    files = publisher.render_all(site())
    assert {"robots.txt", "ai.txt", ".well-known/tdmrep.json", "_headers"} <= set(files)
    assert "add_header tdm-reservation" in files["nginx-creator-reserve.conf"]


# --- live verify against a real server on loopback ------------------------------------------


@pytest.fixture
def served(docroot):
    from tests.servers.http_site import SiteServer

    server = SiteServer(docroot)
    yield server
    server.close()


def _published(docroot, report):
    return {c.path: (docroot / c.path).read_bytes() for c in report.changes}


def test_live_verify_passes_then_reports_drift(docroot, served):
    from creatorapp.core.sites.verify import verify
    from tests.conftest import make_jpeg

    s = SiteConfig("jane", served.url, PRESETS["no-ai"])
    report = publisher.publish(s, LocalFolder(docroot))
    (docroot / "_headers").write_text(publisher.render_all(s)["_headers"])
    (docroot / "img").mkdir()
    make_jpeg(docroot / "img" / "a.jpg")
    published = _published(docroot, report)

    result = verify(s, published, sample_image="img/a.jpg")
    assert result.ok, result.as_json()
    assert any(c.name == "image header tdm-reservation" and c.ok for c in result.checks)
    assert all(v["status"] == 200 for v in result.responses.values())

    # someone overwrites robots.txt on the server
    (docroot / "robots.txt").write_text("User-agent: *\nAllow: /\n")
    result = verify(s, published, sample_image="img/a.jpg")
    assert not result.ok
    assert "+Allow: /" in result.drift["robots.txt"]
    assert "-# BEGIN Creator Reserve" in result.drift["robots.txt"]
    failed = {c.name for c in result.checks if not c.ok}
    assert "AI crawlers are disallowed" in failed


def test_live_verify_reports_missing_headers_and_files(docroot, served):
    from creatorapp.core.sites.verify import verify
    from tests.conftest import make_jpeg

    s = SiteConfig("jane", served.url, PRESETS["no-ai"])
    report = publisher.publish(s, LocalFolder(docroot))
    published = _published(docroot, report)
    make_jpeg(docroot / "a.jpg")  # no _headers: the server sends none of ours
    (docroot / "ai.txt").unlink()
    result = verify(s, published, sample_image="a.jpg")
    failed = {c.name: c.detail for c in result.checks if not c.ok}
    assert "/ai.txt is served" in failed and "404" in failed["/ai.txt is served"]
    assert "served None" in failed["image header X-Robots-Tag"]


def test_live_verify_of_an_unreachable_site_says_so(docroot):
    import socket

    from creatorapp.core.sites.verify import verify

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens here now
    s = SiteConfig("jane", f"http://127.0.0.1:{port}", PRESETS["no-ai"])
    result = verify(s, {"robots.txt": b"x"})
    assert not result.ok and "refused the connection" in result.checks[0].detail


def test_a_failure_midway_puts_back_what_was_already_written(docroot):
    """The third file cannot be written (its folder is a file): the first two are undone."""
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    (docroot / ".well-known").write_text("not a folder")
    with pytest.raises(TransportError, match="put back as they were"):
        publisher.publish(site(), LocalFolder(docroot))
    assert (docroot / "robots.txt").read_bytes() == HAND_WRITTEN
    assert not (docroot / "ai.txt").exists()
    assert sorted(p.name for p in docroot.iterdir()) == [".well-known", "robots.txt"]
