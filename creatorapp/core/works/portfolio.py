"""Portfolio folders and their works: scanning, moves and deletions, and what is due.

Tagging what is due, and recording it, is the tagging service's (``core/tagging_service.py``):
the CLI, scans, the watcher and the GUI all go through it, so a work's state and its ledger
history are written the same way whoever did the work.

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
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from creatorapp.core.catalogue import (
    DONE_STATES,
    UNDONE,
    Folder,
    Store,
    Work,
    WorkStat,
    WorkState,
    utc_now,
)
from creatorapp.core.media.base import Outcome, by_extension
from creatorapp.core.media.leftovers import remove_if_leftover
from creatorapp.core.media.safe_write import is_temp_name
from creatorapp.core.policy import Policy, PolicyError, resolve_policy
from creatorapp.core.policy.keep import keep_policy
from creatorapp.core.policy.signals import (
    Field,
    data_mining_uri,
    embedded_fields,
    field_rows,
    fields_signature,
)
from creatorapp.core.works.tagging import ignored_reason, link_reason
from creatorapp.errors import UserError

NOT_A_FOLDER = "not-a-portfolio-folder"  # the code of the error that says so
# why a work found in a folder given to be tagged was not tagged
LEFT_OUT = "left out of tagging and watching; include it again to have it tagged"


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

    @property
    def accepted(self) -> tuple[str, ...]:
        """The signatures a work may be recorded under and carry these values: this one, and
        for a signing policy the unsigned one (tagged while there was no identity)."""
        unsigned = self.signature.removesuffix("+c2pa")
        return (self.signature,) if unsigned == self.signature else (self.signature, unsigned)


@dataclass(frozen=True)
class Due:
    path: str
    folder: Folder
    rules: Rules


@dataclass(frozen=True)
class PolicyShift:
    """A folder whose works still carry an earlier policy's values after its policy changed."""

    folder: Folder
    stale: int  # works tagged under an earlier policy, now stale until the new one is applied


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
        resolved = self._given(policy)
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
        """Change a folder's policy or watching.  A new policy marks the works tagged under
        another one ``stale`` at once, in the same transaction as the ledger event that says so
        and how many they are (``stale``): their files carry the old values until the new
        policy is applied (:meth:`TaggingService.apply
        <creatorapp.core.works.service.TaggingService.apply>`, the watcher's start)."""
        folder = self.find_folder(path)
        with self.store.transaction():
            if policy is not None:
                resolved = self._given(policy)
                if resolved.name != folder.policy:
                    self._remember_outgoing(folder.policy)
                    self.store.update_folder(folder.id, policy=resolved.name)
                    self._mark_stale(folder, folder.policy, resolved)
            if watching is not None and watching != folder.watching:
                self.store.update_folder(folder.id, watching=watching)
                self.store.append("folder.watching", folder.path, {"watching": watching})
        updated = self.store.folder_by_id(folder.id)
        assert updated is not None
        return updated

    def _remember_outgoing(self, name: str) -> None:
        """Keep the fields of the policy a folder leaves, so that applying the new one may
        replace the notice and creator it wrote (works tagged before the catalogue kept
        fields would otherwise keep them as if they were the photographer's)."""
        try:
            fields = embedded_fields(self._policy(name))
        except (PolicyError, UserError):
            return  # a policy that no longer resolves: nothing is known of what it wrote
        signature = fields_signature(fields)
        if not self.store.remembered_fields([signature]):
            self.store.remember_fields(signature, field_rows(fields))

    def _mark_stale(
        self, folder: Folder, before: str, policy: Policy, *, edited: bool = False
    ) -> int:
        """Works of ``folder`` tagged under another signature than ``policy``'s become stale; the
        ledger records the change with their number.  Returns that number."""
        rules = Rules.of(policy)
        marked = self.store.mark_stale(folder.id, rules.accepted)
        if edited and not marked:
            return 0
        stale = self.store.count_unlike(folder.id, rules.accepted)
        data = {"from": before, "to": policy.name, "stale": stale, **self._policy_facts(policy)}
        if edited:
            data["edited"] = True
        self.store.append("folder.policy", folder.path, data)
        return stale

    def restale(self, folders: Iterable[Folder] | None = None) -> list[PolicyShift]:
        """After a policy was edited (its notice, its uses) the folders that use it keep their
        policy's name but not its values: mark their works tagged under the old values stale,
        record it (``folder.policy`` with ``edited``), and return every folder whose works
        still carry an earlier policy, with how many."""
        shifts: list[PolicyShift] = []
        for folder in list(self.store.folders() if folders is None else folders):
            try:
                policy = resolve_policy(folder.policy)
            except PolicyError:
                continue  # said where the folder is scanned or watched
            with self.store.transaction():
                self._mark_stale(folder, folder.policy, policy, edited=True)
            stale = self.carrying_old_policy(folder, Rules.of(policy))
            if stale:
                shifts.append(PolicyShift(folder, stale))
        return shifts

    def carrying_old_policy(self, folder: Folder, rules: Rules | None = None) -> int:
        """How many works of ``folder`` were tagged under another policy than its own and not
        tagged since."""
        rules = rules or self.rules_for(folder)
        return self.store.count_unlike(folder.id, rules.accepted)

    def find_folder(self, path: Path | str) -> Folder:
        real = normalise(path)
        folder = self.store.folder(real) or self.store.folder(os.path.abspath(str(path)))
        if folder is None:
            raise PortfolioError(f"{path} is not a portfolio folder", code=NOT_A_FOLDER)
        return folder

    @staticmethod
    def _given(spec: str) -> Policy:
        """The policy a user named for a folder: a name, or a file kept among their policies
        (the folder records the name, which must find it again)."""
        try:
            return keep_policy(spec)
        except PolicyError as exc:
            raise PortfolioError(str(exc)) from None

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
        # arrivals that may be a vanished work copied from another drive are read here, before
        # the write transaction: other programs on the catalogue never wait for file reads
        digests = {
            seen.path: _sha256(seen.path)
            for found in seen_by_folder.values()
            for seen in found
            if seen.size in sizes
            and seen.path not in known
            and (seen.inode, seen.size, seen.mtime_ns) not in by_inode
        }

        now = utc_now()
        with self.store.transaction():
            for folder in targets:
                if folder.id not in seen_by_folder:
                    continue
                folder_rules = rules[folder.id]
                for seen in seen_by_folder[folder.id]:
                    work = known.get(seen.path)
                    if work is None:
                        work = self._arrival(
                            folder, seen, vanished, by_inode, sizes, report, digests
                        )
                        if work is None:
                            report.due.append(Due(seen.path, folder, folder_rules))
                            continue
                    if self.is_due(
                        work,
                        (seen.size, seen.mtime_ns, seen.inode),
                        folder_rules,
                        retry_failed=retry_failed,
                    ):
                        if work.state in DONE_STATES:
                            self.store.update_work(work.id, state=WorkState.STALE)
                        if work.state in (*DONE_STATES, WorkState.STALE):
                            report.changed += 1  # its file or its policy changed since
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
        digests: dict[str, str | None],
    ) -> Work | None:
        """A path the catalogue does not know: a moved work, or a new one (then None)."""
        origin = by_inode.get((seen.inode, seen.size, seen.mtime_ns))
        if origin is None and seen.size in sizes:
            digest = digests[seen.path] if seen.path in digests else _sha256(seen.path)
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
        # asked again under the write lock: another process (the window's watcher beside
        # `creatorapp watch --once`) may have registered it since the scan read the catalogue
        registered = self.store.work(seen.path)
        if registered is not None and registered.state is not WorkState.DELETED:
            return registered
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
    def is_due(
        work: Work | WorkStat, seen: tuple[int, int, int], rules: Rules, *, retry_failed: bool
    ) -> bool:
        """Whether a catalogued work found with this (size, mtime_ns, inode) is to be tagged:
        the one rule for scans and the watcher."""
        if work.state is WorkState.EXCLUDED:
            return False  # left out by the creator, whatever happens to its file
        if not work.same_file(*seen):
            return True
        if work.state is WorkState.NEW and work.signature == UNDONE:
            return False  # put back by undo: left as the creator chose until the file changes
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

    # --- works the creator leaves out -------------------------------------------------------
    def exclude(self, paths: Iterable[Path | str]) -> int:
        """Leave works out: no scan, watcher, ``folders apply`` or tagging of their folder tags
        them again, and they are counted apart ("left out"), not as to do.  Only the catalogue
        changes: the files are never opened, and keep what they carry.  A file of a portfolio
        folder the catalogue does not know yet is catalogued as left out, so a later scan
        leaves it alone.  Naming the file itself to ``creatorapp tag`` still tags it (the
        creator named it) and it stays left out.

        Every path is checked before anything changes; one that is not a work of a portfolio
        folder stops the call with a :class:`PortfolioError` saying why.  One ``works.excluded``
        event records the works left out by this call and how many.  Returns that number
        (works already left out are not counted again)."""
        from creatorapp.core.works.holds import gate_for

        wanted = self._exclusion_targets(paths)
        # a batch or the watcher of this process may be tagging one of them: wait for it, so
        # that it does not record the work tagged after it was left out
        with gate_for(self.store).holding(list(wanted)), self.store.transaction():
            known = self._live(list(wanted))  # read again under the write lock
            left: list[str] = []
            for path, folder in wanted.items():
                work = known.get(path)
                if work is None:
                    self._catalogue_left_out(folder, path)
                elif work.state is WorkState.EXCLUDED:
                    continue
                else:
                    self.store.update_work(
                        work.id, state=WorkState.EXCLUDED, excluded_from=work.state.value
                    )
                left.append(path)
            if left:
                subject, facts = _change(left)
                self.store.append("works.excluded", subject, facts)
        return len(left)

    def include(self, paths: Iterable[Path | str]) -> int:
        """Take left-out works back: each gets back the state it had when it was left out,
        checked against what is true now (a work done under other values than its folder's
        policy gives now is stale), so the next scan, the watcher or ``creatorapp tag`` of its
        folder tags it when it is due.  A folder (a portfolio folder or one inside it) takes
        back every work left out in it.  Works that were not left out are not counted; a path
        the catalogue does not know stops the call before anything changes.  One
        ``works.included`` event records them; returns how many were taken back."""
        folders = self.store.folders()
        files: dict[str, str] = {}  # catalogue path -> as given
        inside: list[str] = []
        for given in dict.fromkeys(str(p) for p in paths):
            real = normalise(given)
            if os.path.isdir(real) and containing_folder(real, folders) is not None:
                inside.append(real)
            else:
                files[real] = given
        known = self._live(list(files))
        missing = [given for real, given in files.items() if real not in known]
        if missing:
            raise PortfolioError(f"{missing[0]} is not a work in the catalogue")
        if inside:
            for work in self.store.works(state=WorkState.EXCLUDED):
                if any(work.path == d or _inside(work.path, d) for d in inside):
                    known[work.path] = work
        rules: dict[int, Rules | None] = {}
        taken: list[str] = []
        with self.store.transaction():
            for path, work in sorted(self._live(list(known)).items()):
                if work.state is not WorkState.EXCLUDED:
                    continue
                if work.folder_id not in rules:
                    rules[work.folder_id] = self._rules_or_none(work.folder_id)
                changes: dict = {
                    "state": _taken_back(work, rules[work.folder_id]),
                    "excluded_from": None,
                }
                if work.signature == UNDONE:
                    changes["signature"] = None  # due again, as taking it back says
                self.store.update_work(work.id, **changes)
                taken.append(path)
            if taken:
                subject, facts = _change(taken)
                self.store.append("works.included", subject, facts)
        return len(taken)

    def _rules_or_none(self, folder_id: int) -> Rules | None:
        folder = self.store.folder_by_id(folder_id)
        try:
            return self.rules_for(folder) if folder is not None else None
        except PolicyError:
            return None  # said where the folder is scanned or watched

    def _live(self, paths: list[str]) -> dict[str, Work]:
        """Path -> the live (not deleted) work at it, for those of ``paths`` that have one."""
        found = self.store.works_at(paths)  # the live work where a deleted one had its path
        return {p: w for p, w in found.items() if w.state is not WorkState.DELETED}

    def _exclusion_targets(self, paths: Iterable[Path | str]) -> dict[str, Folder]:
        """Catalogue path -> its folder, for every path given; raises on the first that cannot
        be left out, before anything changed."""
        folders = self.store.folders()
        given = {normalise(p): str(p) for p in paths}
        known = self._live(list(given))
        wanted: dict[str, Folder] = {}
        for real, named in given.items():
            folder = containing_folder(real, folders)
            problem = None
            if folder is None:
                problem = "is not in a portfolio folder: only their works can be left out"
            elif os.path.islink(os.path.abspath(os.path.expanduser(named))):
                problem = "is a symbolic link, never a work: name the file it leads to"
            elif os.path.isdir(real):
                problem = (
                    "is a folder: name the files to leave out (to keep a whole portfolio "
                    "folder as it is, pause its watching)"
                )
            elif real not in known and not os.path.isfile(real):
                problem = "does not exist"
            elif real not in known and not _taggable(real):
                problem = "is not an image file Creator Reserve tags"
            if problem:
                raise PortfolioError(f"{named} {problem}")
            assert folder is not None
            wanted[real] = folder
        return wanted

    def _catalogue_left_out(self, folder: Folder, path: str) -> None:
        """A file no scan has catalogued yet, catalogued as left out with the stat it has (its
        history starts with ``work.added``, like any work's)."""
        try:
            st = os.lstat(path)
        except OSError as exc:
            raise PortfolioError(f"{path} cannot be read ({exc.strerror or exc})") from None
        self.store.add_work(
            folder.id,
            path,
            state=WorkState.EXCLUDED,
            excluded_from=WorkState.NEW.value,
            size=st.st_size,
            mtime_ns=st.st_mtime_ns,
            inode=st.st_ino,
        )
        self.store.append("work.added", path, {"size": st.st_size, "folder": folder.path})

    # --- tagging: the tagging service does it, for every caller -----------------------------
    def process(
        self,
        due: Iterable[Due],
        *,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Shorthand for :meth:`TaggingService.process
        <creatorapp.core.works.service.TaggingService.process>`."""
        from creatorapp.core.works.service import TaggingService

        return TaggingService(self).process(due, jobs=jobs, cancel=cancel)

    def tag(
        self,
        paths: Iterable[Path],
        policy: Policy | None,
        *,
        jobs: int | None = None,
        cancel: threading.Event | None = None,
    ) -> Iterator[Outcome]:
        """Shorthand for :meth:`TaggingService.tag
        <creatorapp.core.works.service.TaggingService.tag>` with nothing more asked."""
        from creatorapp.core.works.service import TaggingService

        return TaggingService(self).tag(paths, policy, jobs=jobs, cancel=cancel)


def _change(paths: list[str]) -> tuple[str, dict]:
    """The subject and facts of the one event a call of exclude or include writes: about the
    one work, or the folder all of them lie in."""
    subject = paths[0] if len(paths) == 1 else os.path.commonpath(paths)
    return subject, {"count": len(paths), "paths": paths}


def _taggable(path: str) -> bool:
    """Whether a scan would catalogue the file at ``path`` as a work."""
    name = os.path.basename(path)
    return (
        not is_temp_name(name) and not ignored_reason(name) and by_extension(Path(name)) is not None
    )


def _taken_back(work: Work, rules: Rules | None) -> WorkState:
    """The state a left-out work gets back: the one it had, unless it was done under other
    values than its folder's policy gives now (then stale: the policy changed meanwhile)."""
    try:
        before = WorkState(work.excluded_from or WorkState.NEW.value)
    except ValueError:
        before = WorkState.NEW
    if before in (WorkState.EXCLUDED, WorkState.DELETED):
        before = WorkState.NEW
    if before in DONE_STATES and (rules is None or work.signature not in rules.accepted):
        return WorkState.STALE
    return before


def containing_folder(path: str, folders: list[Folder]) -> Folder | None:
    """The folder among ``folders`` that ``path`` lies in, if any."""
    return next((f for f in folders if path == f.path or _inside(path, f.path)), None)


def _inside(path: str, folder: str) -> bool:
    return path.startswith(folder.rstrip(os.sep) + os.sep)
