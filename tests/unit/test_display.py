"""How outside text is shown to people and written for scripts."""

from __future__ import annotations

import base64
import json
import os

from creatorapp.core.text.display import shown
from creatorapp.core.text.pathtext import json_text


def test_an_undecodable_byte_and_the_text_that_spells_it_look_different():
    byte, spelled = "caf\udce9.jpg", "caf\\xe9.jpg"
    assert shown(byte) == "caf\\xe9.jpg"
    assert shown(spelled) != shown(byte)
    assert shown("line\nbreak") != shown("line\\nbreak")


def test_json_carries_the_exact_bytes_of_a_name_that_is_not_utf8():
    path = "/photos/caf\udce9.jpg"
    doc = json.loads(json_text({"path": path, "status": "tagged"}))
    assert base64.b64decode(doc["path_b64"]) == os.fsencode(path)
    assert "path_b64" not in json.loads(json_text({"path": "/photos/café.jpg"}))


def test_a_stamp_reads_as_local_time_in_words(monkeypatch):
    import time
    from datetime import date, timedelta, timezone

    from creatorapp.core.text.display import when

    monkeypatch.setenv("TZ", "America/St_Johns")  # UTC-3:30 in December
    time.tzset()
    try:
        assert when("2026-12-02T18:25:49.979507Z") == "2 Dec 2026, 14:55"
        assert when("2026-12-02T18:25:49") == "2 Dec 2026, 14:55"  # no zone: UTC, as stored
    finally:
        monkeypatch.undo()
        time.tzset()
    paris = timezone(timedelta(hours=1))
    assert when("2026-12-31T23:30:00Z", zone=paris) == "1 Jan 2027, 00:30"
    assert when(date(2026, 3, 5)) == when("2026-03-05") == "5 Mar 2026"
    assert when(None) == "" and when("", never="never") == "never"
    assert when("soon\n") == "soon\\n"  # not a stamp: shown as it is, harmlessly


def test_every_event_kind_the_ledger_holds_has_words():
    from creatorapp.cli.status_cmd import LEDGER_KINDS
    from creatorapp.core.text import events

    assert set(LEDGER_KINDS) <= set(events.KINDS), set(LEDGER_KINDS) - set(events.KINDS)
    for kind in LEDGER_KINDS:
        said = events.sentence(kind, {})  # an event whose facts are missing still reads
        assert said and "{" not in said and kind not in said
        assert "." not in events.name(kind) and "_" not in events.name(kind)
    assert events.name("site.discovered") == "Site: discovered"  # a kind from a newer version
    assert events.sentence("folder.policy", {"from": "no-ai", "to": "no-ml", "stale": 2}) == (
        "The policy changed from “no-ai” to “no-ml”; 2 works now need tagging again."
    )
