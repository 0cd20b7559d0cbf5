"""Where the catalogue and other application data live, and how their folders are made.

The catalogue, the evidence (raw letters with the creator's postal address) and the undo copies
are private: folders the app makes for them are 0700 and their files 0600.  A folder that
already exists is left as it is, since it may be one the user made and shares on purpose; the
one exception is the platform's data folder for the app, which nobody but the app makes.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from creatorapp.core.policy import APP_NAME

PRIVATE_FOLDER = 0o700
PRIVATE_FILE = 0o600


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


def private_folder(path: Path) -> Path:
    """Make ``path`` (0700) if it is missing; its missing parents get the usual permissions,
    like ``mkdir -p``.  The platform's data folder for the app is also closed to others when an
    earlier version made it open; any other existing folder is left as it is."""
    if not path.is_dir():
        path.mkdir(mode=PRIVATE_FOLDER, parents=True, exist_ok=True)
    elif path == _platform_data_dir() and os.name == "posix":
        with contextlib.suppress(OSError):
            mode = stat.S_IMODE(path.stat().st_mode)
            if mode & 0o077 and path.stat().st_uid == os.getuid():
                path.chmod(mode & ~0o077)
    return path


def _platform_data_dir() -> Path | None:
    if os.environ.get("CREATORAPP_DATA_DIR"):
        return None  # the user chose the folder: theirs to set
    return data_dir()


def private_file(path: Path) -> int:
    """Create ``path`` for writing, readable by its owner only; fails if it exists."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE)
