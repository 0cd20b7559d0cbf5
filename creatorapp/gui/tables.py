"""One look for every table: one line a row, long paths shortened in the middle (the file name
stays visible), columns sized to their content and the last one taking the rest."""

from __future__ import annotations

from creatorapp.core.text.states import OPTOUT_STATES, SERVICE_STATES, said
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


# states in plain words (the tables live in core, so the command line says the same)
STATE_WORDS = OPTOUT_STATES


def words(state: str) -> str:
    """An opt-out request's or item's state in words: never ``needs_info``."""
    return said(state, OPTOUT_STATES)


def service_words(status: str) -> str:
    """Whether a destination's service works, in words: never ``degraded``."""
    return said(status, SERVICE_STATES)
