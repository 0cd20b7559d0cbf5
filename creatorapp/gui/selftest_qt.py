"""The self-test's Qt check: the image plugins a frozen app must carry to show thumbnails."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.selftest import Check


def qt_images(folder: Path) -> Check:
    sample = folder / "sample.jpg"
    try:
        from creatorapp.gui.qt import QtGui
    except ImportError as exc:
        return Check("Qt image plugins", False, str(exc))
    image = QtGui.QImage(str(sample))
    return Check(
        "Qt image plugins", not image.isNull(), "" if not image.isNull() else "cannot decode JPEG"
    )
