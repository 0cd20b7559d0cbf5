"""The robustness suite: every test needs exiftool (the oracle) and leaves no process behind."""

from __future__ import annotations

import pytest

from tests.robustness import harness


@pytest.fixture(autouse=True)
def _oracle(exiftool):
    """exiftool judges what was written: without it these tests skip (fail in CI)."""
    return exiftool


@pytest.fixture(autouse=True)
def _reap_started():
    """Whatever a test started is gone when it ends, even if an assertion stopped it midway."""
    harness.STARTED.clear()
    yield
    for started in harness.STARTED:
        if started.alive():
            harness.reap_group(started.pid)
            started.proc.wait(timeout=30)
        harness.reap_group(started.pid)
    harness.STARTED.clear()
