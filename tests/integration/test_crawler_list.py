"""Issue 18.3: the AI crawler list is current data with each agent's purpose and source, and a
newer ai.robots.txt robots.json can be read in (from a loopback server here), checked before
use; a bad one changes nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
import re

import pytest
from protego import Protego

from creatorapp.core.catalogue.location import data_dir
from creatorapp.core.policy import PRESETS
from creatorapp.core.policy.signals import CrawlerPurpose
from creatorapp.core.resources import resource_dir
from creatorapp.core.sites import crawlers, robots
from creatorapp.core.sites.config import SiteConfig
from tests.integration.test_cli import cli
from tests.servers.http_site import SiteServer

ORIGIN = "https://jane.example"
NEW = {
    "NewSearchBot": {"function": "AI Search Crawlers", "description": "Indexes for answers."},
    "NewTrainer": {"function": "Scrapes data to train models.", "description": "Trains."},
    # the address in the description says "agents"; only the words may decide
    "MysteryBot": {
        "function": "Unclear at this time.",
        "description": "Description unavailable More info can be found at "
        "https://knownagents.com/agents/mysterybot",
    },
    "NewFetcher": {"function": "AI Assistants", "description": "Fetches pages for users."},
    "Some Bot 1.0": {"function": "AI Data Scrapers", "description": "Not a product token."},
    "gptbot": {"function": "AI Data Scrapers", "description": "GPTBot spelled in lower case."},
    "Googlebot": {"function": "AI Search Crawlers", "description": "A plain search engine."},
}


def upstream() -> dict:
    """A robots.json as ai.robots.txt publishes it: the shipped agents less Bytespider,
    ChatGPT-User described differently, and some new names."""
    doc = {}
    for token, info in json.loads((resource_dir() / "ai_crawlers.json").read_text())[
        "agents"
    ].items():
        if token == "Bytespider":
            continue
        doc[token] = {k: info[k] for k in crawlers.TEXT_FIELDS}
    doc["ChatGPT-User"]["function"] = "LLM training."  # our curated purpose must stay
    doc["Code"] = {**doc.get("Code", {}), "has_name_and_version": True}  # extra keys are fine
    for token, entry in NEW.items():
        doc[token] = {"operator": "[Example](https://example.org)", "respect": "Unclear.", **entry}
    return doc


@pytest.fixture
def served(tmp_path):
    root = tmp_path / "www"
    root.mkdir()
    server = SiteServer(root)
    yield root, server
    server.close()


def _copy() -> tuple[bytes, int]:
    path = data_dir() / crawlers.FILE_NAME
    return path.read_bytes(), path.stat().st_mtime_ns


def test_refresh_from_a_loopback_address_merges_and_keeps_curated_purposes(served):
    root, server = served
    (root / "robots.json").write_text(json.dumps(upstream(), indent=4))
    url = f"{server.url}/robots.json"
    report = crawlers.refresh(url)
    assert report.added == ["NewSearchBot", "NewTrainer", "MysteryBot", "NewFetcher"]
    assert report.removed == ["Bytespider"]
    assert report.skipped == ["Some Bot 1.0", "Googlebot"]  # plain search stays in
    listed = crawlers.load()
    assert listed.path == data_dir() / crawlers.FILE_NAME and listed.problem is None
    assert listed.source == url
    assert listed.checked == dt.datetime.now(dt.UTC).date().isoformat()
    purpose = {t: a.purpose for t, a in listed.agents.items()}
    assert purpose["ChatGPT-User"] is CrawlerPurpose.ASSISTANT
    assert purpose["NewSearchBot"] is CrawlerPurpose.SEARCH
    assert purpose["NewTrainer"] is CrawlerPurpose.TRAINING
    assert purpose["MysteryBot"] is CrawlerPurpose.TRAINING  # unknown: the side every preset blocks
    assert purpose["NewFetcher"] is CrawlerPurpose.ASSISTANT
    assert "gptbot" not in listed.agents and "GPTBot" in listed.agents
    assert listed.agents["NewTrainer"].source == "https://example.org"
    # robots.txt follows the refreshed list
    url = f"{ORIGIN}/a.jpg"
    no_ai = Protego.parse(robots.render(SiteConfig("jane", ORIGIN, PRESETS["no-ai"])))
    no_genai = Protego.parse(robots.render(SiteConfig("jane", ORIGIN, PRESETS["no-genai"])))
    for bot in ("NewSearchBot", "NewTrainer", "MysteryBot", "NewFetcher"):
        assert not no_ai.can_fetch(url, bot), bot
    assert no_genai.can_fetch(url, "NewSearchBot") and no_genai.can_fetch(url, "NewFetcher")
    assert not no_genai.can_fetch(url, "NewTrainer")
    assert "Bytespider" not in robots.render(SiteConfig("jane", ORIGIN, PRESETS["no-ai"]))


def test_the_command_refreshes_from_a_file_and_shows_what_a_policy_turns_away(tmp_path):
    download = tmp_path / "robots.json"
    download.write_text(json.dumps(upstream()))
    run = cli("site", "crawlers", "--refresh", str(download))
    assert run.returncode == 0, run.stderr
    assert (
        "4 new" in run.stdout
        and "Bytespider" in run.stdout
        and "Some Bot 1.0" in run.stdout
        and "Googlebot" in run.stdout
    )
    run = cli("site", "crawlers", "--policy", "no-genai", "--json")
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["refreshed_copy"] == str(data_dir() / crawlers.FILE_NAME)
    assert doc["turns_away"] == ["scraper", "training"]
    away = {a["token"]: a["turned_away"] for a in doc["agents"]}
    assert away["NewTrainer"] and away["GPTBot"]
    assert not away["NewSearchBot"] and not away["ChatGPT-User"]
    run = cli("site", "crawlers", "--policy", "no-ai")
    assert run.returncode == 0, run.stderr
    assert "NewFetcher" in run.stdout and "OpenAI" in run.stdout
    assert "turns away the crawlers for: assistant, scraper, search, training" in run.stdout


def _good_but(change) -> bytes:
    doc = upstream()
    change(doc)
    return json.dumps(doc).encode()


BAD = {
    "not-json": b'{"GPTBot": {',
    "a-list": b'["GPTBot", "CCBot"]',
    "too-few": json.dumps({f"Bot{c}": {"function": "x"} for c in "ABC"}).encode(),
    "line-break-in-name": _good_but(
        lambda d: d.update({"GPTBot\nAllow: /": {"function": "LLM training."}})
    ),
    "entry-not-an-object": _good_but(lambda d: d.update({"EvilBot": "Disallow: /"})),
    "field-not-text": _good_but(lambda d: d["GPTBot"].update({"function": 12})),
    "says-nothing": _good_but(lambda d: d.update({"EmptyBot": {"operator": "x"}})),
    "not-utf8": b"\xff\xfe{}",
    "too-big": b" " * (crawlers.MAX_BYTES + 10),
}


@pytest.mark.parametrize("case", [*BAD, "missing"])
def test_a_bad_robots_json_leaves_the_current_list_untouched(served, case):
    root, server = served
    (root / "robots.json").write_text(json.dumps(upstream()))
    crawlers.refresh(f"{server.url}/robots.json")
    before = _copy()
    if case != "missing":
        (root / "bad.json").write_bytes(BAD[case])
    with pytest.raises(crawlers.CrawlerListError) as caught:
        crawlers.refresh(f"{server.url}/bad.json")
    assert "\n" not in str(caught.value) and str(caught.value)
    assert _copy() == before
    assert sorted(p.name for p in data_dir().iterdir() if "crawlers" in p.name) == [
        crawlers.FILE_NAME
    ]
    assert "NewSearchBot" in crawlers.load().agents


def test_the_command_refuses_a_bad_file_in_one_line(tmp_path):
    bad = tmp_path / "robots.json"
    bad.write_bytes(BAD["line-break-in-name"])
    run = cli("site", "crawlers", "--refresh", str(bad))
    assert run.returncode == 2
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1
    assert not (data_dir() / crawlers.FILE_NAME).exists()
    run = cli("site", "crawlers", "--refresh", "ftp://example.org/robots.json")
    assert run.returncode == 2 and "only http(s)" in run.stderr


def test_the_shipped_list_says_where_it_comes_from():
    doc = json.loads((resource_dir() / "ai_crawlers.json").read_text())
    assert doc["source"].startswith("https://github.com/ai-robots-txt/ai.robots.txt/blob/")
    assert re.fullmatch(r"[0-9a-f]{40}", doc["commit"]) and doc["commit"] in doc["source"]
    assert dt.date.fromisoformat(doc["checked"]) >= dt.date(2026, 12, 1)
    agents = doc["agents"]
    assert len(agents) >= 140
    assert "Spawning-AI" not in agents  # in no current list
    folded = [t.casefold() for t in agents]
    assert len(folded) == len(set(folded))
    assert not {t.casefold() for t in robots.SEARCH_AGENTS} & set(folded)
    for token, info in agents.items():
        assert crawlers.PRODUCT_TOKEN.fullmatch(token), token
        assert info["operator"] and CrawlerPurpose(info["purpose"])
        assert re.match(r"https?://", info["source"]), token
    for token in ("Amzn-User", "Google-Agent", "kagi-fetcher", "Kimi-User", "meta-webindexer"):
        assert agents[token]["purpose"] == "assistant", token
    assert agents["GPTBot"]["purpose"] == "training"
    assert not os.environ.get("CREATORAPP_RESOURCES")  # the list read here is the shipped one
