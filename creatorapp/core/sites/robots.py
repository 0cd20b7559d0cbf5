"""robots.txt: a managed block turning AI crawlers away, with AIPREF ``Content-Usage``,
Cloudflare ``Content-Signal`` (under the Content Signals Policy text that makes a "no" an
express reservation under Art. 4 of Directive (EU) 2019/790) and an RSL ``License:`` line
(docs/standards.md).

The block is merged into the creator's own robots.txt.  A crawler that has a group of its own
reads only that group (RFC 9309 §2.2.1), so the preference lines also go into each of the
creator's groups, in a marked section right after the group's ``User-agent`` lines; their rules
are not touched, and taking our parts out gives their file back byte for byte.  A rule of theirs
that undoes ours (a later ``Allow: /`` for a blocked agent, say) is found by parsing the result
with protego and reported as a warning, and so is a preference line of their own that says
something else than the policy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from creatorapp.core.policy import Use
from creatorapp.core.policy.signals import CrawlerPurpose, site_signals
from creatorapp.core.sites import crawlers as crawler_list
from creatorapp.core.sites import managed, rsl
from creatorapp.core.sites.config import SiteConfig

PATH = "robots.txt"
# agents that must stay able to crawl whatever the AI policy (plain search engines)
SEARCH_AGENTS = crawler_list.NEVER_LISTED

# Cloudflare's Content Signals Policy (CC0), word for word as Cloudflare's managed robots.txt
# carries it (developers.cloudflare.com/bots/additional-configurations/managed-robots-txt/).
# Its last paragraph is what makes "no" an express reservation of rights under Art. 4.
CONTENT_SIGNALS_POLICY = """\
# As a condition of accessing this website, you agree to abide by the
# following content signals:

# (a)  If a content-signal = yes, you may collect content for the
#      corresponding use.
# (b)  If a content-signal = no, you may not collect content for the
#      corresponding use.
# (c)  If the website operator does not include a content signal for a
#      corresponding use, the website operator neither grants nor restricts
#      permission via content signal with respect to the corresponding use.

# The content signals and their meanings are:

# search: building a search index and providing search results (e.g., returning
#         hyperlinks and short excerpts from your website's contents). Search
#         does not include providing AI-generated search summaries.
# ai-input: inputting content into one or more AI models (e.g., retrieval
#           augmented generation, grounding, or other real-time taking of
#           content for generative AI search answers).
# ai-train: training or fine-tuning AI models.

# ANY RESTRICTIONS EXPRESSED VIA CONTENT SIGNALS ARE EXPRESS RESERVATIONS OF
# RIGHTS UNDER ARTICLE 4 OF THE EUROPEAN UNION DIRECTIVE 2019/790 ON COPYRIGHT
# AND RELATED RIGHTS IN THE DIGITAL SINGLE MARKET."""

# what the first line of the block says the file is
RESERVED_TITLE = "reservation under Art. 4(3) DSM Directive"
ALLOWED_TITLE = "statement that text and data mining and AI training of its works are allowed"

# robots.txt keys of the preference lines we write (compared without regard to case)
PREFERENCE_KEYS = ("content-usage", "content-signal")
# keys that are rules of a group (RFC 9309 §2.2 and the AIPREF attachment draft); other lines
# (Sitemap, License, Crawl-delay, ...) neither start nor end a group
RULE_KEYS = ("allow", "disallow", *PREFERENCE_KEYS)


def crawlers() -> dict[str, dict]:
    """The AI crawlers in use (refreshed copy or the shipped list), by token."""
    return {t: a.as_json() for t, a in crawler_list.load().agents.items()}


def blocked_agents(purposes: frozenset[CrawlerPurpose]) -> list[str]:
    return crawler_list.load().blocked(purposes)


def preference_lines(site: SiteConfig) -> list[str]:
    """The lines every group of the file carries for this site."""
    signals = site_signals(site.policy)
    lines = []
    if site.content_usage:
        lines.append(f"Content-Usage: {signals.content_usage}")
    if site.content_signal:
        lines.append(f"Content-Signal: {signals.content_signal}")
    return lines


def licence_line(site: SiteConfig) -> str | None:
    """RSL's ``License:`` line: our license.xml, or the creator's own RSL file."""
    return f"License: {rsl.url(site)}" if site_signals(site.policy).license_url else None


def block(site: SiteConfig, *, with_licence: bool = True) -> str:
    signals = site_signals(site.policy)
    title = RESERVED_TITLE if signals.reserved else ALLOWED_TITLE
    lines = [f"# {site.policy.title or site.policy.name}: {title}"]
    licence = licence_line(site)
    if licence and with_licence:
        lines.append(licence)
    preferences = preference_lines(site)
    if site.content_signal:
        lines += ["", CONTENT_SIGNALS_POLICY]
    agents = blocked_agents(signals.crawlers)
    if agents:
        lines.append("")
        lines += [f"User-agent: {a}" for a in agents]
        lines += [*preferences, "Disallow: /"]
    if preferences:
        lines += ["", "User-agent: *", *preferences]
    return "\n".join(lines)


def render(site: SiteConfig, existing: str | None = None) -> str:
    """``existing`` with our block merged in and our preference lines in each of the creator's
    groups (replacing the ones an earlier publish put there)."""
    theirs = managed.without_inline(existing) if existing else existing
    licence = licence_line(site)
    # RSL's License: is global, but an errata reading ties a License: inside a group to that
    # group; after the creator's groups ours would sit in their last one, so it goes first
    first = bool(licence and theirs and any(not g.ours for g in groups(theirs)))
    merged = managed.merge(theirs, block(site, with_licence=not first))
    merged = _with_preferences(merged, preference_lines(site))
    if first:
        newline = "\r\n" if "\r\n" in merged.split("\n", 1)[0] + "\n" else "\n"
        merged = managed.inline_section([licence, ""], newline) + merged
    return merged


# --- groups (RFC 9309 §2.1, §2.2) ------------------------------------------------------------


@dataclass
class Group:
    agents: list[str]
    after_agents: int  # offset of the line after the group's last User-agent line
    newline: str  # the line ending of that User-agent line ("" at the end of the file)
    ours: bool  # inside our block
    rules: list[tuple[str, str]] = field(default_factory=list)  # (key lower case, value)

    @property
    def named(self) -> bool:
        return any(a != "*" for a in self.agents)

    @property
    def has_access_rules(self) -> bool:
        return any(key in ("allow", "disallow") for key, _ in self.rules)

    def own(self, key: str) -> list[str]:
        """Its lines for ``key`` that speak for the whole site (no path, or ``/``)."""
        return [_site_wide(v) for k, v in self.rules if k == key and _site_wide(v) is not None]


def _site_wide(value: str) -> str | None:
    if value.startswith("/"):
        path, _, rest = value.partition(" ")
        return rest.strip() if path == "/" else None
    return value


_LINE = re.compile(r"[ \t]*([^:#\s][^:#]*?)[ \t]*:[ \t]*([^#]*?)[ \t]*(?:#.*)?")


def groups(text: str) -> list[Group]:
    """The groups of ``text``: user-agent lines (comments and empty lines between them allowed)
    followed by rules, a group ending where a User-agent line follows a rule.  Lines of our
    marked sections count as rules of the group they are in."""
    found: list[Group] = []
    span = managed.block_span(text) or (-1, -1)
    current: Group | None = None
    starting = False  # still reading the group's User-agent lines
    offset = 0
    for line in text.splitlines(keepends=True):
        here, offset = offset, offset + len(line)
        bare = line.rstrip("\r\n")
        if here == span[0] or here == span[1]:
            current, starting = None, False  # a group does not run into or out of our block
        matched = _LINE.fullmatch(bare)
        if not matched:
            continue
        key, value = matched.group(1).lower(), matched.group(2)
        if key == "user-agent":
            if current is None or not starting:
                current = Group([], 0, "", span[0] <= here < span[1])
                found.append(current)
                starting = True
            current.agents.append(value.split()[0] if value.split() else value)
            current.after_agents, current.newline = offset, line[len(bare) :]
        elif key in RULE_KEYS and current is not None:
            current.rules.append((key, value))
            starting = False
    return found


def _with_preferences(text: str, lines: list[str]) -> str:
    """Our preference lines in each of the creator's groups that names crawlers.  A creator's
    ``*`` group needs none: our block's ``*`` group is read with it (RFC 9309 §2.2.1 combines
    the groups that match a crawler, as Cloudflare's managed robots.txt also relies on).  A
    group that already says a preference of its own for the whole site keeps it (and publish
    warns when it differs); a group with no Allow or Disallow rule is left alone, since giving
    it a rule would split it from the group it runs into."""
    if not lines:
        return text
    sections: dict[int, str] = {}
    for group in groups(text):
        if group.ours or not group.named or not group.has_access_rules or not group.newline:
            continue
        wanted = [line for line in lines if not group.own(line.split(":", 1)[0].strip().lower())]
        if wanted:
            sections[group.after_agents] = managed.inline_section(wanted, group.newline)
    return managed.insert_after(text, list(sections), sections)


# --- checks ----------------------------------------------------------------------------------


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


def preference_conflicts(text: str, site: SiteConfig) -> list[str]:
    """The creator's own preference lines that say something else than the policy, each as
    'the group for AGENTS: KEY VALUE'."""
    ours = {
        line.split(":", 1)[0].strip().lower(): line.split(":", 1)[1].strip()
        for line in preference_lines(site)
    }
    clean = managed.without_inline(text)
    found = []
    for group in groups(clean):
        if group.ours:
            continue
        for key, value in ours.items():
            for theirs in group.own(key):
                if _canonical(theirs) != _canonical(value):
                    name = "Content-Usage" if key == "content-usage" else "Content-Signal"
                    agents = ", ".join(group.agents)
                    found.append(f"the group for {agents} says '{name}: {theirs}'")
    return found


def _canonical(value: str) -> str:
    return re.sub(r"\s+", "", value)


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
    for conflict in preference_conflicts(text, site):
        notes.append(
            f"robots.txt: {conflict}, which differs from the policy; it was left as it is and "
            "those crawlers read it (for Content-Usage a reader takes the stricter of two "
            "lines); remove it to let the policy speak for them"
        )
    return notes
