"""Keep portfolio folders tagged as files arrive: watchdog events -> debounce -> due works.

Exporters write in pieces and rename temporary files into place, so a path is only tagged once
its size and mtime have held still for ``settle`` seconds.  Events are de-duplicated per path, a
path is never in two workers at once, and a file whose stat matches what the catalogue recorded
after our own write is left alone: our writes never trigger work.  On start the watcher catches up
with everything that changed while it was not running.  A folder that disappears (an unplugged
drive) is reported and watched for; when it returns it is scanned again and watched as before.

The watcher only finds the works that are due; it hands them to the tagging service
(``core/works/service.py``), which signs, tags and records them exactly as it does for a scan
or ``creatorapp tag``.  Paths a batch of this process holds (a tag batch, applying a policy, an
undo: see ``core/works/holds.py``) are left alone while it runs: what happened to them is noted
and looked at again, by stat, when the hold ends, so the watcher never tags a file a batch is
tagging and never re-does an undo.  All catalogue writes happen on the watcher's own thread;
tagging runs in the service's worker processes, which call back as each batch finishes.
A symbolic link in a folder is never tagged through (it may lead anywhere): it is reported once
as skipped and never becomes a work.  A work the creator left out (``Portfolio.exclude``) is
never due (``Portfolio.is_due``), whatever happens to its file, and a move keeps it left out.
If any of the watcher's threads fails (its own or watchdog's), the watcher stops and says why in
``failure``; it never goes on half-alive.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import stat
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from creatorapp.core.catalogue import Folder, WorkState
from creatorapp.core.media.base import Outcome, Status, by_extension
from creatorapp.core.works.portfolio import Due, Portfolio, Rules, ScanReport
from creatorapp.core.works.service import Batch, TaggingService
from creatorapp.core.works.tagging import ignored_reason, link_reason
from creatorapp.core.works.watch_lock import WatchLock
from creatorapp.errors import UserError

log = logging.getLogger(__name__)

StatKey = tuple[int, int]  # size, mtime_ns


def _stat_key(path: str) -> StatKey | None:
    try:
        st = os.lstat(path)  # a link is judged as itself, never by what it points to
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


@dataclass
class _Pending:
    deadline: float
    stat: StatKey | None


class Debouncer:
    """Paths wait here until their (size, mtime) are unchanged for ``settle`` seconds.

    Time and stat are injectable so the rules can be tested without waiting.
    """

    def __init__(
        self,
        settle: float,
        *,
        stat: Callable[[str], StatKey | None] = _stat_key,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settle = settle
        self._stat = stat
        self._clock = clock
        self._pending: dict[str, _Pending] = {}

    def __len__(self) -> int:
        return len(self._pending)

    def __contains__(self, path: str) -> bool:
        return path in self._pending

    def touch(self, path: str) -> None:
        """Something happened to ``path``: (re)start its quiet period."""
        self._pending[path] = _Pending(self._clock() + self.settle, self._stat(path))

    def next_deadline(self) -> float | None:
        return min((p.deadline for p in self._pending.values()), default=None)

    def ripe(self) -> tuple[list[str], list[str]]:
        """(paths that held still, paths that are gone) among those whose period is over."""
        now = self._clock()
        stable, gone = [], []
        for path, pending in list(self._pending.items()):
            if pending.deadline > now:
                continue
            current = self._stat(path)
            if current is None:
                gone.append(path)
                del self._pending[path]
            elif current == pending.stat:
                stable.append(path)
                del self._pending[path]
            else:  # still being written: wait another quiet period
                self._pending[path] = _Pending(now + self.settle, current)
        return stable, gone


@dataclass
class WatchStats:
    tagged: int = 0
    unchanged: int = 0
    failed: int = 0
    events: int = 0
    problems: list[str] = field(default_factory=list)


OutcomeFn = Callable[[Outcome], None]
ProblemFn = Callable[[str], None]


class WatcherFailed(Exception):
    """One of the watcher's threads failed; the message says which and why."""


class Watcher:
    """The folder watcher.  ``start()`` returns at once; ``stop()`` finishes the files in hand.

    ``on_outcome`` and ``on_problem`` are called on the watcher's thread.  ``failure`` says why
    the watcher stopped on its own, if it did.
    """

    def __init__(
        self,
        portfolio: Portfolio,
        *,
        settle: float = 0.3,
        jobs: int | None = None,
        folder_check: float = 2.0,
        on_outcome: OutcomeFn | None = None,
        on_problem: ProblemFn | None = None,
        on_idle: Callable[[], None] | None = None,
    ) -> None:
        self.portfolio = portfolio
        self.store = portfolio.store
        self.tagging = TaggingService(portfolio)
        self.debouncer = Debouncer(settle)
        self.jobs = jobs
        self.folder_check = folder_check
        self.on_outcome = on_outcome or (lambda o: None)
        self.on_problem = on_problem or (lambda p: None)
        self.on_idle = on_idle or (lambda: None)
        self.stats = WatchStats()
        self._inbox: queue.Queue[tuple] = queue.Queue()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._observer = None
        self._watches: dict[int, object] = {}  # folder id -> watchdog watch
        self._available: dict[int, bool] = {}
        self._in_flight: dict[str, Due] = {}
        self._again: set[str] = set()
        self._rescan: dict[int, float] = {}
        self._rules: dict[tuple[int, str], Rules] = {}
        self._started = False
        self._next_folder_check = 0.0
        self._was_busy = False
        self._links: set[str] = set()  # symbolic links already reported
        self._watch_paths: set[str] = set()  # every folder ever given to watchdog
        self._previous_hook: Callable | None = None
        self.failure: str | None = None
        self.gate = self.tagging.gate  # paths batches of this process hold
        self._held_back: set[str] = set()  # paths seen while held: looked at once released
        self._held_folders: set[int] = set()  # folders to scan once released
        self._unlisten: Callable[[], None] | None = None
        self._lock: WatchLock | None = None  # one watcher per catalogue (watch_lock.py)

    # --- life cycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Raises :class:`~creatorapp.core.works.watch_lock.WatcherRunning` when another
        process already watches this catalogue's folders (one watcher per catalogue)."""
        from watchdog.observers import Observer  # loaded only when watching

        self._lock = WatchLock.take(self.store)
        self._previous_hook = threading.excepthook
        threading.excepthook = self._thread_failed
        try:
            self.tagging.open_pool(self.jobs)
        except BaseException:
            self._release_lock()
            raise
        self._unlisten = self.gate.listen(lambda: self._inbox.put(("released",)))
        self._started = True
        self._observer = Observer()
        self._observer.start()
        self._thread = threading.Thread(target=self._run, name="creatorapp-watcher", daemon=True)
        self._thread.start()

    def wait_ready(self, timeout: float | None = None) -> bool:
        """True once the catch-up scan has been done and every folder is being watched; False
        when ``timeout`` ran out or the watcher stopped before that (``failure`` says why)."""
        return self._ready.wait(timeout) and self.failure is None

    def stop(self) -> None:
        self._stop.set()
        self._inbox.put(("wake",))
        if self._thread is not None:
            self._thread.join()
        if threading.excepthook == self._thread_failed:
            threading.excepthook = self._previous_hook or threading.__excepthook__

    def _thread_failed(self, args: threading.ExceptHookArgs) -> None:
        """An exception ended one of watchdog's threads: without it nothing would be noticed
        again, so the watcher stops too and says so (on its own thread)."""
        if not self._is_ours(args.thread):
            (self._previous_hook or threading.__excepthook__)(args)
            return
        log.debug("a watchdog thread failed", exc_info=(args.exc_type, args.exc_value, None))
        watch = getattr(args.thread, "watch", None)
        what = f"watching {watch.path}" if watch is not None else "the file system watch"
        detail = args.exc_value or args.exc_type.__name__
        self._inbox.put(("failed", f"{what} failed ({detail})"))

    def _is_ours(self, thread: threading.Thread | None) -> bool:
        """Our observer, or an emitter watching one of our folders (an emitter may fail before
        the observer lists it, so it is known by what it watches)."""
        from watchdog.observers.api import EventEmitter

        if thread is None or self._observer is None:
            return False
        if thread is self._observer:
            return True
        return isinstance(thread, EventEmitter) and str(thread.watch.path) in self._watch_paths

    def is_alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    @property
    def busy(self) -> bool:
        return bool(self._in_flight or len(self.debouncer) or self._rescan)

    # --- the watcher thread ---------------------------------------------------------------
    def _run(self) -> None:
        try:
            self._check_folders(initial=True)
            self._ready.set()
            while not self._stop.is_set():
                self._wait_for_something()
                self._tick()
        except Exception as exc:  # report, never die silently
            log.debug("the watcher stopped", exc_info=True)
            plain = isinstance(exc, (WatcherFailed, UserError))  # says what to do in words
            detail = str(exc) if plain else f"{type(exc).__name__}: {exc}"
            self.failure = f"the watcher stopped after an unexpected error ({detail})"
            with contextlib.suppress(Exception):
                self._problem(self.failure)
        finally:
            try:
                self._shutdown()
            except Exception as exc:
                log.debug("the watcher did not shut down cleanly", exc_info=True)
                if self.failure is None:
                    self.failure = f"the watcher could not finish ({exc})"
                    with contextlib.suppress(Exception):
                        self._problem(self.failure)
            finally:
                # last: another watcher may start once everything of ours is recorded
                self._release_lock()
                self._ready.set()  # nobody may wait for a start that will not come

    def _release_lock(self) -> None:
        lock, self._lock = self._lock, None
        if lock is not None:
            lock.release()

    def _wait_for_something(self) -> None:
        now = time.monotonic()
        deadlines = [self._next_folder_check, *self._rescan.values()]
        if (d := self.debouncer.next_deadline()) is not None:
            deadlines.append(d)
        timeout = max(0.0, min(deadlines) - now) if deadlines else 1.0
        try:
            message = self._inbox.get(timeout=min(timeout, 1.0))
        except queue.Empty:
            return
        self._handle(message)
        while True:  # take everything that is already waiting
            try:
                self._handle(self._inbox.get_nowait())
            except queue.Empty:
                return

    def _tick(self) -> None:
        now = time.monotonic()
        if self._observer is not None and not self._observer.is_alive():
            raise WatcherFailed("the file system watch stopped")
        if now >= self._next_folder_check:
            self._check_folders()
        for folder_id, deadline in list(self._rescan.items()):
            if deadline <= now:
                del self._rescan[folder_id]
                folder = self.store.folder_by_id(folder_id)
                if folder is not None and self._available.get(folder_id):
                    self._queue_scan(self.portfolio.scan([folder], retry_failed=False))
        stable, gone = self.debouncer.ripe()
        # arrivals first: one of them may be a gone file that moved (across watched folders a
        # move reaches us as a delete here and a create there)
        ready = [d for d in (self._consider(p) for p in stable) if d is not None]
        for path in gone:
            self._links.discard(path)  # a link made again later is reported again
            if path not in self._in_flight and not self._hold_back(path):
                self.portfolio.deleted(path)
        self._dispatch(ready)
        busy = self.busy
        if self._was_busy and not busy:
            self.on_idle()
        self._was_busy = busy

    def _handle(self, message: tuple) -> None:
        kind = message[0]
        if kind == "event":
            self._event(*message[1:])
        elif kind == "done":
            self._done(*message[1:])
        elif kind == "released":
            self._released()
        elif kind == "failed":
            raise WatcherFailed(message[1])

    # --- paths a batch holds ----------------------------------------------------------------
    def _hold_back(self, path: str) -> bool:
        """True (and the path noted for later) when a batch holds ``path`` now."""
        if path and self.gate.covers(path):
            self._held_back.add(path)
            return True
        return False

    def _released(self) -> None:
        """A hold ended: what happened under it meanwhile is looked at again, by stat (what the
        batch wrote and recorded is not due; a change from outside is)."""
        for path in list(self._held_back):
            if not self.gate.covers(path):
                self._held_back.discard(path)
                self.debouncer.touch(path)
        for folder_id in list(self._held_folders):
            folder = self.store.folder_by_id(folder_id)
            if folder is None:
                self._held_folders.discard(folder_id)
            elif not self.gate.covers(folder.path):
                self._held_folders.discard(folder_id)
                self._rescan[folder_id] = time.monotonic()

    # --- events from watchdog -------------------------------------------------------------
    def _post(self, event: object) -> None:
        """Called on watchdog's thread: hand the event over and return at once (an event that
        cannot be read fails the watcher in its own thread, never watchdog's)."""
        try:
            self._post_event(event)
        except Exception as exc:
            self._inbox.put(("failed", f"an event could not be read ({type(exc).__name__}: {exc})"))

    def _post_event(self, event: object) -> None:
        self._inbox.put(
            (
                "event",
                event.event_type,
                bool(event.is_directory),
                os.fsdecode(event.src_path),
                os.fsdecode(getattr(event, "dest_path", "") or ""),
            )
        )

    def _event(self, kind: str, is_dir: bool, src: str, dest: str) -> None:
        self.stats.events += 1
        if kind in ("opened", "closed_no_write"):
            return
        if is_dir:
            for path in (src, dest):
                folder = path and self.store.folder_for(path)
                if folder and path != folder.path:
                    if self.gate.covers(path):
                        self._held_folders.add(folder.id)
                    else:
                        self._rescan[folder.id] = time.monotonic() + self.debouncer.settle
            return
        held = [p for p in (src, dest) if _wanted(p) and self._hold_back(p)]
        if held:
            for path in (src, dest):  # a move half held is looked at whole, afterwards
                if _wanted(path):
                    self._held_back.add(path)
            return
        if kind == "moved":
            if _wanted(src) and not _wanted(dest):
                self.debouncer.touch(src)  # renamed to something we do not handle: gone
                return
            if _wanted(src) and src not in self._in_flight:
                self.portfolio.moved(src, dest)
            if _wanted(dest):
                self.debouncer.touch(dest)
            return
        if _wanted(src):
            self.debouncer.touch(src)

    # --- deciding and dispatching ---------------------------------------------------------
    def _consider(self, path: str) -> Due | None:
        if path in self._in_flight:
            self._again.add(path)
            return None
        if self._hold_back(path):
            return None
        folder = self.store.folder_for(path)
        if folder is None or not folder.watching:
            return None
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if stat.S_ISLNK(st.st_mode):
            self._skip_link(path)
            return None
        if not stat.S_ISREG(st.st_mode):
            return None
        rules = self._rules_for(folder)
        if rules is None:
            return None
        work = self.store.work(path)
        if work is None or work.state is WorkState.DELETED:
            work = self.portfolio.adopt(path) or work
        # our own write, or a touch that changed nothing, is not due; nor is a failed work
        # whose bytes are the same (they would fail the same way)
        seen = (st.st_size, st.st_mtime_ns, st.st_ino)
        if work is not None and not Portfolio.is_due(work, seen, rules, retry_failed=False):
            return None
        return Due(path, folder, rules)

    def _rules_for(self, folder: Folder) -> Rules | None:
        key = (folder.id, folder.policy)
        if key not in self._rules:
            try:
                self._rules[key] = self.portfolio.rules_for(folder)
            except Exception as exc:
                self._problem(f"{folder.path}: its policy cannot be used ({exc})")
                return None
        return self._rules[key]

    def _refresh_rules(self, folders: list[Folder]) -> None:
        """A policy edited in place (its notice, its uses) keeps its name: new files are tagged
        with what it says now.  (The works it tagged before are marked stale by whoever edited
        it, and applied when asked, or when the watcher next starts.)"""
        for folder in folders:
            key = (folder.id, folder.policy)
            if key in self._rules:
                with contextlib.suppress(Exception):  # said when the rules are next needed
                    self._rules[key] = self.portfolio.rules_for(folder)

    def _skip_link(self, path: str, reason: str | None = None) -> None:
        """Report a symbolic link once, however many events and scans see it."""
        if path in self._links:
            return
        self._links.add(path)
        self.on_outcome(Outcome(path, Status.SKIPPED, reason=reason or link_reason(path)))

    def _queue_scan(self, report: ScanReport) -> None:
        for problem in report.problems:
            self._problem(problem)
        for path, reason in report.skipped:
            self._skip_link(path, reason)
        self._dispatch([d for d in report.due if d.path not in self._in_flight])

    def _dispatch(self, ready: list[Due]) -> None:
        """Hand due works to the tagging service; each batch comes back through the inbox."""
        if not ready or not self._started:
            return
        taken, held = self.gate.take(d.path for d in ready)
        self._held_back.update(held)
        if held:
            allowed = set(taken)
            ready = [d for d in ready if d.path in allowed]
        for item in ready:
            self._in_flight[item.path] = item
        try:
            self.tagging.submit(ready, lambda batch: self._inbox.put(("done", batch)))
        except BaseException:
            for item in ready:
                self._in_flight.pop(item.path, None)
            self.gate.give_back(taken)
            raise

    def _done(self, batch: Batch) -> None:
        for item in batch.items:
            self._in_flight.pop(item.path, None)
        try:
            settled = self.tagging.settle(batch)  # recorded, as a scan records it
        finally:  # a batch waiting for these files then finds them recorded
            self.gate.give_back(item.path for item in batch.items)
        if settled.problem is not None:
            self._problem(f"{settled.problem}; its files will be retried")
        for item in settled.again:  # written again meanwhile: tagged once it holds still
            self.debouncer.touch(item.path)
        for outcome in settled.recorded:
            self._count(outcome)
            self.on_outcome(outcome)
        for item in batch.items:
            if item.path in self._again:
                self._again.discard(item.path)
                self.debouncer.touch(item.path)

    def _count(self, outcome: Outcome) -> None:
        if outcome.written:
            self.stats.tagged += 1
        elif outcome.status is Status.UNCHANGED:
            self.stats.unchanged += 1
        elif outcome.status is Status.FAILED:
            self.stats.failed += 1

    # --- folders coming and going ---------------------------------------------------------
    def _check_folders(self, *, initial: bool = False) -> None:
        self._next_folder_check = time.monotonic() + self.folder_check
        folders = [f for f in self.store.folders() if f.watching]
        current = {f.id for f in folders}
        self._refresh_rules(folders)
        for folder_id in list(self._watches):
            if folder_id not in current:  # removed or paused from elsewhere
                self._unwatch(folder_id)
                self._available.pop(folder_id, None)
        returned: list[Folder] = []
        for folder in folders:
            here = os.path.isdir(folder.path) and os.access(folder.path, os.R_OK | os.X_OK)
            was = self._available.get(folder.id)
            if here and folder.id not in self._watches:
                if self._watch(folder):
                    returned.append(folder)  # the catch-up scan records its return
                    self._available[folder.id] = True
                    continue
                here = False
            if not here and was is not False:
                self._unwatch(folder.id)
                self._available[folder.id] = False
                problem = "the folder is not available (moved, deleted or a drive unplugged)"
                if not os.path.isdir(folder.path):
                    self.portfolio.folder_problem(folder, problem, ScanReport())
                self._problem(f"{folder.path}: {problem}; watching for it to come back")
        if returned:
            # catch up with whatever changed while these folders were not watched
            self._queue_scan(self.portfolio.scan(returned, retry_failed=initial))

    def _watch(self, folder: Folder) -> bool:
        handler = _Handler(self._post)
        self._watch_paths.add(folder.path)
        try:
            self._watches[folder.id] = self._observer.schedule(handler, folder.path, recursive=True)
            return True
        except OSError as exc:
            self._problem(f"{folder.path}: cannot be watched ({exc.strerror or exc})")
            return False

    def _unwatch(self, folder_id: int) -> None:
        watch = self._watches.pop(folder_id, None)
        if watch is not None and self._observer is not None:
            with contextlib.suppress(KeyError, OSError, ValueError):
                self._observer.unschedule(watch)

    def _problem(self, text: str) -> None:
        self.stats.problems.append(text)
        self.on_problem(text)

    def _shutdown(self) -> None:
        if self._observer is not None:
            with contextlib.suppress(Exception):
                self._observer.stop()
                self._observer.join(timeout=5)
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None
        if self._started:
            self._started = False
            try:
                self.tagging.close_pool()  # files in hand are finished
                while True:  # record what finished; cancelled files stay due for next time
                    try:
                        message = self._inbox.get_nowait()
                    except queue.Empty:
                        break
                    if message[0] == "done":
                        self._done(*message[1:])
                self.tagging.finish_applying()  # how far a policy being applied got
            finally:
                self.gate.give_back(list(self._in_flight))  # never leave a batch waiting
                self._in_flight.clear()


def _wanted(path: str) -> bool:
    if not path:
        return False
    name = os.path.basename(path)
    return ignored_reason(name) is None and by_extension(Path(name)) is not None


class _Handler:
    """The smallest watchdog handler: every event goes to the watcher's inbox."""

    def __init__(self, post: Callable[[object], None]) -> None:
        self._post = post

    def dispatch(self, event: object) -> None:
        self._post(event)
