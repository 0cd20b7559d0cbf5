"""Opt-out submissions and items, their states, URL normalisation and idempotency keys."""

from __future__ import annotations

import hashlib
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit


class ItemState(StrEnum):
    """One URL, work or account at one destination (DESIGN.md "Item states")."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    AWAITING_USER_ACTION = "awaiting_user_action"
    USER_ATTESTED = "user_attested"
    STALE = "stale"
    UNVERIFIABLE = "unverifiable"

    @property
    def final(self) -> bool:
        return self in (ItemState.CONFIRMED, ItemState.REJECTED)


# which moves an item may make; anything else is a bug or a confused reply, and is refused
TRANSITIONS: dict[ItemState, frozenset[ItemState]] = {
    ItemState.PENDING: frozenset(
        {ItemState.SUBMITTED, ItemState.AWAITING_USER_ACTION, ItemState.UNVERIFIABLE}
    ),
    ItemState.SUBMITTED: frozenset(
        {
            ItemState.ACKNOWLEDGED,
            ItemState.CONFIRMED,
            ItemState.REJECTED,
            ItemState.STALE,
            ItemState.UNVERIFIABLE,
        }
    ),
    ItemState.ACKNOWLEDGED: frozenset({ItemState.CONFIRMED, ItemState.REJECTED, ItemState.STALE}),
    ItemState.AWAITING_USER_ACTION: frozenset(
        {ItemState.USER_ATTESTED, ItemState.CONFIRMED, ItemState.STALE}
    ),
    ItemState.USER_ATTESTED: frozenset(
        {
            ItemState.ACKNOWLEDGED,
            ItemState.CONFIRMED,
            ItemState.REJECTED,
            ItemState.STALE,
            ItemState.UNVERIFIABLE,
        }
    ),
    ItemState.STALE: frozenset(
        {ItemState.ACKNOWLEDGED, ItemState.CONFIRMED, ItemState.REJECTED, ItemState.SUBMITTED}
    ),
    ItemState.UNVERIFIABLE: frozenset({ItemState.CONFIRMED, ItemState.SUBMITTED}),
    ItemState.CONFIRMED: frozenset(),
    ItemState.REJECTED: frozenset({ItemState.SUBMITTED}),  # filed again
}


def can_move(old: ItemState, new: ItemState) -> bool:
    return old is new or new in TRANSITIONS[old]


class SubmissionState(StrEnum):
    QUEUED = "queued"  # persisted, not yet sent
    SENT = "sent"  # the destination has it; now polled
    FAILED = "failed"  # could not be sent yet; retried
    AWAITING_USER_ACTION = "awaiting_user_action"  # a browser hand-off the user must finish
    USER_ATTESTED = "user_attested"
    CLOSED = "closed"  # every item reached a final state


def normalise_url(url: str) -> str:
    """The form registries compare: scheme and host lower case, no fragment, no trailing
    slash (except the root), default ports dropped."""
    parts = urlsplit(url.strip())
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    port = parts.port
    if port and (scheme, port) not in (("http", 80), ("https", 443)):
        host = f"{host}:{port}"
    path = parts.path or "/"
    if len(path) > 1:
        path = path.rstrip("/")
    return urlunsplit((scheme, host, path, parts.query, ""))


def idempotency_key(destination: str, targets: list[str], kind: str = "opt-out") -> str:
    """Deterministic: the same request to the same destination always has the same key, so a
    retry or a restart finds the earlier submission instead of filing twice.  Short enough to
    put in an issue title, a discussion title or an email subject."""
    canonical = "\n".join([destination, kind, *sorted(set(targets))])
    return "cr-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
