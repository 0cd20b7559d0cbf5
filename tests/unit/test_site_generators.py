"""Site declarations against the conformance vectors of standards.md and independent parsers."""

from __future__ import annotations

import json
import re
from urllib.robotparser import RobotFileParser

import pytest
from protego import Protego

from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import CrawlerPurpose, site_signals
from creatorapp.core.sites import ai_txt, managed, policy_page, robots, snippets, tdmrep
from creatorapp.core.sites.config import SiteConfig

ORIGIN = "https://jane.example"


def site(preset="no-ai", **kw) -> SiteConfig:
    return SiteConfig("jane", ORIGIN, PRESETS[preset], **kw)


# --- TDMRep -------------------------------------------------------------------------------


def test_vector_1_whole_site_reservation():
    rules = json.loads(tdmrep.render(site()))
    assert rules == [{"location": "/", "tdm-reservation": 1}]
    assert tdmrep.reservation_for(rules, "/img/a.jpg") == 1


def test_vector_2_spec_example_is_read_as_the_spec_says():
    rules = [
        {"location": "/directory-a/", "tdm-reservation": 1},
        {
            "location": "/directory-b/html/",
            "tdm-reservation": 1,
            "tdm-policy": "https://provider.com/policies/policy.json",
        },
        {"location": "/directory-b/images/*.jpg", "tdm-reservation": 0},
    ]
    read = tdmrep.reservation_for
    assert read(rules, "/directory-a/x.pdf") == 1
    assert read(rules, "/directory-b/html/p.html") == 1
    assert read(rules, "/directory-b/images/x.jpg") == 0
    assert read(rules, "/directory-b/images/sub/x.jpg") == 0
    assert read(rules, "/directory-b/images/x.png") is None
    assert read(rules, "/other.jpg") is None


def test_vector_3_most_specific_rule_first_so_both_readings_agree():
    s = site(overrides={"/public/": PRESETS["allow"]})
    rules = json.loads(tdmrep.render(s))
    assert [r["location"] for r in rules] == ["/public/", "/"]
    assert [r["tdm-reservation"] for r in rules] == [0, 1]
    assert tdmrep.reservation_for(rules, "/public/a.jpg") == 0
    longest = max(
        (r for r in rules if "/public/a.jpg".startswith(r["location"])),
        key=lambda r: len(r["location"]),
    )
    assert longest["tdm-reservation"] == 0
    assert tdmrep.reservation_for(rules, "/a.jpg") == 1


@pytest.mark.parametrize("bad", [2, "yes", True, "1"])
def test_vector_4_anything_but_integer_0_or_1_is_unset(bad):
    assert tdmrep.reservation_for([{"location": "/", "tdm-reservation": bad}], "/a") is None


@pytest.mark.parametrize("preset", list(PRESETS))
def test_generator_writes_an_array_of_integer_rules(preset):
    text = tdmrep.render(site(preset))
    rules = json.loads(text)
    assert isinstance(rules, list)
    assert all(type(r["tdm-reservation"]) is int for r in rules)
    assert re.search(r'"tdm-reservation": [01]\b', text)


def test_vector_6_literal_dollar_is_encoded():
    assert tdmrep.encode_location("/price$list/") == "/price%24list/"
    assert tdmrep.encode_location("/x$") == "/x$"
    assert tdmrep.reservation_for([{"location": "/x$", "tdm-reservation": 1}], "/x") == 1
    assert tdmrep.reservation_for([{"location": "/x$", "tdm-reservation": 1}], "/xy") is None


def test_tdm_policy_url_goes_with_a_reservation():
    s = site("no-genai", host_policy=True)
    rules = json.loads(tdmrep.render(s))
    assert rules[0]["tdm-policy"] == f"{ORIGIN}/ai-policy.json"  # the ODRL offer, not the page
    assert "tdm-policy" not in json.loads(tdmrep.render(site("allow", host_policy=True)))[0]


def test_existing_rules_for_other_locations_are_kept_and_ordered():
    existing = json.dumps(
        [{"location": "/blog/", "tdm-reservation": 0}, {"location": "/", "tdm-reservation": 0}]
    )
    rules = json.loads(tdmrep.render(site(), existing))
    assert rules == [
        {"location": "/blog/", "tdm-reservation": 0},
        {"location": "/", "tdm-reservation": 1},
    ]


# --- robots.txt ---------------------------------------------------------------------------


@pytest.mark.parametrize("preset", list(PRESETS))
def test_vector_24_training_crawlers_out_search_in(preset):
    s = site(preset)
    parsed = Protego.parse(robots.render(s))
    purposes = site_signals(s.policy).crawlers
    url = f"{ORIGIN}/img/a.jpg"
    for bot in ("GPTBot", "ClaudeBot", "CCBot", "Google-Extended", "Bytespider"):
        assert parsed.can_fetch(url, bot) is (preset == "allow"), (preset, bot)
    for bot in ("Googlebot", "Bingbot"):
        assert parsed.can_fetch(url, bot), (preset, bot)
    # AI search and assistant fetchers go whenever the policy refuses AI answers
    answers = CrawlerPurpose.ASSISTANT in purposes
    assert answers is (preset in ("no-ai", "no-tdm", "research-only"))
    for bot in ("OAI-SearchBot", "PerplexityBot", "ChatGPT-User"):
        assert parsed.can_fetch(url, bot) is not answers, (preset, bot)


# AI search and assistant fetchers of the current list (ai.robots.txt, checked 2026-12-02),
# some of them missing from the list of August 2026
ANSWER_FETCHERS = (
    "ChatGPT-User",
    "OAI-SearchBot",
    "PerplexityBot",
    "Perplexity-User",
    "Meta-ExternalFetcher",
    "meta-webindexer",
    "Claude-User",
    "Claude-SearchBot",
    "DuckAssistBot",
    "MistralAI-User",
    "Amzn-User",
    "Google-Agent",
    "kagi-fetcher",
    "Kimi-User",
)


@pytest.mark.parametrize("preset", list(PRESETS))
def test_ai_answer_fetchers_go_when_the_policy_reserves_ai_answers(preset):
    """Issue 18.1: "no AI answers" is said in robots.txt too, by the purposes in the data."""
    text = robots.render(site(preset))
    url = f"{ORIGIN}/img/a.jpg"
    reserved = preset in ("no-ai", "no-tdm", "research-only")
    parsed, stdlib = Protego.parse(text), RobotFileParser()
    stdlib.parse(text.splitlines())
    for bot in ANSWER_FETCHERS:
        assert parsed.can_fetch(url, bot) is not reserved, (preset, bot)
        assert stdlib.can_fetch(bot, url) is not reserved, (preset, bot)
    listed = robots.crawlers()
    # protego also matches a group's token as a prefix (AI2Bot's group catches
    # AI2Bot-DeepResearchEval), so names that extend another listed name are left out here
    answering = [
        token
        for token, info in listed.items()
        if info["purpose"] in (CrawlerPurpose.ASSISTANT, CrawlerPurpose.SEARCH)
        and not any(o != token and token.lower().startswith(o.lower()) for o in listed)
    ]
    assert len(answering) > 40
    assert all(parsed.can_fetch(url, bot) is not reserved for bot in answering), preset


CF_POLICY_LINES = (  # Cloudflare's Content Signals Policy, as its managed robots.txt has it
    "# As a condition of accessing this website, you agree to abide by the\n"
    "# following content signals:\n",
    "# (b)  If a content-signal = no, you may not collect content for the\n"
    "#      corresponding use.\n",
    "# ai-input: inputting content into one or more AI models (e.g., retrieval\n"
    "#           augmented generation, grounding, or other real-time taking of\n"
    "#           content for generative AI search answers).\n",
    "# ANY RESTRICTIONS EXPRESSED VIA CONTENT SIGNALS ARE EXPRESS RESERVATIONS OF\n"
    "# RIGHTS UNDER ARTICLE 4 OF THE EUROPEAN UNION DIRECTIVE 2019/790 ON COPYRIGHT\n"
    "# AND RELATED RIGHTS IN THE DIGITAL SINGLE MARKET.\n",
)


def test_content_signal_comes_with_the_content_signals_policy_text():
    """Issue 18.1: the policy text is what makes a Content-Signal "no" an Art. 4 reservation."""
    text = robots.render(site("no-ai"))
    for lines in CF_POLICY_LINES:
        assert lines in text
    policy_at = text.index(CF_POLICY_LINES[0])
    assert policy_at < text.index("User-agent:") < text.index("Content-Signal:")
    quiet = robots.render(site("no-ai", content_signal=False))
    assert "Content-Signal" not in quiet and CF_POLICY_LINES[-1] not in quiet


def test_the_allow_preset_says_what_it_is():
    """Issue 18.6: an allow policy is no reservation and its comment must not call it one."""
    first = robots.block(site("allow")).splitlines()[0]
    assert "reservation" not in first.lower()
    assert "allowed" in first and "mining" in first and "training" in first
    for preset in ("no-ai", "no-genai", "no-tdm", "research-only"):
        assert "reservation" in robots.block(site(preset)).splitlines()[0]


def test_full_user_agent_strings_are_not_how_crawlers_match():
    """standards.md §5 gotcha: test with bare tokens; a full UA string keys on 'Mozilla'."""
    parsed = Protego.parse(robots.render(site()))
    assert not parsed.can_fetch(f"{ORIGIN}/a.jpg", "GPTBot")


def test_content_usage_and_signal_lines_use_current_vocabularies():
    for preset in PRESETS:
        text = robots.render(site(preset))
        usage = re.findall(r"^Content-Usage: (.*)$", text, flags=re.M)
        signal = re.findall(r"^Content-Signal: (.*)$", text, flags=re.M)
        # the same lines in each group of the block (the turned-away crawlers' and "*")
        assert len(usage) == len(signal) == len(robots.groups(text))
        assert len(set(usage)) == len(set(signal)) == 1
        keys = {part.split("=")[0].strip() for part in usage[0].split(",")}
        assert keys <= {"train-ai", "ai-use", "search"}  # vector 27: no retired AIPREF labels
        assert all(v.split("=")[1] in ("y", "n") for v in usage[0].replace(" ", "").split(","))
        assert all(v.split("=")[1] in ("yes", "no") for v in signal[0].replace(" ", "").split(","))
    assert "Content-Usage: train-ai=n, ai-use=n\n" in robots.render(site("no-ai"))
    assert "Content-Signal: search=yes, ai-input=no, ai-train=no" in robots.render(site("no-ai"))


def test_license_line_when_an_rsl_url_is_set():
    p = PRESETS["no-ai"].with_identity(licence_url="https://jane.example/license.xml")
    text = robots.render(SiteConfig("jane", ORIGIN, p))
    assert re.findall(r"^License: (.*)$", text, flags=re.M) == ["https://jane.example/license.xml"]


def test_the_creators_lines_survive_byte_for_byte():
    theirs = "# my rules\r\nUser-agent: *\r\nDisallow: /private/\r\n\r\nSitemap: https://jane.example/s.xml\r\n"
    first = robots.render(site(), theirs)
    assert first.startswith(theirs)
    assert managed.outside(first) == theirs + "\n"
    again = robots.render(site(), first)
    assert again == first  # re-publishing an unchanged policy changes nothing
    changed = robots.render(site("no-tdm"), first)
    assert managed.outside(changed) == managed.outside(first)
    assert changed != first


def test_a_block_in_the_middle_is_replaced_in_place():
    text = f"A: 1\n{managed.BEGIN}\nold\n{managed.END}\nB: 2\n"
    assert managed.merge(text, "new") == f"A: 1\n{managed.BEGIN}\nnew\n{managed.END}\nB: 2\n"


def test_contradicting_rules_are_warned_about():
    theirs = "User-agent: GPTBot\nAllow: /\n\nUser-agent: Googlebot\nDisallow: /\n"
    notes = robots.warnings(robots.render(site(), theirs), site())
    assert any("GPTBot" in n for n in notes)
    assert any("Googlebot" in n for n in notes)
    assert robots.warnings(robots.render(site()), site()) == []


def test_crawler_list_is_data_with_a_purpose_per_agent():
    agents = robots.crawlers()
    assert len(agents) > 40
    assert {"operator", "respect", "function", "frequency", "description", "purpose"} <= set(
        agents["GPTBot"]
    )
    assert agents["GPTBot"]["purpose"] == "training"
    assert agents["OAI-SearchBot"]["purpose"] == "search"
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", token) for token in agents)


# --- ai.txt, headers, meta, policy ---------------------------------------------------------


def test_vector_29_ai_txt_blocks_everything_without_stray_lines():
    text = ai_txt.render(site())
    assert "User-Agent: *\nDisallow: /\nDisallow: *\n" in text
    assert not any(line.strip() == "/" for line in text.splitlines())
    assert managed.outside(text) == ""  # the whole file is our block when the site had none
    assert "Allow: /" in ai_txt.render(site("allow"))


def test_headers_use_the_exact_names_readers_expect():
    names = dict(snippets.headers(site(host_policy=True)))
    assert names["tdm-reservation"] == "1"
    assert names["X-Robots-Tag"] == "noai, noimageai"  # lower-case tokens (vector 22)
    assert names["Content-Usage"] == "train-ai=n, ai-use=n"
    # the same machine-readable policy tdmrep.json names, never the page for people alone
    assert names["tdm-policy"] == f"{ORIGIN}/ai-policy.json"
    root = next(
        r for r in json.loads(tdmrep.render(site(host_policy=True))) if r["location"] == "/"
    )
    assert root["tdm-policy"] == names["tdm-policy"]
    meta = snippets.html_meta(site(host_policy=True))
    assert f'<meta name="tdm-policy" content="{ORIGIN}/ai-policy.json">' in meta
    assert "X-Robots-Tag" not in dict(snippets.headers(site("allow")))
    assert dict(snippets.headers(site("allow")))["tdm-reservation"] == "0"


def test_server_snippets_carry_every_header():
    s = site()
    for render in (snippets.nginx, snippets.apache, snippets.netlify):
        text = render(s)
        for name, value in snippets.headers(s):
            assert name in text and value in text, render.__name__
    assert 'add_header tdm-reservation "1" always;' in snippets.nginx(s)
    assert 'Header set X-Robots-Tag "noai, noimageai"' in snippets.apache(s)


def test_html_meta():
    meta = snippets.html_meta(site())
    assert '<meta name="tdm-reservation" content="1">' in meta
    assert '<meta name="robots" content="noai, noimageai">' in meta


def test_odrl_policy_has_the_mandatory_shape():
    doc = json.loads(policy_page.odrl(site(host_policy=True)))
    assert doc["@context"] == [  # TDMRep final report: the ODRL context plus the tdm alias
        "http://www.w3.org/ns/odrl.jsonld",
        {"tdm": "http://www.w3.org/ns/tdmrep#"},
    ]
    assert doc["@type"] == "Offer" and doc["profile"] == "http://www.w3.org/ns/tdmrep"
    assert doc["permission"][0]["action"] == "tdm:mine"
    assert "<title>" in policy_page.page(site())
