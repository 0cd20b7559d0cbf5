"""One tagger per file at a time within a process: batches hold the paths they touch, the
watcher takes the paths it hands to its workers, and neither gets what the other has.

A batch (``creatorapp tag``, the window's tag batches, applying a policy, an undo) holds its
files and folders while it runs.  Taking a hold waits until the watcher's workers have finished
any file under it, and while it is held the watcher leaves those paths alone: it notes what it
saw there and looks at it again, by its stat, once the hold is released, so a real change from
outside is never lost and our own writes are never tagged twice.  Without this the watcher
tagged the files a batch was tagging (one of them then failed with "changed while it was being
tagged") and re-did an undo.

Holds are per catalogue and per process (:func:`gate_for`): every service over one store
shares them.  Between processes, the atomic write's check that the file did not change under
it keeps one writer's work from being lost.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Callable, Container, Iterable, Iterator

Released = Callable[[], None]


def _covered(path: str, held: Container[str]) -> bool:
    """Whether ``path`` or a folder above it is in ``held`` (one set lookup per level)."""
    while True:
        if path in held:
            return True
        parent = os.path.dirname(path)
        if parent == path:
            return False
        path = parent


class Gate:
    """Which paths batches hold and which the watcher's workers have; thread-safe."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._holds: dict[int, frozenset[str]] = {}
        self._held: dict[str, int] = {}  # path -> how many holds name it
        self._busy: set[str] = set()  # paths in the watcher's workers
        self._next = 0
        self._listeners: list[Released] = []

    # --- batches ---------------------------------------------------------------------------
    @contextlib.contextmanager
    def holding(self, paths: Iterable[str]) -> Iterator[None]:
        """Hold ``paths`` (files, or folders with everything below) for the block: wait until
        no watcher worker has a file under them, keep the watcher off them, and let it look
        again when the block ends."""
        roots = frozenset(os.path.normpath(p) for p in paths)
        with self._cond:
            key = self._next
            self._next += 1
            self._holds[key] = roots
            for root in roots:
                self._held[root] = self._held.get(root, 0) + 1
            try:
                self._cond.wait_for(lambda: not any(_covered(p, roots) for p in self._busy))
            except BaseException:
                self._release(key)
                raise
        try:
            yield
        finally:
            with self._cond:
                self._release(key)
            for listener in list(self._listeners):
                listener()

    def _release(self, key: int) -> None:
        for root in self._holds.pop(key, ()):
            left = self._held[root] - 1
            if left:
                self._held[root] = left
            else:
                del self._held[root]

    def covers(self, path: str) -> bool:
        """Whether a batch holds ``path`` now."""
        with self._cond:
            return bool(self._held) and _covered(path, self._held.keys())

    @property
    def holds(self) -> int:
        with self._cond:
            return len(self._holds)

    # --- the watcher -------------------------------------------------------------------------
    def take(self, paths: Iterable[str]) -> tuple[list[str], list[str]]:
        """(paths the watcher may hand to its workers, now marked busy; paths a batch holds)."""
        taken: list[str] = []
        held: list[str] = []
        with self._cond:
            for path in paths:
                if self._held and _covered(path, self._held.keys()):
                    held.append(path)
                else:
                    self._busy.add(path)
                    taken.append(path)
        return taken, held

    def give_back(self, paths: Iterable[str]) -> None:
        """The watcher's workers are done with ``paths``."""
        with self._cond:
            self._busy.difference_update(paths)
            self._cond.notify_all()

    def listen(self, released: Released) -> Callable[[], None]:
        """Call ``released()`` (on the releasing thread) whenever a hold ends; returns the
        function that stops it."""
        self._listeners.append(released)

        def stop() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(released)

        return stop


_GATES: weakref.WeakKeyDictionary[object, Gate] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def gate_for(store: object) -> Gate:
    """The one gate of a catalogue in this process."""
    with _GATES_LOCK:
        gate = _GATES.get(store)
        if gate is None:
            gate = _GATES[store] = Gate()
        return gate
