"""Undo of the last tagging batch.

Before a batch rewrites anything, each file's original (and its sidecar, if it had one) is copied
into the data folder; a hard link would cost nothing but tagging rightly refuses files with other
links.  After the batch only the copies of files that were really written stay kept.  Undo puts
each one back, but only when the file is still exactly what the batch wrote: a file changed since
is left alone and reported.

Only the last batch is kept; starting a new one forgets the one before.

While undo puts files back it holds them (``core/works/holds.py``): the watcher of the same
catalogue leaves them alone, and afterwards finds them recorded as put back (``new``, signature
``undone``), so it does not tag them again; nor does a scan, until the file changes or the
creator tags it on purpose.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from creatorapp.core.catalogue import UNDONE, Store, WorkState
from creatorapp.core.catalogue.location import data_dir, private_folder
from creatorapp.core.media.base import FileProblem, Outcome, Reason, Status
from creatorapp.core.media.safe_write import safe_write
from creatorapp.core.media.sidecar import sidecar_candidates

_MANIFEST = "batch.json"


def undo_dir() -> Path:
    return data_dir() / "undo"


@dataclass
class Kept:
    """One rewritten file: where its original is kept and what the batch left on disk."""

    path: str
    original: str  # file name in the batch folder
    inode: int = 0
    size: int = 0
    sidecar: str | None = None  # the sidecar the batch wrote
    sidecar_original: str | None = None  # its earlier version, None when the batch created it
    sidecar_inode: int = 0


@dataclass
class UndoReport:
    restored: list[str] = field(default_factory=list)
    left: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def _keep(src: Path, dest: Path) -> None:
    shutil.copyfile(src, dest)  # the kernel copies (copy_file_range/sendfile), no Python loop


class UndoBatch:
    """Keeps originals while a batch runs; ``finish`` writes down what can be undone."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or undo_dir()
        self.folder = self.root / "last"
        self._pending: dict[str, tuple[str, dict[str, str]]] = {}
        self.kept: list[Kept] = []
        if self.folder.exists():
            shutil.rmtree(self.folder, ignore_errors=True)
        if root is None:
            private_folder(data_dir())
            private_folder(self.root)
        private_folder(self.folder)  # originals of the creator's files: theirs alone

    def keep(self, paths: Iterable[Path]) -> None:
        """Keep the originals of the files about to be tagged (and of their sidecars)."""
        for path in paths:
            key = str(path)
            if key in self._pending:
                continue
            n = len(self._pending)
            name = f"{n:06d}{path.suffix.lower()}"
            try:
                _keep(path, self.folder / name)
            except OSError:
                continue  # cannot be kept: the batch still runs, this file cannot be undone
            sidecars: dict[str, str] = {}
            for i, candidate in enumerate(sidecar_candidates(path)):
                if candidate.is_file():
                    kept = f"{n:06d}.{i}.xmp"
                    with contextlib.suppress(OSError):
                        _keep(candidate, self.folder / kept)
                        sidecars[str(candidate)] = kept
            self._pending[key] = (name, sidecars)

    def settle(self, outcome: Outcome) -> None:
        """Note what one outcome left on disk; originals of untouched files are let go."""
        pending = self._pending.pop(outcome.path, None)
        if pending is None:
            return
        name, sidecars = pending
        if not outcome.written:
            self._discard(name, *sidecars.values())
            return
        try:
            if outcome.sidecar:
                st = os.stat(outcome.sidecar)
                kept = Kept(
                    outcome.path,
                    name,
                    sidecar=outcome.sidecar,
                    sidecar_original=sidecars.pop(outcome.sidecar, None),
                    sidecar_inode=st.st_ino,
                )
                image = os.stat(outcome.path)
                kept.inode, kept.size = image.st_ino, image.st_size
            else:
                st = os.stat(outcome.path)
                kept = Kept(outcome.path, name, inode=st.st_ino, size=st.st_size)
        except OSError:
            self._discard(name, *sidecars.values())
            return
        self._discard(*sidecars.values())
        self.kept.append(kept)

    def _discard(self, *names: str) -> None:
        for name in names:
            with contextlib.suppress(OSError):
                (self.folder / name).unlink()

    def finish(self, label: str) -> int:
        """Write the manifest; returns how many files the batch can put back."""
        for name, sidecars in self._pending.values():  # cancelled before they were reached
            self._discard(name, *sidecars.values())
        self._pending.clear()
        if not self.kept:
            shutil.rmtree(self.folder, ignore_errors=True)
            return 0
        doc = {"label": label, "files": [asdict(k) for k in self.kept]}
        tmp = self.folder / f".{_MANIFEST}.tmp"
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        os.replace(tmp, self.folder / _MANIFEST)
        return len(self.kept)


def last_batch(root: Path | None = None) -> tuple[str, int] | None:
    """The label and size of the batch that can be undone, or None."""
    manifest = (root or undo_dir()) / "last" / _MANIFEST
    try:
        doc = json.loads(manifest.read_text(encoding="utf-8"))
        return str(doc["label"]), len(doc["files"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _restore(target: Path, original: Path, inode: int) -> None:
    current = os.stat(target)
    if current.st_ino != inode:
        raise FileProblem("it changed after it was tagged")
    safe_write(target, original.read_bytes(), expect_stat=current)


def undo_last(store: Store | None = None, root: Path | None = None) -> UndoReport:
    """Put the last batch back; the catalogue and the ledger say what was restored.  With a
    catalogue, its watcher in this process is kept off the files meanwhile."""
    folder = (root or undo_dir()) / "last"
    try:
        doc = json.loads((folder / _MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return UndoReport()
    if store is None:
        return _put_back(doc, folder, None)
    from creatorapp.core.works.holds import gate_for
    from creatorapp.core.works.portfolio import normalise

    paths = [normalise(e["path"]) for e in doc.get("files", []) if e.get("path")]
    with gate_for(store).holding(paths):
        return _put_back(doc, folder, store)


def _put_back(doc: dict, folder: Path, store: Store | None) -> UndoReport:
    report = UndoReport()
    for entry in doc.get("files", []):
        kept = Kept(**entry)
        try:
            if kept.sidecar:
                sidecar = Path(kept.sidecar)
                if kept.sidecar_original:
                    _restore(sidecar, folder / kept.sidecar_original, kept.sidecar_inode)
                elif os.stat(sidecar).st_ino == kept.sidecar_inode:
                    sidecar.unlink()
                else:
                    raise FileProblem("its sidecar changed after it was tagged")
            else:
                _restore(Path(kept.path), folder / kept.original, kept.inode)
        except FileNotFoundError:
            report.left.append((kept.path, "it is no longer there"))
            continue
        except (FileProblem, OSError) as exc:
            report.left.append((kept.path, str(exc)))
            continue
        report.restored.append(kept.path)
    if store is not None and report.restored:
        _record(store, report.restored, doc.get("label", ""))
    shutil.rmtree(folder, ignore_errors=True)
    return report


def _record(store: Store, paths: list[str], label: str) -> None:
    from creatorapp.core.works.portfolio import normalise

    known = store.works_at([normalise(p) for p in paths])
    with store.transaction():
        for path in paths:
            work = known.get(normalise(path))
            if work is not None:
                st = os.stat(path)
                store.update_work(
                    work.id,
                    state=WorkState.NEW,
                    signature=UNDONE,  # not due again until the file changes
                    tagged_at=None,
                    size=st.st_size,
                    mtime_ns=st.st_mtime_ns,
                    inode=st.st_ino,
                )
            store.append("work.restored", path, {"batch": label})


@dataclass
class BatchSummary:
    counts: dict[str, int]
    undoable: int
    cancelled: bool
    failures: list[tuple[str, str]]
    # signed files left alone because rewriting them would invalidate their credentials and
    # there is no identity to re-sign: the window asks whether to go ahead
    would_break: list[str] = field(default_factory=list)


def tag_undoably(
    portfolio,
    paths: list[Path],
    policy,
    *,
    request=None,
    cancel=None,
    progress=None,
    label: str = "",
    root: Path | None = None,
) -> BatchSummary:
    """Tag files and folders as ``creatorapp tag`` does (through the same tagging service),
    keeping the originals for one undo.  ``request``: a
    :class:`~creatorapp.core.works.service.TagRequest`.

    ``progress(done, total)`` is called as outcomes arrive (from this thread)."""
    from creatorapp.core.works.service import TaggingService, TagRequest

    service = TaggingService(portfolio)
    # held from before the originals are kept: the watcher cannot tag a file in between, so
    # every file this batch finds untagged is tagged, and undone, by this batch
    with service.holding(paths):
        return _tag_undoably(
            service, paths, policy, request or TagRequest(), cancel, progress, label, root
        )


def _tag_undoably(service, paths, policy, request, cancel, progress, label, root) -> BatchSummary:
    from creatorapp.core.works.tagging import iter_targets

    targets = [t.path for t in iter_targets(paths) if t.skip is None]
    batch = UndoBatch(root)
    batch.keep(targets)
    counts: dict[str, int] = {}
    failures: list[tuple[str, str]] = []
    would_break: list[str] = []
    done = 0
    try:
        outcomes = service.tag(paths, policy, request=request, cancel=cancel)
        for outcome in outcomes:
            batch.settle(outcome)
            counts[outcome.status.value] = counts.get(outcome.status.value, 0) + 1
            if outcome.code is Reason.CREDENTIALS_WOULD_BREAK:
                would_break.append(outcome.path)
            elif outcome.reason and outcome.status is Status.FAILED:
                failures.append((outcome.path, outcome.reason))
            done += 1
            if progress is not None:
                progress(done, len(targets))
    finally:
        undoable = batch.finish(label or f"{len(targets)} files")
    cancelled = bool(cancel and cancel.is_set())
    return BatchSummary(counts, undoable, cancelled, failures, would_break)
