"""``/ai.txt`` (Spawning, standards.md §4.1): robots syntax applied to the whole site."""

from __future__ import annotations

from creatorapp.core.policy.signals import site_signals
from creatorapp.core.sites import managed
from creatorapp.core.sites.config import SiteConfig

PATH = "ai.txt"


def block(site: SiteConfig) -> str:
    if site_signals(site.policy).tdm_reservation:
        return (
            "# Spawning AI\n"
            "# Prevent datasets from using the following file types\n"
            "\n"
            "User-Agent: *\n"
            "Disallow: /\n"
            "Disallow: *"
        )
    return "# Spawning AI\n# Datasets may use this site's files\n\nUser-Agent: *\nAllow: /"


def render(site: SiteConfig, existing: str | None = None) -> str:
    return managed.merge(existing, block(site))
