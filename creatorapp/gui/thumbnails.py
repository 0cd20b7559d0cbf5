"""Thumbnails made on demand, off the event loop, newest request first.

The table asks only for the rows on screen; when someone scrolls fast through 100,000 works the
requests for rows long gone are dropped rather than decoded.  Decoding uses QImageReader's
scaled read, which for JPEG decodes at a fraction of full size.  Formats Qt cannot read (raw,
HEIF) get no thumbnail and the table shows their format instead."""

from __future__ import annotations

import threading
from collections import OrderedDict

from creatorapp.gui.qt import QObject, QtCore, QtGui, Signal

SIZE = 40
_WANTED_MAX = 256
_CACHE_MAX = 2000


class Thumbnails(QObject):
    ready = Signal(str)

    def __init__(self, parent: QObject | None = None, workers: int = 2) -> None:
        super().__init__(parent)
        self._pool = QtCore.QThreadPool(self)
        self._pool.setMaxThreadCount(workers)
        self._lock = threading.Lock()
        self._wanted: OrderedDict[str, None] = OrderedDict()
        self._running = 0
        self._cache: OrderedDict[str, QtGui.QPixmap | None] = OrderedDict()
        self._images: dict[str, QtGui.QImage | None] = {}
        self._workers = workers
        self.ready.connect(self._store)

    def get(self, path: str) -> QtGui.QPixmap | None:
        """The thumbnail if made; otherwise None, and it is asked for."""
        if path in self._cache:
            self._cache.move_to_end(path)
            return self._cache[path]
        with self._lock:
            self._wanted[path] = None
            self._wanted.move_to_end(path)
            while len(self._wanted) > _WANTED_MAX:
                self._wanted.popitem(last=False)
            start = self._running < self._workers
            if start:
                self._running += 1
        if start:
            self._pool.start(self._drain)
        return None

    def _drain(self) -> None:
        while True:
            with self._lock:
                if not self._wanted:
                    self._running -= 1
                    return
                path, _ = self._wanted.popitem(last=True)
            image = _load(path)
            with self._lock:
                self._images[path] = image
            self.ready.emit(path)

    def _store(self, path: str) -> None:
        with self._lock:
            image = self._images.pop(path, None)
        pixmap = None
        if image is not None:
            pixmap = QtGui.QPixmap.fromImage(image)
            pixmap.setDevicePixelRatio(2.0)  # made at twice the size: sharp on high-DPI screens
        self._cache[path] = pixmap
        while len(self._cache) > _CACHE_MAX:
            self._cache.popitem(last=False)

    def wait(self) -> None:
        self._pool.waitForDone()


def _load(path: str) -> QtGui.QImage | None:
    reader = QtGui.QImageReader(path)
    reader.setAutoTransform(True)
    if not reader.canRead():
        return None
    size = reader.size()
    if size.isValid() and size.width() > 0 and size.height() > 0:
        reader.setScaledSize(
            size.scaled(SIZE * 2, SIZE * 2, QtCore.Qt.AspectRatioMode.KeepAspectRatio)
        )
    image = reader.read()
    if image.isNull():
        return None
    return image.scaled(
        SIZE * 2,
        SIZE * 2,
        QtCore.Qt.AspectRatioMode.KeepAspectRatio,
        QtCore.Qt.TransformationMode.SmoothTransformation,
    )
