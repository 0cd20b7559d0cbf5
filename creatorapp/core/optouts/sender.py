"""Sending: every submission is persisted before it is sent, found again by its idempotency key
after a retry or a restart, and sent at the destination's pace.  Each destination is sent to on
its own queue, so one that is down or slow never holds up the others.  Every step is a ledger
event.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from creatorapp.core.catalogue import utc_now
from creatorapp.core.optouts import evidence, letters
from creatorapp.core.optouts.adapters.base import Adapter, NextStep
from creatorapp.core.optouts.advice import Hint, hint_of
from creatorapp.core.optouts.destinations import (
    Destinations,
    OptOutError,
    normalise_target,
    split_destination,
)
from creatorapp.core.optouts.http import RegistryError
from creatorapp.core.optouts.letters import Register
from creatorapp.core.optouts.model import (
    ItemState,
    SubmissionState,
    can_move,
    idempotency_key,
)
from creatorapp.core.optouts.queues import DestinationQueues
from creatorapp.core.optouts.times import TS, at, parse
from creatorapp.errors import UserError

_WAIT_IN_PLACE = 30.0  # seconds; a destination that wants longer gaps gets scheduled sends
# what a hand-off shows where its short reference will go, before it is recorded (a dry run)
REFERENCE_TO_COME = "[a short reference, given when the request is recorded]"
_NAMED = 2  # works named in a request's summary before "and N more"


def reference(submission: dict) -> str:
    """The request's short reference, the one people see and type: the destination and the
    request's number (``laion-12``).  The idempotency key stays the machine's."""
    base, _ = split_destination(submission["destination"])
    return f"{base}-{submission['id']}"


def parts(targets: list[str], max_batch: int, max_chars: int | None = None) -> list[list[str]]:
    """The targets in requests of at most ``max_batch``, and, where a request lists them in a
    free-text field, of at most ``max_chars`` characters of that list (one per line); a single
    longer target still goes, alone."""
    found: list[list[str]] = []
    current: list[str] = []
    size = 0
    for target in targets:
        length = len(target) + 1
        full = len(current) >= max_batch or (
            max_chars is not None and current and size + length > max_chars
        )
        if full:
            found.append(current)
            current, size = [], 0
        current.append(target)
        size += length
    if current:
        found.append(current)
    return found


class Failure(NamedTuple):
    submission: dict
    error: str  # what went wrong, in plain words (also kept as the submission's last error)
    hint: Hint | None = None  # what the creator can do about it


@dataclass
class SubmitReport:
    destination: str
    new_items: int = 0
    queued: list[dict] = field(default_factory=list)  # submissions created now
    found: list[dict] = field(default_factory=list)  # earlier submissions with these items
    already_tracked: int = 0  # items this destination was asked for before
    sent: list[dict] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)
    scheduled: list[tuple[dict, str]] = field(default_factory=list)  # kept for a later slot
    payloads: list[dict] = field(default_factory=list)  # what is (or would be) sent
    next_steps: list[NextStep] = field(default_factory=list)


class Sender:
    def __init__(self, destinations: Destinations, queues: DestinationQueues) -> None:
        self.destinations = destinations
        self.store = destinations.store
        self.queues = queues

    def submit(
        self,
        destination: str,
        targets: list[str],
        *,
        dry_run: bool = False,
        sworn: bool = False,
        works: dict[str, int] | None = None,
        shows_person: bool = False,
    ) -> SubmitReport:
        """Queue ``targets`` for ``destination`` and send them.  ``works`` maps a target to
        the catalogue work it stands for; ``sworn`` is the creator's explicit confirmation of
        a letter's sworn statements; ``shows_person`` is the creator saying the works show
        them, the only case a personal-data request is true for (otherwise the letter is a
        copyright reservation)."""
        destination = self.destinations.full_name(destination)
        descriptor = self.destinations.descriptor(destination)
        register = Register.PERSONAL_DATA if shows_person else Register.COPYRIGHT
        letters.letter_id(descriptor, register)  # refused before anything else is read
        normal: dict[str, str] = {}
        for t in targets:
            if t.strip():
                normal.setdefault(normalise_target(descriptor.unit, t), t)
        if not normal:
            raise OptOutError(f"nothing to submit: no {descriptor.unit.value}s given")
        report = SubmitReport(destination)
        # what this destination was already asked for is never asked again, whatever batch it
        # came in: those items are followed through the submissions that carry them
        tracked = self.store.items(
            destination, targets=sorted(normal), fields=("target", "submission_id")
        )
        known = {i["target"]: i["submission_id"] for i in tracked}
        wanted = sorted(t for t in normal if t not in known)
        report.already_tracked = len(known)
        for submission_id in sorted({s for s in known.values() if s is not None}):
            report.found.append(self.store.submission(id=submission_id))
        adapter = self.destinations.adapter(
            destination, sworn=sworn, dry_run=dry_run, register=register
        )
        try:
            batches = parts(wanted, descriptor.max_batch, descriptor.max_chars)
            for number, part in enumerate(batches, 1):
                key = idempotency_key(destination, part)
                numbering = (number, len(batches))
                if _shows_reference(adapter):
                    # a hand-off is never looked up by its key: what the creator pastes and
                    # keeps carries the short reference, given once the request is recorded
                    payload = adapter.render(part, REFERENCE_TO_COME, numbering)
                else:
                    payload = adapter.render(part, key, numbering)
                if dry_run:
                    report.payloads.append(payload)
                    continue
                new, payload = self._queue(
                    destination, key, part, numbering, payload, sworn, works, normal,
                    adapter=adapter, register=register,
                )  # fmt: skip
                report.new_items += new
                report.payloads.append(payload)
                report.queued.append(self.store.submission(key=key))
            if not dry_run:
                base, _ = split_destination(destination)
                self.queues.run({base: lambda: self._send_queued(destination, adapter, report)})
        finally:
            adapter.close()
        return report

    def _queue(
        self, destination, key, part, numbering, payload, sworn, works, given, *, adapter, register
    ) -> tuple[int, dict]:
        number, count = numbering
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        with self.store.transaction():
            new = self.store.add_items(destination, part, ItemState.PENDING.value)
            submission = self.store.add_submission(
                destination=destination,
                idempotency_key=key,
                part_no=number,
                part_count=count,
                state=SubmissionState.QUEUED.value,
                payload=text,
            )
            if _shows_reference(adapter):
                payload = adapter.render(part, reference(submission), numbering)
                text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
                self.store.update_submission(submission["id"], payload=text)
            request = evidence.keep(text.encode("utf-8"), ".json")  # exactly what will be sent
            items = self.store.items(destination, targets=part)
            self.store.set_items([i["id"] for i in items], submission_id=submission["id"])
            if works:
                for item in items:
                    work_id = works.get(given.get(item["target"], item["target"]))
                    if work_id is not None:
                        self.store.set_items([item["id"]], work_id=work_id)
            self.store.append(
                "optout.queued",
                destination,
                {
                    "key": key,
                    "part": [number, count],
                    "items": len(part),
                    "request": request,
                    "sworn_statements_confirmed": sworn,
                    "register": register.value,
                },
            )
        return new, payload

    def describe(self, submission: dict) -> str:
        """A request as people know it: its short reference and the works it asks about, by
        file name where the catalogue knows the work, else by address (``laion-12 (moon.jpg,
        sunset.jpg and 10 more)``)."""
        items = self.store.items(submission_id=submission["id"], fields=("target", "work_id"))
        ids = [i["work_id"] for i in items if i["work_id"] is not None]
        paths = {w.id: w.path for w in self.store.works_by_ids(ids)} if ids else {}
        names = sorted(
            os.path.basename(paths[i["work_id"]]) if i["work_id"] in paths else i["target"]
            for i in items
        )
        shown = ", ".join(names[:_NAMED])
        if len(names) > _NAMED:
            shown += f" and {len(names) - _NAMED:,} more"
        return f"{reference(submission)} ({shown})" if shown else reference(submission)

    def send_queued(self, destination: str | None = None) -> list[SubmitReport]:
        """Send whatever is queued and due (after a crash, or a failure earlier): each
        destination on its own queue, at the same time."""
        waiting = {
            s["destination"]
            for state in (SubmissionState.QUEUED, SubmissionState.FAILED)
            for s in self.store.submissions(state=state.value, payload=False)
        }
        by_base: dict[str, list[str]] = {}
        for dest in sorted(waiting):
            base, _ = split_destination(dest)
            if destination and base != destination and dest != destination:
                continue
            by_base.setdefault(base, []).append(dest)
        done = self.queues.run(
            {
                base: (lambda dests=dests: [self._send_destination(d) for d in dests])
                for base, dests in by_base.items()
            }
        )
        return sorted(
            (r for reports in done.values() for r in reports), key=lambda r: r.destination
        )

    def _send_destination(self, destination: str) -> SubmitReport:
        report = SubmitReport(destination)
        try:
            adapter = self.destinations.adapter(destination)
        except UserError as exc:
            report.failed += [
                Failure(s, str(exc), hint_of(exc))
                for s in self.store.submissions(destination, SubmissionState.QUEUED)
            ]
            return report
        try:
            self._send_queued(destination, adapter, report)
        finally:
            adapter.close()
        return report

    def _send_queued(self, destination: str, adapter: Adapter, report: SubmitReport) -> None:
        interval = self.destinations.descriptor(destination).rate_limit.min_interval()
        # a slow limit (letters: a few an hour) is kept by scheduling the rest for later, not
        # by holding the app; short gaps are waited out by the adapter's own rate limiter
        slot = self._next_slot(destination, interval) if interval > _WAIT_IN_PLACE else None
        now = datetime.now(UTC)
        for state in (SubmissionState.QUEUED, SubmissionState.FAILED):
            for submission in self.store.submissions(destination, state.value):
                due = parse(submission["next_attempt_at"])
                if due is not None and due > now:
                    continue
                if slot is not None and slot > now:
                    self.store.update_submission(
                        submission["id"], next_attempt_at=slot.strftime(TS)
                    )
                    report.scheduled.append((submission, slot.strftime(TS)))
                    slot += timedelta(seconds=interval)
                    continue
                if not self._send_one(adapter, submission, report):
                    return  # the destination is down or refuses us: the rest wait too
                if slot is not None:
                    slot = datetime.now(UTC) + timedelta(seconds=interval)

    def _next_slot(self, destination: str, interval: float) -> datetime:
        """When this destination (any of its datasets or recipients) may be sent to next."""
        base, _ = split_destination(destination)
        sent = [
            parse(s["sent_at"])
            for s in self.store.submissions(payload=False)
            if s["sent_at"] and split_destination(s["destination"])[0] == base
        ]
        if not sent:
            return datetime.min.replace(tzinfo=UTC)
        return max(sent) + timedelta(seconds=interval)  # type: ignore[type-var]

    def _send_one(self, adapter: Adapter, submission: dict, report: SubmitReport) -> bool:
        key = submission["idempotency_key"]
        payload = json.loads(submission["payload"])
        # counted before sending: if the app dies after the destination got it, the next try
        # knows it is not the first and looks for the earlier submission before sending
        attempts = submission["attempts"] + 1
        self.store.update_submission(submission["id"], attempts=attempts)
        try:
            earlier = attempts > 1 and adapter.capabilities.finds_earlier
            sent = (adapter.find(key) if earlier else None) or adapter.send(payload, key)
        except RegistryError as exc:
            if exc.retry_after is not None:
                wait = exc.retry_after
            elif exc.retryable:
                wait = 60.0 * min(60 * 24, 2**attempts)
            else:
                wait = 0.0  # due as soon as the user has fixed the token or the settings
            with self.store.transaction():
                self.store.update_submission(
                    submission["id"],
                    state=SubmissionState.FAILED.value,
                    attempts=attempts,
                    last_error=str(exc),
                    next_attempt_at=at(wait) if wait else None,
                )
                self.store.append(
                    "optout.failed",
                    submission["destination"],
                    {"key": key, "error": str(exc), "retryable": exc.retryable},
                )
            report.failed.append(Failure(submission, str(exc), exc.hint))
            return False
        state = (
            SubmissionState.AWAITING_USER_ACTION
            if sent.state is ItemState.AWAITING_USER_ACTION
            else SubmissionState.SENT
        )
        first_poll = self.destinations.poll_wait(submission["destination"], 0)
        items = self.store.items(submission_id=submission["id"])
        with self.store.transaction():
            self.store.update_submission(
                submission["id"],
                state=state.value,
                sent_at=utc_now(),
                remote_ref=sent.remote_ref,
                remote_url=sent.remote_url,
                last_error=None,
                next_poll_at=at(first_poll),
            )
            movable = [i["id"] for i in items if can_move(ItemState(i["state"]), sent.state)]
            self.store.set_items(movable, state=sent.state.value)
            self.store.append(
                "optout.sent",
                submission["destination"],
                {
                    "key": key,
                    "state": state.value,
                    "remote_ref": sent.remote_ref,
                    "remote_url": sent.remote_url,
                    "evidence": sent.evidence,
                    "items": len(items),
                },
            )
        report.sent.append(self.store.submission(id=submission["id"]))
        if sent.next_step:
            # the creator answers it by the reference they were shown, not by the key
            report.next_steps.append(replace(sent.next_step, reference=reference(submission)))
        return True


def _shows_reference(adapter: Adapter) -> bool:
    """Whether what the adapter renders is only ever read by people (a hand-off the creator
    sends and keeps), never looked up again by its key."""
    return adapter.capabilities.hands_off and not adapter.capabilities.finds_earlier
