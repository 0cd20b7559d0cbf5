"""Destination descriptors: every shipped file loads, and bad ones are refused by name."""

from __future__ import annotations

from datetime import date

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
            "legal_basis='x'\nexpected_turnaround_days=1\nchecked='2026-12-02'",
            "submit_mode must be one of",
        ),
        (
            "id='x'\nname='x'\nversion=1\nsubmit_mode='email'\nstatus_mode='manual'\nunit='url'\n"
            "min_batch=5\nmax_batch=1\nauth_kind='none'\nidentity_proof='none'\n"
            "legal_basis='x'\nexpected_turnaround_days=1\nchecked='2026-12-02'",
            "min_batch <= max_batch",
        ),
        (
            "id='x'\nname='x'\nversion=1\nsubmit_mode='email'\nstatus_mode='manual'\nunit='url'\n"
            "min_batch=1\nmax_batch=1\nauth_kind='none'\nidentity_proof='none'\n"
            "legal_basis='x'\nexpected_turnaround_days=1\nchecked='2026-12-02'\ncolour='blue'",
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
CHECKED = "checked = '2026-12-02'\n"


def test_poll_schedules_step_then_repeat_their_last_step():
    d = parse(BASE + CHECKED + "poll_schedule = ['90s', '2h', '1w']", "x.toml")
    assert [d.poll_wait(n) for n in range(5)] == [90, 7200, 604800, 604800, 604800]
    default = parse(BASE + CHECKED, "x.toml")
    assert default.poll_wait(0) == 3600  # a mailbox: hourly
    with pytest.raises(DescriptorError, match=r"x\.toml: poll_schedule: not a duration"):
        parse(BASE + CHECKED + "poll_schedule = ['soon']", "x.toml")
    with pytest.raises(DescriptorError, match="scope must be dataset or recipient"):
        parse(BASE + CHECKED + "scope = 'planet'", "x.toml")


def test_every_email_destination_has_a_letter_that_exists_and_someone_to_write_to():
    from creatorapp.core.optouts import letters

    for d in load_all().values():
        if d.letter:
            assert letters.load(d.letter).title, d.id
        if d.submit_mode == "email":
            assert d.letter and (d.recipient or d.scope == "recipient"), d.id


def test_every_shipped_descriptor_says_when_its_facts_were_checked():
    for d in load_all().values():
        assert isinstance(d.checked, date), d.id
        assert date(2019, 1, 1) <= d.checked <= date(2026, 12, 2), d.id
    found = load_all()
    # confirmed against the destinations' own forms and code on 2026-12-02
    for ident in ("laion", "spawning", "bigcode-stack"):
        assert found[ident].checked == date(2026, 12, 2), ident


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("", "missing checked"),
        ("checked = '02/12/2026'", "checked must be the day"),
        ("checked = '2026-13-02'", "checked must be the day"),
        ("checked = '20261202'", "checked must be the day"),
        ("checked = 2026-12-02T10:00:00", "checked must be the day"),
        ("checked = 20261202", "checked must be the day"),
    ],
)
def test_a_missing_or_malformed_checked_date_is_refused_by_name(line, words):
    with pytest.raises(DescriptorError, match=words) as caught:
        parse(BASE + line, "x.toml")
    assert str(caught.value).startswith("x.toml")


def test_checked_may_be_quoted_or_a_toml_date():
    assert parse(BASE + "checked = 2025-05-27", "x.toml").checked == date(2025, 5, 27)
    assert parse(BASE + CHECKED, "x.toml").checked == date(2026, 12, 2)


def test_a_liveness_check_is_data_and_checked_when_read():
    d = parse(
        BASE + CHECKED + "[liveness]\nurl = 'https://x.example/'\n"
        "degraded_when = ['under maintenance']",
        "x.toml",
    )
    assert d.liveness.url == "https://x.example/"
    assert d.liveness.degraded_when == ("under maintenance",)
    with pytest.raises(DescriptorError, match="liveness needs a url"):
        parse(BASE + CHECKED + "[liveness]\ndegraded_when = []", "x.toml")
    spawning = load_all()["spawning"]
    assert spawning.liveness is not None and "under maintenance" in spawning.liveness.degraded_when


def test_meta_is_two_destinations_whose_fields_are_not_mixed():
    found = load_all()
    third, own = found["meta"], found["meta-own-posts"]
    assert third.endpoints["form"] != own.endpoints["form"]
    assert third.endpoints["form"].endswith("/510058597920541")
    assert own.endpoints["form"].endswith("/6359191084165019")
    # third-party data is about works and pages on the web; own posts, about an account
    assert third.unit.value == "url" and own.unit.value == "account"
    own_only = set(own.fields) - set(third.fields)
    third_only = set(third.fields) - set(own.fields)
    assert any("impacts you" in label for label in own_only)
    assert not any("impacts you" in label for label in third.fields)
    assert any("third parties" in value for value in third.fields.values())
    assert not any("third parties" in value for value in own.fields.values())
    assert third_only and own_only
    assert third.checked and own.checked


def test_laion_asks_for_re_laion_5b_by_the_forms_own_labels():
    laion = load_all()["laion"]
    assert list(laion.fields) == [
        "Name", "Email", "Explanation", "Dataset", "Sample ID", "Website/URL",
    ]  # fmt: skip
    assert laion.fields["Dataset"] == "Re-LAION-5B"
    assert laion.fields["Website/URL"] == "$target"
    assert "$target" not in laion.fields["Sample ID"]  # a dataset sample id, not an address
    assert laion.form_names["Sample ID"] == "sampleID"
    assert laion.form_names["Website/URL"] == "website"
    assert laion.form_names["Dataset"] == "datset"  # the form's own spelling
    assert "personal-data (GDPR)" in laion.notice
