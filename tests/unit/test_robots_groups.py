"""Issue 18.2: the preference lines reach every crawler, also one with a group of its own.

Two readers that share no code with the app say which Content-Usage / Content-Signal lines a
crawler gets: a small one written here from RFC 9309's grammar (groups matching a crawler's
product token are combined; without one, the "*" groups apply), and gpyrobotstxt, a port of
Google's parser, whose unknown-line callback tells in which group a line stands.  protego and the
standard library's robotparser say the rules are the same as without our lines.
"""

from __future__ import annotations

import re
from urllib.robotparser import RobotFileParser

import pytest
from gpyrobotstxt.robots_cc import RobotsMatcher
from protego import Protego

from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import site_signals
from creatorapp.core.sites import ai_txt, managed, robots
from creatorapp.core.sites.config import SiteConfig

ORIGIN = "https://jane.example"
THEIRS = (
    "# my own rules\n"
    "User-agent: Googlebot\n"
    "Disallow: /private/\n"
    "Allow: /private/open/\n"
    "\n"
    "User-agent: Bingbot\n"
    "# the same for Yahoo\n"
    "User-agent: Slurp\n"
    "Crawl-delay: 5\n"
    "Disallow: /tmp/\n"
    "\n"
    "User-agent: *\n"
    "Disallow: /drafts/\n"
    "\n"
    "Sitemap: https://jane.example/sitemap.xml\n"
)
AGENTS = ("Googlebot", "Bingbot", "Slurp", "DuckDuckBot", "SomeBot", "GPTBot", "ChatGPT-User")
PATHS = ("/", "/private/a.jpg", "/private/open/a.jpg", "/tmp/x", "/drafts/y", "/img/a.jpg")


def site(preset="no-ai", **kw) -> SiteConfig:
    return SiteConfig("jane", ORIGIN, PRESETS[preset], **kw)


def expected(preset="no-ai") -> set[str]:
    signals = site_signals(PRESETS[preset])
    return {f"content-usage: {signals.content_usage}", f"content-signal: {signals.content_signal}"}


# --- a reader from RFC 9309 §2.1-2.2 ---------------------------------------------------------

_KEY_VALUE = re.compile(r"^[ \t]*([A-Za-z-]+)[ \t]*:[ \t]*(.*?)[ \t]*$")


def rfc_groups(text: str) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """(product tokens, rules) of each group: startgroupline *(startgroupline / emptyline)
    *(rule / emptyline); comments end at "#"; a user-agent line after a rule starts a group."""
    out: list[tuple[list[str], list[tuple[str, str]]]] = []
    in_rules = True
    for raw in re.split(r"\r\n|\r|\n", text):
        line = raw.split("#", 1)[0]
        found = _KEY_VALUE.match(line)
        if not found:
            continue
        key, value = found.group(1).lower(), found.group(2)
        if key == "user-agent":
            if in_rules:
                out.append(([], []))
                in_rules = False
            out[-1][0].append(value.lower())
        elif key in ("allow", "disallow", "content-usage", "content-signal") and out:
            out[-1][1].append((key, value))
            in_rules = True
    return out


def rfc_preferences(text: str, agent: str) -> list[str]:
    groups = rfc_groups(text)
    mine = [g for g in groups if agent.lower() in g[0]] or [g for g in groups if "*" in g[0]]
    return [f"{k}: {v}" for g in mine for k, v in g[1] if k.startswith("content-")]


# --- the same from Google's parser (gpyrobotstxt) ---------------------------------------------


class _Collector(RobotsMatcher):
    def handle_robots_start(self):
        super().handle_robots_start()
        self.specific: list[str] = []
        self.general: list[str] = []

    def handle_unknown_action(self, line_num, action, value):
        if action.lower().startswith("content-"):
            if self._seen_specific_agent:
                self.specific.append(f"{action.lower()}: {value}")
            elif self._seen_global_agent:
                self.general.append(f"{action.lower()}: {value}")


def google_preferences(text: str, agent: str) -> list[str]:
    reader = _Collector()
    reader.allowed_by_robots(text, [agent], ORIGIN + "/")
    return reader.specific if reader._ever_seen_specific_agent else reader.general


def readers(text: str, agent: str) -> tuple[list[str], list[str]]:
    return rfc_preferences(text, agent), google_preferences(text, agent)


def assert_same_rules(before: str, after: str) -> None:
    """protego and robotparser decide every agent and path as they did."""
    first, second = Protego.parse(before), Protego.parse(after)
    old, new = RobotFileParser(), RobotFileParser()
    old.parse(before.splitlines())
    new.parse(after.splitlines())
    for agent in AGENTS:
        for path in PATHS:
            url = ORIGIN + path
            assert first.can_fetch(url, agent) == second.can_fetch(url, agent), (agent, path)
            assert old.can_fetch(agent, url) == new.can_fetch(agent, url), (agent, path)


# --- tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("preset", ["no-ai", "no-genai", "allow"])
def test_every_crawler_gets_the_preferences_and_keeps_its_rules(preset):
    text = robots.render(site(preset), THEIRS)
    for agent in AGENTS:
        for said in readers(text, agent):
            assert set(said) == expected(preset), (preset, agent, said)
    # the creator's rules, their order and comments are theirs
    assert managed.outside(text) == THEIRS + "\n"
    assert_same_rules(managed.merge(THEIRS, robots.block(site(preset))), text)
    assert "Crawl-delay: 5\nDisallow: /tmp/\n" in text
    assert "Disallow: /private/\nAllow: /private/open/\n" in text


def test_a_second_publish_changes_nothing_and_duplicates_nothing():
    first = robots.render(site(), THEIRS)
    again = robots.render(site(), first)
    assert again == first
    assert first.count(managed.INLINE_BEGIN) == 2  # Googlebot's group, Bingbot and Slurp's
    for agent in AGENTS:
        for said in readers(again, agent):
            assert len(said) == len(set(said)) == 2, (agent, said)


def test_a_policy_change_or_leaving_takes_our_lines_out_of_their_groups():
    published = robots.render(site("no-ai"), THEIRS)
    changed = robots.render(site("allow"), published)
    for said in readers(changed, "Googlebot"):
        assert set(said) == expected("allow")
    assert "train-ai=n" not in changed and "ai-train=no" not in changed
    silent = robots.render(site("no-ai", content_usage=False, content_signal=False), published)
    assert "Content-Usage" not in silent and "Content-Signal" not in silent
    assert managed.INLINE_BEGIN not in silent
    assert managed.outside(silent) == THEIRS + "\n"
    # taking the whole of ours out (unmanaging) gives their file back
    assert managed.outside(published) == THEIRS + "\n"
    assert managed.INLINE_BEGIN not in managed.outside(published)


def test_their_own_preference_line_stays_and_a_different_one_is_warned_about():
    theirs = (
        "User-agent: Googlebot\n"
        "Content-Usage: train-ai=y\n"
        "Disallow: /private/\n"
        "\n"
        "User-agent: Bingbot\n"
        f"Content-Signal: {site_signals(PRESETS['no-ai']).content_signal}\n"
        "Disallow: /tmp/\n"
    )
    text = robots.render(site(), theirs)
    google = rfc_preferences(text, "Googlebot")
    assert [line for line in google if line.startswith("content-usage")] == [
        "content-usage: train-ai=y"
    ]
    assert any(line.startswith("content-signal") for line in google)
    bing = rfc_preferences(text, "Bingbot")
    assert len(bing) == len(set(bing)) == 2  # their identical line is not said twice
    notes = robots.warnings(text, site())
    about = [n for n in notes if "Googlebot" in n and "Content-Usage" in n]
    assert len(about) == 1 and "train-ai=y" in about[0]
    assert not any("Bingbot" in n for n in notes)
    assert managed.outside(text) == theirs + "\n"


def test_crlf_files_get_crlf_lines_and_come_back_byte_for_byte():
    theirs = "User-agent: Googlebot\r\nDisallow: /x/\r\n\r\nUser-agent: Lonely\r\n"
    text = robots.render(site(), theirs)
    assert f"User-agent: Googlebot\r\n{managed.INLINE_BEGIN}\r\nContent-Usage: " in text
    assert set(google_preferences(text, "Googlebot")) == expected()
    # a group with no rule at all is left as it is (a rule would split it from what follows)
    assert "User-agent: Lonely\r\n\n" + managed.BEGIN in text
    assert managed.outside(text) == theirs + "\n"
    assert robots.render(site(), text) == text


def test_ai_txt_is_not_given_preference_lines():
    text = ai_txt.render(site(), THEIRS)
    assert managed.INLINE_BEGIN not in text and "Content-Usage" not in text
    assert managed.outside(text) == THEIRS + "\n"
    assert ai_txt.render(site(), text) == text


def test_the_licence_line_stands_before_every_group_of_the_creators_file():
    """RSL's License: speaks for the whole site; after the creator's groups it would sit in
    their last one, which a reader may take as that group's alone."""
    from creatorapp.core.policy import PRESETS
    from creatorapp.core.sites import managed, robots
    from creatorapp.core.sites.config import SiteConfig

    theirs = "User-agent: Googlebot\nDisallow: /private/\n"
    policy = PRESETS["no-ai"].with_identity(licence_url="https://jane.example/licence")
    site = SiteConfig(name="jane", url="https://jane.example", policy=policy)
    text = robots.render(site, theirs)
    lines = text.splitlines()
    licence = lines.index("License: https://jane.example/license.xml")
    first_group = next(i for i, line in enumerate(lines) if line.startswith("User-agent:"))
    assert licence < first_group and text.count("License:") == 1
    assert robots.render(site, text) == text  # a second publish changes nothing
    plain = SiteConfig(name="jane", url="https://jane.example", policy=PRESETS["no-ai"])
    assert "License:" not in robots.render(plain, text)  # gone with the licence page
    assert managed.outside(robots.render(plain, text)) == managed.outside(text)
