"""The folder watcher inside the app: started with the window (unless paused), paused and resumed
from the tray or the menu, and able to keep running with the window closed.

It shares one gate with every tagging batch of the window (``core/works/holds.py``): a tag
batch, applying a policy and an undo hold their files, and the watcher leaves them alone until
the batch ends, then looks at them again by stat.  Work that writes files some other way holds
them with :meth:`WatchService.holding`."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable
from pathlib import Path

from creatorapp.core.catalogue import Store
from creatorapp.core.text.display import counted, shown
from creatorapp.core.works.holds import gate_for
from creatorapp.core.works.portfolio import Portfolio, normalise
from creatorapp.core.works.watch import Watcher
from creatorapp.core.works.watch_lock import watching_elsewhere
from creatorapp.gui import tasks
from creatorapp.gui.qt import QObject, QtCore, Signal


class WatchService(QObject):
    """``state`` is one of "off" (no watched folders), "starting", "watching", "paused",
    "stopping", "elsewhere" (another process watches this catalogue's folders: one watcher per
    catalogue, ``core/works/watch_lock.py``; the window shows what it does and takes over once it
    stops); ``changed`` carries the state and a sentence for people."""

    RETRY_MS = 2000  # while another process watches: how often to look whether it stopped

    changed = Signal(str, str)
    tagged = Signal(str)  # a file the watcher tagged
    problem = Signal(str)

    def __init__(self, store: Store, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.state = "off"
        self.tagged_count = 0
        self._watcher: Watcher | None = None
        self._retry = QtCore.QTimer(self, singleShot=True, interval=self.RETRY_MS)
        self._retry.timeout.connect(self._take_over)

    def _set(self, state: str, text: str) -> None:
        self.state = state
        self.changed.emit(state, text)

    def holding(self, paths: Iterable[Path | str]) -> contextlib.AbstractContextManager[None]:
        """Keep the watcher off these files and folders for the block (call it off the GUI
        thread: it waits for the files the watcher has in hand)."""
        return gate_for(self.store).holding([normalise(p) for p in paths])

    def watched_folders(self) -> int:
        return sum(1 for f in self.store.folders() if f.watching)

    def start(self) -> None:
        if self._watcher is not None or self.state in ("starting", "stopping"):
            return
        folders = self.watched_folders()
        if not folders:
            self._set("off", "No folders to watch yet")
            return
        other = watching_elsewhere(self.store)
        if other is not None and other != os.getpid():
            who = f" (process {other})" if other else ""
            self._set("elsewhere", f"Watched by another Creator Reserve program{who}")
            self._retry.start()
            return
        watcher = Watcher(
            Portfolio(self.store),
            on_outcome=self._outcome,
            on_problem=self.problem.emit,
        )
        self._watcher = watcher
        self._set("starting", "Catching up with changes…")

        def begin() -> int:
            watcher.start()
            watcher.wait_ready()
            return folders

        tasks.start(begin, self._ready, self._start_failed)

    def _ready(self, folders: object) -> None:
        if self._watcher is not None:
            self._set("watching", f"Watching {counted(folders, 'folder')}")

    def _start_failed(self, message: str) -> None:
        self._watcher = None
        self._set("off", f"Watching could not start: {message}")
        self.problem.emit(message)

    def _outcome(self, outcome) -> None:  # the watcher's thread: only signals from here
        if outcome.written:
            self.tagged_count += 1
            self.tagged.emit(outcome.path)
        elif outcome.status.value == "failed":
            self.problem.emit(f"{shown(outcome.path)}: {shown(outcome.reason)}")

    def _take_over(self) -> None:
        if self.state == "elsewhere":
            self.start()

    def pause(self, then=None) -> None:
        self._retry.stop()
        watcher, self._watcher = self._watcher, None
        if watcher is None:
            self._set("paused", "Watching paused")
            if then:
                then()
            return
        self._set("stopping", "Finishing the files in hand…")

        def finished(_=None) -> None:
            self._set("paused", "Watching paused")
            if then:
                then()

        def failed(message: str) -> None:
            self.problem.emit(f"stopping the watcher: {message}")
            finished()

        tasks.start(watcher.stop, finished, failed)

    def stop_now(self) -> None:
        """On quit: finish the files in hand, then return."""
        self._retry.stop()
        watcher, self._watcher = self._watcher, None
        if watcher is not None:
            watcher.stop()
        self.state = "paused"

    def refresh(self) -> None:
        """Folders were added or removed: restart so the watcher sees them."""
        if self.state == "paused":
            return
        if self._watcher is None:
            self.start()
        else:
            self.pause(then=self.start)
