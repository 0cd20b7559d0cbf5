"""Icons drawn from the SVGs in ``resources/icons`` at whatever size the screen asks for, so they
stay sharp on high-DPI screens; sidebar icons take the palette's text colour, so they follow the
system's light or dark theme."""

from __future__ import annotations

from functools import cache

from creatorapp.core.resources import resource_dir
from creatorapp.gui.qt import QtCore, QtGui, QtWidgets

_SIZES = (16, 24, 32, 48, 64, 128, 256)


def _path(name: str) -> str:
    return str(resource_dir() / "icons" / f"{name}.svg")


@cache
def icon(name: str) -> QtGui.QIcon:
    """A full-colour icon (the app, the tray)."""
    return QtGui.QIcon(_path(name))


def tinted(name: str, colour: QtGui.QColor | None = None) -> QtGui.QIcon:
    """A line icon in the palette's text colour, rendered at every common size."""
    colour = colour or QtWidgets.QApplication.palette().color(QtGui.QPalette.ColorRole.WindowText)
    source = QtGui.QIcon(_path(name))
    result = QtGui.QIcon()
    for size in _SIZES:
        pixmap = source.pixmap(QtCore.QSize(size, size))
        if pixmap.isNull():
            continue
        painter = QtGui.QPainter(pixmap)
        painter.setCompositionMode(QtGui.QPainter.CompositionMode.CompositionMode_SourceIn)
        painter.fillRect(pixmap.rect(), colour)
        painter.end()
        result.addPixmap(pixmap)
    return result


def is_dark(palette: QtGui.QPalette | None = None) -> bool:
    palette = palette or QtWidgets.QApplication.palette()
    return palette.color(QtGui.QPalette.ColorRole.Window).lightness() < 128
