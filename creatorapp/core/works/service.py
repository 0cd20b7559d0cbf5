"""The tagging service: works in, tagged, signed and recorded outcomes out.

Every caller that tags goes through :class:`TaggingService`: ``creatorapp tag``, every scan
(``folders add``, ``watch --once``, the window adding a folder), the watcher and the window's
tag batches.  A caller only decides *which* files are due; the service does the rest the same
way for all of them, so a work's state, its signature and its ledger history never depend on
who found it:

1. works of portfolio folders the catalogue does not know yet are registered (``work.added``,
   with the stat they were found with), as a scan registers them;
2. what to sign with is resolved once per batch: the creator's identity signs the works of
   policies that ask for Content Credentials (every file with ``--c2pa``) and re-signs files
   that already carry credentials when tagging rewrites them.  Without an identity, works of a
   signing policy are tagged without credentials, the ledger says why
   (``credentials.unavailable``) and they are recorded under the unsigned signature, so they
   are due again, and signed, once there is one;
3. the files go to the worker processes (:mod:`creatorapp.core.works.tagging`), in chunks of one
   policy; a work last tagged under other fields goes with what those fields wrote (kept in the
   catalogue per signature, looked up once per batch), so that a notice or creator of ours is
   brought to the new policy's while the photographer's own is kept;
4. every outcome is recorded, acting on its reason code, never on its wording.

Batches run in two ways: :meth:`TaggingService.tag` and :meth:`TaggingService.process` yield
outcomes as they come (the command line, scans, the window's jobs); :meth:`TaggingService.submit`
hands chunks to long-lived workers and calls back as each finishes, and
:meth:`TaggingService.settle` then records it on the caller's thread (the watcher).

One tagger per file: a batch holds the paths it tags while it runs (:mod:`.holds`), so the
watcher of the same catalogue in this process leaves them alone and looks again afterwards; an
undo holds the files it puts back the same way (:meth:`TaggingService.holding`).

Works tagged under another policy than their folder's (its policy was changed or edited) are
re-tagged like any due work; when the last of a folder's is recorded, or the batch ends, one
``folder.policy_applied`` event says how many were brought to the new policy and how.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.catalogue import (
    DONE_STATES,
    UNDONE,
    CatalogueError,
    Folder,
    Work,
    WorkState,
    utc_now,
)
from creatorapp.core.media.base import Outcome, Reason, Status
from creatorapp.core.media.c2pa import SignJob
from creatorapp.core.policy import Policy, PolicyError, resolve_policy
from creatorapp.core.policy.signals import (
    Field,
    data_mining_uri,
    field_rows,
    fields_from_rows,
    with_earlier,
)
from creatorapp.core.works.holds import Gate, gate_for
from creatorapp.core.works.portfolio import (
    LEFT_OUT,
    Due,
    Portfolio,
    Rules,
    ScanReport,
    containing_folder,
    normalise,
)
from creatorapp.core.works.tagging import TagOptions, TagPool, chunked, iter_targets, tag_files
from creatorapp.errors import UserError

if TYPE_CHECKING:
    from creatorapp.core.proof.identity import Identity

# Failures that say nothing about the work, only that another writer got there first: the work
# keeps its state and stays due (the change that beat us sends the watcher an event; a scan
# sees a new stat).
NOT_RECORDED = frozenset({Reason.CHANGED_WHILE_TAGGING, Reason.BUSY})
# The file changed under the worker: the watcher tags it again once it holds still.  (A file
# another process holds is not: that process is writing it, and its write sends an event.)
TAG_AGAIN_WHEN_SETTLED = frozenset({Reason.CHANGED_WHILE_TAGGING})

_RECORD_EVERY = 64  # outcomes per transaction at most
_RECORD_AFTER = 0.2  # seconds at most between transactions


@dataclass(frozen=True)
class TagRequest:
    """What the person asked for beyond "tag these" (``creatorapp tag``'s flags)."""

    force: bool = False  # also overwrite others' values, and rewrite read-only files
    dry_run: bool = False
    sign_every_file: bool = False  # --c2pa: needs an identity; a clear error without one
    break_credentials: bool = False  # rewrite files whose credentials cannot be re-signed


@dataclass
class Batch:
    """Files handed to one worker by :meth:`TaggingService.submit`."""

    items: list[Due]
    future: Future[list[Outcome]]


@dataclass
class Settled:
    """A finished :class:`Batch`, recorded."""

    recorded: list[Outcome] = field(default_factory=list)
    again: list[Due] = field(default_factory=list)  # changed while tagged: once they settle
    problem: str | None = None  # the worker stopped; its files are untouched (atomic writes)


class TaggingService:
    """Tags works and records them for one catalogue.  One instance may serve many batches
    (the watcher keeps one): the identity is read again only when it changed on disk, and a
    missing identity is written into the ledger once per policy, not once per batch."""

    def __init__(self, portfolio: Portfolio) -> None:
        self.portfolio = portfolio
        self.store = portfolio.store
        self._identity_key: tuple | None = None
        self._identity: Identity | UserError | None = None  # or the error saying why not
        self._unavailable: set[tuple[str, str]] = set()  # (policy, why) already in the ledger
        self._pool: TagPool | None = None
        self.gate: Gate = gate_for(self.store)  # shared by every service of this catalogue
        self._applying: dict[tuple[int, str], _Applying] = {}  # (folder id, signature)
        self._remembered: set[str] = set()  # signatures whose fields the catalogue keeps

    # --- one tagger per file ---------------------------------------------------------------
    def holding(self, paths: Iterable[Path | str]) -> contextlib.AbstractContextManager[None]:
        """Keep the watcher off these files and folders for the block (an undo, a bulk edit);
        it looks at them again, by their stat, afterwards.  Waits until the watcher's workers
        have finished any file under them."""
        return self.gate.holding([normalise(p) for p in paths])

    def _held(self, paths: list[str], outcomes: Iterator[Outcome]) -> Iterator[Outcome]:
        """``outcomes``, produced while ``paths`` (catalogue form) are held."""
        with self.gate.holding(paths):
            yield from outcomes

    # --- `creatorapp tag`, and the window's batches ------------------------------------------
    def tag(
        self,
        paths: Iterable[Path],
        policy: Policy | None,
        *,
        request: TagRequest = TagRequest(),
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Tag files and folders, each with its portfolio folder's policy unless ``policy`` is
        given (files outside every portfolio folder: ``policy`` or the default).  Works of
        portfolio folders are recorded, and those the catalogue knows are already done (same
        stat, same signature) are not even opened.  With ``sign_every_file`` and no identity
        this raises at once, before any file is looked at."""
        if request.sign_every_file:
            self.signing_identity()
        paths = list(paths)
        outcomes = self._tag(paths, policy, request, jobs, cancel)
        if request.dry_run:
            return outcomes  # writes nothing: nothing to hold
        return self._held([normalise(p) for p in paths], outcomes)

    def _tag(
        self,
        paths: list[Path],
        policy: Policy | None,
        request: TagRequest,
        jobs: int | None,
        cancel: threading.Event | None,
    ) -> Iterator[Outcome]:
        default = Rules.of(policy or resolve_policy(None))
        folders = self.store.folders()
        folder_rules: dict[int, Rules] = {}
        todo: list[tuple[str, Due | None]] = []
        roots = {str(p): normalise(p) for p in paths}
        for target in iter_targets(paths):
            shown = str(target.path)
            if target.skip:
                yield Outcome(shown, Status.SKIPPED, reason=target.skip)
                continue
            real = _real_under(shown, roots)
            folder = containing_folder(real, folders)
            if folder is None:
                todo.append((shown, None))
                continue
            if policy is None and folder.id not in folder_rules:
                try:
                    folder_rules[folder.id] = self.portfolio.rules_for(folder)
                except PolicyError as exc:
                    raise CatalogueError(
                        f"the policy of portfolio folder {folder.path} cannot be used ({exc})"
                    ) from None
            rules = default if policy is not None else folder_rules[folder.id]
            todo.append((shown, Due(real, folder, rules)))

        known = self.store.works_at([d.path for _, d in todo if d is not None])
        # with --c2pa each file is opened: the catalogue does not know what it carries
        quick = not (request.force or request.dry_run or request.sign_every_file)
        work: list[tuple[str, Due | None]] = []
        for shown, item in todo:
            left_out = item is not None and known.get(item.path)
            if left_out and left_out.state is WorkState.EXCLUDED and shown not in roots:
                # found in a folder given: left out; a file named itself is tagged (and stays
                # left out: see Portfolio.exclude)
                yield Outcome(shown, Status.SKIPPED, reason=LEFT_OUT)
                continue
            if item is not None and quick:
                w = known.get(item.path)
                if w is not None and w.state in DONE_STATES and w.signature == item.rules.signature:
                    try:
                        st = os.stat(item.path)
                    except OSError:
                        st = None
                    if st is not None and w.same_file(st.st_size, st.st_mtime_ns, st.st_ino):
                        yield Outcome(shown, Status.UNCHANGED, format=w.format)
                        continue
            work.append((shown, item))
        if not work:
            return
        recorded = [d for _, d in work if d is not None] if not request.dry_run else []
        used = [r.policy for r in (default, *folder_rules.values())]
        # works re-tagged to their folder's own policy, not to one named for this batch
        plan = self._prepare(
            recorded, used, request, known, digest=bool(recorded), track=policy is None
        )
        if request.dry_run:  # says what a real run would write
            plan.earlier = self._earlier([d for _, d in work if d is not None], known)
        due_of = {shown: plan.recorded_as(d) for shown, d in work if d is not None}
        outcomes = tag_files(
            (
                (Path(shown), plan.fields(d) if d else default.fields, plan.options(rules))
                for shown, d, rules in ((s, d, d.rules if d else default) for s, d in work)
            ),
            jobs=jobs,
            cancel=cancel,
        )
        if request.dry_run:
            yield from outcomes
        else:
            try:
                yield from self._recorded(outcomes, lambda o: due_of.get(o.path))
            finally:
                self._finish_applying(plan.applying)

    # --- works a scan found due ----------------------------------------------------------
    def process(
        self,
        due: Iterable[Due],
        *,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Tag the due works with their folders' policies and record every outcome (holding
        them while it runs)."""
        items = list(due)
        if not items:
            return iter(())
        return self._held([d.path for d in items], self._process(items, jobs, cancel))

    def _process(
        self, items: list[Due], jobs: int | None, cancel: threading.Event | None
    ) -> Iterator[Outcome]:
        plan = self._prepare(items, [d.rules.policy for d in items], TagRequest())
        outcomes = tag_files(
            ((Path(d.path), plan.fields(d), plan.options(d.rules)) for d in items),
            jobs=jobs,
            cancel=cancel,
        )
        by_path = {d.path: plan.recorded_as(d) for d in items}
        try:
            yield from self._recorded(outcomes, lambda o: by_path.get(o.path))
        finally:
            self._finish_applying(plan.applying)

    def apply(
        self,
        folders: Iterable[Folder] | None = None,
        *,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> tuple[ScanReport, Iterator[Outcome]]:
        """Bring every work of ``folders`` (every portfolio folder by default) to its folder's
        policy: the works a policy change left stale, and whatever else is due.  Returns the
        scan (its ``due`` is the total) and the outcomes as they come; ``cancel`` stops it
        after the files in hand, and the ledger's ``folder.policy_applied`` says how far it
        got."""
        if folders is not None:  # as they are now: the policy may have changed since
            now = {f.id: f for f in self.store.folders()}
            folders = [now[f.id] for f in folders if f.id in now]
        report = self.portfolio.scan(folders, cancel=cancel, retry_failed=False)
        if cancel is not None and cancel.is_set():
            return report, iter(())
        return report, self.process(report.due, jobs=jobs, cancel=cancel)

    # --- long-lived workers: the watcher ------------------------------------------------------
    def open_pool(self, jobs: int | None = None) -> TagPool:
        """Start the worker processes :meth:`submit` hands files to."""
        if self._pool is None:
            self._pool = TagPool(jobs)
        return self._pool

    @property
    def jobs(self) -> int | None:
        """How many worker processes :meth:`submit` uses (None before :meth:`open_pool`)."""
        return None if self._pool is None else self._pool.jobs

    def close_pool(self) -> None:
        """Files in hand are finished, never cut off; files not started stay due.  (A policy
        being applied is written into the ledger by :meth:`finish_applying` once the last
        batches are settled.)"""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(cancel_pending=True)

    def finish_applying(self) -> None:
        """Write down how far every policy being applied got (the watcher stops)."""
        self._finish_applying(list(self._applying))

    def submit(self, due: list[Due], finished: Callable[[Batch], None]) -> list[Batch]:
        """Hand the due works to the workers and return at once.  ``finished(batch)`` is called
        on a worker thread as each batch ends; the caller then passes the batch to
        :meth:`settle` on its own thread, where the catalogue is written."""
        if not due:
            return []
        if self._pool is None:
            raise RuntimeError("submit() needs open_pool() first")
        plan = self._prepare(due, [d.rules.policy for d in due], TagRequest())
        # by policy signature (a chunk has one policy) and the fields of each work's last tag
        groups: dict[tuple[str, str | None], list[Due]] = {}
        for item in due:
            groups.setdefault((item.rules.signature, plan.since(item)), []).append(item)
        todo = [d for group in groups.values() for d in group]
        chunks = chunked(((d.path, plan.fields(d), plan.options(d.rules)) for d in todo), self.jobs)
        items = [plan.recorded_as(d) for d in todo]
        batches: list[Batch] = []
        start = 0
        for chunk in chunks:
            batch = Batch(items[start : start + len(chunk[0])], self._pool.submit(chunk))
            start += len(chunk[0])
            batch.future.add_done_callback(lambda _f, batch=batch: finished(batch))
            batches.append(batch)
        return batches

    def settle(self, batch: Batch) -> Settled:
        """Record a finished batch's outcomes (in one transaction)."""
        if batch.future.cancelled():
            return Settled()  # never started: its files stay due
        try:
            outcomes = batch.future.result()
        except Exception as exc:  # a worker died: the files are untouched (atomic writes)
            return Settled(again=list(batch.items), problem=f"a tagging worker stopped ({exc})")
        settled = Settled()
        with self.store.transaction():
            for outcome, item in zip(outcomes, batch.items, strict=True):
                if outcome.status is Status.FAILED and outcome.code in TAG_AGAIN_WHEN_SETTLED:
                    settled.again.append(item)
                    continue
                self.record(outcome, item)
                settled.recorded.append(outcome)
        return settled

    # --- before tagging: works registered, credentials resolved -------------------------------
    def _prepare(
        self,
        items: list[Due],
        policies: Iterable[Policy],
        request: TagRequest,
        known: dict | None = None,
        *,
        digest: bool = True,
        track: bool = True,
    ) -> _Plan:
        """Works registered and the signing resolved: how this batch is tagged and recorded."""
        applying: list[tuple[int, str]] = []
        earlier: dict[str, tuple[str, tuple[Field, ...]]] = {}
        if items:
            self.store.ensure_room(len(items))  # a full disk stops the batch before any write
            if known is None:
                known = self.store.works_at([d.path for d in items])
            if track:
                applying = self._track(items, known)
            self._register(items, known)
            self._remember({d.rules.signature: d.rules for d in items}.values())
            earlier = self._earlier(items, known)
        used = {p.name: p for p in policies}
        signer = self._credentials(
            list(used.values()), request.sign_every_file, record=not request.dry_run
        )
        return _Plan(request, signer, digest, applying=applying, earlier=earlier)

    # --- what our earlier policies wrote -----------------------------------------------------
    def _remember(self, rules: Iterable[Rules]) -> None:
        """The catalogue keeps the fields of every signature works are tagged with, so that a
        later re-tag under another policy knows what we wrote (see :meth:`_earlier`).  Asked
        once per signature and service; written only when new."""
        new = {_fields_key(r.signature): r for r in rules}
        for key in self._remembered & new.keys():
            del new[key]
        if not new:
            return
        kept = self.store.remembered_fields(list(new))
        missing = [key for key in new if key not in kept]
        if missing:
            with self.store.transaction():
                for key in missing:
                    self.store.remember_fields(key, field_rows(new[key].fields))
        self._remembered.update(new)

    def _earlier(
        self, items: list[Due], known: dict[str, Work] | None
    ) -> dict[str, tuple[str, tuple[Field, ...]]]:
        """For each work last tagged under other fields than it gets now: that signature, and
        the fields to write, knowing what the earlier ones put in the file (a notice or creator
        of ours is replaced, the photographer's own is kept; see ``changes.plan``).  One query
        for the whole batch, and none when no work changes fields (a first tag)."""
        since: dict[str, str] = {}
        for item in items:
            work = (known or {}).get(item.path)
            if work is None or work.state is WorkState.DELETED or work.signature in (None, UNDONE):
                continue
            before = _fields_key(work.signature)
            if before != _fields_key(item.rules.signature):
                since[item.path] = before
        if not since:
            return {}
        rows = self.store.remembered_fields(sorted(set(since.values())))
        previous = {key: fields_from_rows(found) for key, found in rows.items()}
        combined: dict[tuple[str, str], tuple[Field, ...]] = {}
        earlier: dict[str, tuple[str, tuple[Field, ...]]] = {}
        for item in items:
            before = since.get(item.path)
            if before is None or before not in previous:
                continue  # tagged before the catalogue kept fields: the file's values stay
            key = (item.rules.signature, before)
            if key not in combined:
                combined[key] = with_earlier(item.rules.fields, previous[before])
            earlier[item.path] = (before, combined[key])
        return earlier

    # --- a policy being applied --------------------------------------------------------------
    def _track(self, items: list[Due], known: dict[str, Work]) -> list[tuple[int, str]]:
        """Note the works tagged under another policy than their folder's; returns the keys of
        the folders being brought to their policy."""
        keys: dict[tuple[int, str], None] = {}
        for item in items:
            work = known.get(item.path)
            if (
                work is None
                or work.state is WorkState.DELETED
                or work.signature in (None, UNDONE)
                or work.signature in item.rules.accepted
            ):
                continue
            key = (item.folder.id, item.rules.signature)
            applying = self._applying.get(key)
            if applying is None:
                applying = self._applying[key] = _Applying(item.folder, item.rules)
            applying.left.add(item.path)
            keys[key] = None
        return list(keys)

    def _applied(self, item: Due, result: str) -> None:
        """One work of a policy being applied is recorded (``result``: how it ended)."""
        if not self._applying:
            return
        for key, applying in list(self._applying.items()):
            if key[0] == item.folder.id and item.path in applying.left:
                applying.left.discard(item.path)
                applying.counts[result] += 1
                if not applying.left:
                    self._close_applying(key)
                return

    def _finish_applying(self, keys: list[tuple[int, str]]) -> None:
        """The batch ended: the ledger says how far each policy it applied got."""
        for key in keys:
            if key in self._applying:
                with contextlib.suppress(CatalogueError):  # the error that ended it is raised
                    self._close_applying(key)

    def _close_applying(self, key: tuple[int, str]) -> None:
        applying = self._applying.pop(key)
        with self.store.transaction():
            self.store.append("folder.policy_applied", applying.folder.path, applying.facts())

    def _register(self, items: list[Due], known: dict | None) -> None:
        """Works the catalogue does not know yet, added as a scan adds them: with the stat
        they were found with, before anything is written."""
        known = self.store.works_at([d.path for d in items]) if known is None else known
        new = [d for d in items if d.path not in known]
        if not new:
            return
        with self.store.transaction():
            # asked again under the write lock: another process (a watcher beside
            # `creatorapp tag`) may have added some meanwhile
            taken = self.store.works_at([d.path for d in new])
            for item in new:
                if item.path in taken:
                    continue
                try:
                    size = os.lstat(item.path).st_size
                except OSError:
                    continue  # gone: the worker says so, and nothing is recorded
                self.store.add_work(item.folder.id, item.path, state=WorkState.NEW)
                self.store.append(
                    "work.added", item.path, {"size": size, "folder": item.folder.path}
                )

    def _credentials(
        self, policies: list[Policy], every_file: bool, *, record: bool = True
    ) -> SignJob | None:
        """The job the workers sign with (its policies are added per chunk, see
        :class:`_Plan`), when there is an identity.  Without one: None, and (unless
        ``record`` is false: a dry run) the ledger says why for the policies that asked."""
        found = self.signing_identity() if every_file else self._identity_or_error()
        from creatorapp.core.proof.identity import Identity

        if isinstance(found, Identity):
            return SignJob(found, every_file=every_file)
        wanted = [p for p in policies if p.content_credentials]
        why = str(found)
        news = [p for p in wanted if (p.name, why) not in self._unavailable]
        if news and record:
            with self.store.transaction():
                self.store.append(
                    "credentials.unavailable", ", ".join(p.name for p in news), {"why": why}
                )
            self._unavailable.update((p.name, why) for p in news)
        return None

    def signing_identity(self) -> Identity:
        """The creator's signing identity; the error saying why there is none otherwise."""
        found = self._identity_or_error()
        if isinstance(found, UserError):
            raise found
        return found

    def _identity_or_error(self) -> Identity | UserError:
        """The creator's signing identity, or the error saying why there is none.  Read again
        only when its file changed: the watcher asks for every batch, and reading the key may
        mean asking the keyring, or the person, for it."""
        from creatorapp.core.proof import identity

        try:
            st = os.stat(identity.folder() / "identity.json")
            key: tuple | None = (st.st_ino, st.st_mtime_ns, st.st_size)
        except OSError:
            key = None
        if key is None or key != self._identity_key:
            # a key that cannot be read (a locked store, a passphrase declined) is not asked
            # for again on every batch either: the works stay due, and are signed later
            self._identity_key = key
            try:
                self._identity = identity.load()
            except UserError as exc:
                self._identity = exc
        return self._identity

    # --- recording -------------------------------------------------------------------------
    def _recorded(
        self, outcomes: Iterator[Outcome], due_of: Callable[[Outcome], Due | None]
    ) -> Iterator[Outcome]:
        """Record outcomes in small transactions while passing them on as they come.

        When the catalogue cannot record (its disk is full), no further file is handed out:
        the files in hand are finished, never cut off, and the error stops the batch.  What
        was written but not recorded is found on the next run (a rewritten file has a new
        inode, so it never matches its catalogued stat) and recorded then.
        """
        batch: list[tuple[Outcome, Due]] = []
        last = time.monotonic()
        try:
            for outcome in outcomes:
                item = due_of(outcome)
                if item is not None:
                    batch.append((outcome, item))
                if len(batch) >= _RECORD_EVERY or (
                    batch and time.monotonic() - last > _RECORD_AFTER
                ):
                    self._record_batch(batch)
                    batch, last = [], time.monotonic()
                yield outcome
        except CatalogueError:
            batch = []
            close = getattr(outcomes, "close", None)
            if close is not None:
                close()  # stop the workers: files in hand are finished, queued ones dropped
            raise
        finally:
            if batch:
                self._record_batch(batch)

    def _record_batch(self, batch: list[tuple[Outcome, Due]]) -> None:
        with self.store.transaction():
            for outcome, item in batch:
                self.record(outcome, item)

    def record(self, outcome: Outcome, item: Due) -> None:
        """Write one tagging outcome into the catalogue and, when it says something new, the
        ledger."""
        store = self.store
        path = item.path
        work = store.work(path)
        if outcome.status is Status.SKIPPED:
            if work is not None and not os.path.exists(path):
                self.portfolio.deleted(path)
            self._applied(item, "skipped")
            return
        if outcome.status is Status.FAILED and outcome.code in NOT_RECORDED:
            return  # nothing is wrong with the work: it keeps its state and stays due
        with store.transaction():
            self._record(outcome, item, work)
            self._applied(item, _ending(outcome))

    def _record(self, outcome: Outcome, item: Due, work: Work | None) -> None:
        store = self.store
        path = item.path
        if work is None:  # registered before tagging, unless it came and went meanwhile
            work = store.add_work(item.folder.id, path, state=WorkState.NEW)
            store.append("work.added", path, {"size": outcome.size, "folder": item.folder.path})
        identity = {
            "size": outcome.size,
            "mtime_ns": outcome.mtime_ns,
            "inode": outcome.inode,
            "format": outcome.format,
        }
        left_out = work.state is WorkState.EXCLUDED  # tagged by name, it stays left out
        if outcome.status is Status.FAILED:
            repeat = work.state is WorkState.FAILED and work.error == outcome.reason
            failed = WorkState.EXCLUDED if left_out else WorkState.FAILED
            store.update_work(work.id, state=failed, error=outcome.reason, **identity)
            if not repeat or not work.same_file(
                outcome.size or 0, outcome.mtime_ns or 0, outcome.inode or 0
            ):
                store.append(
                    "work.failed", path, {"reason": outcome.reason, "format": outcome.format}
                )
            return
        state = WorkState.SIDECAR if outcome.sidecar else WorkState.TAGGED
        if left_out:  # given back by Portfolio.include
            store.update_work(work.id, excluded_from=state.value)
            state = WorkState.EXCLUDED
        news = (
            outcome.written
            or work.state is not state
            or work.signature != item.rules.signature
            or work.sha256 != outcome.sha256
        )
        store.update_work(
            work.id,
            state=state,
            error=None,
            sha256=outcome.sha256,
            policy=item.rules.policy.name,
            signature=item.rules.signature,
            tagged_at=utc_now() if news or work.tagged_at is None else work.tagged_at,
            **identity,
        )
        if news:
            data = {
                "written": outcome.written,
                "carrier": "sidecar" if outcome.sidecar else "embedded",
                "policy": item.rules.policy.name,
                "data_mining": data_mining_uri(item.rules.policy),
                "signature": item.rules.signature,
                "sha256": outcome.sha256,
                "format": outcome.format,
            }
            if outcome.sidecar:
                data["sidecar"] = outcome.sidecar
            store.append("work.tagged", path, data)


@dataclass
class _Applying:
    """The works of one folder being brought from earlier policies to its own."""

    folder: Folder
    rules: Rules
    left: set[str] = field(default_factory=set)  # not recorded yet
    counts: Counter = field(default_factory=Counter)  # written, unchanged, failed, skipped

    def facts(self) -> dict:
        done = sum(self.counts.values())
        return {
            "policy": self.rules.policy.name,
            "data_mining": data_mining_uri(self.rules.policy),
            "signature": self.rules.signature,
            "works": done + len(self.left),
            **{k: self.counts.get(k, 0) for k in ("written", "unchanged", "failed", "skipped")},
            "left": len(self.left),  # not done when the batch ended: still stale, still due
        }


@dataclass
class _Plan:
    """How one batch is tagged and recorded.

    Each policy's files get options of their own, signed with that policy's manifest only:
    two policies may write the same fields and differ only in asking for Content Credentials,
    and the workers know a policy by its fields.  With a signer, works of policies that ask
    for credentials are signed (every file with ``--c2pa``), and a file that already carries
    credentials is re-signed whenever tagging rewrites it."""

    request: TagRequest
    signer: SignJob | None  # None: no identity, nothing is signed in this batch
    digest: bool = True  # the final file's stat and SHA-256, for the catalogue
    applying: list[tuple[int, str]] = field(default_factory=list)  # policies this batch applies
    # path -> (the signature it was last tagged under, the fields to write knowing it)
    earlier: dict[str, tuple[str, tuple[Field, ...]]] = field(default_factory=dict)
    _options: dict[tuple[str, str], TagOptions] = field(default_factory=dict)

    def fields(self, due: Due) -> tuple[Field, ...]:
        """What the worker writes into this work's file."""
        found = self.earlier.get(due.path)
        return due.rules.fields if found is None else found[1]

    def since(self, due: Due) -> str | None:
        """The other signature this work was last tagged under, when it matters."""
        found = self.earlier.get(due.path)
        return None if found is None else found[0]

    def options(self, rules: Rules) -> TagOptions:
        key = (rules.policy.name, rules.signature)
        found = self._options.get(key)
        if found is None:
            signer = self.signer
            found = self._options[key] = TagOptions(
                force=self.request.force,
                dry_run=self.request.dry_run,
                digest=self.digest,
                credentials=None if signer is None else signer.with_policies([rules.policy]),
                break_credentials=self.request.break_credentials,
            )
        return found

    def recorded_as(self, due: Due) -> Due:
        """Without a signer, a work of a signing policy is recorded as unsigned."""
        return due if self.signer is not None else _unsigned(due)


def _fields_key(signature: str) -> str:
    """The signature of the fields alone: signing or not writes the same values."""
    return signature.removesuffix("+c2pa")


def _ending(outcome: Outcome) -> str:
    """How a recorded outcome ended, as a policy being applied counts it."""
    if outcome.status is Status.FAILED:
        return "failed"
    return "written" if outcome.written else "unchanged"


def _unsigned(due: Due) -> Due:
    """A work of a signing policy tagged without credentials (no identity yet) is recorded
    under the unsigned signature, so it is due again once the identity exists."""
    if not due.rules.signature.endswith("+c2pa"):
        return due
    rules = Rules(due.rules.policy, due.rules.fields, due.rules.signature.removesuffix("+c2pa"))
    return Due(due.path, due.folder, rules)


def _real_under(path: str, roots: dict[str, str]) -> str:
    """The catalogue form of a path found under one of the given roots, without resolving
    every file again (the walk does not follow symlinks below a root)."""
    for root, real in roots.items():
        if path == root:
            return real
        if path.startswith(root.rstrip(os.sep) + os.sep):
            return real.rstrip(os.sep) + os.sep + path[len(root.rstrip(os.sep)) + 1 :]
    return normalise(path)
