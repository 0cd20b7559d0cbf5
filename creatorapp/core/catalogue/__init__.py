"""The catalogue: portfolio folders, works and their states, and the hash-chained ledger."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.catalogue.anchor import verify_ledger
from creatorapp.core.catalogue.location import default_catalogue_path
from creatorapp.core.catalogue.model import (
    DONE_STATES,
    UNDONE,
    CatalogueError,
    Folder,
    LedgerEvent,
    SiteRecord,
    Work,
    WorkStat,
    WorkState,
    utc_now,
)
from creatorapp.core.catalogue.store import (
    BUSY_WAIT,
    CatalogueBusy,
    CatalogueFull,
    CatalogueMissing,
    Store,
)

__all__ = [
    "BUSY_WAIT",
    "DONE_STATES",
    "UNDONE",
    "CatalogueBusy",
    "CatalogueError",
    "CatalogueFull",
    "CatalogueMissing",
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
    "verify_ledger",
]


def open_catalogue(path: Path | None = None, *, create: bool = True) -> Store:
    """Open (upgrading) the catalogue at ``path`` or the default place.

    ``create=False`` is for a path the user typed: a missing catalogue is then an error
    (:class:`CatalogueMissing`) and nothing is made, where the default place (and
    ``$CREATORAPP_CATALOGUE``) makes itself on first use.
    """
    from creatorapp.core.catalogue.sqlite_store import SqliteStore

    return SqliteStore(path or default_catalogue_path(), create=create)
