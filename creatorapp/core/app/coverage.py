"""How protected the portfolio is, counted from the catalogue: the numbers of the home view and
the things that need the creator (notifications).

Everything here is read with a few grouped queries (``Store.folder_counts``,
``confirmed_works``, ``item_counts``, ``items_waiting``, ``sites``), so it stays well under half
a second for 100,000 works (``benchmarks/bench_home.py``).  A site's declarations are counted
per site, not per work: the catalogue does not know which folder a site publishes, and saying
a work is covered by a site it may not be on would be a claim we cannot back.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum

from creatorapp.core.catalogue import Store
from creatorapp.core.catalogue.store import FolderCounts
from creatorapp.core.text.display import counted, when

# item states where the creator has to act: a question asked, a form to finish in a browser
NEEDS_USER = ("needs_info", "awaiting_user_action")


def share(count: int, total: int) -> str:
    """``1,234 of 2,000 (61%)``.  The percentage never rounds up to 100% while works are
    missing, nor down to 0% while some are covered."""
    if total <= 0:
        return "no works yet"
    percent = count * 100 // total
    if count and percent == 0:
        shown = "under 1%"
    elif count < total and percent == 100:
        shown = "99%"
    else:
        shown = f"{percent}%"
    return f"{count:,} of {total:,} ({shown})"


def fraction(count: int, total: int) -> float:
    return count / total if total > 0 else 0.0


def local_time(stamp: str | None) -> str:
    """A catalogue timestamp (UTC) in the computer's own time: ``2 Dec 2026, 14:03``."""
    return when(stamp, never="never")


@dataclass(frozen=True)
class Row:
    """The whole portfolio (``folder_id`` None) or one folder."""

    folder_id: int | None
    name: str
    path: str
    policy: str
    works: int = 0
    in_file: int = 0
    credentials: int = 0
    new: int = 0
    stale: int = 0
    failed: int = 0
    confirmed: dict[str, int] = field(default_factory=dict)  # destination -> works confirmed
    left_out: int = 0  # works the creator left out: in no share and not to do

    @property
    def not_in_file(self) -> int:
        return self.works - self.in_file


@dataclass(frozen=True)
class Destination:
    """An opt-out destination the creator has asked: what it answered, item by item."""

    id: str
    title: str
    asked: int  # items sent or queued there
    confirmed: int  # of those, confirmed (whether or not they name a catalogued work)


class SiteState(StrEnum):
    LIVE = "live"  # the last live check found what was published
    DRIFTED = "drifted"  # the last live check found something else (or nothing)
    UNCHECKED = "unchecked"  # published, never checked
    UNPUBLISHED = "unpublished"


@dataclass(frozen=True)
class Site:
    name: str
    url: str
    policy: str
    reserves: bool | None  # whether its policy reserves any use; None: the policy is gone
    state: SiteState
    checked_at: str | None

    def said(self) -> str:
        """The site's state in words, with when it was last checked (local time)."""
        when = local_time(self.checked_at)
        return {
            SiteState.LIVE: f"declarations live, checked {when}",
            SiteState.DRIFTED: f"drifted: the live check on {when} found something else than "
            "was published",
            SiteState.UNCHECKED: "published, not checked live yet",
            SiteState.UNPUBLISHED: "not published yet",
        }[self.state]


class Need(StrEnum):
    """What a notification is about, and so where its button goes."""

    OPTOUT = "optout"
    SITE = "site"
    FAILED = "failed"


@dataclass(frozen=True)
class Attention:
    """Something that needs the creator.  ``key`` names the thing, ``stamp`` when it last
    changed: it is said again only when its stamp moves on (a new question, a new check that
    drifted, a newer failure), never twice for the same state."""

    need: Need
    key: str
    stamp: str
    text: str
    target: str = ""  # the site's name, the destination's id


@dataclass(frozen=True)
class Coverage:
    portfolio: Row
    folders: list[Row]
    destinations: list[Destination]
    sites: list[Site]
    attention: list[Attention]
    seconds: float  # how long counting took
    datasets_searched: bool = False  # dataset discovery comes later: nothing searched yet


def _row(counts: FolderCounts, **about: str) -> dict:
    return {
        "works": counts.works,
        "in_file": counts.in_file,
        "credentials": counts.credentials,
        "new": counts.new,
        "stale": counts.stale,
        "failed": counts.failed,
        "left_out": counts.left_out,
        **about,
    }


def _reserves(policy_name: str) -> bool | None:
    from creatorapp.core.policy import PolicyError, resolve_policy

    try:
        return bool(resolve_policy(policy_name).prohibited)
    except PolicyError:
        return None


def _site_state(published_at: str | None, verify_ok: bool | None) -> SiteState:
    if verify_ok is True:
        return SiteState.LIVE
    if verify_ok is False:
        return SiteState.DRIFTED
    return SiteState.UNCHECKED if published_at else SiteState.UNPUBLISHED


def measure(
    store: Store,
    *,
    title: Callable[[str], str] = str,
    reserves: Callable[[str], bool | None] = _reserves,
) -> Coverage:
    """Count what the portfolio carries.  ``title`` names an opt-out destination for people
    (``Destinations.title``); ``reserves`` says whether a policy reserves anything."""
    started = time.perf_counter()
    counts = store.folder_counts()
    confirmed = store.confirmed_works()
    folders: list[Row] = []
    for folder in store.folders():
        c = counts.get(folder.id, FolderCounts(folder.id))
        mine = {d: n for (d, f), n in confirmed.items() if f == folder.id}
        name = os.path.basename(folder.path.rstrip(os.sep)) or folder.path
        about = _row(c, name=name, path=folder.path, policy=folder.policy)
        folders.append(Row(folder.id, **about, confirmed=mine))
    whole: dict[str, int] = {}
    for (destination, _folder), n in confirmed.items():
        whole[destination] = whole.get(destination, 0) + n
    summed = ("works", "in_file", "credentials", "new", "stale", "failed", "left_out")
    total = FolderCounts(0, **{k: sum(getattr(c, k) for c in counts.values()) for k in summed})
    portfolio = Row(
        None, **_row(total, name="Your whole portfolio", path="", policy=""), confirmed=whole
    )
    destinations = [
        Destination(d, title(d), sum(states.values()), states.get("confirmed", 0))
        for d, states in sorted(store.item_counts().items())
    ]
    policies: dict[str, bool | None] = {}
    sites = []
    for record in store.sites():
        if record.policy not in policies:
            policies[record.policy] = reserves(record.policy)
        sites.append(
            Site(
                record.name,
                record.url,
                record.policy,
                policies[record.policy],
                _site_state(record.published_at, record.verify_ok),
                record.verified_at,
            )
        )
    attention = _attention(store, counts, sites, title)
    return Coverage(
        portfolio, folders, destinations, sites, attention, time.perf_counter() - started
    )


def _attention(
    store: Store,
    counts: dict[int, FolderCounts],
    sites: list[Site],
    title: Callable[[str], str],
) -> list[Attention]:
    found: list[Attention] = []
    for group in store.items_waiting(NEEDS_USER):
        where = title(group["destination"])
        n = counted(group["count"], "item")
        text = (
            f"{where} asked for more information about {n} of your opt-out request"
            if group["state"] == "needs_info"
            else f"{where}: a request for {n} waits for you to send it (a form to finish "
            "in your browser)"
        )
        found.append(
            Attention(
                Need.OPTOUT,
                f"optout:{group['destination']}:{group['submission_id']}:{group['state']}",
                group["latest"] or "",
                text,
                group["destination"],
            )
        )
    for site in sites:
        if site.state is SiteState.DRIFTED:
            found.append(
                Attention(
                    Need.SITE,
                    f"site:{site.name}",
                    site.checked_at or "",
                    f"{site.name} ({site.url}): the live check on {local_time(site.checked_at)} "
                    "found that the site no longer serves the declarations that were published",
                    site.name,
                )
            )
    failed = sum(c.failed for c in counts.values())
    if failed:
        latest = max((c.last_failed_at or "" for c in counts.values()), default="")
        found.append(
            Attention(
                Need.FAILED,
                "failed",
                latest,
                f"{counted(failed, 'file')} of your portfolio could not be tagged",
            )
        )
    return found
