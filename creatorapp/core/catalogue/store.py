"""The store interface: everything the services need from a catalogue, and nothing about SQL.

SQLite (:mod:`sqlite_store`) is the embedded default; a shared server database for studios is a
second implementation of this class.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.catalogue.model import (
    DONE_STATES,
    CatalogueError,
    Folder,
    LedgerEvent,
    SiteRecord,
    Work,
    WorkStat,
    WorkState,
)

if TYPE_CHECKING:
    from creatorapp.core.catalogue.anchor import Record


class Covered(StrEnum):
    """What a work carries, as the home view counts it and the works list filters by it.

    The reservation counts when the work is recorded tagged or sidecar (a stale work carries
    an earlier policy's values); Content Credentials when it was tagged into the file itself
    under a signing policy with an identity (its signature ends ``+c2pa``: a work of a signing
    policy tagged without an identity is recorded under the unsigned signature).  A work the
    creator left out counts in none of them."""

    LIVE = "live"  # every work still there (not deleted) and not left out by the creator
    IN_FILE = "in_file"
    NOT_IN_FILE = "not_in_file"
    CREDENTIALS = "credentials"
    NO_CREDENTIALS = "no_credentials"


SIGNED_SUFFIX = "+c2pa"  # the signature of a work recorded with Content Credentials


@dataclass(frozen=True, slots=True)
class FolderCounts:
    """What the live works of one folder carry, counted in one pass for the home view."""

    folder_id: int
    works: int = 0  # live works (not deleted), not counting those left out
    in_file: int = 0  # the reservation in the file or its sidecar, current
    credentials: int = 0  # of those, with Content Credentials in the file
    new: int = 0
    stale: int = 0
    failed: int = 0
    last_failed_at: str | None = None  # when the latest failure was recorded
    left_out: int = 0  # works the creator left out: counted apart, never to do


def covers(work: Work, covered: Covered) -> bool:
    """Whether ``work`` is one of the works ``covered`` names (the rule every store keeps)."""
    reserved = work.state in DONE_STATES
    signed = (
        work.state is WorkState.TAGGED
        and work.signature is not None
        and work.signature.endswith(SIGNED_SUFFIX)
    )
    live = work.state not in (WorkState.DELETED, WorkState.EXCLUDED)  # left out: not counted
    return {
        Covered.LIVE: live,
        Covered.IN_FILE: reserved,
        Covered.NOT_IN_FILE: live and not reserved,
        Covered.CREDENTIALS: signed,
        Covered.NO_CREDENTIALS: live and not signed,
    }[covered]


class CatalogueMissing(CatalogueError):
    """There is no catalogue where one was named; creating one is an explicit step."""


class CatalogueFull(CatalogueError):
    """The disk holding the catalogue has no room to record what was done."""


class CatalogueBusy(CatalogueError):
    """Another program kept the catalogue's write lock longer than we wait for it (see
    ``BUSY_WAIT``); nothing was recorded by the step that gave up, and running it again is
    safe."""


def _busy_wait(default: float = 30.0) -> float:
    try:
        return max(0.0, float(os.environ.get("CREATORAPP_BUSY_WAIT", default)))
    except ValueError:
        return default


# How long a writer waits for another process's write to end before giving up with
# :class:`CatalogueBusy` (``CREATORAPP_BUSY_WAIT`` seconds, for a script that would rather
# fail fast).  Writers keep their write transactions short (no network work inside one), so in
# practice a wait is milliseconds.
BUSY_WAIT = _busy_wait()


class Store(ABC):
    # --- transactions ---------------------------------------------------------------------
    @abstractmethod
    def transaction(self) -> AbstractContextManager[None]:
        """All writes in the block land together or not at all; blocks nest."""

    @abstractmethod
    def close(self) -> None: ...

    def ensure_room(self, works: int) -> None:
        """Raise :class:`CatalogueFull` when recording ``works`` outcomes would not fit: checked
        before a batch changes any file, so a full disk stops it before, not half-way."""

    def change_token(self) -> object | None:
        """A value that changes when another process committed a change to the catalogue,
        asked without waiting: None when the store cannot tell cheaply, or not now (this
        process is writing).  The window polls it to show what a command did meanwhile."""
        return None

    def beside(self, suffix: str) -> Path | None:
        """A file kept beside the catalogue (the watcher's lock), None for a store that is not
        a file."""
        return None

    def head_records(self) -> list[Record]:
        """Where the ledger's head is also kept outside the store (see ``anchor``); none by
        default."""
        return []

    # --- folders --------------------------------------------------------------------------
    @abstractmethod
    def add_folder(self, path: str, policy: str, watching: bool) -> Folder: ...

    @abstractmethod
    def folders(self) -> list[Folder]: ...

    @abstractmethod
    def update_folder(self, folder_id: int, **changes: object) -> None: ...

    @abstractmethod
    def remove_folder(self, folder_id: int) -> int:
        """Forget a folder and its works (never the files, never the ledger); returns how many
        works were forgotten."""

    def folder(self, path: str) -> Folder | None:
        return next((f for f in self.folders() if f.path == path), None)

    def folder_by_id(self, folder_id: int) -> Folder | None:
        return next((f for f in self.folders() if f.id == folder_id), None)

    def folder_for(self, path: str) -> Folder | None:
        """The portfolio folder a path lies in, if any."""
        for f in self.folders():
            if path == f.path or path.startswith(f.path.rstrip(os.sep) + os.sep):
                return f
        return None

    # --- works ----------------------------------------------------------------------------
    @abstractmethod
    def add_work(self, folder_id: int, path: str, **fields: object) -> Work: ...

    @abstractmethod
    def update_work(self, work_id: int, **changes: object) -> None: ...

    @abstractmethod
    def work(self, path: str) -> Work | None: ...

    @abstractmethod
    def works_at(self, paths: list[str]) -> dict[str, Work]:
        """Path -> its work, the live one where a deleted work had the same path."""

    @abstractmethod
    def works_in(self, folder_id: int) -> list[Work]: ...

    @abstractmethod
    def work_stats(self, folder_id: int) -> list[WorkStat]:
        """What a scan compares, for every work of a folder; deleted ones first, so that a
        dict by path keeps the live one."""

    @abstractmethod
    def works_by_ids(self, ids: list[int]) -> list[Work]: ...

    @abstractmethod
    def works_by_sha256(self, sha256: str) -> list[Work]: ...

    @abstractmethod
    def works_by_inode(self, inode: int) -> list[Work]: ...

    @abstractmethod
    def works(
        self,
        *,
        state: WorkState | None = None,
        folder_id: int | None = None,
        search: str | None = None,
        format: str | None = None,
        covered: Covered | None = None,
        confirmed_at: str | None = None,
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Work]:
        """``covered``: only the works it names; ``confirmed_at``: only works an opt-out
        destination confirmed (an item in state ``confirmed`` that names the work)."""

    @abstractmethod
    def formats(self) -> list[str]:
        """The file formats among the catalogued works, for filters."""

    @abstractmethod
    def count_by_state(self, folder_id: int | None = None) -> dict[WorkState, int]: ...

    # --- what the home view counts (defaults read everything; a store overrides them) -----
    def folder_counts(self) -> dict[int, FolderCounts]:
        """Folder id -> what its live works carry."""
        out: dict[int, FolderCounts] = {}
        for folder in self.folders():
            works = [w for w in self.works_in(folder.id) if w.state is not WorkState.DELETED]
            failed = [w.updated_at or "" for w in works if w.state is WorkState.FAILED]
            left_out = sum(w.state is WorkState.EXCLUDED for w in works)
            out[folder.id] = FolderCounts(
                folder.id,
                works=len(works) - left_out,
                left_out=left_out,
                in_file=sum(covers(w, Covered.IN_FILE) for w in works),
                credentials=sum(covers(w, Covered.CREDENTIALS) for w in works),
                new=sum(w.state is WorkState.NEW for w in works),
                stale=sum(w.state is WorkState.STALE for w in works),
                failed=len(failed),
                last_failed_at=max(failed) if failed else None,
            )
        return out

    def confirmed_works(self) -> dict[tuple[str, int], int]:
        """(destination, folder id) -> how many live works an item confirmed there names."""
        found: dict[str, set[int]] = {}
        for item in self.items(state="confirmed", fields=("destination", "work_id")):
            if item["work_id"] is not None:
                found.setdefault(item["destination"], set()).add(item["work_id"])
        out: dict[tuple[str, int], int] = {}
        for destination, ids in found.items():
            for work in self.works_by_ids(sorted(ids)):
                if work.state is not WorkState.DELETED:
                    key = (destination, work.folder_id)
                    out[key] = out.get(key, 0) + 1
        return out

    def items_waiting(self, states: tuple[str, ...]) -> list[dict]:
        """Items in ``states`` grouped by destination, submission and state: each a dict of
        ``destination``, ``submission_id``, ``state``, ``count`` and ``latest`` (the last
        change), for what needs the creator (a question asked, a hand-off to finish)."""
        groups: dict[tuple, dict] = {}
        for state in states:
            for item in self.items(
                state=state, fields=("destination", "submission_id", "updated_at")
            ):
                key = (item["destination"], item["submission_id"], state)
                group = groups.setdefault(
                    key,
                    {
                        "destination": key[0],
                        "submission_id": key[1],
                        "state": state,
                        "count": 0,
                        "latest": "",
                    },
                )
                group["count"] += 1
                group["latest"] = max(group["latest"], item["updated_at"] or "")
        return list(groups.values())

    def mark_stale(self, folder_id: int, keep: tuple[str, ...]) -> int:
        """Works of the folder recorded as done under a signature not in ``keep`` become
        ``stale`` at once (their files carry another policy's values); returns how many."""
        marked = 0
        with self.transaction():
            for w in self.works_in(folder_id):
                if w.state in DONE_STATES and w.signature not in keep:
                    self.update_work(w.id, state=WorkState.STALE)
                    marked += 1
        return marked

    def count_unlike(self, folder_id: int, keep: tuple[str, ...]) -> int:
        """How many works of the folder were tagged under a signature not in ``keep`` and not
        tagged since: the files that still carry an earlier policy's values."""
        live = (*DONE_STATES, WorkState.STALE)
        return sum(
            1
            for w in self.works_in(folder_id)
            if w.state in live and w.signature is not None and w.signature not in keep
        )

    # --- the fields each signature stands for ---------------------------------------------
    @abstractmethod
    def remember_fields(self, signature: str, rows: list) -> None:
        """Keep what ``signature`` stands for (JSON rows ``[key, value, mode]``); a signature
        already kept is left as it is: it names the same fields."""

    @abstractmethod
    def remembered_fields(self, signatures: list[str]) -> dict[str, list]:
        """The rows kept for each of ``signatures`` that has any (one query for all)."""

    # --- sites ----------------------------------------------------------------------------
    @abstractmethod
    def add_site(self, **fields: object) -> SiteRecord: ...

    @abstractmethod
    def sites(self) -> list[SiteRecord]: ...

    def site(self, name: str) -> SiteRecord | None:
        return next((s for s in self.sites() if s.name == name), None)

    @abstractmethod
    def update_site(self, site_id: int, **changes: object) -> None: ...

    @abstractmethod
    def remove_site(self, site_id: int) -> None: ...

    @abstractmethod
    def published_files(self, site_id: int) -> dict[str, bytes]: ...

    @abstractmethod
    def set_published_file(self, site_id: int, path: str, content: bytes) -> None: ...

    # --- opt-out outbox ---------------------------------------------------------------------
    @abstractmethod
    def add_items(self, destination: str, targets: list[str], state: str) -> int:
        """Track targets at a destination; ones already tracked are left as they are.
        Returns how many were new."""

    @abstractmethod
    def items(
        self,
        destination: str | None = None,
        *,
        state: str | None = None,
        submission_id: int | None = None,
        targets: list[str] | None = None,
        limit: int | None = None,
        fields: tuple[str, ...] | None = None,
    ) -> list[dict]:
        """``fields`` picks the columns (all by default): reading fewer is faster for the
        tens of thousands of items one poll handles."""

    @abstractmethod
    def set_items(self, ids: list[int], **changes: object) -> None: ...

    @abstractmethod
    def item_counts(self) -> dict[str, dict[str, int]]:
        """Destination -> state -> how many items."""

    @abstractmethod
    def item_counts_by_submission(self) -> dict[int, dict[str, int]]:
        """Submission id -> state -> how many items (one query, for listings)."""

    @abstractmethod
    def add_submission(self, **fields: object) -> dict: ...

    @abstractmethod
    def submission(self, *, id: int | None = None, key: str | None = None) -> dict | None: ...

    @abstractmethod
    def submissions(
        self, destination: str | None = None, state: str | None = None, *, payload: bool = True
    ) -> list[dict]:
        """``payload=False`` leaves out what was sent (it can be large) for listings."""

    @abstractmethod
    def update_submission(self, submission_id: int, **changes: object) -> None: ...

    # --- ledger ---------------------------------------------------------------------------
    @abstractmethod
    def append(self, kind: str, subject: str, data: dict) -> LedgerEvent:
        """Add an event at the end of the hash chain (inside the current transaction)."""

    @abstractmethod
    def events(
        self, *, after: int = 0, kind: str | None = None, subject: str | None = None
    ) -> Iterator[LedgerEvent]: ...

    # --- settings that are not secrets (contact details, mail servers) ---------------------
    @abstractmethod
    def setting(self, key: str) -> dict | None: ...

    @abstractmethod
    def set_setting(self, key: str, value: dict | None) -> None:
        """``None`` removes the setting."""

    @abstractmethod
    def events_written(self) -> int:
        """How many events the store has appended, recorded apart from the events."""

    @abstractmethod
    def last_event(self) -> LedgerEvent | None: ...

    def kinds_since(self, seq: int) -> tuple[int, frozenset[str]]:
        """The kinds of the events after ``seq`` and the last event's number: what changed,
        for a view that refreshes only what it must, without reading every event."""
        last, kinds = seq, set()
        for event in self.events(after=seq):
            last = event.seq
            kinds.add(event.kind)
        return last, frozenset(kinds)
