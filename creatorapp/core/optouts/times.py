"""The timestamps opt-out records keep (UTC, microseconds, ``Z``), read and made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

TS = "%Y-%m-%dT%H:%M:%S.%fZ"


def parse(ts: str | None) -> datetime | None:
    return datetime.strptime(ts, TS).replace(tzinfo=UTC) if ts else None


def at(seconds: float) -> str:
    """The timestamp ``seconds`` from now."""
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime(TS)
