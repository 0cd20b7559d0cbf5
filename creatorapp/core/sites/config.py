"""A creator's site as the generators need it: where it is and what each part of it says."""

from __future__ import annotations

from dataclasses import dataclass, field

from creatorapp.core.policy import Policy


@dataclass(frozen=True)
class SiteConfig:
    name: str
    url: str  # the site's origin, e.g. https://jane.example
    policy: Policy
    # more specific parts of the site with a policy of their own: {"/press/": allow-policy}
    overrides: dict[str, Policy] = field(default_factory=dict)
    content_usage: bool = True  # robots.txt Content-Usage (IETF AIPREF)
    content_signal: bool = True  # robots.txt Content-Signal (Cloudflare)
    host_policy: bool = False  # publish /ai-policy.html and /ai-policy.json ourselves

    @property
    def origin(self) -> str:
        return self.url.rstrip("/")

    def policy_url(self) -> str | None:
        """The policy page people are pointed to."""
        if self.policy.policy_url:
            return self.policy.policy_url
        return f"{self.origin}/{POLICY_PAGE}" if self.host_policy else None

    def tdm_policy_url(self) -> str | None:
        """Where TDMRep's ``tdm-policy`` points for the whole site: the machine-readable ODRL
        offer (the spec's TDM Policy), which links the page for people; None when the site
        does not reserve mining or has nothing to offer."""
        from creatorapp.core.sites import policy_page

        return policy_page.tdm_policy_url(self, self.policy)


POLICY_PAGE = "ai-policy.html"
POLICY_JSON = "ai-policy.json"  # the TDMRep ODRL policy (JSON-LD)
LICENSE_XML = "license.xml"  # the RSL 1.0 licence
