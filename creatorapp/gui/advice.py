"""The window's advice for the core's codes.

A core error says what is wrong in words a terminal and a window can both show, and carries a
code (``UserError.code``, or an opt-out ``Hint``) for what would put it right.  The command line
turns the code into a command to run (creatorapp.cli.common.ADVICE); this table turns it into
what to click here.  A code this table does not know adds nothing: the core's sentence stands
alone, and it never names a command or a flag.
"""

from __future__ import annotations

from creatorapp.core.media.base import Reason
from creatorapp.core.sites.sites import UNKNOWN_SITE
from creatorapp.core.works.portfolio import NOT_A_FOLDER

WINDOW_ADVICE: dict[str, str] = {
    NOT_A_FOLDER: "add it with “Add folder…” under Works first",
    UNKNOWN_SITE: "it may have been removed: choose one of the sites listed under Sites",
    Reason.READ_ONLY: "make the file writable (in its Properties or Get Info), then tag it again",
    Reason.CHANGED_WHILE_TAGGING: "tag it again once the other program has finished with it",
    Reason.BUSY: "tag it again once the other program has finished with it",
}


def advice(exc: BaseException) -> str:
    """What to do here about ``exc``, in this window's words; empty when there is nothing to add."""
    hint = getattr(exc, "hint", None)
    if hint is not None:
        from creatorapp.gui.optout_dialog import advice as optout_advice

        return optout_advice(hint)
    code = getattr(exc, "code", None)
    return WINDOW_ADVICE.get(str(code), "") if code is not None else ""


def advised(exc: BaseException) -> str:
    """The core's sentence with this window's advice after it."""
    said = advice(exc)
    return f"{exc}: {said}" if said else str(exc)
