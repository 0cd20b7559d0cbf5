"""What the window remembers between runs, in the platform's own settings store (QSettings:
the registry on Windows, a plist on macOS, an INI file on Linux).  What the core needs (folders,
sites, policies) lives in the catalogue and the config folder instead."""

from __future__ import annotations

import os

from creatorapp.gui.qt import QtCore

KEEP_WATCHING = "watch/keep_watching_when_closed"
WATCH_PAUSED = "watch/paused"
SETUP_DONE = "setup/done"
GEOMETRY = "window/geometry"
SECTION = "window/section"
THUMBNAILS = "works/thumbnails"


def settings() -> QtCore.QSettings:
    """The app's settings; ``CREATORAPP_CONFIG_DIR`` (tests, portable installs) keeps them in an
    INI file there instead."""
    folder = os.environ.get("CREATORAPP_CONFIG_DIR")
    if folder:
        return QtCore.QSettings(
            os.path.join(folder, "window.ini"), QtCore.QSettings.Format.IniFormat
        )
    return QtCore.QSettings("Creator Reserve", "Creator Reserve")


def flag(key: str, default: bool = False) -> bool:
    value = settings().value(key, default)
    if isinstance(value, str):
        return value.lower() in ("true", "1", "yes")
    return bool(value)


def set_flag(key: str, value: bool) -> None:
    s = settings()
    s.setValue(key, bool(value))
    s.sync()
