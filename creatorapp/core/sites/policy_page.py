"""The creator's own policy, when the site hosts it: a page for people and the TDMRep ODRL
policy (JSON-LD, W3C TDMRep final report §"Expressing a TDM Policy") for agents.

TDMRep's ``tdm-reservation`` is all or nothing for text and data mining, so a policy that
reserves only some mining (generative training, say) is reserved there, and this offer says
what may be done without asking: a permission without a duty.  Anything else needs consent.
"""

from __future__ import annotations

import html
import json
from urllib.parse import urlsplit

from creatorapp.core.policy import RESEARCH_CONSTRAINT, USE_MEANING, Policy, Use
from creatorapp.core.policy.signals import VOCAB_PREFIX, site_signals, usage_terms
from creatorapp.core.sites.config import POLICY_JSON, POLICY_PAGE, SiteConfig

ODRL_CONTEXT = "http://www.w3.org/ns/odrl.jsonld"
TDM_NAMESPACE = "http://www.w3.org/ns/tdmrep#"
# "@context MUST be odrl.jsonld; a tdm alias MUST be added ... http://www.w3.org/ns/tdmrep#"
CONTEXT = [ODRL_CONTEXT, {"tdm": TDM_NAMESPACE}]
PROFILE = "http://www.w3.org/ns/tdmrep"

# a policy URL with one of these endings is the creator's own machine-readable TDM Policy
MACHINE_READABLE = (".json", ".jsonld")

ASK_FIRST = {"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}
FREE = {"action": "tdm:mine"}
RESEARCH = {
    "action": "tdm:mine",
    "constraint": [{"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}],
}


def _except(code: str) -> dict:
    """Mining for any purpose but the one the IPTC Data Mining value ``code`` reserves.
    TDMRep has no term for a kind of AI training, so the reserved purpose is named by the
    IPTC value the works themselves carry; an agent that cannot evaluate the constraint
    cannot use this permission and is left with the one that asks for consent."""
    return {
        "action": "tdm:mine",
        "constraint": [
            {
                "leftOperand": "purpose",
                "operator": "isNoneOf",  # not "neq": odrl.jsonld maps it to odrl:neg
                "rightOperand": [{"@id": VOCAB_PREFIX + code}],
            }
        ],
    }


def _reserved_training(policy: Policy) -> str | None:
    """The IPTC code of the training a policy that allows mining still reserves."""
    if not policy.permits(Use.DATA_MINING):
        return None
    if not policy.permits(Use.AI_TRAINING):
        return "DMI-PROHIBITED-AIMLTRAINING"
    if not policy.permits(Use.GENAI_TRAINING):
        return "DMI-PROHIBITED-GENAIMLTRAINING"
    return None


def permissions(policy: Policy) -> list[dict]:
    """The offer's permissions: what may be mined without asking, then everything else
    with consent.  Nothing is reserved: one permission, no duty."""
    if not site_signals(policy).tdm_reservation:
        return [dict(FREE)]
    out = []
    training = _reserved_training(policy)
    if training:
        out.append(_except(training))
    if policy.constraints.strip() == RESEARCH_CONSTRAINT:
        out.append(RESEARCH)
    return [*out, ASK_FIRST]


def offers_something(policy: Policy) -> bool:
    """Whether the offer says more than "ask first" (so tdmrep.json's bare reservation
    would overstate it)."""
    return any("duty" not in p for p in permissions(policy))


def own_machine_policy(policy: Policy) -> bool:
    return urlsplit(policy.policy_url).path.lower().endswith(MACHINE_READABLE)


def publishes_odrl(site: SiteConfig) -> bool:
    """The site carries our ``ai-policy.json``: when it hosts the policy, or when a reserving
    policy has a page, a contact or permissions to point agents to (and no machine-readable
    policy of the creator's own)."""
    policy = site.policy
    if site.host_policy:
        return True
    if not site_signals(policy).tdm_reservation or own_machine_policy(policy):
        return False
    return bool(policy.policy_url or policy.contact_url or offers_something(policy))


def tdm_policy_url(site: SiteConfig, policy: Policy) -> str | None:
    """What ``tdm-policy`` says where ``policy`` applies.  TDMRep reads an HTML page as
    human-readable only, so the site's own ODRL offer is named whenever it is published; a
    part of the site with a policy of its own gets its own machine-readable policy, or its
    page (the site publishes one offer)."""
    if not site_signals(policy).tdm_reservation:
        return None  # "TDM Agents SHOULD NOT process tdm-policy" when not reserved
    if policy.policy_url and own_machine_policy(policy):
        return policy.policy_url
    if policy is site.policy or policy == site.policy:
        return f"{site.origin}/{POLICY_JSON}" if publishes_odrl(site) else None
    return policy.policy_url or None


def _people_page(site: SiteConfig) -> str | None:
    """The page about licensing that ``vcard:hasURL`` names: the policy page, else the
    licence page, else a contact page."""
    policy = site.policy
    hosted = f"{site.origin}/{POLICY_PAGE}" if site.host_policy else ""
    contact = "" if policy.contact_url.startswith("mailto:") else policy.contact_url
    own = "" if own_machine_policy(policy) else policy.policy_url
    return own or hosted or policy.licence_url or contact or None


def odrl(site: SiteConfig) -> str:
    policy = site.policy
    assigner: dict = {"uid": site.origin}
    if policy.creator:
        assigner["vcard:fn"] = policy.creator
    if policy.contact_url.startswith("mailto:"):
        assigner["vcard:hasEmail"] = policy.contact_url
    page_url = _people_page(site)
    if page_url:
        assigner["vcard:hasURL"] = page_url
    doc = {
        "@context": CONTEXT,
        "@type": "Offer",
        "profile": PROFILE,
        "uid": f"{site.origin}/{POLICY_JSON}",
        "assigner": assigner,
        "permission": permissions(policy),
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def page(site: SiteConfig) -> str:
    policy = site.policy
    esc = html.escape
    rows = "\n".join(
        f"<tr><td>{esc(USE_MEANING[u])}</td><td>{esc(policy.uses[u].value)}</td></tr>" for u in Use
    )
    contact = (
        f'<p>To ask for a licence: <a href="{esc(policy.contact_url)}">'
        f"{esc(policy.contact_url.removeprefix('mailto:'))}</a></p>"
        if policy.contact_url
        else ""
    )
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>AI and text-and-data-mining policy — {esc(site.name)}</title>
<link rel="alternate" type="application/ld+json" href="{esc(POLICY_JSON)}">
</head>
<body>
<h1>AI and text-and-data-mining policy</h1>
<p>{esc(usage_terms(policy))}</p>
{f"<p>{esc(policy.copyright_notice)}</p>" if policy.copyright_notice else ""}
{f"<p>{esc(policy.constraints)}</p>" if policy.constraints else ""}
<table>
<tr><th>Use</th><th>Permission</th></tr>
{rows}
</table>
{contact}
</body>
</html>
"""
