"""The creator's own policy, when the site hosts it: a page for people and the TDMRep ODRL
policy (JSON-LD, standards.md §1.7) for agents."""

from __future__ import annotations

import html
import json

from creatorapp.core.policy import USE_MEANING, Permission, Use
from creatorapp.core.policy.signals import usage_terms
from creatorapp.core.sites.config import POLICY_JSON, SiteConfig


def odrl(site: SiteConfig) -> str:
    policy = site.policy
    assigner: dict = {"uid": site.origin}
    if policy.creator:
        assigner["vcard:fn"] = policy.creator
    if policy.contact_url:
        key = "vcard:hasEmail" if policy.contact_url.startswith("mailto:") else "vcard:hasURL"
        assigner[key] = policy.contact_url
    doc = {
        "@context": ["http://www.w3.org/ns/odrl.jsonld", "http://www.w3.org/ns/tdmrep.jsonld"],
        "@type": "Offer",
        "profile": "http://www.w3.org/ns/tdmrep",
        "uid": f"{site.origin}/{POLICY_JSON}",
        "assigner": assigner,
        "permission": [{"action": "tdm:mine", "duty": [{"action": "obtainConsent"}]}],
    }
    if policy.uses[Use.DATA_MINING] is Permission.ALLOWED and policy.constraints:
        doc["permission"][0]["constraint"] = [
            {"leftOperand": "purpose", "operator": "eq", "rightOperand": "tdm:research"}
        ]
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def page(site: SiteConfig) -> str:
    policy = site.policy
    esc = html.escape
    rows = "\n".join(
        f"<tr><td>{esc(USE_MEANING[u])}</td><td>{esc(policy.uses[u].value)}</td></tr>" for u in Use
    )
    contact = (
        f'<p>To ask for a licence: <a href="{esc(policy.contact_url)}">'
        f"{esc(policy.contact_url)}</a></p>"
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
