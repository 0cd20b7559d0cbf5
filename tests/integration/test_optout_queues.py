"""One queue per destination, against the loopback stand-ins: a GitHub that is slow (its
requests held) and then failing does not hold up the Hugging Face Hub, when sending or when
polling; and two checks started at once (the window's timer and its button) take turns on a
destination instead of filing the same request twice."""

from __future__ import annotations

import threading

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from tests.servers import github_issues, hf_hub
from tests.waiting import wait_until

OWNERS = ["jane-art", "jane-studio"]
URLS = [f"https://jane.example/art/{i}.png" for i in range(3)]
HF = "huggingface:acme/images"


@pytest.fixture
def gh():
    s = github_issues.IssuesStandIn()
    yield s
    s.gate.open()
    s.stop()


@pytest.fixture
def hub():
    s = hf_hub.HubStandIn()
    yield s
    s.gate.open()
    s.stop()


def optouts(tmp_path, gh, hub) -> OptOuts:
    fast = {"backoff": 0.01, "min_interval": 0}
    return OptOuts(
        open_catalogue(tmp_path / "cat.sqlite3"),
        options={
            "bigcode-stack": {"api": gh.url, "repo": github_issues.REPO, **fast},
            "huggingface": {"api": hub.url, "web": hub.url, **fast},
        },
    )


def in_background(call) -> tuple[threading.Thread, list]:
    results: list = []
    worker = threading.Thread(target=lambda: results.append(call()), daemon=True)
    worker.start()
    return worker, results


def test_a_slow_then_failing_destination_does_not_hold_up_polling_the_others(tmp_path, gh, hub):
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(tmp_path, gh, hub)
    assert o.submit("bigcode-stack", OWNERS).sent and o.submit(HF, URLS).sent
    hub.reply("acme/images", 1, "Removed them all from the dataset.", close=True)

    gh.gate.close()  # GitHub is slow: its requests wait until the test lets them go
    worker, results = in_background(lambda: o.poll(force=True))
    try:
        wait_until(lambda: gh.gate.waiting >= 1, what="GitHub holding the poll")
        # the Hub is asked, and its answer recorded, while GitHub still keeps us waiting
        wait_until(lambda: o.status().get(HF) == {"confirmed": 3}, timeout=15, what="the Hub")
        assert worker.is_alive() and gh.gate.waiting >= 1
        gh.unavailable_for = "7200"  # and when GitHub answers, it is to say: come back later
    finally:
        gh.gate.open()
    worker.join(timeout=60)
    [report] = results
    assert report.changes[HF] == {"confirmed": 3}
    assert "wait 7200 s" in report.errors["bigcode-stack"]
    assert o.status()["bigcode-stack"] == {"submitted": 2}  # nothing lost, asked again later
    assert o.poll().not_due == 1
    o.store.close()


def test_a_slow_destination_does_not_hold_up_sending_to_the_others(tmp_path, gh, hub):
    o = optouts(tmp_path, gh, hub)
    # no tokens yet: both requests are persisted and wait for them
    assert o.submit("bigcode-stack", OWNERS).failed and o.submit(HF, URLS).failed
    secrets.put("registry", "bigcode-stack", github_issues.TOKEN)
    secrets.put("registry", "huggingface", hf_hub.TOKEN)

    gh.gate.close()
    worker, results = in_background(o.send_queued)
    try:
        wait_until(lambda: gh.gate.waiting >= 1, what="GitHub holding the send")
        wait_until(lambda: o.status().get(HF) == {"submitted": 3}, timeout=15, what="the Hub")
        assert hub.created == 1 and gh.created == 0 and worker.is_alive()
    finally:
        gh.gate.open()
    worker.join(timeout=60)
    [reports] = results
    assert {r.destination: len(r.sent) for r in reports} == {"bigcode-stack": 1, HF: 1}
    assert gh.created == 1 and o.status()["bigcode-stack"] == {"submitted": 2}
    o.store.close()


def test_two_checks_at_once_take_turns_and_file_the_request_once(tmp_path, gh, hub):
    o = optouts(tmp_path, gh, hub)
    assert o.submit(HF, URLS).failed  # no token yet: queued
    secrets.put("registry", "huggingface", hf_hub.TOKEN)

    hub.gate.close()
    first, first_results = in_background(o.send_queued)  # the window's timer...
    try:
        wait_until(lambda: hub.gate.waiting >= 1, what="the first check sending")
        second, second_results = in_background(o.send_queued)  # ...and its button
        wait_until(lambda: o.queues.pending("huggingface") == 1, what="the second check queued")
        assert hub.gate.waiting == 1  # the second has not asked the Hub anything
    finally:
        hub.gate.open()
    first.join(timeout=60)
    second.join(timeout=60)
    assert hub.created == 1  # filed once: the second found it sent
    assert [len(r.sent) for r in first_results[0]] == [1]
    assert not any(r.sent or r.failed for r in second_results[0])
    assert len(list(o.store.events(kind="optout.sent"))) == 1
    o.store.close()
