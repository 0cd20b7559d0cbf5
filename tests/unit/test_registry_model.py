"""Item states, URL normalisation and idempotency keys."""

from __future__ import annotations

import pytest

from creatorapp.core.optouts.model import (
    ItemState,
    can_move,
    idempotency_key,
    normalise_url,
)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("HTTPS://Jane.Example/Art/Cat.JPG#top", "https://jane.example/Art/Cat.JPG"),
        ("https://jane.example/gallery/", "https://jane.example/gallery"),
        ("https://jane.example", "https://jane.example/"),
        ("https://jane.example:443/a", "https://jane.example/a"),
        ("http://jane.example:8080/a?x=1", "http://jane.example:8080/a?x=1"),
        ("  https://jane.example/a  ", "https://jane.example/a"),
    ],
)
def test_urls_are_compared_the_way_registries_do(raw, normal):
    assert normalise_url(raw) == normal


def test_idempotency_keys_are_deterministic_and_order_free():
    a = idempotency_key("spawning", ["https://x/1", "https://x/2"])
    assert a == idempotency_key("spawning", ["https://x/2", "https://x/1", "https://x/1"])
    assert a != idempotency_key("huggingface", ["https://x/1", "https://x/2"])
    assert a != idempotency_key("spawning", ["https://x/1"])
    assert a.startswith("cr-") and len(a) == 19


def test_state_moves():
    assert can_move(ItemState.PENDING, ItemState.SUBMITTED)
    assert can_move(ItemState.SUBMITTED, ItemState.CONFIRMED)
    assert can_move(ItemState.AWAITING_USER_ACTION, ItemState.USER_ATTESTED)
    assert not can_move(ItemState.CONFIRMED, ItemState.PENDING)
    assert not can_move(ItemState.PENDING, ItemState.CONFIRMED)
    assert all(can_move(s, s) for s in ItemState)
    assert ItemState.CONFIRMED.final and not ItemState.STALE.final
