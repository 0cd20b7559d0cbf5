"""Destination descriptors: every shipped file loads, and bad ones are refused by name."""

from __future__ import annotations

import pytest

from creatorapp.core.optouts.descriptor import DescriptorError, load_all, parse


def test_every_shipped_descriptor_loads_and_is_consistent():
    found = load_all()
    assert {"spawning", "bigcode-stack", "huggingface", "laion", "openai", "meta"} <= set(found)
    spawning = found["spawning"]
    assert spawning.min_batch == 2 and spawning.max_batch == 10000
    assert spawning.auth_scheme == "API" and spawning.without_key == "unverifiable"
    assert spawning.rate_limit.min_interval() == pytest.approx(0.1)
    assert found["bigcode-stack"].submit_mode == "github_issue"
    assert found["bigcode-stack"].rate_limit.min_interval() == pytest.approx(7.2)
    for d in found.values():
        if d.submit_mode == "browser_form":
            assert "form" in d.endpoints, d.id
        if d.status_mode == "manual":
            assert d.expected_turnaround_days > 0


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("id = 'x'", "missing"),
        ("not toml [", "not valid TOML"),
        (
            "id='x'\nname='x'\nversion=1\nsubmit_mode='fax'\nstatus_mode='manual'\nunit='url'\n"
            "min_batch=1\nmax_batch=1\nauth_kind='none'\nidentity_proof='none'\n"
            "legal_basis='x'\nexpected_turnaround_days=1",
            "submit_mode must be one of",
        ),
        (
            "id='x'\nname='x'\nversion=1\nsubmit_mode='email'\nstatus_mode='manual'\nunit='url'\n"
            "min_batch=5\nmax_batch=1\nauth_kind='none'\nidentity_proof='none'\n"
            "legal_basis='x'\nexpected_turnaround_days=1",
            "min_batch <= max_batch",
        ),
        (
            "id='x'\nname='x'\nversion=1\nsubmit_mode='email'\nstatus_mode='manual'\nunit='url'\n"
            "min_batch=1\nmax_batch=1\nauth_kind='none'\nidentity_proof='none'\n"
            "legal_basis='x'\nexpected_turnaround_days=1\ncolour='blue'",
            "unknown fields colour",
        ),
    ],
)
def test_bad_descriptors_are_refused_with_the_file_named(text, words):
    with pytest.raises(DescriptorError, match=words) as caught:
        parse(text, "x.toml")
    assert str(caught.value).startswith("x.toml")


BASE = (
    "id='x'\nname='x'\nversion=1\nsubmit_mode='email'\nstatus_mode='imap_thread'\nunit='url'\n"
    "min_batch=1\nmax_batch=1\nauth_kind='smtp'\nidentity_proof='none'\n"
    "legal_basis='x'\nexpected_turnaround_days=1\n"
)


def test_poll_schedules_step_then_repeat_their_last_step():
    d = parse(BASE + "poll_schedule = ['90s', '2h', '1w']", "x.toml")
    assert [d.poll_wait(n) for n in range(5)] == [90, 7200, 604800, 604800, 604800]
    default = parse(BASE, "x.toml")
    assert default.poll_wait(0) == 3600  # a mailbox: hourly
    with pytest.raises(DescriptorError, match=r"x\.toml: poll_schedule: not a duration"):
        parse(BASE + "poll_schedule = ['soon']", "x.toml")
    with pytest.raises(DescriptorError, match="scope must be dataset or recipient"):
        parse(BASE + "scope = 'planet'", "x.toml")


def test_every_email_destination_has_a_letter_that_exists_and_someone_to_write_to():
    from creatorapp.core.optouts import letters

    for d in load_all().values():
        if d.letter:
            assert letters.load(d.letter).title, d.id
        if d.submit_mode == "email":
            assert d.letter and (d.recipient or d.scope == "recipient"), d.id
