"""The Opt-outs panel over the real outbox: a web-form request needs the creator, who records
sending it and the answer; a check runs in the background and records what the destination
confirms."""

from __future__ import annotations

from creatorapp.core.catalogue import open_catalogue
from creatorapp.core.optouts.outbox import OptOuts
from creatorapp.gui.optouts_panel import OptOutsPanel
from tests.servers import spawning_api

URLS = [f"https://jane.example/art/{i}.jpg" for i in range(3)]


def test_a_form_request_from_hand_off_to_answer(qtbot, tmp_path):
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"meta": {"open_browser": False}})
    key = optouts.submit("meta", URLS).sent[0]["idempotency_key"]
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    panel.show()
    assert "3 waiting for you" in panel.summary.text()
    # the request by where it goes, its size and when: its reference only in a tooltip
    assert panel.attention.count() == 1
    assert panel.attention.item(0).text().startswith("Meta (third-party data), 3 items, asked ")
    assert panel.table.rowCount() == 1 and key not in panel.table.item(0, 1).text()
    assert f"Reference {key[:11]}…" in panel.table.item(0, 0).toolTip()

    panel.sent_button.click()
    assert panel.message.text() == "Select a request first."
    panel.attention.setCurrentRow(0)  # a line under "Needs you" selects its request
    assert panel.selected() == key
    assert panel.items.rowCount() == 3 and panel.timeline.count() >= 1
    panel.sent_button.click()
    assert "3 items wait" in panel.message.text()
    assert "3 sent by you" in panel.summary.text()
    panel.table.selectRow(0)
    panel.confirmed_button.click()
    assert "3 items confirmed" in panel.message.text()
    assert optouts.status() == {"meta": {"confirmed": 3}}
    assert panel.table.item(0, 2).text() == "Closed" and panel.attention.count() == 0
    panel.table.selectRow(0)
    panel.rejected_button.click()
    assert "nothing to mark rejected" in panel.message.text()  # a clear refusal, no crash
    store.close()


def test_check_now_runs_in_the_background_and_records_the_confirmations(qtbot, tmp_path):
    from creatorapp.core import secrets

    api = spawning_api.SpawningStandIn()
    secrets.put("registry", "spawning", spawning_api.KEY)
    store = open_catalogue(tmp_path / "c.sqlite3")
    optouts = OptOuts(store, options={"spawning": {"endpoint": api.url, "backoff": 0.01}})
    key = optouts.submit("spawning", URLS).queued[0]["idempotency_key"]
    optouts.attest(key)
    panel = OptOutsPanel(optouts)
    qtbot.addWidget(panel)
    api.opted_out = set(URLS)
    panel.check_button.click()
    qtbot.waitUntil(lambda: panel.check_button.isEnabled(), timeout=10_000)
    assert panel.message.text().startswith("3 items changed")
    assert optouts.status() == {"spawning": {"confirmed": 3}}
    api.stop()
    store.close()
