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
        """The policy page people and agents are pointed to."""
        if self.policy.policy_url:
            return self.policy.policy_url
        return f"{self.origin}/{POLICY_PAGE}" if self.host_policy else None


POLICY_PAGE = "ai-policy.html"
POLICY_JSON = "ai-policy.json"
