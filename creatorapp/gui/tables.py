"""One look for every table: one line a row, long paths shortened in the middle (the file name
stays visible), columns sized to their content and the last one taking the rest."""

from __future__ import annotations

from creatorapp.gui.qt import Qt, QtWidgets


def tidy(view: QtWidgets.QTableView, widths: dict[int, int] | None = None) -> None:
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideMiddle)
    view.verticalHeader().setVisible(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setStretchLastSection(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for column, width in (widths or {}).items():
        view.setColumnWidth(column, width)


# opt-out states in plain words
STATE_WORDS = {
    "queued": "Queued",
    "sent": "Sent",
    "failed": "Not sent yet",
    "awaiting_user_action": "Waiting for you",
    "user_attested": "Sent by you",
    "closed": "Closed",
    "pending": "Pending",
    "submitted": "Submitted",
    "acknowledged": "Acknowledged",
    "confirmed": "Confirmed",
    "rejected": "Refused",
    "stale": "No answer yet",
    "unverifiable": "Cannot be checked",
    "needs_info": "Asks you a question",
}


def words(state: str) -> str:
    return STATE_WORDS.get(state, state.replace("_", " "))
