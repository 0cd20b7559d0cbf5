"""The opt-out outbox: every submission is persisted before it is sent, found again by its
idempotency key after a retry or a restart, and its items are tracked one by one until each is
confirmed or refused.  Every step is a ledger event.

A destination is a descriptor id, or for destinations asked about one dataset or one recipient
at a time, ``id:scope`` (``huggingface:laion/laion2B-en``, ``reservation-notice:legal@x.example``);
items and submissions are kept per such destination, so the same URL can be asked of two
datasets.
"""

from __future__ import annotations

import contextlib
import gc
import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from creatorapp.core import secrets
from creatorapp.core.catalogue import Store, utc_now
from creatorapp.core.registries import evidence
from creatorapp.core.registries.adapters.base import Adapter, Context
from creatorapp.core.registries.adapters.email_letter import EmailLetter
from creatorapp.core.registries.adapters.github_issue import GitHubIssue
from creatorapp.core.registries.adapters.hf_discussion import HfDiscussion
from creatorapp.core.registries.adapters.spawning_handoff import SpawningHandoff
from creatorapp.core.registries.adapters.web_form import WebForm
from creatorapp.core.registries.descriptor import Descriptor, Unit, load_all
from creatorapp.core.registries.http import RegistryError
from creatorapp.core.registries.letters import Contact
from creatorapp.core.registries.model import (
    TRANSITIONS,
    ItemState,
    SubmissionState,
    can_move,
    idempotency_key,
    normalise_url,
)
from creatorapp.errors import UserError

# adapter kind -> class (a new kind of destination is a new module and a line here)
ADAPTERS: dict[str, type[Adapter]] = {
    "spawning_handoff": SpawningHandoff,
    "github_issue": GitHubIssue,
    "hf_discussion": HfDiscussion,
    "email": EmailLetter,
    "browser_form": WebForm,
}

_TS = "%Y-%m-%dT%H:%M:%S.%fZ"
_MOVES = frozenset((old.value, new.value) for old, news in TRANSITIONS.items() for new in news)
_WAIT_IN_PLACE = 30.0  # seconds; a destination that wants longer gaps gets scheduled sends
_POLL_FIELDS = ("id", "target", "state", "work_id")  # what adapters and the ledger need
_FINAL = frozenset(s.value for s in ItemState if s.final)
_SCOPE_FORMS = {
    "dataset": re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$"),
    "recipient": re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"),
}
_SCOPE_WORDS = {
    "dataset": "a Hugging Face dataset id (owner/name, e.g. laion/laion2B-en)",
    "recipient": "an email address",
}
_OPEN = frozenset(
    {
        SubmissionState.SENT.value,
        SubmissionState.AWAITING_USER_ACTION.value,
        SubmissionState.USER_ATTESTED.value,
    }
)


def normalise_target(unit: Unit, target: str) -> str:
    """URLs as registries compare them; account names without an @ and in lower case (GitHub
    and Hugging Face names are not case-sensitive)."""
    target = target.strip()
    if unit is Unit.URL:
        return normalise_url(target)
    if unit is Unit.ACCOUNT:
        return target.removeprefix("@").rstrip("/").rsplit("/", 1)[-1].lower()
    if unit is Unit.DOMAIN:
        host = target.split("://", 1)[-1].split("/", 1)[0]
        return host.lower().removeprefix("www.")
    return target


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """A poll builds tens of thousands of small dicts; the cycle collector's full passes over
    them stall the request thread for tens of milliseconds, which a rate-limited destination
    turns into missed slots.  Nothing here makes cycles, so collection waits until the end."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def split_destination(destination: str) -> tuple[str, str | None]:
    base, _, scope = destination.partition(":")
    return base, (scope or None)


def _parse(ts: str | None) -> datetime | None:
    return datetime.strptime(ts, _TS).replace(tzinfo=UTC) if ts else None


def _at(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).strftime(_TS)


class OptOutError(UserError):
    """A request about opt-outs that cannot be done as asked."""


@dataclass
class SubmitReport:
    destination: str
    new_items: int = 0
    queued: list[dict] = field(default_factory=list)  # submissions created now
    found: list[dict] = field(default_factory=list)  # earlier submissions with these items
    already_tracked: int = 0  # items this destination was asked for before
    sent: list[dict] = field(default_factory=list)
    failed: list[tuple[dict, str]] = field(default_factory=list)
    scheduled: list[tuple[dict, str]] = field(default_factory=list)  # kept for a later slot
    payloads: list[dict] = field(default_factory=list)  # what is (or would be) sent
    next_steps: list[str] = field(default_factory=list)


@dataclass
class PollReport:
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # destination -> new states
    errors: dict[str, str] = field(default_factory=dict)  # destination -> why it was not asked
    not_due: int = 0  # open submissions whose next poll is later
    next_due: str | None = None


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

    # --- destinations ---------------------------------------------------------------------
    def descriptor(self, destination: str) -> Descriptor:
        base, _ = split_destination(destination)
        if base not in self.descriptors:
            known = ", ".join(sorted(self.descriptors))
            raise OptOutError(f"unknown destination {base!r} (known: {known})")
        descriptor = self.descriptors[base]
        if descriptor.kind not in ADAPTERS:
            raise OptOutError(f"{base}: submitting is not available in this version yet")
        return descriptor

    def destination(self, base: str, scope: str | None = None) -> str:
        """The full destination name, checked: a dataset or recipient where one is needed."""
        descriptor = self.descriptor(base)
        base, given = split_destination(base)
        scope = scope or given
        if descriptor.scope and not scope:
            flag = "--dataset OWNER/NAME" if descriptor.scope == "dataset" else "--to ADDRESS"
            raise OptOutError(f"{base} asks about one {descriptor.scope} at a time: add {flag}")
        if scope and not descriptor.scope:
            raise OptOutError(f"{base} takes no dataset or recipient")
        if scope and not _SCOPE_FORMS[descriptor.scope].match(scope):
            raise OptOutError(f"{scope!r} is not {_SCOPE_WORDS[descriptor.scope]}")
        return f"{base}:{scope}" if scope else base

    def contact(self) -> Contact:
        return Contact.from_dict(self.store.setting("contact"))

    def adapter(self, destination: str, *, sworn: bool = False, dry_run: bool = False) -> Adapter:
        descriptor = self.descriptor(destination)
        _, scope = split_destination(destination)
        options = dict(self.options.get(descriptor.id, {}))
        if descriptor.auth_kind == "smtp":
            mail = options.setdefault("mail", self.store.setting("mail"))
            secret = secrets.get("mail", mail["username"]) if mail else None
        else:
            secret = secrets.get("registry", descriptor.id)
        if dry_run:
            options["dry_run"] = True
        context = Context(scope=scope, contact=self.contact(), sworn=sworn)
        return ADAPTERS[descriptor.kind](descriptor, secret, context, **options)

    # --- submitting ----------------------------------------------------------------------
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
        destination = self.destination(destination)
        descriptor = self.descriptor(destination)
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
        adapter = self.adapter(destination, sworn=sworn, dry_run=dry_run)
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
                self._send_queued(destination, adapter, report)
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
        """Send whatever is queued and due (after a crash, or a failure earlier)."""
        waiting = {
            s["destination"]
            for state in (SubmissionState.QUEUED, SubmissionState.FAILED)
            for s in self.store.submissions(state=state.value, payload=False)
        }
        reports = []
        for dest in sorted(waiting):
            if destination and split_destination(dest)[0] != destination and dest != destination:
                continue
            report = SubmitReport(dest)
            try:
                adapter = self.adapter(dest)
            except UserError as exc:
                report.failed += [
                    (s, str(exc)) for s in self.store.submissions(dest, SubmissionState.QUEUED)
                ]
                reports.append(report)
                continue
            try:
                self._send_queued(dest, adapter, report)
            finally:
                adapter.close()
            reports.append(report)
        return reports

    def _send_queued(self, destination: str, adapter: Adapter, report: SubmitReport) -> None:
        interval = self.descriptor(destination).rate_limit.min_interval()
        # a slow limit (letters: a few an hour) is kept by scheduling the rest for later, not
        # by holding the app; short gaps are waited out by the adapter's own rate limiter
        slot = self._next_slot(destination, interval) if interval > _WAIT_IN_PLACE else None
        now = datetime.now(UTC)
        for state in (SubmissionState.QUEUED, SubmissionState.FAILED):
            for submission in self.store.submissions(destination, state.value):
                due = _parse(submission["next_attempt_at"])
                if due is not None and due > now:
                    continue
                if slot is not None and slot > now:
                    self.store.update_submission(
                        submission["id"], next_attempt_at=slot.strftime(_TS)
                    )
                    report.scheduled.append((submission, slot.strftime(_TS)))
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
            _parse(s["sent_at"])
            for s in self.store.submissions(payload=False)
            if s["sent_at"] and split_destination(s["destination"])[0] == base
        ]
        if not sent:
            return datetime.min.replace(tzinfo=UTC)
        return max(sent) + timedelta(seconds=interval)

    def _send_one(self, adapter: Adapter, submission: dict, report: SubmitReport) -> bool:
        key = submission["idempotency_key"]
        payload = json.loads(submission["payload"])
        # counted before sending: if the app dies after the destination got it, the next try
        # knows it is not the first and looks for the earlier submission before sending
        attempts = submission["attempts"] + 1
        self.store.update_submission(submission["id"], attempts=attempts)
        try:
            sent = (adapter.find(key) if attempts > 1 else None) or adapter.send(payload, key)
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
                    next_attempt_at=_at(wait) if wait else None,
                )
                self.store.append(
                    "optout.failed",
                    submission["destination"],
                    {"key": key, "error": str(exc), "retryable": exc.retryable},
                )
            report.failed.append((submission, str(exc)))
            return False
        state = (
            SubmissionState.AWAITING_USER_ACTION
            if sent.state is ItemState.AWAITING_USER_ACTION
            else SubmissionState.SENT
        )
        descriptor = self.descriptor(submission["destination"])
        items = self.store.items(submission_id=submission["id"])
        with self.store.transaction():
            self.store.update_submission(
                submission["id"],
                state=state.value,
                sent_at=utc_now(),
                remote_ref=sent.remote_ref,
                remote_url=sent.remote_url,
                last_error=None,
                next_poll_at=_at(descriptor.poll_wait(0)),
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

    # --- the user's part ------------------------------------------------------------------
    def find_submission(self, reference: str) -> dict:
        submission = self.store.submission(key=reference)
        if submission is None and reference.isdigit():
            submission = self.store.submission(id=int(reference))
        if submission is None:
            raise OptOutError(f"no submission {reference!r} (see 'creatorapp optout status')")
        return submission

    def _evidence(self, evidence_file: Path | None) -> dict | None:
        if evidence_file is None:
            return None
        try:
            data = Path(evidence_file).read_bytes()
        except OSError as exc:
            raise OptOutError(f"cannot read {evidence_file} ({exc.strerror or exc})") from None
        record = evidence.keep(data, Path(evidence_file).suffix[:16])
        return {**record, "name": Path(evidence_file).name}

    def attest(
        self, reference: str, *, evidence_file: Path | None = None, note: str | None = None
    ) -> int:
        """The user says they finished a hand-off; returns how many items moved."""
        submission = self.find_submission(reference)
        kept = self._evidence(evidence_file)
        items = self.store.items(submission_id=submission["id"])
        attested = ItemState.USER_ATTESTED
        movable = [
            i["id"]
            for i in items
            if i["state"] != attested.value and can_move(ItemState(i["state"]), attested)
        ]
        if not movable and not any(i["state"] == attested.value for i in items):
            states = ", ".join(sorted({i["state"] for i in items}))
            raise OptOutError(
                f"nothing to attest: the items are {states} (the destination answers these "
                "itself; 'optout resolve' records what it decided)"
            )
        with self.store.transaction():
            self.store.set_items(movable, state=ItemState.USER_ATTESTED.value)
            if submission["state"] == SubmissionState.AWAITING_USER_ACTION.value:
                self.store.update_submission(
                    submission["id"], state=SubmissionState.USER_ATTESTED.value
                )
            self.store.append(
                "optout.attested",
                submission["destination"],
                {
                    "key": submission["idempotency_key"],
                    "items": len(movable),
                    "evidence": kept,
                    "note": note,
                },
            )
        return len(movable)

    def resolve(
        self,
        reference: str,
        outcome: ItemState,
        *,
        evidence_file: Path | None = None,
        note: str | None = None,
    ) -> int:
        """The creator read the answer (a reply, a letter, a confirmation page) and records
        what the destination decided; returns how many items moved."""
        if not outcome.final:
            raise OptOutError("an answer is either confirmed or rejected")
        submission = self.find_submission(reference)
        kept = self._evidence(evidence_file)
        items = self.store.items(submission_id=submission["id"])
        movable = [
            i
            for i in items
            if i["state"] != outcome.value and can_move(ItemState(i["state"]), outcome)
        ]
        if not movable:
            states = ", ".join(sorted({i["state"] for i in items}))
            raise OptOutError(
                f"nothing to mark {outcome.value}: the items are {states}"
                + (" (not sent yet)" if "pending" in states else "")
            )
        with self.store.transaction():
            self.store.set_items([i["id"] for i in movable], state=outcome.value)
            self.store.append(
                "optout.resolved",
                submission["destination"],
                {
                    "key": submission["idempotency_key"],
                    "to": outcome.value,
                    "targets": sorted(i["target"] for i in movable),
                    "evidence": kept,
                    "note": note,
                },
            )
            if len(movable) == len(items) or all(
                ItemState(i["state"]).final for i in items if i not in movable
            ):
                self.store.update_submission(submission["id"], state=SubmissionState.CLOSED.value)
        return len(movable)

    # --- polling ------------------------------------------------------------------------
    def poll(self, destination: str | None = None, *, force: bool = False) -> PollReport:
        """Ask each destination what became of its open submissions that are due (all of them
        with ``force``).  A destination that is down or refuses us is reported and asked again
        later; the others go on.

        The next submission's question is asked while the last answer is recorded, so the
        destination's rate limit, not our bookkeeping, sets the pace.
        """
        report = PollReport()
        now = datetime.now(UTC)
        groups: dict[str, list[dict]] = {}
        for s in self.store.submissions(payload=False):
            if s["state"] not in _OPEN:
                continue
            if destination and destination not in (
                s["destination"],
                split_destination(s["destination"])[0],
            ):
                continue
            due = _parse(s["next_poll_at"])
            if not force and due is not None and due > now:
                report.not_due += 1
                if report.next_due is None or s["next_poll_at"] < report.next_due:
                    report.next_due = s["next_poll_at"]
                continue
            groups.setdefault(s["destination"], []).append(s)
        for dest, open_ in sorted(groups.items()):
            try:
                adapter = self.adapter(dest)
            except UserError as exc:
                report.errors[dest] = str(exc)
                continue
            try:
                report.changes[dest] = self._poll_destination(adapter, open_, report, dest)
            finally:
                adapter.close()
        return report

    def _poll_destination(
        self, adapter: Adapter, open_: list[dict], report: PollReport, dest: str
    ) -> dict[str, int]:
        counts: dict[str, int] = {}
        prefetched: dict[int, list[dict]] = {}  # touched by the worker thread only

        def load(index: int) -> list[dict]:
            return self.store.items(submission_id=open_[index]["id"], fields=_POLL_FIELDS)

        def ask(index: int) -> tuple:
            items = prefetched.pop(index, None) or load(index)
            outcomes = adapter.poll(open_[index], items)
            received, adapter.received = adapter.received, []
            if index + 1 < len(open_):
                # the next items are read now, before this answer is handed over and recorded,
                # so the next request never waits for the catalogue while it is being written
                prefetched[index + 1] = load(index + 1)
            return items, outcomes, getattr(adapter, "last_etag", None), received

        pool = ThreadPoolExecutor(max_workers=1)  # one request at a time
        with _no_cycle_collection():
            futures = [pool.submit(ask, i) for i in range(len(open_))]
            try:
                for submission, future in zip(open_, futures, strict=True):
                    try:
                        items, outcomes, etag, received = future.result()
                    except RegistryError as exc:
                        rest = open_[open_.index(submission) :]
                        self._poll_failed(rest, exc)
                        report.errors[dest] = str(exc)
                        break  # the whole destination waits for its next turn
                    for k, v in self._record_poll(
                        submission, items, outcomes, etag, received
                    ).items():
                        counts[k] = counts.get(k, 0) + v
            finally:
                pool.shutdown(wait=False, cancel_futures=True)  # the idle worker ends by itself
        return counts

    def _poll_failed(self, submissions: list[dict], exc: RegistryError) -> None:
        """Back off the whole destination: what it asked for (Retry-After), else an hour when
        it may recover by itself, a day when it needs the user (a refused token) - who can
        always ask at once with ``poll --now``."""
        if exc.retry_after is not None:
            wait = exc.retry_after
        else:
            wait = 3600.0 if exc.retryable else 86400.0
        first = submissions[0]
        with self.store.transaction():
            for submission in submissions:
                self.store.update_submission(
                    submission["id"], last_error=str(exc), next_poll_at=_at(wait)
                )
            self.store.append(
                "optout.poll_failed",
                first["destination"],
                {
                    "key": first["idempotency_key"],
                    "error": str(exc),
                    "retryable": exc.retryable,
                    "submissions_waiting": len(submissions),
                },
            )

    def _record_poll(
        self,
        submission: dict,
        items: list[dict],
        outcomes: list,
        etag: str | None = None,
        received: list[dict] | None = None,
    ) -> dict[str, int]:
        by_id = {i["id"]: i for i in items}
        moves: dict[tuple[str, str, str], list[int]] = {}
        for outcome in outcomes:  # strings, not enums: this runs for every item of a batch
            old = by_id[outcome.item_id]["state"]
            new = outcome.state.value
            if old != new and (old, new) in _MOVES:
                moves.setdefault((old, new, outcome.detail), []).append(outcome.item_id)
        counts: dict[str, int] = {}
        dest = submission["destination"]
        with self.store.transaction():
            for reply in received or []:
                self.store.append("optout.reply", dest, reply)
            for (old, new, detail), ids in moves.items():
                self.store.set_items(ids, state=new)
                for i in ids:
                    by_id[i]["state"] = new
                counts[new] = counts.get(new, 0) + len(ids)
                self.store.append(
                    "optout.items",
                    dest,
                    {
                        "key": submission["idempotency_key"],
                        "from": old,
                        "to": new,
                        "detail": detail,
                        "targets": sorted(by_id[i]["target"] for i in ids),
                    },
                )
            counts |= self._stale(submission, by_id)
            changes: dict[str, object] = {"polls": submission["polls"] + 1, "last_error": None}
            if etag:
                changes["etag"] = etag
            if all(i["state"] in _FINAL for i in by_id.values()):
                changes |= {"state": SubmissionState.CLOSED.value, "next_poll_at": None}
            else:
                wait = self.descriptor(dest).poll_wait(submission["polls"] + 1)
                changes["next_poll_at"] = _at(wait)
            self.store.update_submission(submission["id"], **changes)
        return counts

    def _stale(self, submission: dict, items: dict[int, dict]) -> dict[str, int]:
        sent = _parse(submission["sent_at"])
        turnaround = self.descriptor(submission["destination"]).expected_turnaround_days
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
            for i in late:
                items[i]["state"] = ItemState.STALE.value
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

    def needs_attention(self) -> list[dict]:
        """Submissions the creator should look at: hand-offs waiting for them, answers to
        judge, requests gone stale, and sends that keep failing."""
        found = []
        by_submission = self.store.item_counts_by_submission()
        for s in self.store.submissions(payload=False):
            if s["state"] == SubmissionState.CLOSED.value:
                continue
            counts = by_submission.get(s["id"], {})
            reason = None
            if s["state"] == SubmissionState.FAILED.value:
                reason = f"not sent: {s['last_error']}"
            elif counts.get(ItemState.STALE.value):
                reason = f"{counts[ItemState.STALE.value]} stale: no answer in the expected time"
            elif s["state"] == SubmissionState.AWAITING_USER_ACTION.value:
                reason = "waiting for you to send it (then 'optout attest')"
            elif counts.get(ItemState.ACKNOWLEDGED.value) and self.descriptor(
                s["destination"]
            ).kind in ("email", "browser_form", "hf_discussion"):
                reason = "answered: read it and record the decision ('optout resolve')"
            elif s["last_error"]:
                reason = f"last check failed: {s['last_error']}"
            if reason:
                found.append({**s, "reason": reason, "counts": counts})
        return found
