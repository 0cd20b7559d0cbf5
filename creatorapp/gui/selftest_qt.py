"""The self-test's Qt checks: the image plugins thumbnails need, and the SVG engine the icons
need.  Both are plugins a frozen app must carry; without them the window opens blank-faced."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.app.selftest import Check
from creatorapp.core.resources import resource_dir


def qt_images(folder: Path) -> Check:
    """Decode every tagged sample (each is a format the Works list shows thumbnails of)."""
    try:
        from creatorapp.gui.qt import QtGui
    except ImportError as exc:
        return Check("Qt image plugins", False, str(exc))
    samples = sorted(p for p in folder.glob("sample.*") if p.suffix != ".xmp")
    failed = [p.suffix.lstrip(".").upper() for p in samples if QtGui.QImage(str(p)).isNull()]
    return Check(
        f"Qt image plugins ({len(samples)} formats)",
        bool(samples) and not failed,
        f"cannot decode {', '.join(failed)}" if failed else "",
    )


def qt_svg(_folder: Path) -> Check:
    """Render the app icon as the window's icons are drawn."""
    try:
        from creatorapp.gui.qt import QtCore, QtGui
    except ImportError as exc:
        return Check("Qt SVG icons", False, str(exc))
    reader = QtGui.QImageReader(str(resource_dir() / "icons" / "app.svg"))
    reader.setScaledSize(QtCore.QSize(64, 64))
    image = reader.read()
    return Check("Qt SVG icons", not image.isNull(), reader.errorString() if image.isNull() else "")
