"""The Spawning confirmation path against a loopback stand-in of the query API."""

from __future__ import annotations

import itertools

import pytest

from creatorapp.core.optouts.descriptor import load_all
from creatorapp.core.optouts.http import RateLimiter, RegistryError, retry_after
from creatorapp.core.optouts.spawning import SpawningQuery
from tests.servers import spawning_api


@pytest.fixture
def api():
    s = spawning_api.SpawningStandIn()
    yield s
    s.stop()


def client(api, key=spawning_api.KEY):
    return SpawningQuery(load_all()["spawning"], key, endpoint=api.url, backoff=0.01)


def test_answers_are_by_position_and_a_single_url_is_padded(api):
    api.opted_out = {"https://jane.example/b.jpg"}
    q = client(api)
    assert q.query(["https://jane.example/a.jpg", "https://jane.example/b.jpg"]) == [False, True]
    assert q.query(["https://jane.example/b.jpg"]) == [True]
    assert api.requests[-1] == ["https://jane.example/b.jpg", ""]


def test_a_bad_key_is_not_retried_and_says_so(api):
    with pytest.raises(RegistryError, match="refused the API key") as caught:
        client(api, key="wrong").query(["https://x/1", "https://x/2"])
    assert caught.value.retryable is False
    assert api.requests == []


def test_server_errors_and_rate_limits_are_retried(api):
    api.fail_next = [503, 500, 429]
    assert client(api).query(["https://x/1", "https://x/2"]) == [False, False]
    assert len(api.requests) == 1


def test_a_malformed_reply_records_nothing_and_stays_retryable(api):
    api.malformed_next = 1
    with pytest.raises(RegistryError, match="unexpected shape") as caught:
        client(api).query(["https://x/1", "https://x/2"])
    assert caught.value.retryable


def test_destination_down_is_retryable(api):
    api.stop()
    with pytest.raises(RegistryError, match="cannot reach") as caught:
        client(api).query(["https://x/1", "https://x/2"])
    assert caught.value.retryable


def test_rate_limiter_spaces_requests_and_honours_holds():
    now = [0.0]
    waited: list[float] = []

    def pause(s):
        waited.append(round(s, 3))
        now[0] += s

    limiter = RateLimiter(0.1, clock=lambda: now[0], pause=pause)
    for _ in range(3):
        limiter.wait()
    assert waited == [0.1, 0.1]
    limiter.hold(2.0)
    limiter.wait()
    assert waited[-1] == pytest.approx(2.0, abs=0.01)


def test_retry_after_forms():
    assert retry_after("3", 1) == 3
    assert retry_after(None, 1.5) == 1.5
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT", 1) == 0  # in the past
    assert retry_after("soon", 2) == 2


def test_a_late_wake_up_never_squeezes_the_next_request_closer():
    now = [0.0]
    sent: list[float] = []

    late = [0.03]  # once, the thread wakes 30 ms late (a busy interpreter)

    def pause(s):
        now[0] += s + (late.pop() if late else 0.0)

    limiter = RateLimiter(0.1, clock=lambda: now[0], pause=pause)
    for _ in range(4):
        limiter.wait()
        sent.append(now[0])
    gaps = [round(b - a, 3) for a, b in itertools.pairwise(sent)]
    assert min(gaps) >= 0.1
