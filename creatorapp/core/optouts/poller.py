"""Polling: asking each destination what became of its open submissions, on the schedule its
descriptor or adapter declares, and recording every change of every item.  Each destination is
asked on its own queue: one that is down, slow or asks us to wait holds up only itself.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from creatorapp.core.optouts.adapters.base import Adapter
from creatorapp.core.optouts.advice import Hint, hint_of
from creatorapp.core.optouts.destinations import Destinations, split_destination
from creatorapp.core.optouts.http import RegistryError
from creatorapp.core.optouts.model import TRANSITIONS, ItemState, SubmissionState, can_move
from creatorapp.core.optouts.queues import DestinationQueues
from creatorapp.core.optouts.times import at, parse
from creatorapp.errors import UserError

_MOVES = frozenset((old.value, new.value) for old, news in TRANSITIONS.items() for new in news)
_POLL_FIELDS = ("id", "target", "state", "work_id")  # what adapters and the ledger need
_FINAL = frozenset(s.value for s in ItemState if s.final)
_ASKED = ItemState.NEEDS_INFO.value
OPEN = frozenset(
    {
        SubmissionState.SENT.value,
        SubmissionState.AWAITING_USER_ACTION.value,
        SubmissionState.USER_ATTESTED.value,
    }
)


@dataclass
class PollReport:
    changes: dict[str, dict[str, int]] = field(default_factory=dict)  # destination -> new states
    errors: dict[str, str] = field(default_factory=dict)  # destination -> why it was not asked
    hints: dict[str, Hint] = field(default_factory=dict)  # destination -> what would fix it
    not_due: int = 0  # open submissions whose next poll is later
    next_due: str | None = None

    def merge(self, other: PollReport) -> None:
        self.changes |= other.changes
        self.errors |= other.errors
        self.hints |= other.hints


class _CycleCollectionPause:
    """A poll builds tens of thousands of small dicts; the cycle collector's full passes over
    them stall the request thread for tens of milliseconds, which a rate-limited destination
    turns into missed slots.  Nothing here makes cycles, so collection waits until the last
    destination being polled is done (collection is switched for the whole process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._holders = 0
        self._was_enabled = False

    @contextlib.contextmanager
    def __call__(self) -> Iterator[None]:
        with self._lock:
            if self._holders == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._holders += 1
        try:
            yield
        finally:
            with self._lock:
                self._holders -= 1
                if self._holders == 0 and self._was_enabled:
                    gc.enable()


_no_cycle_collection = _CycleCollectionPause()


class Poller:
    def __init__(self, destinations: Destinations, queues: DestinationQueues) -> None:
        self.destinations = destinations
        self.store = destinations.store
        self.queues = queues

    def poll(self, destination: str | None = None, *, force: bool = False) -> PollReport:
        """Ask each destination what became of its open submissions that are due (all of them
        with ``force``).  A destination that is down or refuses us is reported and asked again
        later; the others go on, each on its own queue.

        Within a destination the next submission's question is asked while the last answer is
        recorded, so the destination's rate limit, not our bookkeeping, sets the pace.
        """
        report = PollReport()
        now = datetime.now(UTC)
        groups: dict[str, dict[str, list[dict]]] = {}  # base -> destination -> open submissions
        for s in self.store.submissions(payload=False):
            if s["state"] not in OPEN:
                continue
            base, _ = split_destination(s["destination"])
            if destination and destination not in (s["destination"], base):
                continue
            due = parse(s["next_poll_at"])
            if not force and due is not None and due > now:
                report.not_due += 1
                if report.next_due is None or s["next_poll_at"] < report.next_due:
                    report.next_due = s["next_poll_at"]
                continue
            groups.setdefault(base, {}).setdefault(s["destination"], []).append(s)
        done = self.queues.run(
            {base: (lambda dests=dests: self._poll_base(dests)) for base, dests in groups.items()}
        )
        for base in sorted(done):
            report.merge(done[base])
        return report

    def _poll_base(self, destinations: dict[str, list[dict]]) -> PollReport:
        """The destinations (datasets, recipients) of one descriptor, one after the other: they
        share its rate limit."""
        report = PollReport()
        for dest, open_ in sorted(destinations.items()):
            try:
                adapter = self.destinations.adapter(dest)
            except UserError as exc:
                report.errors[dest] = str(exc)
                if (hint := hint_of(exc)) is not None:
                    report.hints[dest] = hint
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
                        if exc.hint is not None:
                            report.hints[dest] = exc.hint
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
        always ask at once."""
        if exc.retry_after is not None:
            wait = exc.retry_after
        else:
            wait = 3600.0 if exc.retryable else 86400.0
        first = submissions[0]
        with self.store.transaction():
            for submission in submissions:
                self.store.update_submission(
                    submission["id"], last_error=str(exc), next_poll_at=at(wait)
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
                if new == _ASKED:  # the question is what the creator must read: kept with them
                    self.store.set_items(ids, state=new, detail=detail)
                else:
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
                wait = self.destinations.poll_wait(dest, submission["polls"] + 1)
                changes["next_poll_at"] = at(wait)
            self.store.update_submission(submission["id"], **changes)
        return counts

    def _stale(self, submission: dict, items: dict[int, dict]) -> dict[str, int]:
        sent = parse(submission["sent_at"])
        descriptor = self.destinations.descriptor(submission["destination"])
        turnaround = descriptor.expected_turnaround_days
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
