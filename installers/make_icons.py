"""Render ``resources/icons/app.svg`` into the icon files each platform wants.

Usage: ``python installers/make_icons.py OUT_DIR``.  Writes ``OUT_DIR/hicolor/<n>x<n>/apps/
creator-reserve.png`` (the freedesktop.org icon theme layout, for Linux), ``OUT_DIR/creator-
reserve.png`` (512 px), ``creator-reserve.ico`` (Windows, 16-256 px) and ``creator-reserve.icns``
(macOS, up to 1024 px).  The SVG stays the only drawing; every size is rendered from it by Qt's
SVG renderer, so small sizes stay sharp, and packed by Pillow.
"""

from __future__ import annotations

import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "resources" / "icons" / "app.svg"
NAME = "creator-reserve"
THEME_SIZES = (16, 22, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
ICNS_SIZE = 1024


def render(size: int) -> bytes:
    """PNG bytes of the SVG at ``size`` pixels square."""
    from PySide6 import QtCore, QtGui, QtSvg

    renderer = QtSvg.QSvgRenderer(str(SOURCE))
    if not renderer.isValid():
        raise SystemExit(f"cannot read {SOURCE}")
    image = QtGui.QImage(size, size, QtGui.QImage.Format.Format_ARGB32)
    image.fill(QtCore.Qt.GlobalColor.transparent)
    painter = QtGui.QPainter(image)
    painter.setRenderHint(QtGui.QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    buffer = QtCore.QBuffer()
    buffer.open(QtCore.QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data())


def make(out: Path) -> list[Path]:
    from PIL import Image

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6 import QtGui

    _app = QtGui.QGuiApplication.instance() or QtGui.QGuiApplication([])
    written = []
    for size in THEME_SIZES:
        path = out / "hicolor" / f"{size}x{size}" / "apps" / f"{NAME}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(render(size))
        written.append(path)
    scalable = out / "hicolor" / "scalable" / "apps" / f"{NAME}.svg"
    scalable.parent.mkdir(parents=True, exist_ok=True)
    scalable.write_bytes(SOURCE.read_bytes())
    written.append(scalable)
    (out / f"{NAME}.png").write_bytes(render(512))
    big = Image.open(io.BytesIO(render(ICNS_SIZE)))
    # Pillow scales one image down for each .ico size; render the largest from the SVG
    Image.open(io.BytesIO(render(256))).save(out / f"{NAME}.ico", sizes=[(s, s) for s in ICO_SIZES])
    big.save(out / f"{NAME}.icns")
    written += [out / f"{NAME}.png", out / f"{NAME}.ico", out / f"{NAME}.icns"]
    return written


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__.splitlines()[2], file=sys.stderr)
        return 2
    for path in make(Path(argv[0])):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
