"""The long operations the window offers, each a core call run as a cancellable job: add
folders, tag files, undo the last batch, apply the set-up.  Panels and menus call these; results
come back as signals so every panel can refresh."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

from creatorapp.core.app import setup
from creatorapp.core.catalogue import Store
from creatorapp.core.text.display import counted
from creatorapp.core.works import undo
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.core.works.service import TaggingService, TagRequest
from creatorapp.gui.job_bar import JobBar
from creatorapp.gui.qt import QObject, Signal
from creatorapp.gui.tasks import Job


def describe(summary: undo.BatchSummary) -> str:
    c = summary.counts
    parts = [
        counted(c.get("tagged", 0) + c.get("sidecar", 0), "file") + " tagged",
        f"{c.get('unchanged', 0):,} already right",
    ]
    if c.get("failed"):
        parts.append(f"{c['failed']:,} failed")
    if c.get("skipped"):
        parts.append(f"{c['skipped']:,} skipped")
    text = ", ".join(parts)
    return ("Stopped: " if summary.cancelled else "") + text


class Part(StrEnum):
    """What an operation may change, so the window refreshes those views and no others."""

    WORKS = "works"
    SITES = "sites"
    OPTOUTS = "optouts"
    ACTIVITY = "activity"


WORKS_CHANGED = frozenset({Part.WORKS, Part.ACTIVITY})  # tagging, undo, folders: works + ledger
EVERYTHING = frozenset(Part)


class Operations(QObject):
    changed = Signal(object)  # the parts of the catalogue that changed (a frozenset of Part)
    message = Signal(str)  # a result worth a line in the status bar
    failure = Signal(str, str)  # title, details: worth a notification
    undo_available = Signal(str)  # "" when there is nothing to undo
    # files that carry Content Credentials the batch left alone: re-tagging them without a
    # signing identity would make the credentials invalid, so the creator decides
    credentials_at_stake = Signal(list)
    policies_changed = Signal()  # a saved set-up may have given folders a new or edited policy

    def __init__(self, store: Store, jobs: JobBar, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.jobs = jobs

    # --- helpers ---------------------------------------------------------------------------
    def _run(self, title: str, fn, on_done, parts: frozenset = WORKS_CHANGED) -> Job:
        def failed(message: str) -> None:
            self.failure.emit(title, message)
            self.changed.emit(parts)

        return self.jobs.run(Job(title, fn), on_done, failed)

    def undo_label(self) -> str:
        last = undo.last_batch()
        return "" if last is None else f"{last[0]} ({counted(last[1], 'file')})"

    # --- tagging ---------------------------------------------------------------------------
    def tag(
        self, paths: list[Path], *, label: str | None = None, break_credentials: bool = False
    ) -> Job:
        """Tag files or folders with their portfolio folder's policy (else the user's own),
        keeping the originals for one undo.  ``break_credentials``: the creator agreed that
        files whose Content Credentials cannot be re-signed lose their validity."""
        paths = [Path(p) for p in paths]
        name = label or (paths[0].name if len(paths) == 1 else counted(len(paths), "item"))

        def work(job: Job) -> undo.BatchSummary:
            return self._tag_undoably(job, paths, name, break_credentials)

        return self._run(f"Tagging {name}", work, self._tagged)

    def _tag_undoably(
        self, job: Job, paths: list[Path], name: str, break_credentials: bool = False
    ) -> undo.BatchSummary:
        policy = setup.policy_for(self.store, paths)
        return undo.tag_undoably(
            Portfolio(self.store),
            paths,
            policy,
            # the service signs what the policies ask for and re-signs files that carry
            # Content Credentials; without an identity they are never silently broken
            request=TagRequest(break_credentials=break_credentials),
            cancel=job.cancel,
            progress=job.report,
            label=f"Tagging {name}",
        )

    def _tagged(self, summary: object) -> None:
        assert isinstance(summary, undo.BatchSummary)
        for path, reason in summary.failures[:3]:
            self.failure.emit("A file could not be tagged", f"{Path(path).name}: {reason}")
        self.message.emit(describe(summary))
        self.undo_available.emit(self.undo_label())
        self.changed.emit(WORKS_CHANGED)
        if summary.would_break:
            self.credentials_at_stake.emit(summary.would_break)

    def undo_last(self) -> Job | None:
        if undo.last_batch() is None:
            self.message.emit("Nothing to undo")
            return None

        def work(job: Job) -> undo.UndoReport:
            return undo.undo_last(self.store)

        return self._run("Undoing the last batch", work, self._undone)

    def _undone(self, report: object) -> None:
        assert isinstance(report, undo.UndoReport)
        text = f"Put back {counted(len(report.restored), 'file')} as they were"
        if report.left:
            text += f"; {counted(len(report.left), 'file')} left as they are (changed since)"
        self.message.emit(text)
        self.undo_available.emit("")
        self.changed.emit(WORKS_CHANGED)

    # --- folders ---------------------------------------------------------------------------
    def add_folders(self, paths: list[Path], *, tag: bool = True, policy: str | None = None) -> Job:
        def work(job: Job) -> tuple[list[str], undo.BatchSummary | None]:
            portfolio = Portfolio(self.store)
            chosen = policy or setup.own_policy_name()
            # one job adds, scans and tags, holding the folders all along: a running watcher
            # would otherwise catch the new folder between the scan and the tagging
            with TaggingService(portfolio).holding(paths):
                folders = [portfolio.add_folder(p, chosen) for p in paths]
                portfolio.scan(folders, progress=lambda n: job.report(n, 0))
                added = [f.path for f in folders]
                if not (tag and added):
                    return added, None
                return added, self._tag_undoably(job, [Path(p) for p in added], Path(added[0]).name)

        def done(result: object) -> None:
            added, summary = result
            self.changed.emit(WORKS_CHANGED)
            self.message.emit(f"Added {counted(len(added), 'folder')}")
            if summary is not None:
                self._tagged(summary)

        return self._run("Adding folders", work, done)

    # --- set-up ----------------------------------------------------------------------------
    def apply_setup(self, answers: setup.Answers, *, tag: bool = True) -> Job:
        def work(job: Job) -> tuple[list[str], undo.BatchSummary | None]:
            portfolio = Portfolio(self.store)
            with TaggingService(portfolio).holding(answers.folders):
                folders = setup.apply(self.store, answers)
                if folders:
                    portfolio.scan(folders, progress=lambda n: job.report(n, 0))
                added = [f.path for f in folders]
                if not (tag and added):
                    return added, None
                return added, self._tag_undoably(job, [Path(p) for p in added], "your portfolio")

        def done(result: object) -> None:
            _, summary = result
            self.message.emit("Set-up saved")
            self.changed.emit(EVERYTHING)
            self.policies_changed.emit()
            if summary is not None:
                self._tagged(summary)

        return self._run("Saving your set-up", work, done, EVERYTHING)
