"""The creator's part: saying a hand-off was done, recording what a destination decided, and
the requests that wait for them.  Reasons are plain words; what to do about them travels as an
advice code, which each shell puts in its own words (a command, a button)."""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.optouts import evidence
from creatorapp.core.optouts.advice import Advice, Hint
from creatorapp.core.optouts.destinations import Destinations, OptOutError, split_destination
from creatorapp.core.optouts.model import ItemState, SubmissionState, can_move
from creatorapp.core.text.display import counted
from creatorapp.core.text.states import said


class Answers:
    def __init__(self, destinations: Destinations) -> None:
        self.destinations = destinations
        self.store = destinations.store

    def find_submission(self, reference: str) -> dict:
        submission = self.store.submission(key=reference)
        if submission is None and reference.isdigit():
            submission = self.store.submission(id=int(reference))
        if submission is None:
            raise OptOutError(f"no submission {reference!r}", Hint(Advice.FIND_REFERENCE))
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
            states = _in_words({i["state"] for i in items})
            raise OptOutError(
                f"nothing to attest: the items are {states} (the destination answers these "
                "itself; what it decided can be recorded)",
                Hint(Advice.RESOLVE, submission["idempotency_key"]),
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
            found = {i["state"] for i in items}
            raise OptOutError(
                f"nothing to mark {outcome.value}: the items are {_in_words(found)}"
                + (" (not sent yet)" if ItemState.PENDING.value in found else "")
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

    def status(self) -> dict[str, dict[str, int]]:
        """Destination -> state -> how many items."""
        return self.store.item_counts()

    def needs_attention(self) -> list[dict]:
        """Submissions the creator should look at: questions the destination asked them
        (``needs_info``, with the question), hand-offs waiting for them, answers to judge,
        requests gone stale, and sends that keep failing.  Each carries a ``reason`` in plain
        words, a ``hint`` (or None) saying what would move it on, and ``question``."""
        found = []
        by_submission = self.store.item_counts_by_submission()
        for s in self.store.submissions(payload=False):
            if s["state"] == SubmissionState.CLOSED.value:
                continue
            counts = by_submission.get(s["id"], {})
            key, dest = s["idempotency_key"], s["destination"]
            reason, hint = None, None
            question = None
            if s["state"] == SubmissionState.FAILED.value:
                reason, hint = f"not sent: {s['last_error']}", self._set_up(dest)
            elif counts.get(ItemState.NEEDS_INFO.value):
                question = self._question(s["id"])
                where = f"; answer it at {s['remote_url']}" if s["remote_url"] else ""
                reason = f"waiting for your answer: {question}{where}"
            elif counts.get(ItemState.STALE.value):
                stale = counts[ItemState.STALE.value]
                reason = f"{counted(stale, 'item')} got no answer in the expected time"
            elif s["state"] == SubmissionState.AWAITING_USER_ACTION.value:
                reason, hint = "waiting for you to send it", Hint(Advice.ATTEST, key)
            elif (
                counts.get(ItemState.ACKNOWLEDGED.value)
                and self.destinations.capabilities(dest).answers_in_words
            ):
                reason = "answered: read it and record the decision"
                hint = Hint(Advice.RESOLVE, key)
            elif s["last_error"]:
                reason, hint = f"last check failed: {s['last_error']}", self._set_up(dest)
            if reason:
                found.append(
                    {**s, "reason": reason, "hint": hint, "counts": counts, "question": question}
                )
        return found

    def _question(self, submission_id: int) -> str:
        """What the destination asked (kept with the items it asked about)."""
        asked = self.store.items(
            submission_id=submission_id,
            state=ItemState.NEEDS_INFO.value,
            limit=1,
            fields=("detail",),
        )
        return (asked[0]["detail"] if asked else None) or "a question about your request"

    def _set_up(self, destination: str) -> Hint | None:
        """Advice to set the destination up, if that is what it lacks."""
        missing = self.destinations.missing(destination)
        group = self.destinations.group(destination)
        if not missing or group is None:
            return None
        return Hint(
            Advice.SET_UP,
            subject=split_destination(destination)[0],
            group=group.id,
            missing=tuple(s.name for s in missing),
        )


def _in_words(states: set[str]) -> str:
    """Item states as a message says them: "confirmed, no answer yet", never a state's code."""
    return ", ".join(sorted(said(state).lower() for state in states))
