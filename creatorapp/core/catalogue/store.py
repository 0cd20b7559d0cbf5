"""The store interface: everything the services need from a catalogue, and nothing about SQL.

SQLite (:mod:`sqlite_store`) is the embedded default; a shared server database for studios is a
second implementation of this class.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import AbstractContextManager
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


class CatalogueMissing(CatalogueError):
    """There is no catalogue where one was named; creating one is an explicit step."""


class CatalogueFull(CatalogueError):
    """The disk holding the catalogue has no room to record what was done."""


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
    def works_at(self, paths: list[str]) -> dict[str, Work]: ...

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
        offset: int = 0,
        limit: int | None = None,
    ) -> list[Work]: ...

    @abstractmethod
    def formats(self) -> list[str]:
        """The file formats among the catalogued works, for filters."""

    @abstractmethod
    def count_by_state(self, folder_id: int | None = None) -> dict[WorkState, int]: ...

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
