"""The catalogue's records: portfolio folders, works and ledger events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from creatorapp.errors import UserError


class WorkState(StrEnum):
    """Where a work stands (DESIGN.md "Work states")."""

    NEW = "new"  # catalogued, not yet tagged
    TAGGED = "tagged"  # the file itself carries the reservation
    SIDECAR = "sidecar"  # the reservation is in name.xmp next to it
    FAILED = "failed"  # the file could not be tagged; ``error`` says why
    STALE = "stale"  # the file or its policy changed since it was tagged
    DELETED = "deleted"  # gone from disk; kept with its history
    # left out by the creator ("left out" in words): never tagged by a scan, the watcher or
    # the tagging of its folder, counted apart from what is to do; its file is never touched
    # by leaving it out.  ``excluded_from`` keeps the state it had, given back on inclusion.
    EXCLUDED = "excluded"

    @property
    def reserved(self) -> bool:
        return self in (WorkState.TAGGED, WorkState.SIDECAR)


DONE_STATES = (WorkState.TAGGED, WorkState.SIDECAR)

# The signature of a ``new`` work whose tagging the creator undid: its file is left as they put
# it back (no scan or watcher tags it again) until the file changes or they tag it on purpose.
UNDONE = "undone"


def utc_now() -> str:
    """Timestamps are UTC, ISO 8601 with microseconds: sortable as text and unambiguous."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True, slots=True)
class Folder:
    id: int
    path: str
    policy: str
    watching: bool
    added_at: str
    last_scan_at: str | None = None
    error: str | None = None

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "policy": self.policy,
            "watching": self.watching,
            "added_at": self.added_at,
            "last_scan_at": self.last_scan_at,
            "error": self.error,
        }


@dataclass(frozen=True, slots=True)
class Work:
    id: int
    folder_id: int
    path: str
    size: int | None
    mtime_ns: int | None
    inode: int | None
    state: WorkState
    sha256: str | None = None
    format: str | None = None
    policy: str | None = None
    signature: str | None = None
    tagged_at: str | None = None
    error: str | None = None
    updated_at: str | None = None
    excluded_from: str | None = None  # a left-out work's state before it was left out

    def same_file(self, size: int, mtime_ns: int, inode: int) -> bool:
        """True when the file on disk is, by its stat, the one we last saw."""
        return (self.size, self.mtime_ns, self.inode) == (size, mtime_ns, inode)

    def as_json(self) -> dict:
        return {
            "path": self.path,
            "state": self.state.value,
            "format": self.format,
            "policy": self.policy,
            "sha256": self.sha256,
            "tagged_at": self.tagged_at,
            "error": self.error,
            "updated_at": self.updated_at,
        }


@dataclass(frozen=True, slots=True)
class WorkStat:
    """The few columns a scan compares, for 100,000 works at a time without the memory of
    full records."""

    id: int
    path: str
    size: int | None
    mtime_ns: int | None
    inode: int | None
    state: WorkState
    signature: str | None

    def same_file(self, size: int, mtime_ns: int, inode: int) -> bool:
        return (self.size, self.mtime_ns, self.inode) == (size, mtime_ns, inode)


@dataclass(frozen=True, slots=True)
class LedgerEvent:
    seq: int
    at: str
    kind: str
    subject: str
    data: dict = field(default_factory=dict)
    prev_hash: str = ""
    hash: str = ""

    def as_json(self) -> dict:
        return {
            "seq": self.seq,
            "at": self.at,
            "kind": self.kind,
            "subject": self.subject,
            "data": self.data,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


@dataclass(frozen=True, slots=True)
class SiteRecord:
    """A site as stored: settings never hold secrets (those are in the keyring)."""

    id: int
    name: str
    url: str
    policy: str
    transport: str
    settings: dict
    options: dict
    sample_image: str | None
    added_at: str
    published_at: str | None = None
    verified_at: str | None = None
    verify_ok: bool | None = None

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "url": self.url,
            "policy": self.policy,
            "transport": self.transport,
            "settings": self.settings,
            "options": self.options,
            "sample_image": self.sample_image,
            "published_at": self.published_at,
            "verified_at": self.verified_at,
            "verify_ok": self.verify_ok,
        }


class CatalogueError(UserError):
    """The catalogue cannot be opened or used; the message says why in plain words."""
