"""Publishing to a GitHub Pages repository through a loopback stand-in for the contents API."""

from __future__ import annotations

import pytest

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import managed, publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import TransportError
from creatorapp.core.sites.transports.github import GitHubPages
from tests.servers import github_api

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
SITE = SiteConfig("jane", "https://jane.github.io", PRESETS["no-ai"])


@pytest.fixture
def api():
    s = github_api.GitHubStandIn()
    yield s
    s.stop()


def connect(api, **kw):
    args = dict(repo=github_api.REPO, token=github_api.TOKEN, api=api.url)
    args.update(kw)
    return GitHubPages(**args)


def test_publish_adds_nojekyll_keeps_lines_and_republishes_nothing(api):
    api.files["robots.txt"] = HAND_WRITTEN
    with connect(api) as transport:
        report = publisher.publish(SITE, transport)
    assert report.written
    assert api.files[".nojekyll"] == b""
    assert managed.outside(api.files["robots.txt"].decode()).encode() == HAND_WRITTEN + b"\n"
    assert ".well-known/tdmrep.json" in api.files
    commits = len(api.commits)
    with connect(api) as transport:
        assert publisher.publish(SITE, transport).changes == []
    assert len(api.commits) == commits


def test_a_bad_token_is_a_clear_message(api):
    with pytest.raises(TransportError, match="refused the token"):
        connect(api, token="ghp_wrong")


def test_a_file_changed_meanwhile_is_not_overwritten(api):
    api.files["robots.txt"] = HAND_WRITTEN
    with connect(api) as transport:
        assert transport.read("robots.txt") == HAND_WRITTEN
        api.files["robots.txt"] = b"# edited on github.com meanwhile\n"
        with pytest.raises(TransportError, match="409"):
            transport.write_atomic("robots.txt", b"ours")
    assert api.files["robots.txt"] == b"# edited on github.com meanwhile\n"


def test_an_unknown_repository_and_a_refused_connection(api):
    with pytest.raises(TransportError, match="no repository"):
        connect(api, repo="jane/nope")
    from tests.servers.common import free_port

    with pytest.raises(TransportError, match="refused the connection"):
        GitHubPages(repo="a/b", token="x", api=f"http://127.0.0.1:{free_port()}")


def test_the_cli_flow_to_github_pages(api):
    import json
    import subprocess
    import sys

    from tests.integration.test_cli import cli

    pages = api.serve_pages()
    add = subprocess.run(
        [
            sys.executable,
            "-m",
            "creatorapp",
            "site",
            "add",
            "pages",
            "--url",
            pages,
            "--transport",
            "github",
            "--repo",
            github_api.REPO,
            "--api",
            api.url,
            "--password-stdin",
        ],
        input=github_api.TOKEN + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert add.returncode == 0, add.stderr
    run = cli("site", "publish", "pages", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert ".nojekyll" in doc["changed"]
    assert "ai.txt" in api.files
    assert doc["verify"]["ok"] is True, doc["verify"]  # Pages serves what was committed


def test_a_read_only_token_leaves_the_site_as_it_was(api):
    api.files["robots.txt"] = HAND_WRITTEN
    with (
        connect(api, token=github_api.READ_ONLY_TOKEN) as transport,
        pytest.raises(TransportError, match="does not allow"),
    ):
        publisher.publish(SITE, transport)
    assert api.files == {"robots.txt": HAND_WRITTEN}
