"""Where the catalogue and other application data live."""

from __future__ import annotations

import os
from pathlib import Path

from creatorapp.core.policy import APP_NAME


def data_dir() -> Path:
    """``CREATORAPP_DATA_DIR`` overrides the platform's per-user data folder."""
    override = os.environ.get("CREATORAPP_DATA_DIR")
    if override:
        return Path(override)
    import platformdirs  # loaded only when needed: start-up time matters for scripts

    return Path(platformdirs.user_data_dir(APP_NAME, False))


def default_catalogue_path() -> Path:
    """``CREATORAPP_CATALOGUE`` overrides ``<data dir>/catalogue.sqlite3``."""
    override = os.environ.get("CREATORAPP_CATALOGUE")
    return Path(override).expanduser() if override else data_dir() / "catalogue.sqlite3"
