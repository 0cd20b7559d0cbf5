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
    assert "3 items got no answer" in attention["reason"]  # said in words, not as a state
    hub.reply("acme/images", 1, "Sorry for the delay: removed them all.", close=True)
    assert o.poll(force=True).changes == {DEST: {"confirmed": 3}}  # a late answer still counts
    o.store.close()


# --- the Hub's 5-minute quotas: RateLimit / RateLimit-Policy ---------------------------------
class FakeTime:
    """The limiter's clock and pause, shared with the stand-in: a wait is recorded and passes
    at once, so the Hub's windows go by without the test sleeping."""

    def __init__(self) -> None:
        self.now = 1000.0  # the stand-in's windows start at multiples of 300 s: 900, 1200, ...
        self.waits: list[float] = []

    def clock(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.waits.append(round(seconds, 3))
        self.now += seconds


def one_url_a_discussion(o):
    o.descriptors["huggingface"] = type(o.descriptors["huggingface"])(
        **{**o.descriptors["huggingface"].__dict__, "max_batch": 1}
    )


def per_window(hub) -> dict[int, int]:
    counts: dict[int, int] = {}
    for when, _ in hub.served:
        counts[int(when // hub.window)] = counts.get(int(when // hub.window), 0) + 1
    return counts


def test_the_stand_in_sends_the_hubs_fields_and_they_parse_as_structured_fields(hub):
    import http_sfv
    import requests

    from creatorapp.core.optouts.http import service_limits

    time = FakeTime()
    hub.clock, hub.quota = time.clock, 2
    auth = {"Authorization": f"Bearer {hf_hub.TOKEN}"}
    answers = [requests.get(f"{hub.url}/api/whoami-v2", headers=auth, timeout=10) for _ in "abc"]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].headers["RateLimit"] == '"api";r=0;t=200'
    assert answers[2].headers["RateLimit-Policy"] == '"fixed window";"api";q=2;w=300'
    field = http_sfv.List()
    field.parse(answers[0].headers["RateLimit"].encode())  # RFC 9651: it parses as sent
    assert [(i.value, dict(i.params)) for i in field] == [("api", {"r": 1, "t": 200})]
    with pytest.raises(ValueError):  # the Hub's policy field does not: its type comes first
        http_sfv.List().parse(answers[0].headers["RateLimit-Policy"].encode())
    [limit] = service_limits(answers[2].headers)
    assert (limit.policy, limit.remaining, limit.reset, limit.quota, limit.window) == (
        "api",
        0,
        200,
        2,
        300,
    )
    assert str(limit) == "0 of 2 requests left in its 300 s window"
    hub.policy_type = ""  # the draft's own form parses too
    time.now = 1300.0
    again = requests.get(f"{hub.url}/api/whoami-v2", headers=auth, timeout=10)
    assert service_limits(again.headers)[0].quota == 2


@pytest.mark.parametrize(
    "field",
    ['"api";r=;t=5', '"api";r=-1;t=5', '"api";t=5', "api r=0", '"api";r=0.5;t=5', ""],
)
def test_malformed_ratelimit_fields_are_ignored(field):
    from creatorapp.core.optouts.http import service_limits

    assert service_limits({"RateLimit": field}) == []


def test_the_sender_waits_for_the_window_and_never_exceeds_the_quota(path, hub):
    time = FakeTime()
    hub.clock, hub.quota = time.clock, 3
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub, clock=time.clock, pause=time.pause, max_wait=600)
    one_url_a_discussion(o)
    urls = [f"https://jane.example/art/{i}.png" for i in range(7)]
    report = o.submit(DEST, urls)
    assert len(report.sent) == 7 and not report.failed and hub.created == 7
    assert hub.over_quota == 0  # never a request beyond what the Hub said was left
    assert per_window(hub) == {3: 3, 4: 3, 5: 1}  # 3 a window, the windows waited out
    assert 200.0 in time.waits and 300.0 in time.waits  # to 1200, then a full window
    assert states(o) == {"submitted": 7}
    o.store.close()


def test_a_429_with_the_quota_used_up_waits_until_it_resets(path, hub):
    import requests

    time = FakeTime()
    hub.clock, hub.quota = time.clock, 2
    auth = {"Authorization": f"Bearer {hf_hub.TOKEN}"}
    for _ in range(2):  # someone else used this window's quota (another app, the browser)
        requests.get(f"{hub.url}/api/whoami-v2", headers=auth, timeout=10)
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub, clock=time.clock, pause=time.pause, max_wait=600)
    report = o.submit(DEST, URLS)
    assert report.sent and hub.created == 1
    assert hub.over_quota == 1  # the one 429 that said how long; then it waited t, not less
    assert time.waits == [200.0]
    o.store.close()


def test_retry_after_takes_precedence_over_the_quotas_reset(path, hub):
    time = FakeTime()
    hub.clock, hub.quota = time.clock, 100
    hub.throttle_next, hub.retry_after = 1, "42"  # a 429 with Retry-After and r>0
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub, clock=time.clock, pause=time.pause, max_wait=600)
    assert o.submit(DEST, URLS).sent and time.waits == [42.0]
    o.store.close()


def test_a_quota_used_up_for_long_leaves_the_rest_for_later(path, hub):
    from datetime import UTC, datetime, timedelta

    time = FakeTime()
    hub.clock, hub.quota = time.clock, 1
    secrets.put("registry", "huggingface", hf_hub.TOKEN)
    o = optouts(path, hub, clock=time.clock, pause=time.pause)  # waits up to 30 s only
    one_url_a_discussion(o)
    report = o.submit(DEST, URLS[:2])
    assert len(report.sent) == 1 and hub.created == 1 and hub.over_quota == 0
    [failure] = report.failed
    assert "quota is used up until it resets in 200 s" in failure.error
    queued = next(s for s in o.store.submissions(DEST) if s["state"] == "failed")
    due = datetime.strptime(queued["next_attempt_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    wait = due.replace(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(seconds=190) < wait <= timedelta(seconds=200)  # when the window resets
    assert time.waits == []  # nothing was held for it
    o.store.close()


def test_the_limiter_keeps_within_a_reported_quota():
    from creatorapp.core.optouts.http import RateLimiter, ServiceLimit

    time = FakeTime()
    limiter = RateLimiter(0.0, clock=time.clock, pause=time.pause)
    limiter.observe([ServiceLimit("api", 2, 55)])
    for _ in range(3):
        limiter.wait()
    assert time.waits == [55.0]  # two went at once, the third when the quota reset
    limiter.observe([ServiceLimit("api", 0, None)])  # no reset time: nothing to wait for
    limiter.wait()
    assert time.waits == [55.0] and limiter.quota_wait() == 0
