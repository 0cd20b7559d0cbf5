"""Every state a request can be in reads as words in the window, never as a raw name."""

from __future__ import annotations

from creatorapp.core.optouts.model import ItemState
from creatorapp.gui.tables import STATE_WORDS, words


def test_every_item_state_has_words():
    missing = [s.value for s in ItemState if s.value not in STATE_WORDS]
    assert missing == []
    assert all("_" not in words(s.value) for s in ItemState)
