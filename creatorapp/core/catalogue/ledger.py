"""The ledger's hash chain: how an event is hashed, and how a chain is checked.

``hash = sha256(prev_hash || canonical JSON of the event)`` where the event is
``{"seq", "at", "kind", "subject", "data"}`` serialised with sorted keys, no spaces and UTF-8.
A byte of a file name that is not UTF-8 (a lone surrogate in Python) is written as the JSON
escape of that surrogate, ``\\udce9``: that is what ``backslashreplace`` does, and nothing else
ever needs it, so every other event hashes exactly as it always has.
The first event's ``prev_hash`` is 64 zeros.  Anyone can re-check an exported ledger with these
three lines; nothing here depends on the store.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from creatorapp.core.catalogue.model import LedgerEvent

GENESIS = "0" * 64


def canonical(seq: int, at: str, kind: str, subject: str, data: dict) -> bytes:
    doc = {"seq": seq, "at": at, "kind": kind, "subject": subject, "data": data}
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "backslashreplace")


def chain_hash(prev_hash: str, seq: int, at: str, kind: str, subject: str, data: dict) -> str:
    return hashlib.sha256(prev_hash.encode() + canonical(seq, at, kind, subject, data)).hexdigest()


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events: int
    head: str
    bad_seq: int | None = None
    problem: str | None = None
    matched: tuple[str, ...] = ()  # where outside the database the head was found (anchor)
    notes: tuple[str, ...] = ()

    def as_json(self) -> dict:
        doc = {"ok": self.ok, "events": self.events, "head": self.head}
        if not self.ok:
            doc |= {"bad_event": self.bad_seq, "problem": self.problem}
        doc |= {"head_recorded": list(self.matched), "notes": list(self.notes)}
        return doc


def verify_chain(
    events: Iterable[LedgerEvent], *, expected_count: int | None = None
) -> ChainReport:
    """Check every link; stop at the first bad event and say what is wrong with it.

    ``expected_count`` is the number of events the store says it has written (kept apart from
    the rows), which catches events cut off the end of the chain.
    """
    prev, count = GENESIS, 0
    for event in events:
        count += 1
        if event.seq != count:
            missing = count if event.seq > count else event.seq
            return ChainReport(
                False, count - 1, prev, missing, f"event {missing} is missing or out of order"
            )
        if event.prev_hash != prev:
            return ChainReport(
                False,
                count - 1,
                prev,
                event.seq,
                "its link to the previous event is broken (an earlier event was changed or "
                "removed)",
            )
        expected = chain_hash(prev, event.seq, event.at, event.kind, event.subject, event.data)
        if event.hash != expected:
            return ChainReport(
                False,
                count - 1,
                prev,
                event.seq,
                "its content does not match its hash (it was edited after it was written)",
            )
        prev = event.hash
    if expected_count is not None and count < expected_count:
        return ChainReport(
            False,
            count,
            prev,
            count + 1,
            f"the chain ends at event {count} but {expected_count} were written",
        )
    return ChainReport(True, count, prev)
