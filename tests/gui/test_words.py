"""What the window shows reads as words: events and states by what they mean, times in the
user's own zone, counts with their noun agreeing, and no codes (hex references, ISO stamps,
state names with underscores)."""

from __future__ import annotations

import re
import time
from datetime import datetime, timedelta

import pytest

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.gui.qt import Qt

ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d|\d\d:\d\d:\d\d|Z\b")
# a hex code (not a number); one shortened with "…" after a label is what people may see
HEX = re.compile(r"\b(?:cr-)?(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}\b(?!…)")
WEB = re.compile(r"https?://\S+")  # an address is what it is (and may hold anything)
KIND = re.compile(r"\b[a-z]+\.[a-z_]+\b")  # work.tagged, optout.items
URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]


@pytest.fixture
def kolkata(monkeypatch):
    """A zone half an hour off any whole-hour one: a time shown in UTC cannot pass for it."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def _cells(table) -> list[str]:
    return [
        table.item(r, c).text() if table.item(r, c) is not None else ""
        for r in range(table.rowCount())
        for c in range(table.columnCount())
    ]


def _model_cells(model, role=Qt.ItemDataRole.DisplayRole) -> list[list[str]]:
    return [
        [str(model.data(model.index(r, c), role) or "") for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def test_the_activity_panel_shows_events_as_words_at_local_time(qtbot, tmp_path, kolkata):
    from creatorapp.gui.activity_panel import ActivityPanel

    store = open_catalogue(tmp_path / "c.sqlite3")
    tagged = store.append(
        "work.tagged", "/photos/a.jpg", {"written": True, "carrier": "embedded", "policy": "no-ai"}
    )
    store.append(
        "optout.items",
        "spawning",
        {"key": "cr-0123456789abcdef", "from": "submitted", "to": "needs_info", "targets": URLS},
    )
    store.append("folder.policy", "/photos", {"from": "no-ai", "to": "no-ml", "stale": 1})
    panel = ActivityPanel(store)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitUntil(lambda: panel.model.rowCount() >= 3)
    header = [panel.model.headerData(c, Qt.Orientation.Horizontal) for c in range(4)]
    assert "UTC" not in " ".join(header)

    rows = [r for r in _model_cells(panel.model) if r[3] != str(store.path)]  # any gap event
    assert [r[2] for r in rows] == ["Tagged", "Opt-out answer", "Policy changed"]
    for _seq, when, what, _about in rows:
        assert not ISO.search(when) and not KIND.search(what), (when, what)
    utc = datetime.fromisoformat(tagged.at.replace("Z", "+00:00"))
    local = utc + timedelta(hours=5, minutes=30)  # Kolkata keeps no summer time
    assert rows[0][1] == f"{local.day} {local:%b %Y, %H:%M}"

    tips = [r for r in _model_cells(panel.model, Qt.ItemDataRole.ToolTipRole)]
    said = " ".join(tip[0] for tip in tips)
    assert "The policy “no-ai” was written in the file." in said
    assert "3 items moved from submitted to asks you a question." in said
    assert "1 work now needs tagging again" in said
    assert not HEX.search(said) and "needs_info" not in said and "{" not in said
    store.close()


def test_the_optouts_panel_shows_states_as_words_and_no_references(qtbot, tmp_path):
    from creatorapp.gui.optouts_panel import OptOutsPanel

    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"meta": {"open_browser": False}})
    key = optouts.submit("meta", URLS).sent[0]["idempotency_key"]
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    panel.show()

    panel.attention.setCurrentRow(0)  # selects the request: its items and timeline show
    assert panel.selected() == key
    shown = [
        panel.summary.text(),
        *(panel.attention.item(i).text() for i in range(panel.attention.count())),
        *_cells(panel.table),
        *_cells(panel.items),
        *(panel.timeline.item(i).text() for i in range(panel.timeline.count())),
    ]
    assert panel.items.rowCount() == 3 and panel.timeline.count() >= 1
    text = WEB.sub("", "\n".join(shown))
    assert key not in text and not HEX.search(text), text
    assert "_" not in text and not ISO.search(text), text
    assert "Waiting for you" in _cells(panel.table)
    assert "(you send it yourself)" in panel.summary.text()  # not "(manual)"
    header = [panel.table.horizontalHeaderItem(c).text() for c in range(panel.table.columnCount())]
    assert "Reference" not in header
    # the reference answers quote is still there for who needs it: shortened, labelled
    tip = panel.table.item(0, 0).toolTip()
    assert f"Reference {key[:11]}…" in tip and key not in tip
    # an item sent by its file's fingerprint reads as one, shortened
    from creatorapp.gui.optouts_panel import _target

    assert _target("ab12" * 16) == "File fingerprint ab12ab12…"
    assert not HEX.search(_target("ab12" * 16)) and HEX.search("ab12" * 16)
    store.close()


def test_counts_agree_with_their_noun(qtbot, tmp_path):
    from creatorapp.core.sites.verify import VerifyReport
    from creatorapp.gui.optouts_panel import OptOutsPanel
    from creatorapp.gui.sites_panel import SitesPanel

    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"meta": {"open_browser": False}})
    optouts.submit("meta", URLS[:1])
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    panel.attention.setCurrentRow(0)
    panel.sent_button.click()
    assert panel.message.text() == "Recorded: 1 item waits for an answer."

    sites = SitesPanel(store)
    qtbot.addWidget(sites)
    one = VerifyReport()
    one.add("/robots.txt is served", False, "404")
    sites._verified("pages", one)
    assert "pages: 1 problem<" in sites.status.text()
    one.add("/ai.txt is served", False, "404")
    sites._verified("pages", one)
    assert "pages: 2 problems<" in sites.status.text()
    store.close()
