"""One queue per destination, each worked through in order by a thread of its own.

A destination's jobs never overlap: a check started by a timer and one started by a button take
turns, so the second finds the first's work recorded and never sends the same request twice.
Destinations do not wait for each other: one that is slow, down or asking us to back off holds
up only its own queue.  A worker lives while its queue has jobs; at most ``limit`` jobs run at
once, whatever the number of destinations.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, wait
from typing import TypeVar

T = TypeVar("T")


class DestinationQueues:
    def __init__(self, limit: int = 8) -> None:
        self._lock = threading.Lock()
        self._queues: dict[str, deque[tuple[Future, Callable[[], object]]]] = {}
        self._slots = threading.BoundedSemaphore(limit)

    def submit(self, destination: str, job: Callable[[], T]) -> Future[T]:
        """Put ``job`` at the end of the destination's queue."""
        future: Future[T] = Future()
        with self._lock:
            queue = self._queues.get(destination)
            idle = queue is None
            if queue is None:
                queue = self._queues[destination] = deque()
            queue.append((future, job))
        if idle:
            threading.Thread(
                target=self._work, args=(destination,), name=f"optout {destination}", daemon=True
            ).start()
        return future

    def _work(self, destination: str) -> None:
        while True:
            with self._lock:
                queue = self._queues[destination]
                if not queue:
                    del self._queues[destination]  # the next job starts a new worker
                    return
                future, job = queue.popleft()
            if not future.set_running_or_notify_cancel():
                continue
            with self._slots:
                try:
                    result = job()
                except BaseException as exc:  # handed to whoever waits for it
                    future.set_exception(exc)
                else:
                    future.set_result(result)

    def run(self, jobs: dict[str, Callable[[], T]]) -> dict[str, T]:
        """Each destination's job on its own queue; returns when all have ended.  A job's
        exception is raised only then, so the others' work is done and recorded first."""
        futures = {destination: self.submit(destination, job) for destination, job in jobs.items()}
        wait(futures.values())
        return {destination: future.result() for destination, future in futures.items()}

    def busy(self) -> list[str]:
        """Destinations with a job queued or running."""
        with self._lock:
            return sorted(self._queues)

    def pending(self, destination: str) -> int:
        """Jobs waiting their turn on the destination's queue (not the one running)."""
        with self._lock:
            return len(self._queues.get(destination, ()))
