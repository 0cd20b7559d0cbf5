"""``/.well-known/tdmrep.json`` (W3C TDMRep, standards.md §1.2).

A top-level array of rules with integer ``tdm-reservation``; the most specific rule first, so a
reader taking the first match and one taking the longest match agree.  ``tdm-policy`` names the
machine-readable ODRL offer (``ai-policy.json``), never only a page for people, and only where
mining is reserved: with ``tdm-reservation: 0`` agents are told not to read it.
"""

from __future__ import annotations

import json

from creatorapp.core.policy.signals import site_signals
from creatorapp.core.sites import policy_page
from creatorapp.core.sites.config import SiteConfig

PATH = ".well-known/tdmrep.json"


def encode_location(location: str) -> str:
    """A literal ``$`` must be written ``%24``; a trailing ``$`` means "ends here"."""
    if location.endswith("$"):
        return location[:-1].replace("$", "%24") + "$"
    return location.replace("$", "%24")


def most_specific_first(rules: list[dict]) -> list[dict]:
    return sorted(rules, key=lambda r: (-len(r["location"].rstrip("$*")), r["location"]))


def rules_for(site: SiteConfig) -> list[dict]:
    rules = []
    for location, policy in [*site.overrides.items(), ("/", site.policy)]:
        signals = site_signals(policy)
        rule: dict = {
            "location": encode_location(location),
            "tdm-reservation": signals.tdm_reservation,
        }
        policy_url = policy_page.tdm_policy_url(site, policy)
        if policy_url:
            rule["tdm-policy"] = policy_url
        rules.append(rule)
    return most_specific_first(rules)


def render(site: SiteConfig, existing: str | None = None) -> str:
    """Our rules, merged with rules for other locations already in ``existing``."""
    ours = rules_for(site)
    mine = {r["location"] for r in ours}
    kept: list[dict] = []
    if existing:
        try:
            current = json.loads(existing)
        except ValueError:
            current = []
        if isinstance(current, list):
            kept = [
                r
                for r in current
                if isinstance(r, dict)
                and isinstance(r.get("location"), str)
                and r["location"] not in mine
            ]
    return json.dumps(most_specific_first(ours + kept), indent=2) + "\n"


def reservation_for(rules: list[dict], path: str) -> int | None:
    """What a first-match reader concludes for ``path``; None when unset (no rule, or a
    protocol error such as a value other than the integers 0 and 1)."""
    import re

    for rule in rules:
        pattern = rule.get("location", "")
        anchored = pattern.endswith("$")
        body = pattern[:-1] if anchored else pattern
        regex = "".join(".*" if c == "*" else re.escape(c) for c in body.replace("%24", "$"))
        if re.match(regex + ("$" if anchored else ""), path):
            value = rule.get("tdm-reservation")
            return value if type(value) is int and value in (0, 1) else None
    return None
