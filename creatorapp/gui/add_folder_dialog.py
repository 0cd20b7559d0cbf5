"""Before a folder joins the portfolio: which policy its works get, and what is in it (how many
works, and how many of them carry the reservation in the file or in an XMP sidecar beside it).

The counting is core's survey (``core/works/survey.py``), run off the event loop: a folder of a
hundred thousand images keeps the window responsive, the count goes up as it is found, and it
can be stopped.  Nothing is recorded until the person presses *Add folder*."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from creatorapp.core.app import setup
from creatorapp.core.policy import PRESETS, Policy, user_policies
from creatorapp.core.text.display import counted
from creatorapp.core.works.survey import Survey, survey
from creatorapp.gui.qt import QObject, QtCore, QtWidgets, Signal
from creatorapp.gui.tasks import Job

W = QtWidgets
_in_flight: set[Job] = set()  # counts running, kept alive until their last signal is delivered


def _formats(counts: Counter[str]) -> str:
    return ", ".join(
        f"{name} {n:,}" for name, n in sorted(counts.items(), key=lambda c: (-c[1], c[0]))
    )


def describe(found: Survey) -> str:
    """The survey in a sentence or two: works, then how each group is written."""
    if not found.works:
        text = "No images Creator Reserve handles were found in this folder."
    else:
        parts = []
        if found.in_file:
            parts.append(f"into the file for {found.written_in_file:,} ({_formats(found.in_file)})")
        if found.by_sidecar:
            n = found.written_by_sidecar
            parts.append(
                f"into an XMP sidecar file beside the image for {n:,} "
                f"({_formats(found.by_sidecar)}), leaving "
                f"{'that image' if n == 1 else 'those images'} untouched"
            )
        text = f"{counted(found.works, 'work')} found. The reservation goes " + " and ".join(parts)
        text += "."
    if found.links:
        text += f" {counted(found.links, 'link')} to elsewhere will not be followed."
    if found.unreadable:
        text += f" {counted(len(found.unreadable), 'subfolder')} could not be read."
    if found.cancelled:
        text = "Counting stopped. So far: " + text[:1].lower() + text[1:]
    return text


class FolderCount(QObject):
    """One folder's survey on the shared pool: ``counting(works so far)`` while it walks,
    then ``counted(Survey)`` (also after a stop, with ``cancelled`` set) or ``failed``."""

    counting = Signal(int)
    counted = Signal(object)
    failed = Signal(str)

    def __init__(self, path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.path = path
        self.result: Survey | None = None
        self.job = Job(
            f"Counting the works in {path.name or path}",
            lambda job: survey(path, progress=lambda n: job.report(n, 0), cancel=job.cancel),
        )
        self.job.signals.progress.connect(lambda done, _total: self.counting.emit(done))
        self.job.signals.done.connect(self._done)
        self.job.signals.failed.connect(self.failed)
        for signal in (self.job.signals.done, self.job.signals.failed):
            signal.connect(self._release)

    def start(self) -> FolderCount:
        _in_flight.add(self.job)
        QtCore.QThreadPool.globalInstance().start(self.job)
        return self

    def stop(self) -> None:
        self.job.cancel.set()

    @property
    def running(self) -> bool:
        return self.job in _in_flight

    def _done(self, result: object) -> None:
        assert isinstance(result, Survey)
        self.result = result
        self.counted.emit(result)

    def _release(self, *_: object) -> None:
        job = self.job
        QtCore.QTimer.singleShot(0, lambda: _in_flight.discard(job))


def policy_choices() -> list[Policy]:
    """Every policy a folder can be given: the presets, then the creator's own."""
    own = [p for p in user_policies().values() if isinstance(p, Policy)]
    return [*PRESETS.values(), *own]


class AddFolderDialog(W.QDialog):
    """Asks which policy, shows what the folder holds, and only then adds it."""

    def __init__(self, path: Path, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Add a portfolio folder")
        self.path = path
        where = W.QLabel(str(path))
        where.setAccessibleName("Folder to add")
        where.setTextInteractionFlags(QtCore.Qt.TextInteractionFlag.TextSelectableByMouse)
        where.setWordWrap(True)
        self.policy_box = W.QComboBox()
        self.policy_box.setAccessibleName("Policy for the folder's works")
        for policy in policy_choices():
            self.policy_box.addItem(policy.title, policy.name)
        self.policy_box.setCurrentIndex(max(0, self.policy_box.findData(setup.own_policy_name())))
        self.explain = W.QLabel()
        self.explain.setWordWrap(True)
        self.explain.setStyleSheet("color: palette(placeholder-text)")
        self.found = W.QLabel()
        self.found.setWordWrap(True)
        self.found.setAccessibleName("What the folder holds")
        self.stop_button = W.QPushButton("&Stop counting")
        self.stop_button.setAccessibleName("Stop counting the works")
        self.stop_button.setAutoDefault(False)
        self.tag_now = W.QCheckBox("&Tag the works now (you can undo the batch)")
        self.tag_now.setChecked(True)
        self.buttons = W.QDialogButtonBox()
        self.add_button = self.buttons.addButton(
            "&Add folder", W.QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.add_button.setDefault(True)
        self.buttons.addButton(W.QDialogButtonBox.StandardButton.Cancel)
        form = W.QFormLayout()
        form.addRow("Folder:", where)
        form.addRow("&Policy:", self.policy_box)
        form.addRow("", self.explain)
        count_row = W.QHBoxLayout()
        count_row.addWidget(self.found, 1)
        count_row.addWidget(self.stop_button, 0, QtCore.Qt.AlignmentFlag.AlignTop)
        layout = W.QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(count_row)
        layout.addWidget(self.tag_now)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.resize(560, 260)

        self.policy_box.currentIndexChanged.connect(self._explain)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self._explain()
        self.count = FolderCount(path, self)
        self.count.counting.connect(self._counting)
        self.count.counted.connect(self._counted)
        self.count.failed.connect(lambda message: self._finished(f"Could not count: {message}"))
        self.stop_button.clicked.connect(self.count.stop)
        self._counting(0)
        self.count.start()

    def policy(self) -> str:
        return self.policy_box.currentData()

    def tag(self) -> bool:
        return self.tag_now.isChecked()

    def _explain(self) -> None:
        chosen = next((p for p in policy_choices() if p.name == self.policy()), None)
        self.explain.setText(chosen.description if chosen else "")

    def _counting(self, so_far: int) -> None:
        self.found.setText(f"Counting… {counted(so_far, 'work')} so far")

    def _counted(self, found: object) -> None:
        assert isinstance(found, Survey)
        self._finished(describe(found))

    def _finished(self, text: str) -> None:
        self.found.setText(text)
        self.stop_button.setVisible(False)

    def done(self, result: int) -> None:
        self.count.stop()  # the count is only worth having while the question is open
        super().done(result)
