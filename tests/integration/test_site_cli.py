"""`creatorapp site` end to end against a local document root served on loopback."""

from __future__ import annotations

import json

import pytest

from tests.conftest import make_jpeg
from tests.integration.test_cli import cli
from tests.servers.http_site import SiteServer


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = SiteServer(root)
    yield root, server
    server.close()


def test_add_render_publish_verify_and_drift(served, tmp_path):
    root, server = served
    (root / "robots.txt").write_text("User-agent: *\nDisallow: /drafts/\n")
    (root / "img").mkdir()
    make_jpeg(root / "img" / "a.jpg")
    run = cli(
        "site",
        "add",
        "jane",
        "--url",
        server.url,
        "--transport",
        "local",
        "--root",
        str(root),
        "--sample-image",
        "img/a.jpg",
    )
    assert run.returncode == 0, run.stderr

    out = tmp_path / "render"
    assert cli("site", "render", "jane", "--out", str(out)).returncode == 0
    (root / "_headers").write_text((out / "_headers").read_text())  # the creator installs it
    assert (out / "nginx-creator-reserve.conf").exists()

    dry = cli("site", "publish", "jane", "--dry-run", "--json")
    doc = json.loads(dry.stdout)
    assert set(doc["changed"]) == {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    assert (root / "robots.txt").read_text() == "User-agent: *\nDisallow: /drafts/\n"

    assert cli("site", "publish", "jane").returncode == 0
    assert (root / "robots.txt").read_text().startswith("User-agent: *\nDisallow: /drafts/\n")
    again = cli("site", "publish", "jane", "--json")
    assert json.loads(again.stdout)["changed"] == []

    ok = cli("site", "verify", "jane", "--json")
    assert ok.returncode == 0, ok.stdout
    assert json.loads(ok.stdout)["ok"] is True

    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n")  # overwritten by someone
    bad = cli("site", "verify", "jane")
    assert bad.returncode == 1
    assert "DRIFT /robots.txt" in bad.stdout and "+Allow: /" in bad.stdout

    events = [json.loads(line) for line in cli("ledger", "export", "--json").stdout.splitlines()]
    verified = [e for e in events if e["kind"] == "site.verified"]
    assert [e["data"]["ok"] for e in verified] == [True, False]
    assert all(e["data"]["responses"] for e in verified)
    listing = json.loads(cli("site", "list", "--json").stdout.splitlines()[0])
    assert listing["verify_ok"] is False


def test_site_errors_are_one_line(tmp_path):
    for args, words in [
        (
            (
                "site",
                "add",
                "x",
                "--url",
                "ftp://x",
                "--transport",
                "local",
                "--root",
                str(tmp_path),
            ),
            "must be like https://",
        ),
        (
            ("site", "add", "x", "--url", "https://x.example", "--transport", "carrier-pigeon"),
            "unknown transport",
        ),
        (
            ("site", "add", "x", "--url", "https://x.example", "--transport", "local"),
            "needs --root",
        ),
        (("site", "publish", "nope"), "no site called"),
    ]:
        run = cli(*args)
        assert run.returncode == 2, (args, run.stdout, run.stderr)
        assert words in run.stderr and "Traceback" not in run.stderr
