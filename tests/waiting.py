"""Waiting on conditions, never on the clock: poll a predicate until it holds or time runs out."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable


def wait_until(predicate: Callable[[], object], *, timeout: float = 20.0, what: str = "") -> None:
    """Return as soon as ``predicate()`` is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    pause = threading.Event()
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or predicate}")
        pause.wait(0.02)
