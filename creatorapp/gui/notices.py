"""Notices: what went wrong in the background, said once, in words, above the panels.

A notice never blocks (no dialog steals the keyboard from the work in hand) and stays until it
is dismissed, unlike a status-bar line that is gone in seconds.  Failures with the same title
gather in one notice: the same message again only raises its count, another message is added
as a line, so a watcher that meets fifty bad files shows one notice, not fifty."""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass, field

from creatorapp.core.text.display import counted, shown
from creatorapp.gui import settings as prefs
from creatorapp.gui.qt import Qt, QtWidgets, Signal

W = QtWidgets
LINES_SHOWN = 3  # messages listed in one notice; past that, how many more


@dataclass
class _Said:
    """The messages one notice carries, each with how often it came."""

    messages: dict[str, int] = field(default_factory=dict)

    def add(self, message: str) -> None:
        self.messages[message] = self.messages.get(message, 0) + 1


class Notice(W.QFrame):
    """One failure (or several of one kind): heading, the messages, what to do, and buttons."""

    dismissed = Signal(str)

    def __init__(
        self,
        title: str,
        heading: str,
        advice: str = "",
        action: tuple[str, Callable[[], None]] | None = None,
        parent: W.QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.title = title
        self.heading = heading
        self.advice = advice
        self.said = _Said()
        self.setObjectName("notice")
        self.setFrameShape(W.QFrame.Shape.StyledPanel)
        # explicit colours for both text and ground: readable in a light or a dark theme
        self.setStyleSheet(
            "#notice { background: #fff4e0; border: 1px solid #e0a100; border-radius: 4px; }"
            "#notice QLabel { color: #3a2a00; }"
        )
        self.label = W.QLabel()
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout = W.QHBoxLayout(self)
        layout.setContentsMargins(8, 4, 4, 4)
        layout.addWidget(self.label, 1)
        self.action_button: W.QPushButton | None = None
        if action is not None:
            text, slot = action
            self.action_button = W.QPushButton(text)
            self.action_button.clicked.connect(slot)
            layout.addWidget(self.action_button)
        self.dismiss_button = W.QPushButton("Dismiss")
        self.dismiss_button.setAccessibleName(f"Dismiss the notice: {heading}")
        self.dismiss_button.clicked.connect(lambda: self.dismissed.emit(self.title))
        layout.addWidget(self.dismiss_button)

    def add(self, message: str) -> None:
        self.said.add(message)
        self._show()

    def text(self) -> str:
        """What the notice says, as plain text (what a screen reader reads out)."""
        doc = self.label.text().replace("<br>", "\n")
        return html.unescape(_strip_tags(doc))

    def _show(self) -> None:
        messages = list(self.said.messages.items())
        lines = [
            html.escape(shown(m)) + (f" ({n:,} times)" if n > 1 else "")
            for m, n in messages[:LINES_SHOWN]
        ]
        if len(messages) > LINES_SHOWN:
            lines.append(f"and {counted(len(messages) - LINES_SHOWN, 'more')}")
        head = f"<b>{html.escape(self.heading)}</b>"
        body = f"{head}: {lines[0]}" if len(lines) == 1 else "<br>".join([head, *lines])
        if self.advice:
            body += f"<br>{html.escape(self.advice)}"
        self.label.setText(body)
        self.label.setAccessibleName(self.text())


def _strip_tags(text: str) -> str:
    out, inside = [], False
    for ch in text:
        if ch == "<":
            inside = True
        elif ch == ">":
            inside = False
        elif not inside:
            out.append(ch)
    return "".join(out)


class NoticeBar(W.QWidget):
    """The notices, newest last; hidden when there are none."""

    changed = Signal()

    def __init__(self, parent: W.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Notices")
        self._layout = W.QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 4)
        self.notices: dict[str, Notice] = {}
        self.setVisible(False)

    def add(
        self,
        title: str,
        message: str,
        *,
        heading: str | None = None,
        advice: str = "",
        action: tuple[str, Callable[[], None]] | None = None,
    ) -> Notice:
        """Say ``message`` under ``title``: in the notice already showing for that title, or
        a new one."""
        notice = self.notices.get(title)
        if notice is None:
            notice = Notice(title, heading or title, advice, action, self)
            notice.dismissed.connect(self.dismiss)
            self.notices[title] = notice
            self._layout.addWidget(notice)
        notice.add(message)
        self.setVisible(True)
        self.changed.emit()
        return notice

    def dismiss(self, title: str) -> None:
        notice = self.notices.pop(title, None)
        if notice is not None:
            self._layout.removeWidget(notice)
            notice.hide()
            notice.deleteLater()
        self.setVisible(bool(self.notices))
        self.changed.emit()

    def texts(self) -> list[str]:
        return [n.text() for n in self.notices.values()]


class SaidBefore:
    """What the notices have said already (a key and the stamp it had), kept in the window's
    settings: a thing that needs the person is said once, again only when it changes (a new
    question, a newer check that drifted, a newer failure), and not again at every start."""

    SETTING = "notices/said"
    KEEP = 500  # keys remembered; the oldest are forgotten first

    def __init__(self) -> None:
        raw = prefs.settings().value(self.SETTING, "")
        try:
            said = json.loads(raw) if isinstance(raw, str) and raw else {}
        except ValueError:
            said = {}
        self.said: dict[str, str] = said if isinstance(said, dict) else {}

    def new(self, key: str, stamp: str) -> bool:
        """Whether ``key`` was never said, or said with an older stamp."""
        return key not in self.said or stamp > self.said[key]

    def mark(self, key: str, stamp: str) -> None:
        self.said.pop(key, None)
        self.said[key] = stamp
        while len(self.said) > self.KEEP:
            self.said.pop(next(iter(self.said)))
        s = prefs.settings()
        s.setValue(self.SETTING, json.dumps(self.said))
        s.sync()
