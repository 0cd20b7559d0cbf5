"""Things that need the person, said as notices: an opt-out destination that asked a question
or a form waiting to be finished, a site whose live declarations drifted, files that could not
be tagged.  Each is said once (``notices.SaidBefore``), with a button that goes where it can be
acted on, and by the tray too while the window is hidden.

They are found by the home view's counting (``core/app/coverage.py``), which runs whenever the
catalogue changes, so a change made by the watcher, a poll or a command in a terminal is heard
the same way."""

from __future__ import annotations

from dataclasses import dataclass

from creatorapp.core.app.coverage import Attention, Coverage, Need
from creatorapp.core.text.display import counted
from creatorapp.gui.icons import icon
from creatorapp.gui.notices import SaidBefore
from creatorapp.gui.qt import QObject


@dataclass(frozen=True)
class Said:
    title: str  # the notice's title: things of one kind gather in one notice
    advice: str
    button: str


SAID: dict[Need, Said] = {
    Need.OPTOUT: Said(
        "An opt-out needs you",
        "Open Opt-outs: the request is listed under Needs you, with what was asked.",
        "Show opt-outs",
    ),
    Need.SITE: Said(
        "A site's declarations drifted",
        "Open Sites: Preview & diff shows what differs, Publish puts it right.",
        "Show sites",
    ),
    # the same title as a tagging batch's failures, so both gather in one notice
    Need.FAILED: Said(
        "A file could not be tagged",
        "Put right what the reason says, then tag the file again (works of portfolio folders "
        "are listed as Failed in Works: select them and choose Tag now).",
        "Show failed works",
    ),
}


# opt-out drafts the creator has not sent yet (the set-up leaves one per registry chosen)
DRAFTS = Said(
    "Opt-outs ready to send",
    "Open Opt-outs: each is listed under Ready to send; Review shows what would go, and nothing "
    "is sent until you press Send.",
    "Show opt-outs",
)


class NeedsYou(QObject):
    def __init__(self, window) -> None:
        super().__init__(window)
        self.window = window
        self.said = SaidBefore()

    def heard(self, found: object) -> None:
        """Say what is new among the things that need the person."""
        assert isinstance(found, Coverage)
        for need in found.attention:
            if not self.said.new(need.key, need.stamp):
                continue
            self.said.mark(need.key, need.stamp)
            if need.need is Need.FAILED and self._failures_shown():
                continue  # a batch or the watcher already said so, with the same button
            self.say(need)
        self._drafts()

    def _drafts(self) -> None:
        """Drafts waiting to be sent, said once, and again when another is made.  As the
        Opt-outs panel last read them: it reads again whenever opt-outs change."""
        drafts = self.window.optouts.waiting
        stamp = max((d.made_at for d in drafts), default="")
        if not drafts or not self.said.new("optout-drafts", stamp):
            return
        self.said.mark("optout-drafts", stamp)
        text = f"{counted(len(drafts), 'opt-out')} ready to send"
        self.window.notices.add(
            DRAFTS.title, text, advice=DRAFTS.advice, action=(DRAFTS.button, self.show_drafts)
        )
        tray = self.window.tray
        if tray is not None and not self.window.isVisible():
            tray.showMessage(DRAFTS.title, text, icon("app"), 8000)

    def show_drafts(self) -> None:
        window = self.window
        window.show_section("optouts")
        window.optouts.ready_list.setFocus()
        if not window.isVisible():
            window.bring_back()

    def _failures_shown(self) -> bool:
        notices = self.window.notices.notices.values()
        return any(
            n.action_button and n.action_button.text() == SAID[Need.FAILED].button for n in notices
        )

    def say(self, need: Attention) -> None:
        said = SAID[need.need]
        self.window.notices.add(
            said.title,
            need.text,
            advice=said.advice,
            action=(said.button, lambda: self.go(need)),
        )
        tray = self.window.tray
        if tray is not None and not self.window.isVisible():
            tray.showMessage(said.title, need.text, icon("app"), 8000)

    def go(self, need: Attention) -> None:
        """Where the thing can be acted on."""
        window = self.window
        if need.need is Need.FAILED:
            window.show_failed_works()
        elif need.need is Need.SITE:
            window.show_section("sites")
            table = window.sites.table
            for row in range(table.rowCount()):
                if table.item(row, 0) is not None and table.item(row, 0).text() == need.target:
                    table.selectRow(row)
            table.setFocus()
        else:
            window.show_section("optouts")
            window.optouts.attention.setFocus()
        if not window.isVisible():
            window.bring_back()
