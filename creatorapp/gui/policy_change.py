"""When a folder's policy changes in the window (the set-up gives folders the creator's own
policy, a policy is edited and saved, a folder is given another one), the works tagged under
the old values are marked stale at once, and the creator is asked whether to write the new
policy into them now, as one job with progress and Cancel, or later.

Nothing here decides anything: the core marks the works (``Portfolio.set_folder`` and
``Portfolio.restale``, which also write the change into the ledger) and applies the policy
(``TaggingService.apply``, which holds the files so the watcher stays off them and records one
``folder.policy_applied`` event).  "Later" leaves a notice with the same button, so the choice
is never lost; the watcher also applies it the next time it starts."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.text.display import counted, shown
from creatorapp.core.works.portfolio import PolicyShift, Portfolio
from creatorapp.core.works.service import TaggingService
from creatorapp.gui.operations import WORKS_CHANGED
from creatorapp.gui.qt import QObject, QtWidgets, Signal
from creatorapp.gui.tasks import Job

if TYPE_CHECKING:
    from creatorapp.core.catalogue import Folder

NOTICE = "A new policy is waiting"  # the notice "Later" leaves


def question(shifts: list[PolicyShift]) -> str:
    """What the creator is asked, in words: how many works, where, and what it costs."""
    total = sum(s.stale for s in shifts)
    where = (
        Path(shifts[0].folder.path).name
        if len(shifts) == 1
        else counted(len(shifts), "portfolio folder")
    )
    policies = ", ".join(dict.fromkeys(s.folder.policy for s in shifts))
    carry = "carries" if total == 1 else "carry"
    return (
        f"{counted(total, 'work')} in {shown(where)} still {carry} the old policy, so "
        f"{'it is' if total == 1 else 'they are'} shown as stale. Write {shown(policies)} into "
        f"{'it' if total == 1 else 'them'} now? This rewrites "
        f"{counted(total, 'file')}; you can cancel while it runs."
    )


def summary(counts: Counter, cancelled: bool) -> str:
    written = counts.get("tagged", 0) + counts.get("sidecar", 0)
    text = f"New policy written into {counted(written, 'file')}"
    if counts.get("unchanged"):
        text += f", {counted(counts['unchanged'], 'file')} already right"
    if counts.get("failed"):
        text += f", {counted(counts['failed'], 'file')} could not be tagged"
    return ("Stopped: " if cancelled else "") + text


class PolicyChange(QObject):
    """Asks "Apply now / Later" after a policy change and runs the apply job.  Made by the main
    window, which it listens to: a saved policy and a saved set-up."""

    asked = Signal(object)  # the question box, once it is open
    applied = Signal(str)  # what the apply job did, in words

    def __init__(self, window: QtWidgets.QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.store = window.store
        self.jobs = window.jobs
        self.box: QtWidgets.QMessageBox | None = None
        window.policies.saved.connect(lambda _name: self.check())
        changed = getattr(window.operations, "policies_changed", None)
        if changed is not None:
            changed.connect(self.check)

    # --- finding what changed ------------------------------------------------------------------
    def check(self) -> Job:
        """A policy may have changed under some folders (edited, or the set-up saved): mark
        their old works stale and ask about every folder whose works carry an old policy."""

        def work(job: Job) -> list[PolicyShift]:
            return Portfolio(self.store).restale()

        return self.jobs.run(Job("Checking your folders' policies", work), self._found, self._fail)

    def set_policy(self, folder: str, policy: str) -> Job:
        """Give a portfolio folder another policy (a bulk edit, a folder's settings), then ask."""

        def work(job: Job) -> list[PolicyShift]:
            portfolio = Portfolio(self.store)
            changed = portfolio.set_folder(folder, policy=policy)
            stale = portfolio.carrying_old_policy(changed)
            return [PolicyShift(changed, stale)] if stale else []

        return self.jobs.run(Job("Changing the folder's policy", work), self._found, self._fail)

    def _found(self, shifts: object) -> None:
        assert isinstance(shifts, list)
        self._changed()
        if shifts:
            self.ask(shifts)

    # --- asking -------------------------------------------------------------------------------
    def ask(self, shifts: list[PolicyShift]) -> QtWidgets.QMessageBox:
        """The question, without blocking the window."""
        W = QtWidgets
        if self.box is not None:
            self.box.close()
        box = W.QMessageBox(
            W.QMessageBox.Icon.Question,
            "Apply the new policy?",
            question(shifts),
            parent=self.window,
        )
        box.setDetailedText(
            "\n".join(f"{shown(s.folder.path)}: {counted(s.stale, 'work')}" for s in shifts)
        )
        now = box.addButton("Apply now", W.QMessageBox.ButtonRole.AcceptRole)
        later = box.addButton("Later", W.QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(now)
        box.setEscapeButton(later)
        folders = [s.folder for s in shifts]

        def answered() -> None:
            self.box = None
            if box.clickedButton() is now:
                self.apply(folders)
            else:
                self.later(shifts)

        box.finished.connect(lambda _result: answered())
        self.box = box
        box.open()
        self.asked.emit(box)
        return box

    def later(self, shifts: list[PolicyShift]) -> None:
        """Leave the question where it is seen again, with the same button."""
        folders = [s.folder for s in shifts]
        total = sum(s.stale for s in shifts)
        text = (
            f"{counted(total, 'work')} still {'carries' if total == 1 else 'carry'} the old "
            "policy. Watching applies the new one the next time it starts."
        )
        notices = getattr(self.window, "notices", None)
        if notices is None:
            self.window.statusBar().showMessage(text, 15000)
            return
        notices.add(
            NOTICE,
            text,
            advice="Until then Works shows them as stale.",
            action=("Apply now", lambda: (notices.dismiss(NOTICE), self.apply(folders))),
        )

    # --- applying -----------------------------------------------------------------------------
    def apply(self, folders: list[Folder] | None = None) -> Job:
        """Write each folder's policy into its works, with progress and Cancel."""
        ids = None if folders is None else {f.id for f in folders}

        def work(job: Job) -> str:
            current = [f for f in self.store.folders() if ids is None or f.id in ids]
            report, outcomes = TaggingService(Portfolio(self.store)).apply(
                current, cancel=job.cancel
            )
            counts: Counter = Counter()
            total = len(report.due)
            job.report(0, total)
            try:
                for outcome in outcomes:
                    counts[outcome.status.value] += 1
                    job.report(sum(counts.values()), total)
            finally:
                close = getattr(outcomes, "close", None)
                if close is not None:
                    close()
            return summary(counts, job.cancel.is_set())

        return self.jobs.run(Job("Applying the new policy", work), self._applied, self._fail)

    def _applied(self, text: object) -> None:
        self.window.statusBar().showMessage(str(text), 15000)
        self.applied.emit(str(text))
        self._changed()

    def _fail(self, message: str) -> None:
        notify = getattr(self.window, "notify_failure", None)
        if notify is not None:
            notify("Applying the new policy", message)
        self._changed()

    def _changed(self) -> None:
        self.window.operations.changed.emit(WORKS_CHANGED)
