"""What each carrier will say for a policy, as text people can read before anything is written.

The policy editor and the set-up wizard show this live; it is built by the same generators that
write files and sites, so the preview cannot drift from what is published."""

from __future__ import annotations

from dataclasses import dataclass

from creatorapp.core.policy import Policy, signals
from creatorapp.core.sites import ai_txt, robots, snippets, tdmrep
from creatorapp.core.sites.config import SiteConfig

EXAMPLE_SITE = "https://your-site.example"


@dataclass(frozen=True)
class Carrier:
    title: str
    says: str
    where: str


def carriers(policy: Policy, site_url: str = EXAMPLE_SITE) -> list[Carrier]:
    site = SiteConfig(name="preview", url=site_url, policy=policy)
    code = signals.data_mining_code(policy)
    meaning = signals.DATA_MINING_VOCABULARY[signals.VOCAB_PREFIX + code]
    headers = "\n".join(f"{k}: {v}" for k, v in snippets.headers(site))
    return [
        Carrier(
            "IPTC Data Mining",
            f"{signals.data_mining_uri(policy)}\n({meaning})",
            "inside each image file (XMP), or its .xmp sidecar",
        ),
        Carrier("Usage terms", signals.usage_terms(policy), "XMP rights, in each file"),
        Carrier(
            "Copyright notice",
            signals.copyright_notice(policy) or "(none set: add one to the policy's details)",
            "XMP rights, EXIF and IPTC copyright, in each file",
        ),
        Carrier("robots.txt", robots.block(site), "/robots.txt on your site"),
        Carrier("TDMRep", tdmrep.render(site), "/.well-known/tdmrep.json on your site"),
        Carrier("ai.txt", ai_txt.block(site), "/ai.txt on your site"),
        Carrier("HTTP headers", headers, "sent by your web server (snippets provided)"),
    ]
