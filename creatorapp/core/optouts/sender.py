"""Sending: every submission is persisted before it is sent, found again by its idempotency key
after a retry or a restart, and sent at the destination's pace.  Each destination is sent to on
its own queue, so one that is down or slow never holds up the others.  Every step is a ledger
event.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from creatorapp.core.catalogue import utc_now
from creatorapp.core.optouts import evidence
from creatorapp.core.optouts.adapters.base import Adapter, NextStep
from creatorapp.core.optouts.advice import Hint, hint_of
from creatorapp.core.optouts.destinations import (
    Destinations,
    OptOutError,
    normalise_target,
    split_destination,
)
from creatorapp.core.optouts.http import RegistryError
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
    ) -> SubmitReport:
        """Queue ``targets`` for ``destination`` and send them.  ``works`` maps a target to
        the catalogue work it stands for; ``sworn`` is the creator's explicit confirmation of
        a letter's sworn statements."""
        destination = self.destinations.full_name(destination)
        descriptor = self.destinations.descriptor(destination)
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
        adapter = self.destinations.adapter(destination, sworn=sworn, dry_run=dry_run)
        try:
            parts = [
                wanted[i : i + descriptor.max_batch]
                for i in range(0, len(wanted), descriptor.max_batch)
            ]
            for number, part in enumerate(parts, 1):
                key = idempotency_key(destination, part)
                payload = adapter.render(part, key, (number, len(parts)))
                report.payloads.append(payload)
                if dry_run:
                    continue
                report.new_items += self._queue(
                    destination, key, part, (number, len(parts)), payload, sworn, works, normal
                )
                report.queued.append(self.store.submission(key=key))
            if not dry_run:
                base, _ = split_destination(destination)
                self.queues.run({base: lambda: self._send_queued(destination, adapter, report)})
        finally:
            adapter.close()
        return report

    def _queue(self, destination, key, part, numbering, payload, sworn, works, given) -> int:
        number, count = numbering
        text = json.dumps(payload, ensure_ascii=False, sort_keys=True)
        request = evidence.keep(text.encode("utf-8"), ".json")  # exactly what will be sent
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
                },
            )
        return new

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
            report.next_steps.append(sent.next_step)
        return True
