"""``optout destinations`` shows each destination's status (ok, degraded, manual) and the day
its facts were last checked; ``--check`` asks the services first, here HaveIBeenTrained's
stand-in, and the answer is kept with the time it was found."""

from __future__ import annotations

import json
import shutil

import pytest

from creatorapp.core.resources import resource_dir
from tests.integration.test_cli import cli
from tests.servers import spawning_api


@pytest.fixture
def api():
    s = spawning_api.SpawningStandIn()
    yield s
    s.stop()


def listing(*extra, env=None):
    run = cli("optout", "destinations", "--json", *extra, env=env)
    assert run.returncode == 0, run.stderr
    return {row["id"]: row for row in map(json.loads, run.stdout.splitlines())}


def test_each_destination_has_a_status_and_the_day_its_facts_were_checked():
    rows = listing()
    assert {"spawning", "spawning-domain", "laion", "meta", "meta-own-posts"} <= set(rows)
    expected = {
        "bigcode-stack": "ok",  # asked through GitHub's API
        "huggingface": "ok",
        "reservation-notice": "ok",  # the app sends the letter
        "laion": "manual",  # a browser form the creator sends
        "openai": "manual",
        "meta": "manual",
        "meta-own-posts": "manual",
        "spawning": "manual",  # never checked yet: a hand-off
    }
    assert {k: rows[k]["status"] for k in expected} == expected
    assert rows["laion"]["checked"] == "2026-12-02"
    assert rows["meta"]["checked"] == "2023-09-01"
    for row in rows.values():
        assert len(row["checked"]) == 10 and row["checked"][4] == "-", row["id"]
        assert row["status_checked_at"] is None
    table = cli("optout", "destinations").stdout
    assert "status" in table and "facts checked" in table
    assert "manual" in table and "2026-12-02" in table and "2023-09-01" in table
    assert "LAION acts only on personal-data (GDPR) requests" in table


def test_check_finds_haveibeentrained_under_maintenance_and_the_list_keeps_it(tmp_path, api):
    resources = tmp_path / "resources"
    shutil.copytree(resource_dir(), resources)
    toml = resources / "registries" / "spawning.toml"
    text = toml.read_text()
    assert 'url = "https://haveibeentrained.com/"' in text
    toml.write_text(
        text.replace('url = "https://haveibeentrained.com/"', f'url = "{api.page_url}"')
    )
    env = {"CREATORAPP_RESOURCES": str(resources)}

    assert listing(env=env)["spawning"]["status"] == "manual"
    assert api.page_requests == 0  # listing alone asks nothing
    checked = listing("--check", env=env)["spawning"]
    assert api.page_requests == 1
    assert checked["status"] == "degraded" and "under maintenance" in checked["status_detail"]
    assert checked["status_checked_at"].startswith("20")

    later = listing(env=env)["spawning"]  # a new process: read from the catalogue
    assert later["status"] == "degraded"
    assert later["status_checked_at"] == checked["status_checked_at"]
    assert api.page_requests == 1
    table = cli("optout", "destinations", env=env).stdout
    assert "degraded" in table and "under maintenance" in table

    api.page = "working"
    assert listing("--check", env=env)["spawning"]["status"] == "manual"
