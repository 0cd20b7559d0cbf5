"""The opt-out outbox: every submission is persisted before it is sent, found again by its
idempotency key after a retry or a restart, and its items are tracked one by one until each is
confirmed or refused.  Every step is a ledger event."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from creatorapp.core import secrets
from creatorapp.core.catalogue import Store, utc_now
from creatorapp.core.registries.adapters.base import Adapter
from creatorapp.core.registries.adapters.github_issue import GitHubIssue
from creatorapp.core.registries.adapters.spawning_handoff import SpawningHandoff
from creatorapp.core.registries.descriptor import Descriptor, Unit, load_all
from creatorapp.core.registries.http import RegistryError
from creatorapp.core.registries.model import (
    ItemState,
    SubmissionState,
    can_move,
    idempotency_key,
    normalise_url,
)
from creatorapp.errors import UserError

# destination id -> adapter class (a new destination kind is a new module and a line here)
ADAPTERS: dict[str, type[Adapter]] = {
    "spawning": SpawningHandoff,
    "bigcode-stack": GitHubIssue,
}


def normalise_target(unit: Unit, target: str) -> str:
    """URLs as registries compare them; account names without an @ and in lower case (GitHub
    and Hugging Face names are not case-sensitive)."""
    target = target.strip()
    if unit is Unit.URL:
        return normalise_url(target)
    if unit is Unit.ACCOUNT:
        return target.removeprefix("@").rstrip("/").rsplit("/", 1)[-1].lower()
    return target


class OptOutError(UserError):
    """A request about opt-outs that cannot be done as asked."""


@dataclass
class SubmitReport:
    destination: str
    new_items: int = 0
    queued: list[dict] = field(default_factory=list)  # submissions created now
    found: list[dict] = field(default_factory=list)  # already submitted earlier (same key)
    sent: list[dict] = field(default_factory=list)
    failed: list[tuple[dict, str]] = field(default_factory=list)
    payloads: list[dict] = field(default_factory=list)  # what is (or would be) sent
    next_steps: list[str] = field(default_factory=list)


def _parse(ts: str | None) -> datetime | None:
    return datetime.strptime(ts, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC) if ts else None


class OptOuts:
    def __init__(
        self,
        store: Store,
        descriptors: dict[str, Descriptor] | None = None,
        *,
        options: dict[str, dict] | None = None,
    ) -> None:
        self.store = store
        self.descriptors = descriptors or load_all()
        self.options = options or {}  # per destination, e.g. {"spawning": {"endpoint": ...}}

    def descriptor(self, destination: str) -> Descriptor:
        if destination not in self.descriptors:
            known = ", ".join(sorted(self.descriptors))
            raise OptOutError(f"unknown destination {destination!r} (known: {known})")
        if destination not in ADAPTERS:
            raise OptOutError(f"{destination}: submitting is not available in this version yet")
        return self.descriptors[destination]

    def adapter(self, destination: str) -> Adapter:
        descriptor = self.descriptor(destination)
        return ADAPTERS[destination](
            descriptor,
            secrets.get("registry", destination),
            **self.options.get(destination, {}),
        )

    # --- submitting ----------------------------------------------------------------------
    def submit(
        self, destination: str, targets: list[str], *, dry_run: bool = False
    ) -> SubmitReport:
        descriptor = self.descriptor(destination)
        normal = sorted({normalise_target(descriptor.unit, t) for t in targets if t.strip()})
        if not normal:
            raise OptOutError(f"nothing to submit: no {descriptor.unit.value}s given")
        report = SubmitReport(destination)
        adapter = self.adapter(destination)
        parts = [
            normal[i : i + descriptor.max_batch]
            for i in range(0, len(normal), descriptor.max_batch)
        ]
        for number, part in enumerate(parts, 1):
            key = idempotency_key(destination, part)
            payload = adapter.render(part, key, (number, len(parts)))
            report.payloads.append(payload)
            existing = self.store.submission(key=key)
            if existing is not None:
                report.found.append(existing)
                continue
            if dry_run:
                continue
            with self.store.transaction():
                report.new_items += self.store.add_items(destination, part, ItemState.PENDING.value)
                submission = self.store.add_submission(
                    destination=destination,
                    idempotency_key=key,
                    part_no=number,
                    part_count=len(parts),
                    state=SubmissionState.QUEUED.value,
                    payload=json.dumps(payload, ensure_ascii=False),
                )
                ids = [i["id"] for i in self._items_for(destination, part)]
                self.store.set_items(ids, submission_id=submission["id"])
                self.store.append(
                    "optout.queued",
                    destination,
                    {"key": key, "part": [number, len(parts)], "items": len(part)},
                )
            report.queued.append(submission)
        if not dry_run:
            self._send_queued(destination, adapter, report)
        adapter.close()
        return report

    def _items_for(self, destination: str, targets: list[str]) -> list[dict]:
        return self.store.items(destination, targets=targets)

    def send_queued(self, destination: str | None = None) -> list[SubmitReport]:
        """Send whatever is queued (after a crash, or a failure earlier)."""
        reports = []
        for dest in [destination] if destination else sorted(ADAPTERS):
            report = SubmitReport(dest)
            adapter = self.adapter(dest)
            self._send_queued(dest, adapter, report)
            adapter.close()
            reports.append(report)
        return reports

    def _send_queued(self, destination: str, adapter: Adapter, report: SubmitReport) -> None:
        now = datetime.now(UTC)
        for state in (SubmissionState.QUEUED, SubmissionState.FAILED):
            for submission in self.store.submissions(destination, state.value):
                due = _parse(submission["next_attempt_at"])
                if due is not None and due > now:
                    continue
                self._send_one(adapter, submission, report)

    def _send_one(self, adapter: Adapter, submission: dict, report: SubmitReport) -> None:
        key = submission["idempotency_key"]
        payload = json.loads(submission["payload"])
        try:
            sent = adapter.find(key) or adapter.send(payload, key)
        except RegistryError as exc:
            attempts = submission["attempts"] + 1
            wait = timedelta(minutes=min(60 * 24, 2**attempts))
            with self.store.transaction():
                self.store.update_submission(
                    submission["id"],
                    state=SubmissionState.FAILED.value,
                    attempts=attempts,
                    last_error=str(exc),
                    next_attempt_at=(datetime.now(UTC) + wait).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
                )
                self.store.append(
                    "optout.failed",
                    submission["destination"],
                    {"key": key, "error": str(exc), "retryable": exc.retryable},
                )
            report.failed.append((submission, str(exc)))
            return
        state = (
            SubmissionState.AWAITING_USER_ACTION
            if sent.state is ItemState.AWAITING_USER_ACTION
            else SubmissionState.SENT
        )
        items = self.store.items(submission_id=submission["id"])
        with self.store.transaction():
            self.store.update_submission(
                submission["id"],
                state=state.value,
                sent_at=utc_now(),
                remote_ref=sent.remote_ref,
                remote_url=sent.remote_url,
                attempts=submission["attempts"] + 1,
                last_error=None,
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

    # --- the user's part ------------------------------------------------------------------
    def attest(self, reference: str, evidence: str | None = None) -> int:
        """The user says they finished a hand-off; returns how many items moved."""
        submission = self.store.submission(key=reference)
        if submission is None and reference.isdigit():
            submission = self.store.submission(id=int(reference))
        if submission is None:
            raise OptOutError(f"no submission {reference!r} (see 'creatorapp optout status')")
        items = self.store.items(submission_id=submission["id"])
        movable = [
            i["id"] for i in items if can_move(ItemState(i["state"]), ItemState.USER_ATTESTED)
        ]
        with self.store.transaction():
            self.store.set_items(movable, state=ItemState.USER_ATTESTED.value)
            self.store.update_submission(
                submission["id"], state=SubmissionState.USER_ATTESTED.value
            )
            self.store.append(
                "optout.attested",
                submission["destination"],
                {"key": submission["idempotency_key"], "items": len(movable), "evidence": evidence},
            )
        return len(movable)

    # --- polling ------------------------------------------------------------------------
    def poll(self, destination: str | None = None) -> dict[str, dict[str, int]]:
        """Ask each destination what became of its open items; returns counts of new states.

        The next submission's question is asked while the last answer is recorded, so the
        destination's rate limit, not our bookkeeping, sets the pace.
        """
        from concurrent.futures import ThreadPoolExecutor

        summary: dict[str, dict[str, int]] = {}
        for dest in [destination] if destination else sorted(ADAPTERS):
            adapter = self.adapter(dest)
            counts: dict[str, int] = {}
            open_ = [
                s
                for s in self.store.submissions(dest)
                if s["state"] not in (SubmissionState.QUEUED.value, SubmissionState.CLOSED.value)
            ]

            def ask(submission: dict, adapter: Adapter = adapter) -> tuple:
                items = self.store.items(submission_id=submission["id"])
                outcomes = adapter.poll(submission, items)
                return items, outcomes, getattr(adapter, "last_etag", None)

            try:
                with ThreadPoolExecutor(max_workers=1) as pool:  # one request at a time
                    futures = [pool.submit(ask, s) for s in open_]
                    try:
                        for submission, future in zip(open_, futures, strict=True):
                            items, outcomes, etag = future.result()
                            if etag:
                                self.store.update_submission(submission["id"], etag=etag)
                            for k, v in self._record_poll(submission, items, outcomes).items():
                                counts[k] = counts.get(k, 0) + v
                    finally:
                        for future in futures:
                            future.cancel()
            finally:
                adapter.close()
            summary[dest] = counts
        return summary

    def _record_poll(self, submission: dict, items: list[dict], outcomes: list) -> dict[str, int]:
        by_id = {i["id"]: i for i in items}
        moves: dict[tuple[ItemState, ItemState, str], list[int]] = {}
        for outcome in outcomes:
            old = ItemState(by_id[outcome.item_id]["state"])
            if old is not outcome.state and can_move(old, outcome.state):
                moves.setdefault((old, outcome.state, outcome.detail), []).append(outcome.item_id)
        counts: dict[str, int] = {}
        with self.store.transaction():
            for (old, new, detail), ids in moves.items():
                self.store.set_items(ids, state=new.value)
                for i in ids:
                    by_id[i]["state"] = new.value
                counts[new.value] = counts.get(new.value, 0) + len(ids)
                self.store.append(
                    "optout.items",
                    submission["destination"],
                    {
                        "key": submission["idempotency_key"],
                        "from": old.value,
                        "to": new.value,
                        "detail": detail,
                        "targets": sorted(by_id[i]["target"] for i in ids),
                    },
                )
            counts |= self._stale(submission, by_id)
            if all(ItemState(i["state"]).final for i in by_id.values()):
                self.store.update_submission(submission["id"], state=SubmissionState.CLOSED.value)
            self.store.update_submission(
                submission["id"], polls=submission["polls"] + 1, next_poll_at=None
            )
        return counts

    def _stale(self, submission: dict, items: dict[int, dict]) -> dict[str, int]:
        sent = _parse(submission["sent_at"])
        turnaround = self.descriptors[submission["destination"]].expected_turnaround_days
        if sent is None or datetime.now(UTC) - sent < timedelta(days=turnaround):
            return {}
        late = [
            i["id"]
            for i in items.values()
            if not ItemState(i["state"]).final
            and i["state"] != ItemState.STALE.value
            and can_move(ItemState(i["state"]), ItemState.STALE)
        ]
        if late:
            self.store.set_items(late, state=ItemState.STALE.value)
            self.store.append(
                "optout.stale",
                submission["destination"],
                {"key": submission["idempotency_key"], "items": len(late)},
            )
        return {ItemState.STALE.value: len(late)} if late else {}

    # --- status ---------------------------------------------------------------------------
    def status(self) -> dict[str, dict[str, int]]:
        """Destination -> state -> how many items."""
        return self.store.item_counts()
