"""Hugging Face dataset opt-outs end to end against a loopback stand-in of the discussion API:
a discussion per dataset, numbered parts, restarts, a lost answer, replies and closes, and the
errors the Hub gives (401, expired token, 403, 404, 429 with Retry-After, malformed answers)."""

from __future__ import annotations

import json

import pytest

from creatorapp.core import secrets
from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.catalogue.ledger import verify_chain
from creatorapp.core.optouts import evidence
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.outbox import OptOutError, OptOuts
from tests.servers import hf_hub

URLS = [f"https://jane.example/art/{i}.png" for i in range(3)]
DEST = "huggingface:acme/images"


@pytest.fixture
def hub():
    s = hf_hub.HubStandIn()
    yield s
    s.stop()


@pytest.fixture
def path(tmp_path):
    return tmp_path / "cat.sqlite3"


def optouts(path, hub, **extra):
    options = {"api": hub.url, "web": hub.url, "backoff": 0.01, "min_interval": 0, **extra}
    return OptOuts(open_catalogue(path), options={"huggingface": options})


def states(o, dest=DEST):
    return o.status().get(dest, {})


def test_open_restart_and_follow_the_discussion_to_its_end(path, hub):
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    o.store.set_setting("contact", {"name": "Jane Doe", "email": "jane@jane.example"})
    with pytest.raises(OptOutError, match="one dataset at a time") as caught:
        o.submit("huggingface", URLS)  # which dataset? it must be said
    assert caught.value.hint.advice is Advice.NAME_DATASET  # the shell says how to name it
    report = o.submit(DEST, URLS)
    assert report.sent and states(o) == {"submitted": 3} and hub.created == 1
    created = hub.discussions["acme/images"][1]
    key = report.sent[0]["idempotency_key"]
    assert f"[{key}]" in created["title"]
    description = created["events"][0]["data"]["latest"]["raw"]
    assert all(u in description for u in URLS) and "Jane Doe" in description
    assert report.sent[0]["remote_url"] == f"{hub.url}/datasets/acme/images/discussions/1"
    o.store.close()

    o = optouts(path, hub)  # the app restarted; nothing has happened yet
    assert o.poll(force=True).changes == {DEST: {}}
    hub.reply("acme/images", 1, "Thanks, we will look into it.")
    assert o.poll(force=True).changes == {DEST: {"acknowledged": 3}}
    hub.reply("acme/images", 1, "Removed these images in commit 3f2a1c.", close=True)
    assert o.poll(force=True).changes == {DEST: {"confirmed": 3}}
    assert states(o) == {"confirmed": 3}
    assert o.store.submission(key=key)["state"] == "closed"
    assert o.poll(force=True).changes == {}  # nothing open is asked again
    [queued] = [e.data for e in o.store.events(kind="optout.queued")]
    assert evidence.check(queued["request"])  # the exact request, kept and hashed
    kept = (evidence.folder() / queued["request"]["file"]).read_text()
    assert json.loads(kept)["title"] == created["title"]
    assert verify_chain(o.store.events(), expected_count=o.store.events_written()).ok
    o.store.close()


def test_a_refusal_is_rejected_and_a_bare_close_waits_for_the_creator(path, hub):
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    first = o.submit(DEST, URLS[:1]).sent[0]
    second = o.submit(DEST, URLS[1:]).sent[0]
    hub.reply("acme/images", 1, "We will not remove anything from this dataset.", close=True)
    hub.reply("acme/images", 2, "Closing.", close=True)
    o.poll(force=True)
    assert o.store.items(submission_id=first["id"])[0]["state"] == "rejected"
    assert {i["state"] for i in o.store.items(submission_id=second["id"])} == {"acknowledged"}
    waiting = [a["idempotency_key"] for a in o.needs_attention()]
    assert waiting == [second["idempotency_key"]]
    assert o.resolve(second["idempotency_key"], ItemState.CONFIRMED, note="files gone") == 2
    assert states(o) == {"rejected": 1, "confirmed": 2}
    o.store.close()


def test_long_lists_become_numbered_parts_and_datasets_are_kept_apart(path, hub):
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    o.descriptors["huggingface"] = type(o.descriptors["huggingface"])(
        **{**o.descriptors["huggingface"].__dict__, "max_batch": 2}
    )
    report = o.submit(DEST, URLS)
    titles = [d["title"] for d in hub.discussions["acme/images"].values()]
    assert [t.split(" [")[0][-10:] for t in titles] == ["(part 1/2)", "(part 2/2)"]
    assert len(report.sent) == 2
    o.submit("huggingface:acme/other", URLS[:1])  # the same URL, another dataset
    assert states(o, "huggingface:acme/other") == {"submitted": 1}
    assert states(o) == {"submitted": 3}
    again = o.submit(DEST, list(reversed(URLS)))
    assert len(again.found) == 2 and hub.created == 3  # never filed twice
    o.store.close()


def test_a_lost_answer_finds_the_discussion_instead_of_opening_another(path, hub):
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    hub.drop_next_create = 1  # created on the Hub, but the answer never arrives
    report = o.submit(DEST, URLS)
    assert report.failed and "cannot reach" in report.failed[0][1]
    assert hub.created == 1 and states(o) == {"pending": 3}
    o.store.close()
    o = optouts(path, hub)  # restart; the retry is due
    sub = o.store.submissions(DEST)[0]
    o.store.update_submission(sub["id"], next_attempt_at=None)
    [sent] = o.send_queued()
    assert sent.sent and hub.created == 1 and states(o) == {"submitted": 3}
    event = [e for e in o.store.events(kind="optout.sent")][-1]
    assert event.data["evidence"]["found_existing"] is True
    o.store.close()


def test_bad_and_expired_tokens_limits_and_malformed_answers_lose_nothing(path, hub):
    o = optouts(path, hub)
    report = o.submit(DEST, URLS)  # no token at all
    assert "no Hugging Face token" in report.failed[0][1] and states(o) == {"pending": 3}

    secrets.put("registry", "huggingface", hf_hub.EXPIRED)
    [again] = o.send_queued()
    assert "refused the token" in again.failed[0][1] and hub.created == 0

    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    hub.throttle_next, hub.retry_after = 2, "0"  # short waits are waited out
    [sent] = o.send_queued()
    assert sent.sent and hub.created == 1 and states(o) == {"submitted": 3}

    hub.throttle_next, hub.retry_after = 1, "7200"  # a long one is not: asked again later
    result = o.poll(force=True)
    assert "wait 7200 s" in result.errors[DEST] and states(o) == {"submitted": 3}
    sub = o.store.submissions(DEST)[0]
    assert sub["next_poll_at"] > sub["sent_at"] and o.poll().not_due == 1

    hub.malformed_next = 1
    assert "unexpected shape" in o.poll(force=True).errors[DEST]
    hub.reply("acme/images", 1, "Removed.", close=True)
    hub.stop()
    assert "cannot reach" in o.poll(force=True).errors[DEST]
    assert states(o) == {"submitted": 3}
    o.store.close()


def test_refusals_that_waiting_cannot_fix_say_so(path, hub):
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    hub.disabled.add("acme/images")
    report = o.submit(DEST, URLS)
    assert "turned discussions off" in report.failed[0][1]
    report = o.submit("huggingface:acme/missing", URLS)
    assert "no dataset acme/missing" in report.failed[0][1]
    with pytest.raises(OptOutError, match="not a Hugging Face dataset id"):
        o.submit("huggingface:not a dataset", URLS)
    assert o.store.submissions("huggingface:not a dataset") == []
    o.store.close()


def test_polls_follow_the_schedule_and_a_failing_destination_backs_off_whole(path, hub):
    from datetime import UTC, datetime, timedelta

    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    first = o.submit(DEST, URLS[:1]).sent[0]
    o.submit(DEST, URLS[1:])

    def due_in(submission_id):
        raw = o.store.submission(id=submission_id)["next_poll_at"]
        when = datetime.strptime(raw, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)
        return when - datetime.now(UTC)

    assert timedelta(hours=23) < due_in(first["id"]) <= timedelta(days=1)  # daily, then weekly
    asked = len(hub.requests)
    result = o.poll()
    assert result.not_due == 2 and result.changes == {} and len(hub.requests) == asked
    o.poll(force=True)
    o.poll(force=True)
    assert timedelta(days=6) < due_in(first["id"]) <= timedelta(days=7)

    hub.stop()
    result = o.poll(force=True)
    assert "cannot reach" in result.errors[DEST]
    subs = o.store.submissions(DEST)
    assert all(s["last_error"] and due_in(s["id"]) <= timedelta(hours=1) for s in subs)
    assert o.poll().not_due == 2  # neither is asked again before the back-off ends
    [failed] = list(o.store.events(kind="optout.poll_failed"))
    assert failed.data["submissions_waiting"] == 2
    o.store.close()


def test_requests_without_an_answer_in_the_expected_time_go_stale_and_are_surfaced(path, hub):
    from datetime import UTC, datetime, timedelta

    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub)
    sub = o.submit(DEST, URLS).sent[0]
    long_ago = datetime.now(UTC) - timedelta(days=61)  # the descriptor expects 60 days
    o.store.update_submission(sub["id"], sent_at=long_ago.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))
    assert o.poll(force=True).changes == {DEST: {"stale": 3}}
    [attention] = o.needs_attention()
    assert attention["idempotency_key"] == sub["idempotency_key"]
    assert "3 stale" in attention["reason"]
    hub.reply("acme/images", 1, "Sorry for the delay: removed them all.", close=True)
    assert o.poll(force=True).changes == {DEST: {"confirmed": 3}}  # a late answer still counts
    o.store.close()
