"""The catalogue: portfolio folders, works and their states, and the hash-chained ledger."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.catalogue.location import default_catalogue_path
from creatorapp.core.catalogue.model import (
    DONE_STATES,
    CatalogueError,
    Folder,
    LedgerEvent,
    SiteRecord,
    Work,
    WorkStat,
    WorkState,
    utc_now,
)
from creatorapp.core.catalogue.store import Store

__all__ = [
    "DONE_STATES",
    "CatalogueError",
    "Folder",
    "LedgerEvent",
    "SiteRecord",
    "Store",
    "Work",
    "WorkStat",
    "WorkState",
    "default_catalogue_path",
    "open_catalogue",
    "utc_now",
]


def open_catalogue(path: Path | None = None) -> Store:
    """Open (creating or upgrading) the catalogue at ``path`` or the default place."""
    from creatorapp.core.catalogue.sqlite_store import SqliteStore

    return SqliteStore(path or default_catalogue_path())
