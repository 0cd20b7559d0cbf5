"""Ledger events in words.

The ledger keeps each event's kind as a code (``work.tagged``, ``optout.poll_failed``) and its
facts as data, because scripts and the evidence report read them; people read a short name
(``Tagged``) and a sentence made from the facts.  JSON output keeps the codes; the window and
the command line's tables show these.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from creatorapp.core.text.display import counted, shown
from creatorapp.core.text.states import OPTOUT_STATES, said

Facts = Mapping[str, object]


@dataclass(frozen=True)
class Kind:
    name: str  # what happened, in a few words: the "What" of a list of events
    sentence: Callable[[Facts], str]  # the facts of one event, as a sentence


def _n(facts: Facts, key: str) -> int:
    value = facts.get(key)
    if isinstance(value, (list, tuple)):
        return len(value)
    return value if isinstance(value, int) else 0


def _policy(facts: Facts, key: str = "policy") -> str:
    return f"“{shown(facts.get(key) or 'unknown')}”"


def _state(facts: Facts, key: str) -> str:
    return said(str(facts.get(key) or ""), OPTOUT_STATES).lower()


def _problem(facts: Facts, *keys: str) -> str:
    for key in keys:
        if facts.get(key):
            return shown(facts[key])
    return "no reason was given"


def _written(facts: Facts) -> str:
    where = "in a sidecar file beside it" if facts.get("carrier") == "sidecar" else "in the file"
    if facts.get("written") is False:
        return f"Checked: it already carried the policy {_policy(facts)}."
    return f"The policy {_policy(facts)} was written {where}."


def _applied(facts: Facts) -> str:
    text = f"The policy {_policy(facts)} was written into {counted(_n(facts, 'written'), 'file')}"
    if _n(facts, "unchanged"):
        text += f"; {counted(_n(facts, 'unchanged'), 'file')} already carried it"
    if _n(facts, "failed"):
        text += f"; {counted(_n(facts, 'failed'), 'file')} could not be tagged"
    if _n(facts, "left"):
        text += f"; {counted(_n(facts, 'left'), 'work')} left for later"
    return text + "."


def _site_check(facts: Facts) -> str:
    if facts.get("ok"):
        return "The live site serves every declaration."
    problems = _n(facts, "failed") + _n(facts, "drift")
    return f"The live site differs from what was published: {counted(problems, 'problem')}."


def _answer(facts: Facts) -> str:
    items = counted(_n(facts, "targets"), "item")
    text = f"{items} moved from {_state(facts, 'from')} to {_state(facts, 'to')}"
    return text + (f": {shown(facts['detail'])}." if facts.get("detail") else ".")


KINDS: dict[str, Kind] = {
    "folder.added": Kind(
        "Folder added",
        lambda f: f"Added to the portfolio with the policy {_policy(f)}.",
    ),
    "folder.removed": Kind(
        "Folder removed",
        lambda f: (
            "Removed from the portfolio; the catalogue forgot "
            f"{counted(_n(f, 'works_forgotten'), 'work')}."
        ),
    ),
    "folder.policy": Kind(
        "Policy changed",
        lambda f: (
            f"The policy changed from {_policy(f, 'from')} to {_policy(f, 'to')}; "
            f"{counted(_n(f, 'stale'), 'work')} now {'needs' if _n(f, 'stale') == 1 else 'need'} "
            "tagging again."
        ),
    ),
    "folder.policy_applied": Kind("New policy written", _applied),
    "folder.watching": Kind(
        "Watching changed",
        lambda f: "Watching was turned on." if f.get("watching") else "Watching was paused.",
    ),
    "folder.unavailable": Kind(
        "Folder out of reach",
        lambda f: f"The folder could not be reached: {_problem(f, 'problem')}.",
    ),
    "folder.available": Kind("Folder back", lambda f: "The folder can be reached again."),
    "work.added": Kind("Work found", lambda f: "A new work was found and catalogued."),
    "work.tagged": Kind("Tagged", _written),
    "work.failed": Kind(
        "Could not tag", lambda f: f"It could not be tagged: {_problem(f, 'reason')}."
    ),
    "work.moved": Kind(
        "Moved", lambda f: f"The work moved here from {shown(f.get('from') or 'elsewhere')}."
    ),
    "work.deleted": Kind(
        "Gone",
        lambda f: (
            "The file is gone from its folder; its history is kept."
            if not f.get("moved_out_to")
            else f"The file moved out of the portfolio, to {shown(f['moved_out_to'])}."
        ),
    ),
    "work.restored": Kind(
        "Put back (undo)",
        lambda f: (
            f"The file was put back as it was before {shown(f.get('batch') or 'the last change')}."
        ),
    ),
    "optout.draft_made": Kind(
        "Opt-out drafted", lambda f: "An opt-out was drafted; nothing is sent until you send it."
    ),
    "optout.draft_sent": Kind(
        "Draft sent",
        lambda f: f"You sent an opt-out draft: {counted(_n(f, 'items'), 'item')} asked for.",
    ),
    "optout.draft_dropped": Kind(
        "Draft dropped", lambda f: "You dropped an opt-out draft; nothing was sent."
    ),
    "works.excluded": Kind(
        "Left out",
        lambda f: (
            f"{counted(_n(f, 'paths') or _n(f, 'count'), 'work')} left out of tagging and "
            "watching; the files were not changed."
        ),
    ),
    "works.included": Kind(
        "Taken back",
        lambda f: (
            f"{counted(_n(f, 'paths') or _n(f, 'count'), 'work')} taken back into tagging and "
            "watching."
        ),
    ),
    "credentials.unavailable": Kind(
        "Not signed",
        lambda f: f"Content Credentials could not be signed: {_problem(f, 'why')}.",
    ),
    "ledger.gap": Kind(
        "Gap in the record",
        lambda f: (
            "Part of the record was missing when the catalogue was opened; this event marks where."
        ),
    ),
    "site.added": Kind(
        "Site added",
        lambda f: f"The site {shown(f.get('url') or '')} was added with the policy {_policy(f)}.",
    ),
    "site.removed": Kind("Site removed", lambda f: "The site was removed."),
    "site.published": Kind(
        "Site published",
        lambda f: f"{counted(_n(f, 'files'), 'file')} published with the policy {_policy(f)}.",
    ),
    "site.verified": Kind("Site checked", _site_check),
    "optout.queued": Kind(
        "Opt-out queued",
        lambda f: f"An opt-out request for {counted(_n(f, 'items'), 'item')} is ready to send.",
    ),
    "optout.sent": Kind(
        "Opt-out sent",
        lambda f: (
            f"An opt-out request for {counted(_n(f, 'items'), 'item')} was sent; it is "
            f"now {_state(f, 'state')}."
        ),
    ),
    "optout.failed": Kind(
        "Opt-out not sent",
        lambda f: (
            f"The request could not be sent: {_problem(f, 'error')}"
            + (" It will be tried again." if f.get("retryable") else ".")
        ),
    ),
    "optout.attested": Kind(
        "Sent by you",
        lambda f: f"You recorded sending a request for {counted(_n(f, 'items'), 'item')}.",
    ),
    "optout.resolved": Kind(
        "Answer recorded",
        lambda f: (
            f"You recorded the answer for {counted(_n(f, 'targets'), 'item')}: {_state(f, 'to')}."
        ),
    ),
    "optout.items": Kind("Opt-out answer", _answer),
    "optout.reply": Kind("Reply received", lambda f: "The destination replied."),
    "optout.poll_failed": Kind(
        "Could not ask for answers",
        lambda f: f"Asking for answers failed: {_problem(f, 'error')}.",
    ),
    "optout.stale": Kind(
        "No answer in time",
        lambda f: (
            f"{counted(_n(f, 'items'), 'item')} got no answer in the time the destination "
            "gives itself."
        ),
    ),
}


def name(kind: str) -> str:
    """What an event of ``kind`` says happened, in a few words: never the code."""
    known = KINDS.get(kind)
    if known is not None:
        return known.name
    return shown(kind.replace("_", " ").replace(".", ": ").capitalize())


def sentence(kind: str, facts: Facts) -> str:
    """The facts an event of ``kind`` keeps, as a sentence."""
    known = KINDS.get(kind)
    if known is None:
        return name(kind) + "."
    try:
        return known.sentence(facts)
    except (KeyError, TypeError, ValueError):  # facts from an older version: say what we can
        return known.name + "."
