"""Portfolio folders and their works: scanning, tagging what is due, and recording it all.

The CLI, the watcher and the GUI all go through :class:`Portfolio`, so a work's state and its
ledger history are written the same way whoever did the work.

A scan never opens a file: it compares each file's (size, mtime_ns, inode) with the catalogue.
A file that vanished from one place and appears in another is the same work (matched by inode,
or by content hash when it was copied across drives) and keeps its history.  A folder that is
missing (an unplugged drive) is reported; its works are not marked deleted.
"""

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

from creatorapp.core.catalogue import (
    DONE_STATES,
    CatalogueError,
    Folder,
    Store,
    Work,
    WorkStat,
    WorkState,
    utc_now,
)
from creatorapp.core.media.base import Outcome, Reason, Status, by_extension
from creatorapp.core.media.c2pa import SignJob
from creatorapp.core.media.leftovers import remove_if_leftover
from creatorapp.core.media.safe_write import is_temp_name
from creatorapp.core.policy import Policy, PolicyError, resolve_policy
from creatorapp.core.signals import Field, data_mining_uri, embedded_fields, fields_signature
from creatorapp.core.tagging import (
    TagOptions,
    ignored_reason,
    iter_targets,
    link_reason,
    tag_files,
)
from creatorapp.errors import UserError


class PortfolioError(UserError):
    """A request about folders that cannot be done; the message says why in plain words."""


def normalise(path: Path | str) -> str:
    """The form paths take in the catalogue: absolute, symlinks in folders resolved."""
    return os.path.realpath(os.path.expanduser(str(path)))


@dataclass(frozen=True)
class Rules:
    """What a folder's works should carry, resolved once per scan."""

    policy: Policy
    fields: tuple[Field, ...]
    signature: str

    @classmethod
    def of(cls, policy: Policy) -> Rules:
        fields = embedded_fields(policy)
        # a policy that starts (or stops) signing makes its works due again
        signature = fields_signature(fields) + ("+c2pa" if policy.content_credentials else "")
        return cls(policy, fields, signature)


@dataclass(frozen=True)
class Due:
    path: str
    folder: Folder
    rules: Rules


@dataclass
class ScanReport:
    seen: int = 0
    added: int = 0
    changed: int = 0
    moved: int = 0
    deleted: int = 0
    unchanged: int = 0
    leftovers_removed: int = 0
    due: list[Due] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why): links

    def as_json(self) -> dict:
        return {
            "seen": self.seen,
            "added": self.added,
            "changed": self.changed,
            "moved": self.moved,
            "deleted": self.deleted,
            "unchanged": self.unchanged,
            "due": len(self.due),
            "problems": self.problems,
            "skipped": [{"path": path, "reason": why} for path, why in self.skipped],
        }


@dataclass(frozen=True, slots=True)
class _Seen:
    path: str
    size: int
    mtime_ns: int
    inode: int


ScanProgress = Callable[[int], None]


def _sha256(path: str) -> str | None:
    try:
        with open(path, "rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


class Portfolio:
    def __init__(self, store: Store) -> None:
        self.store = store

    # --- folders --------------------------------------------------------------------------
    def add_folder(self, path: Path | str, policy: str = "no-ai", watching: bool = True) -> Folder:
        real = normalise(path)
        if not os.path.isdir(real):
            raise PortfolioError(f"not a folder: {path}")
        if not os.access(real, os.R_OK | os.X_OK):
            raise PortfolioError(f"the folder cannot be read: {path}")
        resolved = self._policy(policy)
        for other in self.store.folders():
            if other.path == real:
                raise PortfolioError(f"{real} is already a portfolio folder")
            if _inside(real, other.path) or _inside(other.path, real):
                raise PortfolioError(
                    f"{real} overlaps the portfolio folder {other.path}; "
                    "portfolio folders cannot be nested"
                )
        with self.store.transaction():
            folder = self.store.add_folder(real, resolved.name, watching)
            self.store.append(
                "folder.added",
                real,
                {"policy": resolved.name, "watching": watching, **self._policy_facts(resolved)},
            )
        return folder

    def remove_folder(self, path: Path | str) -> int:
        folder = self.find_folder(path)
        with self.store.transaction():
            forgotten = self.store.remove_folder(folder.id)
            self.store.append("folder.removed", folder.path, {"works_forgotten": forgotten})
        return forgotten

    def set_folder(
        self, path: Path | str, *, policy: str | None = None, watching: bool | None = None
    ) -> Folder:
        folder = self.find_folder(path)
        with self.store.transaction():
            if policy is not None:
                resolved = self._policy(policy)
                if resolved.name != folder.policy:
                    self.store.update_folder(folder.id, policy=resolved.name)
                    self.store.append(
                        "folder.policy",
                        folder.path,
                        {
                            "from": folder.policy,
                            "to": resolved.name,
                            **self._policy_facts(resolved),
                        },
                    )
            if watching is not None and watching != folder.watching:
                self.store.update_folder(folder.id, watching=watching)
                self.store.append("folder.watching", folder.path, {"watching": watching})
        updated = self.store.folder_by_id(folder.id)
        assert updated is not None
        return updated

    def find_folder(self, path: Path | str) -> Folder:
        real = normalise(path)
        folder = self.store.folder(real) or self.store.folder(os.path.abspath(str(path)))
        if folder is None:
            raise PortfolioError(
                f"{path} is not a portfolio folder (see 'creatorapp folders list')"
            )
        return folder

    @staticmethod
    def _policy(name: str) -> Policy:
        try:
            return resolve_policy(name)
        except PolicyError as exc:
            raise PortfolioError(str(exc)) from None

    @staticmethod
    def _policy_facts(policy: Policy) -> dict:
        rules = Rules.of(policy)
        return {"data_mining": data_mining_uri(policy), "signature": rules.signature}

    def rules_for(self, folder: Folder) -> Rules:
        return Rules.of(resolve_policy(folder.policy))

    # --- scanning -------------------------------------------------------------------------
    def scan(
        self,
        folders: Iterable[Folder] | None = None,
        *,
        progress: ScanProgress | None = None,
        cancel: threading.Event | None = None,
        retry_failed: bool = True,
    ) -> ScanReport:
        """Bring the catalogue up to date with the disk and list the works that need tagging.

        Scanning several folders together lets a work moved between them keep its history.
        """
        report = ScanReport()
        targets = list(self.store.folders() if folders is None else folders)
        seen_by_folder: dict[int, list[_Seen]] = {}
        blind: dict[int, list[str]] = {}  # subfolders that could not be read: not "deleted"
        rules: dict[int, Rules] = {}
        for folder in targets:
            try:
                rules[folder.id] = self.rules_for(folder)
            except PolicyError as exc:
                self.folder_problem(folder, f"its policy cannot be used ({exc})", report)
                continue
            if not os.path.isdir(folder.path):
                self.folder_problem(
                    folder,
                    "the folder is not available (moved, deleted or a drive unplugged)",
                    report,
                )
                continue
            found: list[_Seen] = []
            unreadable: list[str] = []
            ok = self._walk(folder.path, found, unreadable, report, progress, cancel)
            if not ok:
                return report  # cancelled: nothing half-recorded
            seen_by_folder[folder.id] = found
            blind[folder.id] = unreadable
            if unreadable:
                report.problems.extend(f"cannot read {p}" for p in unreadable)

        known: dict[str, WorkStat] = {}
        gone_ids: list[int] = []
        for folder_id, found in seen_by_folder.items():
            stats = self.store.work_stats(folder_id)
            known.update((w.path, w) for w in stats)
            present = {s.path for s in found}
            gone_ids += [
                w.id
                for w in stats
                if w.path not in present
                and w.state is not WorkState.DELETED
                and known[w.path] is w
                and not any(_inside(w.path, b) for b in blind.get(folder_id, ()))
            ]
            del present
        vanished = self.store.works_by_ids(gone_ids)
        by_inode = {(w.inode, w.size, w.mtime_ns): w for w in vanished if w.inode is not None}
        sizes = {w.size for w in vanished}

        now = utc_now()
        with self.store.transaction():
            for folder in targets:
                if folder.id not in seen_by_folder:
                    continue
                folder_rules = rules[folder.id]
                for seen in seen_by_folder[folder.id]:
                    work = known.get(seen.path)
                    if work is None:
                        work = self._arrival(folder, seen, vanished, by_inode, sizes, report)
                        if work is None:
                            report.due.append(Due(seen.path, folder, folder_rules))
                            continue
                    if self._is_due(work, seen, folder_rules, retry_failed):
                        if work.state in DONE_STATES:
                            self.store.update_work(work.id, state=WorkState.STALE)
                            report.changed += 1
                        report.due.append(Due(seen.path, folder, folder_rules))
                    else:
                        report.unchanged += 1
                self.store.update_folder(folder.id, last_scan_at=now, error=None)
                if folder.error is not None:
                    self.store.append("folder.available", folder.path, {"was": folder.error})
            for work in vanished:
                if work.state is WorkState.DELETED:
                    continue  # matched as a move above
                self.store.update_work(work.id, state=WorkState.DELETED)
                self.store.append("work.deleted", work.path, {"sha256": work.sha256})
                report.deleted += 1
        return report

    def _walk(
        self,
        root: str,
        found: list[_Seen],
        unreadable: list[str],
        report: ScanReport,
        progress: ScanProgress | None,
        cancel: threading.Event | None,
    ) -> bool:
        stack = [root]
        while stack:
            if cancel is not None and cancel.is_set():
                return False
            folder = stack.pop()
            try:
                entries = list(os.scandir(folder))
            except OSError:
                unreadable.append(folder)
                continue
            for entry in entries:
                name = entry.name
                if is_temp_name(name):
                    report.leftovers_removed += remove_if_leftover(entry.path)
                    continue
                if name.startswith(".") or ignored_reason(name):
                    continue
                try:
                    if entry.is_symlink():  # never followed: it may lead out of the folder
                        report.skipped.append((entry.path, link_reason(entry.path)))
                        continue
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                        continue
                    if not entry.is_file(follow_symlinks=False):
                        continue
                    if by_extension(Path(name)) is None:
                        continue
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                found.append(_Seen(entry.path, st.st_size, st.st_mtime_ns, st.st_ino))
                report.seen += 1
                if progress is not None and report.seen % 500 == 0:
                    progress(report.seen)
        if progress is not None:
            progress(report.seen)
        return True

    def _arrival(
        self,
        folder: Folder,
        seen: _Seen,
        vanished: list[Work],
        by_inode: dict,
        sizes: set,
        report: ScanReport,
    ) -> Work | None:
        """A path the catalogue does not know: a moved work, or a new one (then None)."""
        origin = by_inode.get((seen.inode, seen.size, seen.mtime_ns))
        if origin is None and seen.size in sizes:
            digest = _sha256(seen.path)
            origin = next(
                (w for w in vanished if w.sha256 == digest and w.state is not WorkState.DELETED),
                None,
            )
        if origin is not None and origin.state is not WorkState.DELETED:
            self._move(origin, folder, seen.path, (seen.size, seen.mtime_ns, seen.inode))
            vanished.remove(origin)
            by_inode.pop((origin.inode, origin.size, origin.mtime_ns), None)
            report.moved += 1
            return self.store.work(seen.path)
        self.store.add_work(folder.id, seen.path, state=WorkState.NEW)
        self.store.append("work.added", seen.path, {"size": seen.size, "folder": folder.path})
        report.added += 1
        return None

    def _move(
        self, work: Work, folder: Folder, new_path: str, stat: tuple[int, int, int] | None
    ) -> None:
        changes: dict = {"path": new_path, "folder_id": folder.id}
        if stat is not None and (work.size, work.mtime_ns, work.inode) != stat:
            # same content, new inode (copied across drives): remember the new identity
            changes |= {"size": stat[0], "mtime_ns": stat[1], "inode": stat[2]}
        self.store.update_work(work.id, **changes)
        self.store.append(
            "work.moved", new_path, {"from": work.path, "to": new_path, "sha256": work.sha256}
        )

    @staticmethod
    def _is_due(work: Work | WorkStat, seen: _Seen, rules: Rules, retry_failed: bool) -> bool:
        if not work.same_file(seen.size, seen.mtime_ns, seen.inode):
            return True
        if work.state in DONE_STATES:
            return work.signature != rules.signature
        if work.state is WorkState.FAILED:
            return retry_failed
        return True  # new, stale, or deleted and back again

    def folder_problem(self, folder: Folder, problem: str, report: ScanReport) -> None:
        report.problems.append(f"{folder.path}: {problem}")
        if folder.error != problem:
            with self.store.transaction():
                self.store.update_folder(folder.id, error=problem)
                self.store.append("folder.unavailable", folder.path, {"problem": problem})

    # --- moves and deletions reported by the watcher ----------------------------------------
    def moved(self, src: str, dest: str) -> bool:
        """A file was renamed or moved; True when it was a catalogued work."""
        work = self.store.work(src)
        if work is None or work.state is WorkState.DELETED:
            return False
        folder = self.store.folder_for(dest)
        with self.store.transaction():
            if folder is None:
                self.store.update_work(work.id, state=WorkState.DELETED)
                self.store.append(
                    "work.deleted", src, {"sha256": work.sha256, "moved_out_to": dest}
                )
                return True
            existing = self.store.work(dest)
            if existing is not None and existing.state is not WorkState.DELETED:
                # replaced another work: that one is gone
                self.store.update_work(existing.id, state=WorkState.DELETED)
                self.store.append(
                    "work.deleted", dest, {"sha256": existing.sha256, "replaced_by": src}
                )
            self._move(work, folder, dest, None)
        return True

    def adopt(self, path: str) -> Work | None:
        """A path with no live work: if it is a work that moved here (the same inode, or the same
        content when it came from another drive), move that work here and return it."""
        folder = self.store.folder_for(path)
        try:
            st = os.lstat(path)
        except OSError:
            return None
        if folder is None or not stat.S_ISREG(st.st_mode):  # a link is never a work
            return None

        def elsewhere(w: Work) -> bool:
            return w.path != path and not os.path.exists(w.path)

        candidates = [
            w
            for w in self.store.works_by_inode(st.st_ino)
            if elsewhere(w) and (w.size, w.mtime_ns) == (st.st_size, st.st_mtime_ns)
        ]
        if not candidates:
            digest = _sha256(path)
            candidates = [w for w in self.store.works_by_sha256(digest or "-") if elsewhere(w)]
        if not candidates:
            return None
        origin = min(candidates, key=lambda w: (w.state is WorkState.DELETED, -w.id))
        with self.store.transaction():
            if origin.state is WorkState.DELETED:
                self.store.update_work(origin.id, state=WorkState.STALE)  # checked again
            self._move(origin, folder, path, (st.st_size, st.st_mtime_ns, st.st_ino))
        return self.store.work(path)

    def deleted(self, path: str) -> bool:
        work = self.store.work(path)
        if work is None or work.state is WorkState.DELETED or os.path.exists(path):
            return False
        with self.store.transaction():
            self.store.update_work(work.id, state=WorkState.DELETED)
            self.store.append("work.deleted", path, {"sha256": work.sha256})
        return True

    # --- tagging and recording ----------------------------------------------------------
    def process(
        self,
        due: Iterable[Due],
        *,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Tag the due works with their folders' policies and record every outcome."""
        items = list(due)
        by_path = {d.path: d for d in items}
        if items:
            self.store.ensure_room(len(items))  # a full disk stops the batch before any write
        credentials = self._credentials_for({d.rules.policy.name: d.rules.policy for d in items})
        if credentials is None:
            items = [_without_credentials(d) for d in items]
            by_path = {d.path: d for d in items}
        outcomes = tag_files(
            ((Path(d.path), d.rules.fields) for d in items),
            options=TagOptions(digest=True, credentials=credentials),
            jobs=jobs,
            cancel=cancel,
        )
        yield from self._recorded(outcomes, lambda o: by_path.get(o.path))

    def _credentials_for(
        self, policies: dict[str, Policy], requested: SignJob | None = None
    ) -> SignJob | None:
        """What to sign with: every policy when the user asked (``--c2pa``), otherwise the
        policies that ask for Content Credentials themselves.  Without a signing identity
        those files are tagged without credentials and the ledger says why."""
        wanted = [p for p in policies.values() if requested is not None or p.content_credentials]
        if not wanted:
            return None
        if requested is not None:
            return requested.with_policies(wanted)
        from creatorapp.core import identity

        try:
            return SignJob(identity.load()).with_policies(wanted)
        except identity.IdentityError as exc:
            with self.store.transaction():
                self.store.append(
                    "credentials.unavailable", ", ".join(p.name for p in wanted), {"why": str(exc)}
                )
            return None

    def _recorded(
        self, outcomes: Iterable[Outcome], due_of: Callable[[Outcome], Due | None]
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
                if len(batch) >= 64 or (batch and time.monotonic() - last > 0.2):
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
                self.deleted(path)
            return
        with store.transaction():
            if work is None:
                work = store.add_work(item.folder.id, path, state=WorkState.NEW)
                store.append("work.added", path, {"size": outcome.size, "folder": item.folder.path})
            identity = {
                "size": outcome.size,
                "mtime_ns": outcome.mtime_ns,
                "inode": outcome.inode,
                "format": outcome.format,
            }
            if outcome.status is Status.FAILED and outcome.code in TRANSIENT:
                # another program had the file, and what it left is not what we read: nothing
                # is wrong with the work, so it keeps its state and stays due (the change that
                # beat us sends the watcher an event; a scan sees a new stat)
                return
            if outcome.status is Status.FAILED:
                repeat = work.state is WorkState.FAILED and work.error == outcome.reason
                store.update_work(work.id, state=WorkState.FAILED, error=outcome.reason, **identity)
                if not repeat or not work.same_file(
                    outcome.size or 0, outcome.mtime_ns or 0, outcome.inode or 0
                ):
                    store.append(
                        "work.failed", path, {"reason": outcome.reason, "format": outcome.format}
                    )
                return
            state = WorkState.SIDECAR if outcome.sidecar else WorkState.TAGGED
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

    # --- `creatorapp tag` on paths that may lie in portfolio folders ---------------------
    def tag(
        self,
        paths: Iterable[Path],
        policy: Policy | None,
        *,
        options: TagOptions | None = None,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Tag files and folders; works in portfolio folders are recorded, and those the
        catalogue knows are already done (same stat, same policy) are not even opened."""
        options = options or TagOptions()
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
            folder = _folder_for(real, folders)
            if folder is None:
                todo.append((shown, None))
                continue
            if policy is None and folder.id not in folder_rules:
                try:
                    folder_rules[folder.id] = self.rules_for(folder)
                except PolicyError as exc:
                    raise CatalogueError(
                        f"the policy of portfolio folder {folder.path} cannot be used ({exc})"
                    ) from None
            rules = default if policy is not None else folder_rules[folder.id]
            todo.append((shown, Due(real, folder, rules)))

        known = self.store.works_at([d.path for _, d in todo if d is not None])
        work: list[tuple[Path, tuple[Field, ...]]] = []
        due_of: dict[str, Due] = {}
        for shown, item in todo:
            # with --c2pa each file is opened: the catalogue does not know what it carries
            quick = not (options.force or options.dry_run or options.credentials)
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
            work.append((Path(shown), item.rules.fields if item else default.fields))
            if item is not None:
                due_of[shown] = item
        if due_of and not options.dry_run:
            self.store.ensure_room(len(due_of))  # a full disk stops the batch before any write
        used = {r.policy.name: r.policy for r in (default, *folder_rules.values())}
        credentials = self._credentials_for(used, options.credentials)
        if credentials is None:
            due_of = {k: _without_credentials(d) for k, d in due_of.items()}
        outcomes = tag_files(
            work,
            options=replace(options, digest=bool(due_of), credentials=credentials),
            jobs=jobs,
            cancel=cancel,
        )
        if options.dry_run:
            yield from outcomes
        else:
            yield from self._recorded(outcomes, lambda o: due_of.get(o.path))


# Failures that say nothing about the file itself, only that another writer got there first.
TRANSIENT = frozenset({Reason.CHANGED_WHILE_TAGGING, Reason.BUSY})


def _without_credentials(due: Due) -> Due:
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


def _folder_for(path: str, folders: list[Folder]) -> Folder | None:
    return next((f for f in folders if path == f.path or _inside(path, f.path)), None)


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)
