"""The ledger's head, kept outside the database so that cutting events off its end shows.

The hash chain alone proves only that the events in the database link up: someone who deletes
the last events (and fixes the counter), or edits one and recomputes every hash after it, gets a
chain that checks out.  So after every transaction that added events, the store writes a small
record of ``{catalogue id, events, head hash, when}`` in two places: beside the catalogue and in
the user's settings folder.  ``ledger verify`` checks the chain against both.

What this proves, and what it does not: the chain is internally consistent and still contains
the last head this app recorded outside the database.  Someone who rewrites the database *and*
every record is not caught; anchoring the head with an outside timestamp service would be.  The
record carries a SHA-256 of its own content, which catches a damaged or carelessly edited record,
not a forged one: it is not a signature.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.catalogue.ledger import GENESIS, ChainReport, verify_chain
from creatorapp.core.catalogue.location import PRIVATE_FILE, private_folder
from creatorapp.core.catalogue.model import LedgerEvent

if TYPE_CHECKING:
    from creatorapp.core.catalogue.store import Store

log = logging.getLogger(__name__)

GAP_KIND = "ledger.gap"  # the event a store appends when the chain no longer holds the record


@dataclass(frozen=True)
class Head:
    catalogue: str  # the catalogue's id (kept in its meta table)
    events: int
    head: str
    at: str

    def digest(self) -> str:
        text = json.dumps(asdict(self), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class Record:
    """One place the head is kept: what it says there, or why it cannot be read."""

    where: str  # in words: "beside the catalogue", "in the settings folder"
    path: Path
    head: Head | None = None
    problem: str | None = None  # it cannot be read, or it is damaged: verify fails
    note: str | None = None  # it is another catalogue's (a catalogue file copied over this one)

    @property
    def missing(self) -> bool:
        return self.head is None and self.problem is None and self.note is None


BY_LOCATION = "in the settings folder, by the catalogue's location"


def places(catalogue: Path, catalogue_id: str) -> list[tuple[str, Path]]:
    """Where the head is kept.  The settings folder keeps it twice: by the catalogue's id (a
    catalogue moved elsewhere still finds its record) and by the catalogue's location (a
    database whose id was changed, or that was swapped for another, cannot hide from it)."""
    from creatorapp.core.policy import config_dir

    heads = config_dir() / "ledger-heads"
    location = hashlib.sha256(os.fsencode(os.path.abspath(catalogue))).hexdigest()[:32]
    return [
        ("beside the catalogue", catalogue.with_name(catalogue.name + ".ledger-head.json")),
        ("in the settings folder", heads / f"{catalogue_id}.json"),
        (BY_LOCATION, heads / "by-location" / f"{location}.json"),
    ]


def read(where: str, path: Path, catalogue_id: str) -> Record:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return Record(where, path)
    except (OSError, ValueError) as exc:
        return Record(where, path, problem=f"it cannot be read ({exc})")
    try:
        head = Head(str(raw["catalogue"]), int(raw["events"]), str(raw["head"]), str(raw["at"]))
        digest = str(raw["sha256"])
    except (KeyError, TypeError, ValueError):
        return Record(where, path, problem="it is damaged (fields are missing)")
    if head.digest() != digest:
        return Record(where, path, problem="it is damaged or was edited (its checksum is wrong)")
    if head.catalogue != catalogue_id:
        if where == BY_LOCATION:
            return Record(
                where,
                path,
                problem=(
                    f"the catalogue at this location was recorded on {head.at} as another "
                    f"catalogue ({head.catalogue}, {head.events} events): it was replaced, or its "
                    "identity was changed"
                ),
            )
        return Record(where, path, note=f"it belongs to another catalogue ({head.catalogue})")
    return Record(where, path, head)


def records(catalogue: Path, catalogue_id: str) -> list[Record]:
    return [read(where, path, catalogue_id) for where, path in places(catalogue, catalogue_id)]


def write(catalogue: Path, head: Head) -> None:
    """Replace both records atomically; a record that cannot be written (a full or read-only
    disk) is logged and skipped: it lags behind, which verify accepts, and the database is what
    counts."""
    doc = {**asdict(head), "sha256": head.digest()}
    data = (json.dumps(doc, sort_keys=True, indent=1) + "\n").encode()
    for _where, path in places(catalogue, head.catalogue):
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            private_folder(path.parent)
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE_FILE)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            log.warning("cannot record the ledger's head in %s: %s", path, exc)
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def newest(found: list[Record]) -> Head | None:
    """The record that knows the most events: what the chain must still contain."""
    heads = [r.head for r in found if r.head is not None]
    return max(heads, key=lambda h: h.events, default=None)


def mismatch(head: Head, events: int, hash_at: str | None) -> str | None:
    """Why a chain of ``events`` events, whose event number ``head.events`` has ``hash_at``,
    no longer holds ``head`` (None: it does)."""
    if events < head.events:
        return (
            f"the ledger ends at event {events} but {head.events} were recorded on {head.at}: "
            f"events {events + 1} to {head.events} were cut off (or the catalogue was put back "
            "from an older copy)"
        )
    if head.events and hash_at != head.head:
        return (
            f"event {head.events} is not the one recorded on {head.at}: the ledger was "
            "rewritten up to there (or the catalogue was replaced)"
        )
    return None


PROVES = (
    "What this checks: that every event links to the one before it, and that the chain still "
    "holds the last head this app recorded outside the database (beside the catalogue and in "
    "the settings folder). It cannot catch someone who rewrites the database and every one of "
    "those records; anchoring the head with an outside timestamp service is not done yet."
)


def verify_ledger(store: Store) -> ChainReport:
    """The chain checked link by link, then against the heads recorded outside the database,
    and for any gap a running app found and recorded in the chain itself."""
    found = store.head_records()
    wanted = {r.head.events for r in found if r.head is not None}
    hashes: dict[int, str] = {0: GENESIS}
    gaps: list[LedgerEvent] = []

    def tap(events: Iterable[LedgerEvent]) -> Iterator[LedgerEvent]:
        for event in events:
            if event.seq in wanted:
                hashes[event.seq] = event.hash
            if event.kind == GAP_KIND:
                gaps.append(event)
            yield event

    report = verify_chain(tap(store.events()), expected_count=store.events_written())
    notes = [
        f"no record of the head {r.where} yet ({r.path})"
        for r in found
        if r.missing and store.events_written()
    ]
    notes += [f"the record {r.where} ({r.path}) was not used: {r.note}" for r in found if r.note]
    if not report.ok:
        return replace(report, notes=tuple(notes))
    matched: list[str] = []
    for r in found:
        if r.problem is not None:
            return replace(
                report,
                ok=False,
                problem=f"the record of the ledger's head {r.where} ({r.path}): {r.problem}",
                notes=tuple(notes),
            )
        if r.head is None:
            continue
        problem = mismatch(r.head, report.events, hashes.get(r.head.events))
        if problem is not None:
            bad = report.events + 1 if report.events < r.head.events else r.head.events
            return replace(
                report,
                ok=False,
                bad_seq=bad,
                problem=f"{problem} (the head recorded {r.where} says so)",
                notes=tuple(notes),
            )
        if r.where != BY_LOCATION:  # the same folder again, under another name: said once
            matched.append(r.where)
    for gap in gaps:
        return replace(
            report,
            ok=False,
            bad_seq=gap.seq,
            problem=(
                f"event {gap.seq} records that on {gap.at} this app found the ledger no longer "
                f"held what it had recorded outside the database: {gap.data.get('problem')}"
            ),
            matched=tuple(matched),
            notes=tuple(notes),
        )
    return replace(report, matched=tuple(matched), notes=tuple(notes))
