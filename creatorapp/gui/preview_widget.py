"""What each carrier will say for a policy: one tab per carrier, read-only, monospace."""

from __future__ import annotations

from creatorapp.core.policy import Policy
from creatorapp.core.policy.preview import carriers
from creatorapp.gui.qt import QtGui, QtWidgets


class CarrierPreview(QtWidgets.QTabWidget):
    def __init__(self, parent: QtWidgets.QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("What each carrier will say")
        self.setDocumentMode(True)
        self._views: dict[str, tuple[QtWidgets.QLabel, QtWidgets.QPlainTextEdit]] = {}

    def show_policy(self, policy: Policy) -> None:
        mono = QtGui.QFontDatabase.systemFont(QtGui.QFontDatabase.SystemFont.FixedFont)
        for carrier in carriers(policy):
            if carrier.title not in self._views:
                page = QtWidgets.QWidget()
                where = QtWidgets.QLabel()
                where.setWordWrap(True)
                text = QtWidgets.QPlainTextEdit()
                text.setReadOnly(True)
                text.setFont(mono)
                text.setAccessibleName(f"{carrier.title} preview")
                layout = QtWidgets.QVBoxLayout(page)
                layout.addWidget(where)
                layout.addWidget(text, 1)
                self.addTab(page, carrier.title)
                self._views[carrier.title] = (where, text)
            where, text = self._views[carrier.title]
            where.setText(f"<i>Where:</i> {carrier.where}")
            text.setPlainText(carrier.says)

    def text_of(self, title: str) -> str:
        return self._views[title][1].toPlainText()
