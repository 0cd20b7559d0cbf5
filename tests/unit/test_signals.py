"""The mapping from a policy to each site vocabulary (docs/standards.md): every label says
what the policy says, never more, and every line parses as its standard defines it."""

from __future__ import annotations

import http_sfv
import pytest

from creatorapp.core.policy import PRESETS, Permission, Use
from creatorapp.core.policy.signals import (
    CrawlerPurpose,
    embedded_fields,
    iim_text,
    site_signals,
)


def _dictionary(text: str) -> dict[str, str]:
    """An RFC 9651 Dictionary of bare tokens, parsed by http-sfv (the independent oracle)."""
    parsed = http_sfv.Dictionary()
    parsed.parse(text.encode())
    out = {}
    for key, item in parsed.items():
        assert isinstance(item.value, http_sfv.Token), (text, key)
        assert not item.params, (text, key)
        out[key] = str(item.value)
    return out


@pytest.mark.parametrize("preset", list(PRESETS))
def test_content_usage_is_a_structured_dictionary_of_current_labels(preset):
    usage = _dictionary(site_signals(PRESETS[preset]).content_usage)
    assert set(usage) <= {"train-ai", "ai-use", "search"}
    assert set(usage.values()) <= {"y", "n"}
    assert usage.get("search") != "y"  # in vocab-08 search=y would override the rest


@pytest.mark.parametrize("preset", list(PRESETS))
def test_content_signal_parses_and_says_only_yes_or_no(preset):
    signal = _dictionary(site_signals(PRESETS[preset]).content_signal)
    assert set(signal) <= {"search", "ai-input", "ai-train"}
    assert set(signal.values()) <= {"yes", "no"}


@pytest.mark.parametrize("preset", ["no-ai", "research-only", "no-tdm"])
def test_a_policy_reserving_ai_answers_says_so_everywhere(preset):
    policy = PRESETS[preset]
    assert not policy.permits(Use.AI_INFERENCE)
    signals = site_signals(policy)
    assert _dictionary(signals.content_signal)["ai-input"] == "no"
    assert _dictionary(signals.content_usage)["ai-use"] == "n"
    assert {CrawlerPurpose.ASSISTANT, CrawlerPurpose.SEARCH} <= signals.crawlers


def test_no_genai_says_nothing_the_policy_does_not():
    """no-genai allows other training and AI answers: the coarse labels that cannot tell
    generative from other training stay silent, noai is not written, answers are allowed."""
    policy = PRESETS["no-genai"]
    signals = site_signals(policy)
    signal = _dictionary(signals.content_signal)
    assert "ai-train" not in signal and signal["ai-input"] == "yes"
    assert _dictionary(signals.content_usage)["train-ai"] == "n"  # generative training only
    assert signals.x_robots is None
    assert CrawlerPurpose.ASSISTANT not in signals.crawlers


def test_allow_grants_and_turns_no_crawler_away():
    signals = site_signals(PRESETS["allow"])
    assert _dictionary(signals.content_signal) == {
        "search": "yes",
        "ai-input": "yes",
        "ai-train": "yes",
    }
    assert signals.crawlers == frozenset() and not signals.tdm_reservation


def test_every_use_is_spoken_for_by_some_crawler_purpose_or_label():
    """A use added to the policy model without a mapping would be a silent hole."""
    policy = PRESETS["no-tdm"]
    assert all(p is Permission.PROHIBITED for p in policy.uses.values())
    signals = site_signals(policy)
    assert signals.crawlers == frozenset(CrawlerPurpose)


def test_iim_fields_are_cut_by_bytes_not_characters():
    notice = "© " + "é" * 200
    cut = iim_text(notice, 128)
    assert len(cut.encode()) <= 128 and notice.startswith(cut)
    policy = PRESETS["no-ai"].with_identity(copyright_notice=notice, creator="Ève " * 20)
    fields = {f.key: f.value for f in embedded_fields(policy)}
    assert len(fields["Iptc.Application2.Copyright"].encode()) <= 128
    assert len(fields["Iptc.Application2.Byline"][0].encode()) <= 32
