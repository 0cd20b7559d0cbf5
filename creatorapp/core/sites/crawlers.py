"""The AI crawlers robots.txt turns away, each with its operator, its purpose and where that
is said.

The list ships as ``resources/ai_crawlers.json`` (curated from ai.robots.txt's ``robots.json``).
Crawlers come and go faster than releases, so ``refresh`` reads a newer ``robots.json`` (a file
the creator downloaded, or its address), checks it strictly and keeps the result in the app's
data folder, where it is used from then on.  Agents already on the list keep their curated
purpose; a new agent's purpose follows from ai.robots.txt's own words by the rule in
``purpose_of`` (docs/sites.md), and anything it cannot place counts as a training crawler,
which every reservation turns away.
"""

from __future__ import annotations

import datetime as _dt
import functools
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from creatorapp.core.catalogue.location import data_dir, private_folder
from creatorapp.core.policy.signals import CrawlerPurpose
from creatorapp.core.resources import resource_dir
from creatorapp.errors import UserError

FILE_NAME = "ai_crawlers.json"
LIST_PAGE = "https://github.com/ai-robots-txt/ai.robots.txt"
# where `site crawlers --refresh` points people to (the raw file of the list's main branch)
UPSTREAM_URL = "https://raw.githubusercontent.com/ai-robots-txt/ai.robots.txt/main/robots.json"

MAX_BYTES = 2 * 1024 * 1024  # robots.json is about 75 kB; anything this big is not it
MIN_AGENTS = 20  # fewer usable names than this is a truncated or wrong file
MAX_AGENTS = 5000
MAX_TEXT = 4000  # one field of one entry
TEXT_FIELDS = ("operator", "respect", "function", "frequency", "description")
UNCLEAR = "Unclear at this time."

# RFC 9309 §2.2.1 product token: letters, "-" and "_".  Operators also document tokens with
# digits after the first letter (AI2Bot, Crawl4AI, img2dataset), which robots.txt parsers
# accept, so those are kept; names with spaces, "/" or "." cannot be matched as a product token
# and are left out (ai.robots.txt carries some as "Name/1.0" next to the bare "Name").
# plain search engines: never turned away, whatever a refreshed list says
NEVER_LISTED = ("Googlebot", "Bingbot", "DuckDuckBot", "Slurp", "YandexBot")
PRODUCT_TOKEN = re.compile(r"[A-Za-z_-][A-Za-z0-9_-]{0,63}")
_NEVER = frozenset(t.casefold() for t in NEVER_LISTED)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class CrawlerListError(UserError):
    """A crawler list that cannot be used; nothing was changed."""


@dataclass(frozen=True)
class Agent:
    token: str
    operator: str
    purpose: CrawlerPurpose
    source: str  # the operator's documentation, or the list entry it comes from
    respect: str = UNCLEAR
    function: str = ""
    frequency: str = UNCLEAR
    description: str = ""

    def as_json(self) -> dict[str, str]:
        return {
            "operator": self.operator,
            "purpose": self.purpose.value,
            "source": self.source,
            "respect": self.respect,
            "function": self.function,
            "frequency": self.frequency,
            "description": self.description,
        }


@dataclass(frozen=True)
class CrawlerList:
    source: str  # where the list was read from
    commit: str | None  # the list's commit, when known
    checked: str  # ISO date the list was read
    agents: Mapping[str, Agent]
    path: Path | None = None  # the refreshed copy in use, None for the shipped list
    problem: str | None = None  # why a refreshed copy was not used

    def blocked(self, purposes: frozenset[CrawlerPurpose]) -> list[str]:
        """The tokens turned away for these purposes, once each (robots.txt matches product
        tokens without regard to case, so ``meta-externalagent`` and ``Meta-ExternalAgent``
        are one crawler)."""
        seen: set[str] = set()
        out = []
        for token, agent in self.agents.items():
            if agent.purpose in purposes and token.casefold() not in seen:
                seen.add(token.casefold())
                out.append(token)
        return out

    def as_json(self) -> dict:
        return {
            "source": self.source,
            "commit": self.commit,
            "checked": self.checked,
            "agents": {token: agent.as_json() for token, agent in self.agents.items()},
        }


# --- loading --------------------------------------------------------------------------------


def refreshed_path() -> Path:
    return data_dir() / FILE_NAME


def shipped() -> CrawlerList:
    return _read_ours(resource_dir() / FILE_NAME, None)


def load() -> CrawlerList:
    """The refreshed copy when there is a usable one at least as new as the shipped list (an
    update of the app may ship a newer one), else the shipped list (with the reason a refreshed
    copy that is there could not be used)."""
    path = refreshed_path()
    try:
        if not path.is_file():
            return shipped()
        refreshed = _read_ours(path, path)
    except (CrawlerListError, OSError) as exc:
        found = shipped()
        problem = str(exc) if isinstance(exc, CrawlerListError) else f"cannot look at {path}"
        return CrawlerList(found.source, found.commit, found.checked, found.agents, problem=problem)
    ours = shipped()
    return refreshed if refreshed.checked >= ours.checked else ours


def _read_ours(path: Path, where: Path | None) -> CrawlerList:
    """The list in ``path``, read again only when the file changed (robots.txt is made several
    times in one publish)."""
    try:
        state = path.stat()
    except OSError as exc:
        raise CrawlerListError(f"the crawler list {path} cannot be read ({exc})") from None
    return _read_changed(path, where, (state.st_ino, state.st_mtime_ns, state.st_size))


@functools.lru_cache(maxsize=4)
def _read_changed(path: Path, where: Path | None, version: tuple[int, int, int]) -> CrawlerList:
    try:
        with open(path, encoding="utf-8") as handle:
            doc = json.load(handle)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CrawlerListError(f"the crawler list {path} cannot be read ({exc})") from None
    try:
        agents = {
            token: Agent(
                token=token,
                operator=entry["operator"],
                purpose=CrawlerPurpose(entry["purpose"]),
                source=entry["source"],
                **{k: entry[k] for k in TEXT_FIELDS[1:] if isinstance(entry.get(k), str)},
            )
            for token, entry in doc["agents"].items()
            if PRODUCT_TOKEN.fullmatch(token)
        }
        return CrawlerList(
            doc["source"], doc.get("commit"), doc["checked"], MappingProxyType(agents), where
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise CrawlerListError(f"the crawler list {path} is damaged ({exc!r})") from None


# --- purposes of new agents -----------------------------------------------------------------

# ai.robots.txt files most entries under the categories of Known Agents (formerly Dark
# Visitors); "AI Data Scrapers" there are crawlers that download training data.
CATEGORY_PURPOSES: Mapping[str, CrawlerPurpose] = MappingProxyType(
    {
        "ai search crawler": CrawlerPurpose.SEARCH,
        "ai assistant": CrawlerPurpose.ASSISTANT,
        "ai agent": CrawlerPurpose.ASSISTANT,
        "ai coding agent": CrawlerPurpose.ASSISTANT,
        "ai data scraper": CrawlerPurpose.TRAINING,
        "ai data provider": CrawlerPurpose.SCRAPER,
        "undocumented ai agent": CrawlerPurpose.TRAINING,
    }
)
# otherwise the first of these words found in the entry's function, then its description
KEYWORD_PURPOSES: tuple[tuple[str, CrawlerPurpose], ...] = (
    ("train", CrawlerPurpose.TRAINING),
    ("search", CrawlerPurpose.SEARCH),
    ("assistant", CrawlerPurpose.ASSISTANT),
    ("agent", CrawlerPurpose.ASSISTANT),
    ("user prompt", CrawlerPurpose.ASSISTANT),
    ("user quer", CrawlerPurpose.ASSISTANT),
    ("on behalf of", CrawlerPurpose.ASSISTANT),
    ("dataset", CrawlerPurpose.SCRAPER),
    ("data set", CrawlerPurpose.SCRAPER),
    ("data provider", CrawlerPurpose.SCRAPER),
    ("data is sold", CrawlerPurpose.SCRAPER),
    ("scrap", CrawlerPurpose.SCRAPER),
)
_URL = re.compile(r"https?://[^\s)\]]+")
_LINK = re.compile(r"\[([^\]]*)\]\(([^)]*)\)")


def purpose_of(entry: Mapping[str, str]) -> CrawlerPurpose:
    """The purpose of an agent new to us, from its ai.robots.txt entry (rule in docs/sites.md):
    its category, else the first keyword in its function, then its description; else
    training, the purpose every reservation turns away."""
    function = _words(entry.get("function", ""))
    category = function.rstrip(". ").removesuffix("s")
    if category in CATEGORY_PURPOSES:
        return CATEGORY_PURPOSES[category]
    for text in (function, _words(entry.get("description", ""))):
        for word, purpose in KEYWORD_PURPOSES:
            if word in text:
                return purpose
    return CrawlerPurpose.TRAINING


def _words(text: str) -> str:
    return _URL.sub(" ", _LINK.sub(r"\1", text)).lower().strip()


def source_of(entry: Mapping[str, str]) -> str:
    """Where the facts about an agent come from: the first address in its entry (the operator's
    documentation is linked from ``respect`` or ``operator``), else the list itself."""
    for key in ("respect", "operator", "description", "function"):
        found = _URL.search(entry.get(key, ""))
        if found:
            return found.group(0).rstrip(".,;")
    return LIST_PAGE


def plain(text: str) -> str:
    """Markdown links reduced to their words, whitespace and control characters to spaces."""
    return " ".join(_CONTROL.sub(" ", _LINK.sub(r"\1", text)).split())


# --- refreshing -----------------------------------------------------------------------------


@dataclass
class RefreshReport:
    crawlers: CrawlerList
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # not product tokens, or plain search


def refresh(
    source: str, *, current: CrawlerList | None = None, target: Path | None = None
) -> RefreshReport:
    """Read ai.robots.txt's ``robots.json`` from ``source`` (a file or an http(s) address),
    check it, merge it with the current list and write the result atomically to ``target``
    (the app's data folder).  Bad input raises CrawlerListError and changes nothing."""
    raw = _fetch(source)
    upstream = parse_robots_json(raw, source)
    current = current or load()
    report = merge(upstream, current, source)
    write(report.crawlers, target or refreshed_path())
    report.crawlers = CrawlerList(
        report.crawlers.source,
        report.crawlers.commit,
        report.crawlers.checked,
        report.crawlers.agents,
        target or refreshed_path(),
    )
    return report


def _fetch(source: str) -> bytes:
    if re.match(r"^[a-z][a-z0-9+.-]*://", source, flags=re.I):
        if not re.match(r"^https?://", source, flags=re.I):
            raise CrawlerListError(f"{source}: only http(s) addresses or a file can be read")
        return _download(source)
    path = Path(source).expanduser()
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as exc:
        raise CrawlerListError(f"cannot read {source} ({exc.strerror or exc})") from None
    if len(data) > MAX_BYTES:
        raise CrawlerListError(f"{source} is larger than {MAX_BYTES // 1024} kB; not a robots.json")
    return data


def _download(url: str) -> bytes:
    import requests

    try:
        with requests.get(url, timeout=30, stream=True) as answer:
            if answer.status_code != 200:
                raise CrawlerListError(f"{url} answered HTTP {answer.status_code}")
            data = b""
            for chunk in answer.iter_content(65536):
                data += chunk
                if len(data) > MAX_BYTES:
                    raise CrawlerListError(
                        f"{url} sent more than {MAX_BYTES // 1024} kB; not a robots.json"
                    )
            return data
    except requests.RequestException as exc:
        raise CrawlerListError(f"cannot download {url} ({type(exc).__name__})") from None


def parse_robots_json(raw: bytes, name: str = "robots.json") -> dict[str, dict[str, str]]:
    """The usable entries of a robots.json, or CrawlerListError saying what is wrong with it.
    Names that are not product tokens are kept here and left out later (reported)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CrawlerListError(f"{name} is not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise CrawlerListError(f"{name} is not JSON ({exc.msg}, line {exc.lineno})") from None
    if not isinstance(doc, dict):
        raise CrawlerListError(f"{name} is not a robots.json: expected an object of agents")
    if not MIN_AGENTS <= len(doc) <= MAX_AGENTS:
        raise CrawlerListError(
            f"{name} has {len(doc)} agents; a robots.json has between {MIN_AGENTS} and {MAX_AGENTS}"
        )
    entries: dict[str, dict[str, str]] = {}
    for token, entry in doc.items():
        if not token.strip() or len(token) > 128 or _CONTROL.search(token):
            raise CrawlerListError(f"{name}: {token[:40]!r} is not a crawler name")
        if not isinstance(entry, dict):
            raise CrawlerListError(f"{name}: the entry for {token!r} is not an object")
        texts = {}
        for key in TEXT_FIELDS:
            value = entry.get(key)
            if value is None:
                continue
            if not isinstance(value, str) or len(value) > MAX_TEXT:
                raise CrawlerListError(f"{name}: {token!r} has a bad {key!r} (not a short text)")
            texts[key] = value
        if "function" not in texts and "description" not in texts:
            raise CrawlerListError(f"{name}: {token!r} says neither its function nor a description")
        entries[token] = texts
    usable = sum(1 for token in entries if PRODUCT_TOKEN.fullmatch(token))
    if usable < MIN_AGENTS:
        raise CrawlerListError(
            f"{name} has only {usable} usable crawler names; expected ai.robots.txt's list"
        )
    return entries


def merge(
    upstream: Mapping[str, Mapping[str, str]], current: CrawlerList, source: str
) -> RefreshReport:
    """The new list: upstream's agents, with our operator, purpose and source for those we
    already know (matched regardless of case, as robots.txt matches them)."""
    known: dict[str, Agent] = {}
    for token, agent in current.agents.items():
        known.setdefault(token.casefold(), agent)  # the first spelling on our list stays
    agents: dict[str, Agent] = {}
    report = RefreshReport(current)
    for token, entry in upstream.items():
        if not PRODUCT_TOKEN.fullmatch(token) or token.casefold() in _NEVER:
            report.skipped.append(token)
            continue
        if token.casefold() in {t.casefold() for t in agents}:
            continue  # the same crawler spelled another way
        ours = known.get(token.casefold())
        texts = {k: plain(entry[k]) for k in TEXT_FIELDS[1:] if entry.get(k)}
        if ours is not None:
            name = ours.token
            agents[name] = Agent(name, ours.operator, ours.purpose, ours.source, **texts)
        else:
            operator = plain(entry.get("operator", "")) or UNCLEAR
            agents[token] = Agent(token, operator, purpose_of(entry), source_of(entry), **texts)
            report.added.append(token)
    kept = {t.casefold() for t in agents}
    report.removed = [t for t in current.agents if t.casefold() not in kept]
    today = _dt.datetime.now(_dt.UTC).date().isoformat()
    report.crawlers = CrawlerList(source, None, today, MappingProxyType(agents))
    return report


def write(crawlers: CrawlerList, target: Path) -> None:
    """Write the list atomically: a temporary file in the same folder, flushed to disk, read
    back, then put in place; a failure leaves the previous copy as it was."""
    data = (json.dumps(crawlers.as_json(), indent=2, ensure_ascii=False) + "\n").encode()
    try:
        private_folder(target.parent)
        if target.is_symlink():
            raise CrawlerListError(f"{target} is a symbolic link; not writing through it")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            if tmp.read_bytes() != data:
                raise CrawlerListError(f"{tmp} did not read back as written")
            os.replace(tmp, target)
        finally:
            if tmp.exists():
                tmp.unlink()
    except OSError as exc:
        raise CrawlerListError(
            f"cannot write the crawler list to {target} ({exc.strerror or exc})"
        ) from None
