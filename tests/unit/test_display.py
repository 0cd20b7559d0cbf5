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
