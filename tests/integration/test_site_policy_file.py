"""A site whose policy comes from a TOML file: added, rendered, published and verified end to end
against a local document root served on loopback, with the new declarations (the ODRL offer
and the RSL licence) among the files checked."""

from __future__ import annotations

import json
import os

import pytest

from creatorapp.core.policy import policies_dir
from tests.integration.test_cli import cli
from tests.servers.http_site import SiteServer

STUDIO = """\
extends = "no-genai"
title = "Studio"
# the creator's own notes survive in the kept copy
[rights]
creator = "Jane Doe"
contact_url = "mailto:jane@jane.example"
licence_url = "https://jane.example/licensing"
"""


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = SiteServer(root)
    yield root, server
    server.close()


def _add(name: str, url: str, root, policy: str):
    return cli("site", "add", name, "--url", url, "--transport", "local", "--root", str(root),
               "--policy", policy)  # fmt: skip


def test_a_site_can_use_a_policy_file(served, tmp_path):
    root, server = served
    policy_file = tmp_path / "studio.toml"
    policy_file.write_text(STUDIO, encoding="utf-8")

    added = _add("jane", server.url, root, str(policy_file))
    assert added.returncode == 0, added.stderr
    assert "policy studio" in added.stdout
    kept = policies_dir() / "studio.toml"
    assert kept.read_bytes() == policy_file.read_bytes()  # a copy, byte for byte
    os.remove(policy_file)  # the site no longer depends on where the file was

    out = tmp_path / "render"
    rendered = cli("site", "render", "jane", "--out", str(out))
    assert rendered.returncode == 0, rendered.stderr
    [rule] = json.loads((out / ".well-known" / "tdmrep.json").read_text())
    assert rule == {
        "location": "/",
        "tdm-reservation": 1,
        "tdm-policy": f"{server.url}/ai-policy.json",
    }
    offer = json.loads((out / "ai-policy.json").read_text())
    assert offer["assigner"]["vcard:fn"] == "Jane Doe"
    assert offer["assigner"]["vcard:hasEmail"] == "mailto:jane@jane.example"
    assert '<prohibits type="usage">ai-train</prohibits>' in (out / "license.xml").read_text()

    published = cli("site", "publish", "jane", "--json")
    doc = json.loads(published.stdout)
    assert published.returncode == 0, published.stdout + published.stderr
    assert {"ai-policy.json", "license.xml"} <= set(doc["changed"])
    assert f"License: {server.url}/license.xml" in (root / "robots.txt").read_text()

    checked = cli("site", "verify", "jane", "--json")
    report = json.loads(checked.stdout)
    assert checked.returncode == 0 and report["ok"] is True, checked.stdout
    passed = {c["check"] for c in report["checks"] if c["ok"]}
    assert {
        "/ai-policy.json is served",
        "/ai-policy.json media type",
        "/license.xml is served",
        "/license.xml media type",
    } <= passed
    assert f"{server.url}/license.xml" in report["responses"]

    (root / "ai-policy.json").unlink()  # taken down by someone: the check says so
    gone = cli("site", "verify", "jane", "--json")
    assert gone.returncode == 1
    checks = json.loads(gone.stdout)["checks"]
    assert any(c["check"] == "/ai-policy.json is served" and not c["ok"] for c in checks)


PLAIN = 'extends = "no-tdm"\n[rights]\ncreator = "Jane Doe"\n'


def test_render_finds_the_policy_the_site_was_added_with(served, tmp_path):
    """Issue 18 point 6: the file was accepted, then render said "unknown policy"."""
    root, server = served
    policy_file = tmp_path / "Jane Studio.toml"
    policy_file.write_text(PLAIN, encoding="utf-8")
    assert _add("jane", server.url, root, str(policy_file)).returncode == 0
    rendered = cli("site", "render", "jane", "--out", str(tmp_path / "out"))
    assert rendered.returncode == 0, rendered.stderr
    assert (policies_dir() / "jane-studio.toml").read_text(encoding="utf-8") == PLAIN
    robots = (tmp_path / "out" / "robots.txt").read_text()
    assert "# jane-studio:" in robots  # the file's policy (named after it), not the default


def test_the_same_file_again_names_the_kept_policy(served, tmp_path):
    root, server = served
    policy_file = tmp_path / "studio.toml"
    policy_file.write_text(PLAIN, encoding="utf-8")
    assert _add("one", server.url, root, str(policy_file)).returncode == 0
    again = _add("two", server.url, root, str(policy_file))
    assert again.returncode == 0, again.stderr
    listed = [json.loads(line) for line in cli("site", "list", "--json").stdout.splitlines()]
    assert {s["name"]: s["policy"] for s in listed} == {"one": "studio", "two": "studio"}
    assert cli("site", "render", "two", "--out", str(tmp_path / "out")).returncode == 0


@pytest.mark.parametrize(
    "text, words",
    [
        ('name = "no-ai"\nextends = "allow"\n', "is a preset"),
        ('name = "studio"\nextends = "allow"\n', "a different policy called 'studio'"),
    ],
)
def test_a_file_whose_name_means_something_else_is_refused(served, tmp_path, text, words):
    root, server = served
    (tmp_path / "studio.toml").write_text(STUDIO, encoding="utf-8")
    assert _add("first", server.url, root, str(tmp_path / "studio.toml")).returncode == 0
    other = tmp_path / "other.toml"
    other.write_text(text, encoding="utf-8")
    run = _add("second", server.url, root, str(other))
    assert run.returncode == 2, run.stdout + run.stderr
    assert words in run.stderr and "Traceback" not in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1
    assert (policies_dir() / "studio.toml").read_text(encoding="utf-8") == STUDIO  # not replaced
