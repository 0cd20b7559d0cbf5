"""The machine-readable declarations a site publishes, read by independent parsers: the TDMRep
ODRL offer (ai-policy.json) expanded with pyld against the ODRL and TDMRep JSON-LD contexts,
and the RSL licence (license.xml) validated with lxml against the RSL 1.0 document model.

The contexts and the schema are kept in tests/data/declarations (sources in its README)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from pyld import jsonld

from creatorapp.core.policy import PRESETS, PolicyError, policy_from_dict
from creatorapp.core.sites import policy_page, publisher, rsl, tdmrep, verify
from creatorapp.core.sites.config import SiteConfig

DATA = Path(__file__).resolve().parents[1] / "data" / "declarations"
ORIGIN = "https://jane.example"
ODRL = "http://www.w3.org/ns/odrl/2/"
TDM = "http://www.w3.org/ns/tdmrep#"
CONTEXTS = {
    "http://www.w3.org/ns/odrl.jsonld": DATA / "odrl.jsonld",
    "http://www.w3.org/ns/tdmrep.jsonld": DATA / "tdmrep.jsonld",
}


def _load(url: str, options: dict | None = None) -> dict:
    """pyld's document loader, from the copies kept here: the tests fetch nothing."""
    if url not in CONTEXTS:
        raise AssertionError(f"the policy needs a document that is not kept locally: {url}")
    return {
        "contextUrl": None,
        "documentUrl": url,
        "document": json.loads(CONTEXTS[url].read_text(encoding="utf-8")),
    }


OPTIONS = {"documentLoader": _load}


def _defined(context_file: Path) -> dict[str, str]:
    """term -> IRI for every term a context document defines (prefixes expanded)."""
    ctx = json.loads(context_file.read_text(encoding="utf-8"))["@context"]
    prefixes = {k: v for k, v in ctx.items() if isinstance(v, str) and v.endswith(("/", "#"))}
    out = {}
    for term, value in ctx.items():
        iri = value if isinstance(value, str) else value.get("@id", "")
        prefix, _, rest = iri.partition(":")
        out[term] = prefixes[prefix] + rest if prefix in prefixes else iri
    return out


ODRL_TERMS = _defined(DATA / "odrl.jsonld")
TDM_TERMS = _defined(DATA / "tdmrep.jsonld")


def site(preset: str = "no-ai", **details) -> SiteConfig:
    host = details.pop("host_policy", False)
    policy = PRESETS[preset].with_identity(**details) if details else PRESETS[preset]
    return SiteConfig("jane", ORIGIN, policy, host_policy=host)


def expanded(s: SiteConfig) -> dict:
    doc = json.loads(policy_page.odrl(s))
    [node] = jsonld.expand(doc, OPTIONS)
    return node


def _ids(values: list[dict]) -> list[str]:
    return [v["@id"] for v in values]


def _rules(node: dict) -> list[dict]:
    return node[ODRL + "permission"]


# --- TDMRep ODRL offer ---------------------------------------------------------------------


@pytest.mark.parametrize("preset", list(PRESETS))
def test_offer_uses_only_terms_the_odrl_and_tdmrep_contexts_define(preset):
    s = site(preset, creator="Jane", contact_url="mailto:jane@jane.example", host_policy=True)
    doc = json.loads(policy_page.odrl(s))
    assert doc["@context"] == ["http://www.w3.org/ns/odrl.jsonld", {"tdm": TDM}]
    node = expanded(s)
    assert node["@type"] == [ODRL_TERMS["Offer"]]
    assert _ids(node[ODRL + "profile"]) == ["http://www.w3.org/ns/tdmrep"]
    assert node["@id"] == f"{ORIGIN}/ai-policy.json"
    odrl_iris, tdm_iris = set(ODRL_TERMS.values()), set(TDM_TERMS.values())
    for rule in _rules(node):
        assert _ids(rule[ODRL + "action"]) == [TDM_TERMS["mine"]]  # tdm:mine, from TDMRep
        for duty in rule.get(ODRL + "duty", []):
            assert set(_ids(duty[ODRL + "action"])) <= odrl_iris
        for constraint in rule.get(ODRL + "constraint", []):
            assert set(_ids(constraint[ODRL + "leftOperand"])) <= odrl_iris
            assert set(_ids(constraint[ODRL + "operator"])) <= odrl_iris
            for operand in constraint[ODRL + "rightOperand"]:
                value = operand.get("@value")
                if value and value.startswith("tdm:"):
                    assert TDM + value[4:] in tdm_iris
    # nothing was dropped as an unknown term: compacting gives back every key we wrote
    back = jsonld.compact(node, {"@context": doc["@context"]}, OPTIONS)
    alias = {"type": "@type"}  # the ODRL context's own name for @type
    assert {alias.get(k, k) for k in back} - {"@context"} == set(doc) - {"@context"}
    assert set(back["assigner"]) == set(doc["assigner"])
    assert len(jsonld.expand(back, OPTIONS)[0][ODRL + "permission"]) == len(doc["permission"])


def test_research_only_offers_research_mining_without_asking():
    rules = json.loads(policy_page.odrl(site("research-only", host_policy=True)))["permission"]
    research = [r for r in rules if "constraint" in r]
    assert research == [
        {
            "action": "tdm:mine",
            "constraint": [
                {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
            ],
        }
    ]
    assert {"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]} in rules
    node = expanded(site("research-only", host_policy=True))
    constrained = [r for r in _rules(node) if ODRL + "constraint" in r]
    [constraint] = constrained[0][ODRL + "constraint"]
    assert _ids(constraint[ODRL + "leftOperand"]) == [ODRL_TERMS["purpose"]]
    assert _ids(constraint[ODRL + "operator"]) == [ODRL_TERMS["eq"]]


def test_allow_offers_mining_with_no_duty_and_tdmrep_names_no_policy():
    s = site("allow", contact_url="mailto:jane@jane.example", host_policy=True)
    assert json.loads(policy_page.odrl(s))["permission"] == [{"action": "tdm:mine"}]
    assert "obtainConsent" not in policy_page.odrl(s)
    assert json.loads(tdmrep.render(s)) == [{"location": "/", "tdm-reservation": 0}]


def test_a_mailto_contact_is_accepted_and_written_as_hasEmail():
    s = site(contact_url="mailto:jane@jane.example", host_policy=True)
    assigner = json.loads(policy_page.odrl(s))["assigner"]
    assert assigner["vcard:hasEmail"] == "mailto:jane@jane.example"
    assert assigner["vcard:hasURL"] == f"{ORIGIN}/ai-policy.html"
    from_file = policy_from_dict(
        {"extends": "no-ai", "rights": {"contact_url": "mailto:jane@jane.example"}},
        origin="studio.toml",
        default_name="studio",
    )
    assert from_file.contact_url == "mailto:jane@jane.example"
    assert 'href="mailto:jane@jane.example"' in policy_page.page(SiteConfig("j", ORIGIN, from_file))


@pytest.mark.parametrize(
    "field, value",
    [
        ("contact_url", "mailto:not an address"),
        ("contact_url", "mailto:jane"),
        ("policy_url", "mailto:jane@jane.example"),  # a policy is a page, not an address
        ("contact_url", "ftp://jane.example/"),
    ],
)
def test_malformed_contacts_are_refused_with_a_clear_message(field, value):
    with pytest.raises(PolicyError, match=field):
        PRESETS["no-ai"].with_identity(**{field: value})


def test_tdm_policy_names_the_odrl_offer_even_when_the_creator_has_an_html_page():
    s = site(policy_url="https://jane.example/about/ai.html")
    [rule] = json.loads(tdmrep.render(s))
    assert rule["tdm-policy"] == f"{ORIGIN}/ai-policy.json"
    assert s.tdm_policy_url() == f"{ORIGIN}/ai-policy.json"
    files = publisher.render_all(s)
    offer = json.loads(files["ai-policy.json"])
    assert offer["assigner"]["vcard:hasURL"] == "https://jane.example/about/ai.html"
    assert "ai-policy.html" not in files  # the creator's page is theirs; we host no other


def test_a_machine_readable_policy_of_the_creators_own_is_named_as_it_is():
    s = site(policy_url="https://jane.example/tdm/policy.json")
    [rule] = json.loads(tdmrep.render(s))
    assert rule["tdm-policy"] == "https://jane.example/tdm/policy.json"
    assert "ai-policy.json" not in publisher.desired(s)


def test_no_genai_reserves_only_generative_training_in_its_offer():
    """TDMRep's tdm-reservation is all or nothing, and a 0 would waive generative training
    too; so tdmrep.json reserves and points to the offer, which lets every other mining
    purpose go without asking."""
    s = site("no-genai")
    [rule] = json.loads(tdmrep.render(s))
    assert rule["tdm-reservation"] == 1
    assert rule["tdm-policy"] == f"{ORIGIN}/ai-policy.json"
    assert "ai-policy.json" in publisher.desired(s)
    free = [r for r in json.loads(publisher.render_all(s)["ai-policy.json"])["permission"]
            if "duty" not in r]  # fmt: skip
    assert free == [
        {
            "action": "tdm:mine",
            "constraint": [
                {
                    "leftOperand": "purpose",
                    "operator": "isNoneOf",
                    "rightOperand": [
                        {"@id": "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"}
                    ],
                }
            ],
        }
    ]
    node = expanded(s)
    [constraint] = next(r for r in _rules(node) if ODRL + "constraint" in r)[ODRL + "constraint"]
    assert _ids(constraint[ODRL + "operator"]) == [ODRL + "isNoneOf"]
    assert _ids(constraint[ODRL + "rightOperand"]) == [
        "http://ns.useplus.org/ldf/vocab/DMI-PROHIBITED-GENAIMLTRAINING"
    ]


def test_a_bare_reservation_publishes_no_offer_it_would_have_nothing_to_say_in():
    assert json.loads(tdmrep.render(site())) == [{"location": "/", "tdm-reservation": 1}]
    assert "ai-policy.json" not in publisher.desired(site())


# --- RSL ----------------------------------------------------------------------------------

RSL_SCHEMA = etree.RelaxNG(etree.parse(str(DATA / "rsl-1.0.rng")))
RSL = "{https://rslstandard.org/rsl}"
LICENSED = {"licence_url": "https://jane.example/licensing"}


def _licence(s: SiteConfig) -> etree._Element:
    doc = etree.fromstring(publisher.render_all(s)["license.xml"].encode("utf-8"))
    assert RSL_SCHEMA.validate(doc), RSL_SCHEMA.error_log
    return doc


@pytest.mark.parametrize(
    "preset, permits, prohibits",
    [
        ("no-ai", None, "ai-all"),
        ("research-only", None, "ai-all"),
        ("no-genai", None, "ai-train"),
        ("no-tdm", None, "all"),
        ("allow", "all", None),
    ],
)
def test_licence_is_valid_rsl_and_withholds_what_the_policy_reserves(preset, permits, prohibits):
    doc = _licence(site(preset, **LICENSED))
    assert doc.tag == f"{RSL}rsl"
    [content] = doc.findall(f"{RSL}content")
    assert content.get("url") == "/"
    [licence] = content.findall(f"{RSL}license")
    found = {
        (el.tag.removeprefix(RSL), el.get("type")): el.text
        for el in licence
        if el.tag in (f"{RSL}permits", f"{RSL}prohibits")
    }
    expected = {}
    if permits:
        expected[("permits", "usage")] = permits
    if prohibits:
        expected[("prohibits", "usage")] = prohibits
    assert found == expected
    assert content.findtext(f"{RSL}terms") == "https://jane.example/licensing"


def test_schema_refuses_what_rsl_does_not_define():
    """The oracle itself: a retired token, a comma list and a missing namespace all fail."""
    for bad in (
        b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
        b'<prohibits type="usage">train-ai</prohibits></license></content></rsl>',
        b'<rsl xmlns="https://rslstandard.org/rsl"><content url="/"><license>'
        b'<prohibits type="usage">ai-train,ai-input</prohibits></license></content></rsl>',
        b'<rsl><content url="/"><license/></content></rsl>',
    ):
        assert not RSL_SCHEMA.validate(etree.fromstring(bad))


def test_licence_is_published_and_announced_by_robots_txt():
    from creatorapp.core.sites import robots

    s = site(**LICENSED)
    assert "license.xml" in publisher.desired(s)
    lines = [line for line in robots.render(s).splitlines() if line.startswith("License:")]
    assert lines == [f"License: {ORIGIN}/license.xml"]
    assert "license.xml" not in publisher.desired(site())  # no licence page, no licence


def test_an_rsl_document_of_the_creators_own_is_announced_as_it_is():
    s = site(licence_url="https://rights.example/jane/license.xml")
    assert rsl.url(s) == "https://rights.example/jane/license.xml"
    assert "license.xml" not in publisher.desired(s)


def test_a_licence_url_at_our_own_path_is_the_file_we_publish():
    s = site(licence_url=f"{ORIGIN}/license.xml", policy_url="https://jane.example/terms")
    assert rsl.url(s) == f"{ORIGIN}/license.xml"
    assert _licence(s).find(f"{RSL}content").findtext(f"{RSL}terms") == "https://jane.example/terms"


# --- verify --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, served, ok",
    [
        ("ai-policy.json", "application/json", True),
        ("ai-policy.json", "application/ld+json; charset=utf-8", True),
        ("ai-policy.json", "text/html", False),
        ("license.xml", "application/rsl+xml", True),
        ("license.xml", "application/xml", True),  # reported in the detail, not failed
        ("license.xml", "text/plain", False),
    ],
)
def test_live_check_reads_the_media_type_readers_need(path, served, ok):
    assert verify._media_type(path, served)[0] is ok
    assert verify._media_type("robots.txt", "text/plain") is None
