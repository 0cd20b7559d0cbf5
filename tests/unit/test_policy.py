from __future__ import annotations

import pytest

from creatorapp.core.policy import (
    PRESETS,
    Permission,
    Policy,
    PolicyError,
    Use,
    load_policy_file,
    resolve_policy,
    save_policy,
    signals,
    user_policies,
)

P, A = Permission.PROHIBITED, Permission.ALLOWED

# preset -> (IPTC code, permissions in Use order: tdm, ai, genai, inference, search)
PRESET_TABLE = {
    "no-ai": ("DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING", (P, P, P, P, A)),
    "no-genai": ("DMI-PROHIBITED-GENAIMLTRAINING", (A, A, P, A, A)),
    "no-tdm": ("DMI-PROHIBITED", (P, P, P, P, P)),
    "research-only": ("DMI-PROHIBITED-SEECONSTRAINT", (P, P, P, P, A)),
    "allow": ("DMI-ALLOWED", (A, A, A, A, A)),
}


def test_every_preset_is_in_the_table():
    assert set(PRESETS) == set(PRESET_TABLE)


@pytest.mark.parametrize("name", sorted(PRESET_TABLE))
def test_preset_maps_to_its_iptc_value(name):
    code, perms = PRESET_TABLE[name]
    policy = PRESETS[name]
    assert tuple(policy.uses[u] for u in Use) == perms
    assert signals.data_mining_code(policy) == code
    assert signals.data_mining_uri(policy) == signals.VOCAB_PREFIX + code
    assert signals.data_mining_uri(policy) in signals.DATA_MINING_VOCABULARY


@pytest.mark.parametrize("name", sorted(PRESET_TABLE))
def test_preset_fields(name):
    policy = PRESETS[name].with_identity(
        creator="Jane Artist", copyright_notice="© 2026 Jane Artist"
    )
    fields = {f.key: f for f in signals.embedded_fields(policy)}
    assert fields["Xmp.plus.DataMining"].value == signals.data_mining_uri(policy)
    assert fields["Xmp.plus.DataMining"].mode is signals.Mode.OWN
    assert fields["Xmp.xmpRights.Marked"].value == "True"
    assert fields["Xmp.dc.rights"].mode is signals.Mode.FILL
    # one notice in every copyright field, as IPTC's mapping requires; the reservation is
    # said in the usage terms
    notice = "© 2026 Jane Artist"
    assert fields["Exif.Image.Copyright"].value == notice
    assert fields["Xmp.dc.rights"].value == signals.lang_alt(notice)
    assert fields["Iptc.Application2.Copyright"].value == notice
    assert "Art. 4(3)" in fields["Xmp.xmpRights.UsageTerms"].value['lang="x-default"'] or (
        name == "allow"
    )
    assert fields["Exif.Image.Artist"].value == "Jane Artist"
    assert ("Xmp.plus.OtherConstraints" in fields) == (name == "research-only")


def test_rights_fields_absent_without_identity():
    keys = {f.key for f in signals.embedded_fields(PRESETS["no-ai"])}
    assert "Xmp.dc.rights" not in keys and "Exif.Image.Artist" not in keys
    assert "Exif.Image.Copyright" not in keys  # no notice is made up


def test_value_outside_vocabulary_is_refused():
    with pytest.raises(PolicyError, match="not an IPTC Data Mining value"):
        signals.validate_data_mining("DMI-PROHIBITED")
    with pytest.raises(PolicyError):
        signals.validate_data_mining(signals.VOCAB_PREFIX + "DMI-MAYBE")


def test_contradictory_policy_is_refused():
    uses = dict(PRESETS["allow"].uses)
    uses[Use.AI_TRAINING] = P
    policy = Policy("odd", "Odd", "", uses)
    with pytest.raises(PolicyError, match="genai_training is part of ai_training"):
        from creatorapp.core.policy import validate

        validate(policy)


def test_inexpressible_policy_needs_constraints():
    uses = dict(PRESETS["allow"].uses)
    uses[Use.AI_INFERENCE] = P
    with pytest.raises(PolicyError, match="add a constraints text"):
        signals.data_mining_code(Policy("x", "x", "", uses))
    assert signals.data_mining_code(Policy("x", "x", "", uses, constraints="No RAG.")) == (
        "DMI-PROHIBITED-SEECONSTRAINT"
    )


def test_toml_policy_round_trip(tmp_path):
    path = tmp_path / "studio.toml"
    path.write_text(
        'extends = "no-genai"\ntitle = "Studio"\n[uses]\nai_training = "prohibited"\n'
        '[rights]\ncreator = "Studio Nord"\npolicy_url = "https://example.org/ai"\n',
        encoding="utf-8",
    )
    policy = load_policy_file(path)
    assert policy.name == "studio" and policy.creator == "Studio Nord"
    assert signals.data_mining_code(policy) == "DMI-PROHIBITED-AIMLTRAINING"
    saved = save_policy(policy, tmp_path / "out")
    again = load_policy_file(saved)
    assert again.uses == policy.uses and again.policy_url == policy.policy_url


@pytest.mark.parametrize(
    "text, message",
    [
        ("[uses]\nai_trainig = 'allowed'\n", "unknown use 'ai_trainig'"),
        ("[uses]\nai_training = 'maybe'\n", 'must be "allowed" or "prohibited"'),
        ("extends = 'nothing'\n", "is not a preset"),
        ("colour = 1\n", "unknown key"),
        ("[rights]\npolicy_url = 'ftp://x'\n", "http:// or https://"),
        ("[rights]\nemail = 'a@b'\n", "unknown rights key"),
        ("[uses\n", "not valid TOML"),
        ("[uses]\ndata_mining = 'prohibited'\nai_training = 'allowed'\n", "part of data_mining"),
    ],
)
def test_bad_policy_files_get_clear_messages(tmp_path, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message) as info:
        load_policy_file(path)
    assert str(path) in str(info.value)


def test_resolve_by_name_preset_and_user(tmp_path, monkeypatch):
    assert resolve_policy(None).name == "no-ai"
    assert resolve_policy("no-tdm").name == "no-tdm"
    save_policy(Policy("mine", "Mine", "d", PRESETS["no-ai"].uses, creator="Me", extends="no-ai"))
    assert resolve_policy("mine").creator == "Me"
    assert "mine" in user_policies()
    with pytest.raises(PolicyError, match="unknown policy 'nope'"):
        resolve_policy("nope")
    with pytest.raises(PolicyError, match="does not exist"):
        resolve_policy(str(tmp_path / "missing.toml"))


def test_preset_names_cannot_be_overwritten():
    with pytest.raises(PolicyError, match="preset name"):
        save_policy(PRESETS["no-ai"])
