"""``/license.xml``: the creator's RSL 1.0 licence (Really Simple Licensing, RSL-SPEC-1.0,
https://rslstandard.org/rsl), which robots.txt's ``License:`` line announces.

Made when the policy names a licence page: the licence says which automated uses are withheld
(``<prohibits type="usage">``, RSL's usage vocabulary) and points to that page for the rest
(``<terms>``).  It names no price: RSL reads a ``<payment>`` as the terms on which the licence
is granted, and the app does not know the creator's.  A licence URL that is itself an RSL
document (``.xml`` or ``.rsl`` elsewhere than our own path) is the creator's, and is announced
as it is.
"""

from __future__ import annotations

from urllib.parse import urlsplit
from xml.sax.saxutils import escape, quoteattr

from creatorapp.core.policy import Policy, Use
from creatorapp.core.sites.config import LICENSE_XML, SiteConfig
from creatorapp.core.sites.tdmrep import encode_location, most_specific_first

PATH = LICENSE_XML
NAMESPACE = "https://rslstandard.org/rsl"
MEDIA_TYPE = "application/rsl+xml"  # what RSL asks servers to send it as
OWN_DOCUMENT = (".xml", ".rsl")

# RSL 1.0 usage vocabulary (§3.4.1) -> the uses whose prohibition withholds each token.  RSL's
# ``ai-train`` is training of any model, and in RSL a use left unlisted is licensed, so
# reserving generative training alone must still withhold it.
USAGE: tuple[tuple[str, frozenset[Use]], ...] = (
    ("ai-train", frozenset({Use.AI_TRAINING, Use.GENAI_TRAINING})),
    ("ai-input", frozenset({Use.AI_INFERENCE})),
    ("ai-index", frozenset({Use.AI_INFERENCE})),
    ("search", frozenset({Use.SEARCH_INDEXING})),
)
AI_TOKENS = ("ai-train", "ai-input", "ai-index")


def usage(policy: Policy) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(permitted, prohibited) usage tokens.  ``all`` and ``ai-all`` are used where they say
    it exactly: ``ai-all`` also covers AI uses RSL has not named yet, which a policy refusing
    mining and every AI use refuses too."""
    withheld = [t for t, uses in USAGE if any(not policy.permits(u) for u in uses)]
    if not withheld:
        return ("all",), ()
    if not any(policy.permits(u) for u in Use):
        return (), ("all",)
    if not policy.permits(Use.DATA_MINING) and set(AI_TOKENS) <= set(withheld):
        return (), ("ai-all", *(t for t in withheld if t not in AI_TOKENS))
    return (), tuple(withheld)


def _ours(site: SiteConfig) -> str:
    return f"{site.origin}/{PATH}"


def own_document(site: SiteConfig) -> bool:
    """The licence URL is an RSL document the creator publishes themselves."""
    url = site.policy.licence_url
    return url != _ours(site) and urlsplit(url).path.lower().endswith(OWN_DOCUMENT)


def applies(site: SiteConfig) -> bool:
    """We publish license.xml: a licence URL is set and is not an RSL document already."""
    return bool(site.policy.licence_url) and not own_document(site)


def url(site: SiteConfig) -> str | None:
    """What robots.txt's ``License:`` names."""
    if not site.policy.licence_url:
        return None
    return site.policy.licence_url if own_document(site) else _ours(site)


def _terms(site: SiteConfig, policy: Policy) -> str | None:
    """The page about licensing: the licence page, else the policy page."""
    page = policy.licence_url if policy.licence_url != _ours(site) else ""
    return page or policy.policy_url or (site.policy_url() if policy is site.policy else None)


def _content(site: SiteConfig, location: str, policy: Policy) -> str:
    permits, prohibits = usage(policy)
    terms = [
        f'      <permits type="usage">{" ".join(permits)}</permits>' if permits else "",
        f'      <prohibits type="usage">{" ".join(prohibits)}</prohibits>' if prohibits else "",
    ]
    page = _terms(site, policy)
    lines = [
        f"  <content url={quoteattr(location)}>",
        "    <license>",
        *(t for t in terms if t),
        "    </license>",
        f"    <terms>{escape(page)}</terms>" if page else "",
        "  </content>",
    ]
    return "\n".join(line for line in lines if line)


def render(site: SiteConfig, existing: str | None = None) -> str:
    """The licence, one ``<content>`` per part of the site with a policy of its own (RSL
    reads the most specific one; order carries no meaning)."""
    parts = [
        {"location": encode_location(loc), "policy": p}
        for loc, p in [*site.overrides.items(), ("/", site.policy)]
    ]
    body = "\n".join(
        _content(site, part["location"], part["policy"]) for part in most_specific_first(parts)
    )
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<rsl xmlns="{NAMESPACE}">\n{body}\n</rsl>\n'
