"""Spawning opt-outs end to end: hand-off, attestation, confirmations over successive polls,
restarts, duplicates, missing and bad keys."""

from __future__ import annotations

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.outbox import OptOuts
from tests.servers import spawning_api

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(5)]


@pytest.fixture
def api():
    s = spawning_api.SpawningStandIn()
    yield s
    s.stop()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "cat.sqlite3"


def optouts(path, api):
    return OptOuts(
        open_catalogue(path), options={"spawning": {"endpoint": api.url, "backoff": 0.01}}
    )


def states(o):
    return o.status().get("spawning", {})


def test_submit_restart_attest_and_confirm_over_successive_polls(path, api):
    secrets.put("registry", "spawning", spawning_api.KEY)
    o = optouts(path, api)
    same_as_first = "HTTPS://Jane.Example/art/0.jpg#detail"  # normalises to URLS[0]
    report = o.submit("spawning", [*URLS, same_as_first])
    assert len(report.queued) == 1 and report.new_items == 5
    assert report.next_steps and "HaveIBeenTrained" in report.next_steps[0].text
    # HIBT takes no list: the creator is never told to paste one there
    assert "takes no list" in report.next_steps[0].text
    assert "add these URLs" not in report.next_steps[0].text
    assert report.next_steps[0].advice is Advice.ATTEST  # the shell says how to attest it
    assert states(o) == {"awaiting_user_action": 5}
    key = report.queued[0]["idempotency_key"]
    o.store.close()

    o = optouts(path, api)  # the app restarted before anything was confirmed
    assert o.attest(key) == 5
    api.opted_out = set(URLS[:2])
    assert o.poll("spawning", force=True).changes == {"spawning": {"confirmed": 2}}
    api.opted_out = set(URLS)
    assert o.poll("spawning", force=True).changes == {"spawning": {"confirmed": 3}}
    assert states(o) == {"confirmed": 5}
    assert o.store.submission(key=key)["state"] == "closed"
    kinds = [e.kind for e in o.store.events()]
    moved = [e for e in o.store.events(kind="optout.items") if e.data["to"] == "confirmed"]
    assert sorted(t for e in moved for t in e.data["targets"]) == sorted(URLS)
    assert "optout.attested" in kinds
    assert verify_chain(o.store.events(), expected_count=o.store.events_written()).ok
    o.store.close()


def test_a_duplicate_submit_is_found_not_filed_twice(path, api):
    o = optouts(path, api)
    first = o.submit("spawning", URLS)
    again = o.submit("spawning", list(reversed(URLS)))
    assert again.queued == [] and [s["id"] for s in again.found] == [first.queued[0]["id"]]
    assert len(o.store.submissions("spawning")) == 1
    o.store.close()


def test_an_overlapping_list_asks_only_for_what_is_new(path, api):
    o = optouts(path, api)
    first = o.submit("spawning", URLS[:3]).queued[0]
    report = o.submit("spawning", URLS)
    assert report.already_tracked == 3 and [s["id"] for s in report.found] == [first["id"]]
    [new] = report.queued
    assert report.payloads[0]["urls"] == sorted(URLS[3:])
    assert len(o.store.items(submission_id=new["id"])) == 2
    assert len(o.store.items(submission_id=first["id"])) == 3  # not moved to the new request
    o.store.close()


def test_dry_run_shows_the_payload_and_records_nothing(path, api):
    o = optouts(path, api)
    report = o.submit("spawning", URLS, dry_run=True)
    assert report.payloads[0]["urls"] == sorted(URLS)
    assert o.store.submissions() == [] and o.status() == {}
    assert o.store.events_written() == 0
    o.store.close()


def test_without_a_key_attested_items_are_unverifiable_not_failed(path, api):
    o = optouts(path, api)
    key = o.submit("spawning", URLS).queued[0]["idempotency_key"]
    o.attest(key)
    o.poll("spawning", force=True)
    assert states(o) == {"unverifiable": 5}
    assert api.requests == []
    o.store.close()


def test_a_bad_key_or_a_malformed_reply_loses_nothing(path, api):
    secrets.put("registry", "spawning", "wrong-key")
    o = optouts(path, api)
    key = o.submit("spawning", URLS).queued[0]["idempotency_key"]
    o.attest(key)
    assert "refused the API key" in o.poll("spawning", force=True).errors["spawning"]
    assert states(o) == {"user_attested": 5}
    secrets.put("registry", "spawning", spawning_api.KEY)
    o = optouts(path, api)
    api.malformed_next = 1
    assert "unexpected shape" in o.poll("spawning", force=True).errors["spawning"]
    assert states(o) == {"user_attested": 5}
    api.opted_out = set(URLS)
    o.poll("spawning", force=True)
    assert states(o) == {"confirmed": 5}
    o.store.close()


def test_large_lists_are_split_by_the_destinations_batch_limit(path, api):
    o = optouts(path, api)
    o.descriptors["spawning"] = type(o.descriptors["spawning"])(
        **{**o.descriptors["spawning"].__dict__, "max_batch": 2}
    )
    report = o.submit("spawning", URLS)
    assert [(s["part_no"], s["part_count"]) for s in report.queued] == [(1, 3), (2, 3), (3, 3)]
    assert len({s["idempotency_key"] for s in report.queued}) == 3
    o.store.close()


def test_the_cli_flow(tmp_path):
    import json

    from tests.integration.test_cli import cli

    urls = tmp_path / "urls.txt"
    urls.write_text("# my works\n" + "\n".join(URLS) + "\n")
    listing = [
        json.loads(line) for line in cli("optout", "destinations", "--json").stdout.splitlines()
    ]
    assert {"spawning", "bigcode-stack"} <= {d["id"] for d in listing}
    dry = cli("optout", "submit", "spawning", "--urls", str(urls), "--dry-run", "--json")
    assert dry.returncode == 0 and json.loads(dry.stdout)["payloads"][0]["urls"] == sorted(URLS)
    assert json.loads(cli("optout", "status", "--json").stdout)["items"] == {}
    run = cli("optout", "submit", "spawning", "--urls", str(urls))
    assert run.returncode == 0 and "Next:" in run.stdout
    again = cli("optout", "submit", "spawning", "--urls", str(urls))
    assert "already submitted" in again.stdout
    key = json.loads(cli("optout", "status", "--json").stdout)["submissions"][0]["idempotency_key"]
    assert cli("optout", "attest", key).returncode == 0
    status = json.loads(cli("optout", "status", "--json").stdout)
    assert status["items"] == {"spawning": {"user_attested": 5}}
    bad = cli("optout", "submit", "nowhere", "--urls", str(urls))
    assert bad.returncode == 2 and "unknown destination" in bad.stderr


def test_the_cli_polls_what_is_due_and_everything_with_now(tmp_path, api):
    import json
    import shutil

    from creatorapp.core.resources import resource_dir
    from tests.integration.test_cli import cli

    # destinations are data: a copy whose Spawning endpoint is the loopback stand-in
    resources = tmp_path / "resources"
    shutil.copytree(resource_dir(), resources)
    toml = resources / "registries" / "spawning.toml"
    toml.write_text(toml.read_text().replace(
        "https://opts-api.spawningaiapi.com/api/v2/query/urls/", api.url))  # fmt: skip
    env = {"CREATORAPP_RESOURCES": str(resources)}
    urls = tmp_path / "urls.txt"
    urls.write_text("\n".join(URLS) + "\n")
    assert (
        cli("optout", "token", "spawning", input=spawning_api.KEY + "\n", env=env).returncode == 0
    )
    cli("optout", "submit", "spawning", "--urls", str(urls), "--no-browser", env=env)
    key = json.loads(cli("optout", "status", "--json").stdout)["submissions"][0]["idempotency_key"]
    cli("optout", "attest", key, env=env)
    api.opted_out = set(URLS)
    due = json.loads(cli("optout", "poll", "--json", env=env).stdout)
    assert due["not_due"] == 1 and due["changes"] == {} and api.requests == []
    now = cli("optout", "poll", "--now", env=env)
    assert now.returncode == 0 and "[spawning]: 5 now confirmed" in now.stdout
    assert json.loads(cli("optout", "status", "--json").stdout)["items"] == {
        "spawning": {"confirmed": 5}
    }
    api.stop()
    nothing = cli("optout", "poll", "--now", env=env)
    assert nothing.returncode == 0 and "Nothing open to check." in nothing.stdout


@pytest.mark.parametrize(
    ("page", "said"),
    [("maintenance", "under maintenance"), ("error", "HTTP 503")],
)
def test_haveibeentrained_down_marks_spawning_degraded_with_when(path, api, page, said):
    api.page = page
    o = OptOuts(open_catalogue(path), options={"spawning": {"liveness": api.page_url}})
    assert o.destinations.status("spawning").value == "manual"  # never checked: a hand-off
    found = o.destinations.check_liveness()
    assert api.page_requests == 1 and not found["spawning"].alive
    assert o.destinations.status("spawning").value == "degraded"
    o.store.close()

    o = OptOuts(open_catalogue(path))  # kept in the catalogue, with the time it was checked
    health = o.destinations.health("spawning")
    assert o.destinations.status("spawning").value == "degraded"
    assert said in health.detail and health.url == api.page_url
    assert health.checked_at.startswith("20") and health.checked_at.endswith("Z")
    assert o.destinations.status("laion").value == "manual"  # not checked, not changed
    o.store.close()


def test_a_working_page_or_no_answer_moves_the_status(path, api):
    api.page = "working"
    o = OptOuts(open_catalogue(path), options={"spawning": {"liveness": api.page_url}})
    assert o.destinations.check_liveness()["spawning"].alive
    assert o.destinations.status("spawning").value == "manual"
    api.stop()
    assert not o.destinations.check_liveness()["spawning"].alive
    assert "could not be reached" in o.destinations.health("spawning").detail
    o.store.close()


def test_a_domain_is_handed_off_to_the_sites_ai_txt(path, api):
    secrets.put("registry", "spawning-domain", spawning_api.KEY)
    o = optouts(path, api)
    report = o.submit("spawning-domain", ["https://www.Jane.Example/art/", "jane.example"])
    assert report.new_items == 1  # one domain, however it was written
    [payload] = report.payloads
    assert payload["domains"] == ["jane.example"]
    assert payload["open"] == "https://jane.example/ai.txt"
    [step] = report.next_steps
    assert "ai.txt" in step.text and "whole domains" in step.text
    assert step.advice is Advice.ATTEST
    key = report.queued[0]["idempotency_key"]
    assert o.attest(key) == 1
    o.poll("spawning-domain", force=True)
    assert api.requests == []  # the query API takes addresses, not domains
    assert o.status()["spawning-domain"] == {"user_attested": 1}
    o.store.close()
