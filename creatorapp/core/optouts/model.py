"""Opt-out submissions and items, their states, URL normalisation and idempotency keys."""

from __future__ import annotations

import hashlib
import re
from enum import StrEnum
from urllib.parse import urlsplit, urlunsplit


class ItemState(StrEnum):
    """One URL, work or account at one destination (DESIGN.md "Item states")."""

    PENDING = "pending"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    NEEDS_INFO = "needs_info"  # the destination asked the creator something (proof of authority)
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
            ItemState.NEEDS_INFO,
            ItemState.CONFIRMED,
            ItemState.REJECTED,
            ItemState.STALE,
            ItemState.UNVERIFIABLE,
        }
    ),
    ItemState.ACKNOWLEDGED: frozenset(
        {ItemState.NEEDS_INFO, ItemState.CONFIRMED, ItemState.REJECTED, ItemState.STALE}
    ),
    # a question waits for the creator, not for the destination: it never goes stale, and the
    # creator's answer on the request moves it back to acknowledged
    ItemState.NEEDS_INFO: frozenset(
        {ItemState.ACKNOWLEDGED, ItemState.CONFIRMED, ItemState.REJECTED}
    ),
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
        {
            ItemState.ACKNOWLEDGED,
            ItemState.NEEDS_INFO,
            ItemState.CONFIRMED,
            ItemState.REJECTED,
            ItemState.SUBMITTED,
        }
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


_GITHUB_NAME = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_GITHUB_REPO = re.compile(r"^[A-Za-z0-9_.-]+$")


def normalise_account(target: str) -> str:
    """An account (``jane``, ``@jane``, ``https://github.com/jane``) or a repository
    (``jane/tools``, ``https://github.com/jane/tools.git``) as registries compare them: lower
    case (GitHub names are not case-sensitive), without the @, the host or a ``.git``.  A
    repository keeps its owner, so ``jane/tools`` never becomes the whole account ``tools``."""
    text = target.strip()
    if "://" in text:
        text = urlsplit(text).path
    parts = [p for p in text.removeprefix("@").split("/") if p]
    if len(parts) >= 2:
        owner, repo = parts[0].removeprefix("@"), parts[1].removesuffix(".git")
        return f"{owner}/{repo}".lower()
    return (parts[0] if parts else "").lower()


def is_repository(target: str) -> bool:
    """``owner/repo`` (after :func:`normalise_account`): a repository, not an account."""
    owner, _, repo = target.partition("/")
    return bool(repo) and bool(_GITHUB_NAME.match(owner)) and bool(_GITHUB_REPO.match(repo))


def idempotency_key(destination: str, targets: list[str], kind: str = "opt-out") -> str:
    """Deterministic: the same request to the same destination always has the same key, so a
    retry or a restart finds the earlier submission instead of filing twice.  Short enough to
    put in an issue title, a discussion title or an email subject."""
    canonical = "\n".join([destination, kind, *sorted(set(targets))])
    return "cr-" + hashlib.sha256(canonical.encode()).hexdigest()[:16]
