"""robots.txt: a managed block turning AI crawlers away, with AIPREF ``Content-Usage``,
Cloudflare ``Content-Signal`` and an RSL ``License:`` line (standards.md §5, §7.3, §8, §9).

The block is merged into the creator's own robots.txt; a rule of theirs that undoes ours (a
later ``Allow: /`` for a blocked agent, say) is found by parsing the result with protego and
reported as a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

from creatorapp.core.policy import Use
from creatorapp.core.policy.signals import CrawlerPurpose, site_signals
from creatorapp.core.resources import load_json
from creatorapp.core.sites import managed
from creatorapp.core.sites.config import SiteConfig

PATH = "robots.txt"
# agents that must stay able to crawl whatever the AI policy (plain search engines)
SEARCH_AGENTS = ("Googlebot", "Bingbot", "DuckDuckBot", "Slurp", "YandexBot")


def crawlers() -> dict[str, dict]:
    """The AI crawler list shipped in resources/ai_crawlers.json."""
    return dict(load_json("ai_crawlers.json"))


def blocked_agents(purposes: frozenset[CrawlerPurpose]) -> list[str]:
    return [token for token, info in crawlers().items() if info.get("purpose") in purposes]


def block(site: SiteConfig) -> str:
    signals = site_signals(site.policy)
    lines = [
        f"# {site.policy.title or site.policy.name}: reservation under Art. 4(3) DSM Directive"
    ]
    if signals.license_url:
        lines.append(f"License: {signals.license_url}")
    agents = blocked_agents(signals.crawlers)
    if agents:
        lines.append("")
        lines += [f"User-agent: {a}" for a in agents]
        lines.append("Disallow: /")
    extra = []
    if site.content_usage:
        extra.append(f"Content-Usage: {signals.content_usage}")
    if site.content_signal:
        extra.append(f"Content-Signal: {signals.content_signal}")
    if extra:
        lines += ["", "User-agent: *", *extra]
    return "\n".join(lines)


def render(site: SiteConfig, existing: str | None = None) -> str:
    return managed.merge(existing, block(site))


@dataclass(frozen=True)
class RobotsCheck:
    blocked_but_allowed: list[str]  # agents our block turns away that the file still lets in
    search_blocked: list[str]  # plain search engines the file keeps out

    @property
    def ok(self) -> bool:
        return not self.blocked_but_allowed and not self.search_blocked


def check(text: str, site: SiteConfig, probe: str = "/") -> RobotsCheck:
    """What a crawler would conclude from ``text`` (parsed by protego, bare tokens as crawlers
    match them)."""
    from protego import Protego

    parsed = Protego.parse(text)
    url = site.origin + probe
    scope = site_signals(site.policy).crawlers
    leaky = [a for a in blocked_agents(scope) if parsed.can_fetch(url, a)]
    search = [a for a in SEARCH_AGENTS if not parsed.can_fetch(url, a)]
    return RobotsCheck(leaky, search)


def warnings(text: str, site: SiteConfig) -> list[str]:
    found = check(text, site)
    notes = []
    if found.blocked_but_allowed:
        names = ", ".join(found.blocked_but_allowed[:8])
        more = len(found.blocked_but_allowed) - 8
        notes.append(
            f"rules outside the Creator Reserve block still let in {names}"
            + (f" and {more} more" if more > 0 else "")
            + " (an 'Allow' for the same agent wins over our 'Disallow')"
        )
    if found.search_blocked and site.policy.permits(Use.SEARCH_INDEXING):
        notes.append(
            "search engines are kept out by other rules: " + ", ".join(found.search_blocked)
        )
    return notes
