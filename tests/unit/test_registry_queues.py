"""Per-destination queues: a destination's jobs run one at a time and in order, destinations do
not wait for each other, at most ``limit`` jobs run at once, and no worker outlives its queue."""

from __future__ import annotations

import threading

import pytest

from creatorapp.core.optouts.queues import DestinationQueues
from tests.waiting import wait_until


def _workers(*destinations: str) -> list[str]:
    names = {f"optout {d}" for d in destinations}
    return [t.name for t in threading.enumerate() if t.name in names]


def test_jobs_of_one_destination_take_turns_in_order_and_others_go_on():
    queues = DestinationQueues()
    release = threading.Event()
    order: list[str] = []
    slow = queues.submit("a", lambda: (release.wait(10), order.append("a1")))
    after = queues.submit("a", lambda: order.append("a2"))
    other = queues.submit("b", lambda: order.append("b1") or "b done")
    assert other.result(timeout=10) == "b done"  # b did not wait for a's slow job
    assert queues.pending("a") == 1 and not after.done()
    release.set()
    slow.result(timeout=10)
    after.result(timeout=10)
    assert order == ["b1", "a1", "a2"]
    wait_until(lambda: not queues.busy() and not _workers("a", "b"), what="the workers to end")


def test_at_most_limit_jobs_run_at_once():
    queues = DestinationQueues(limit=2)
    running, most = 0, 0
    lock = threading.Lock()
    release = threading.Event()

    def job():
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        release.wait(10)
        with lock:
            running -= 1

    names = ("bound-a", "bound-b", "bound-c", "bound-d")
    futures = [queues.submit(d, job) for d in names]
    wait_until(lambda: running == 2, what="two jobs running")
    assert len(_workers(*names)) == 4  # one worker a destination, two waiting for a slot
    release.set()
    for future in futures:
        future.result(timeout=10)
    assert most == 2


def test_run_waits_for_every_destination_before_raising_a_failure():
    queues = DestinationQueues()
    done = []

    def fails():
        raise ValueError("down")

    def slow():
        wait_until(lambda: failed.is_set(), what="the failure first")
        done.append("b")
        return "ok"

    failed = threading.Event()
    with pytest.raises(ValueError, match="down"):
        queues.run({"a": lambda: (failed.set(), fails()), "b": slow})
    assert done == ["b"]  # the other destination's work was finished and kept
