"""What the Works panel can do to several works at once, and the questions it asks first.

Each action goes through a core service: tagging through the window's tagging batch (progress,
cancel, one undo), a policy change through the window's policy change (``Portfolio.set_folder``,
then the question whether to apply it now, as one job with progress and cancel).  A policy
belongs to a folder, not to a work (the catalogue has no per-work policy), so it can be changed
only for a selection that lies in one folder, and the dialog says it is that folder's policy.
Leaving works out (``Portfolio.exclude``) changes only the catalogue, so undoing it is cheap:
the strip that says what was left out offers "Include again" (``Portfolio.include``)."""

from __future__ import annotations

import html
import os
from collections.abc import Sequence
from dataclasses import dataclass

from creatorapp.core.catalogue import Folder, Store, Work, WorkState
from creatorapp.core.policy import PRESETS, Policy, user_policies
from creatorapp.core.text.display import counted, shown
from creatorapp.core.works.portfolio import Portfolio
from creatorapp.gui import tasks
from creatorapp.gui.qt import Qt, QtWidgets, Signal

W = QtWidgets
REVEAL_AT_MOST = 5  # folders opened at once by "Show in folder"


@dataclass(frozen=True)
class Selection:
    """The works selected, and the one folder they lie in (None when several or none)."""

    works: tuple[Work, ...]
    folder: Folder | None

    @classmethod
    def of(cls, store: Store, works: Sequence[Work]) -> Selection:
        ids = {w.folder_id for w in works}
        folder = store.folder_by_id(ids.pop()) if len(ids) == 1 else None
        return cls(tuple(works), folder)

    @property
    def paths(self) -> list[str]:
        return [w.path for w in self.works]

    @property
    def to_leave_out(self) -> list[str]:
        """The selected works not left out already: what leaving out changes, and so what
        "Include again" takes back (never a work left out before)."""
        return [w.path for w in self.works if w.state is not WorkState.EXCLUDED]

    @property
    def folders(self) -> int:
        return len({w.folder_id for w in self.works})

    def summary(self) -> str:
        if not self.works:
            return "No works selected"
        where = (
            f" in {shown(os.path.basename(self.folder.path) or self.folder.path)}"
            if self.folder is not None
            else f" in {counted(self.folders, 'folder')}"
        )
        return f"{counted(len(self.works), 'work')} selected{where}"

    def reveal_folders(self) -> list[str]:
        """The folders holding the selected files, in the order first met."""
        seen: dict[str, None] = {}
        for w in self.works:
            seen.setdefault(os.path.dirname(w.path), None)
        return list(seen)


def policy_choices() -> list[Policy]:
    """The presets, then the user's own policies that load."""
    mine = [p for p in user_policies().values() if isinstance(p, Policy)]
    return [*PRESETS.values(), *mine]


class PolicyDialog(W.QDialog):
    """Choose the new policy of the selection's folder (whether to write it into the files now
    is asked once it is set, with how many works it concerns)."""

    def __init__(self, selection: Selection, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        folder = selection.folder
        assert folder is not None
        name = shown(os.path.basename(folder.path) or folder.path)
        self.setWindowTitle("Change the folder's policy")
        intro = W.QLabel(
            f"A policy belongs to a portfolio folder. This changes it for the whole folder "
            f"<b>{html.escape(name)}</b> (all its works, not only the "
            f"{counted(len(selection.works), 'work')} selected). "
            f"It now uses <b>{html.escape(folder.policy)}</b>."
        )
        intro.setWordWrap(True)
        self.policy = W.QComboBox()
        self.policy.setAccessibleName("New policy")
        for policy in policy_choices():
            self.policy.addItem(f"{policy.title} ({policy.name})", policy.name)
        self.policy.setCurrentIndex(max(self.policy.findData(folder.policy), 0))
        label = W.QLabel("&New policy:")
        label.setBuddy(self.policy)
        buttons = W.QDialogButtonBox(
            W.QDialogButtonBox.StandardButton.Ok | W.QDialogButtonBox.StandardButton.Cancel
        )
        self.ok = buttons.button(W.QDialogButtonBox.StandardButton.Ok)
        self.ok.setText("Change policy")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = W.QHBoxLayout()
        row.addWidget(label)
        row.addWidget(self.policy, 1)
        layout = W.QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(520, self.sizeHint().height())

    def chosen(self) -> str:
        return str(self.policy.currentData())


def confirm_exclude(selection: Selection, parent: W.QWidget) -> W.QMessageBox:
    """The question asked before works are left out (not yet shown: the caller opens it)."""
    count = len(selection.works)
    box = W.QMessageBox(
        W.QMessageBox.Icon.Question,
        "Leave works out",
        f"Leave {counted(count, 'work')} out of the catalogue and out of watching? "
        "The files themselves are not changed or deleted; what they already carry stays.",
        parent=parent,
    )
    box.setDetailedText("\n".join(shown(p) for p in selection.paths[:200]))
    box.addButton("Leave out", W.QMessageBox.ButtonRole.AcceptRole)
    cancel = box.addButton(W.QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(cancel)  # Enter on a destructive question keeps things as they are
    box.setEscapeButton(cancel)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    return box


class LeftOut(W.QFrame):
    """The works just left out, said until dismissed or replaced by the next, with the way
    back: "Include again" takes exactly those works back into tagging and watching."""

    included = Signal(int)  # how many works were taken back

    def __init__(self, store: Store, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.store = store
        self.paths: list[str] = []
        self.setFrameShape(W.QFrame.Shape.StyledPanel)
        self.label = W.QLabel()
        self.label.setWordWrap(True)
        self.include_button = W.QPushButton("Include again")
        self.include_button.setAccessibleName("Include the works just left out again")
        self.include_button.clicked.connect(self.include_again)
        self.dismiss_button = W.QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName("Dismiss: keep the works left out")
        self.dismiss_button.clicked.connect(self.dismiss)
        layout = W.QHBoxLayout(self)
        layout.setContentsMargins(8, 2, 2, 2)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.include_button)
        layout.addWidget(self.dismiss_button)
        self.setVisible(False)

    def offer(self, paths: Sequence[str], count: int) -> None:
        """Say that ``count`` works were left out; "Include again" takes ``paths`` back."""
        self.paths = list(paths)
        if not count or not self.paths:
            self.dismiss()
            return
        self.label.setText(
            f"Left {counted(count, 'work')} out of tagging and watching; "
            "the files were not changed."
        )
        self.include_button.setEnabled(True)
        self.setVisible(True)

    def dismiss(self) -> None:
        self.paths = []
        self.setVisible(False)

    def include_again(self) -> None:
        paths, self.paths = self.paths, []
        if not paths:
            return
        self.setVisible(False)
        portfolio = Portfolio(self.store)
        tasks.Op(lambda: portfolio.include(paths), title="Including works again").success(
            lambda count: self.included.emit(int(count))  # type: ignore[arg-type]
        ).run()
