"""Item states, URL normalisation and idempotency keys."""

from __future__ import annotations

import pytest

from creatorapp.core.optouts.model import (
    ItemState,
    can_move,
    idempotency_key,
    is_repository,
    normalise_account,
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


def test_a_question_from_the_destination_waits_for_the_creator_not_the_clock():
    asked = ItemState("needs_info")
    assert can_move(ItemState.SUBMITTED, asked) and can_move(ItemState.ACKNOWLEDGED, asked)
    assert can_move(ItemState.STALE, asked)  # a late question still reaches the creator
    assert can_move(asked, ItemState.ACKNOWLEDGED)  # answered: waiting for them again
    assert can_move(asked, ItemState.CONFIRMED) and can_move(asked, ItemState.REJECTED)
    assert not can_move(asked, ItemState.STALE)  # the creator's silence is not theirs
    assert not can_move(ItemState.PENDING, asked) and not asked.final


@pytest.mark.parametrize(
    ("raw", "normal", "repository"),
    [
        ("Jane-Art", "jane-art", False),
        ("@jane-studio", "jane-studio", False),
        ("https://github.com/Jane-Art/", "jane-art", False),
        ("jane-art/Sketches", "jane-art/sketches", True),
        ("https://github.com/Jane-Art/Sketches.git", "jane-art/sketches", True),
        ("https://github.com/jane/tools/tree/main", "jane/tools", True),
    ],
)
def test_accounts_and_repositories_keep_their_owner(raw, normal, repository):
    assert normalise_account(raw) == normal
    assert is_repository(normal) is repository
