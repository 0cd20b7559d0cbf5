"""The opt-out outbox: the one object the shells hold, over the destinations (what exists and
how each is asked), the sender (persisted before sent, never twice), the poller (what became of
each item) and the creator's part (attest, resolve, what needs them).  Sending and polling go
through one queue per destination, shared by every caller of the same outbox, so a destination's
work never overlaps itself and never waits for another destination's.
"""

from __future__ import annotations

from pathlib import Path

from creatorapp.core.catalogue import Store
from creatorapp.core.optouts.adapters.base import Adapter
from creatorapp.core.optouts.answers import Answers
from creatorapp.core.optouts.descriptor import Descriptor
from creatorapp.core.optouts.destinations import (
    Destinations,
    OptOutError,
    normalise_target,
    split_destination,
)
from creatorapp.core.optouts.kinds import AdapterKinds
from creatorapp.core.optouts.letters import Contact
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.poller import Poller, PollReport
from creatorapp.core.optouts.queues import DestinationQueues
from creatorapp.core.optouts.sender import Failure, Sender, SubmitReport, reference

__all__ = [
    "Failure",
    "OptOutError",
    "OptOuts",
    "PollReport",
    "SubmitReport",
    "normalise_target",
    "split_destination",
]


class OptOuts:
    def __init__(
        self,
        store: Store,
        descriptors: dict[str, Descriptor] | None = None,
        *,
        options: dict[str, dict] | None = None,
        kinds: AdapterKinds | None = None,
        queues: DestinationQueues | None = None,
    ) -> None:
        self.store = store
        self.destinations = Destinations(store, descriptors, options=options, kinds=kinds)
        self.queues = queues or DestinationQueues()
        self.sender = Sender(self.destinations, self.queues)
        self.poller = Poller(self.destinations, self.queues)
        self.answers = Answers(self.destinations)

    @property
    def descriptors(self) -> dict[str, Descriptor]:
        return self.destinations.descriptors

    @property
    def options(self) -> dict[str, dict]:
        return self.destinations.options

    @options.setter
    def options(self, value: dict[str, dict]) -> None:
        self.destinations.options = value

    # --- destinations ---------------------------------------------------------------------
    def descriptor(self, destination: str) -> Descriptor:
        return self.destinations.descriptor(destination)

    def destination(self, base: str, scope: str | None = None) -> str:
        """The full destination name, checked: a dataset or recipient where one is needed."""
        return self.destinations.full_name(base, scope)

    def contact(self) -> Contact:
        return self.destinations.contact()

    def adapter(self, destination: str, *, sworn: bool = False, dry_run: bool = False) -> Adapter:
        return self.destinations.adapter(destination, sworn=sworn, dry_run=dry_run)

    # --- sending and polling --------------------------------------------------------------
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
        return self.sender.submit(
            destination,
            targets,
            dry_run=dry_run,
            sworn=sworn,
            works=works,
            shows_person=shows_person,
        )

    def describe(self, submission: dict) -> str:
        """A request as people know it: its short reference and the works it asks about."""
        return self.sender.describe(submission)

    def send_queued(self, destination: str | None = None) -> list[SubmitReport]:
        return self.sender.send_queued(destination)

    def poll(self, destination: str | None = None, *, force: bool = False) -> PollReport:
        return self.poller.poll(destination, force=force)

    # --- the creator's part ---------------------------------------------------------------
    def _known_as(self, given: str) -> str:
        """A short reference (``laion-12``) as the request's number, checked against its
        destination; anything else (a key, a number) is passed on as given."""
        base, _, number = given.strip().rpartition("-")
        if not (number.isdigit() and base in self.descriptors):
            return given
        submission = self.store.submission(id=int(number))
        if submission is None or reference(submission) != given.strip():
            return given  # refused by name below, as given
        return number

    def find_submission(self, reference: str) -> dict:
        return self.answers.find_submission(self._known_as(reference))

    def attest(
        self, reference: str, *, evidence_file: Path | None = None, note: str | None = None
    ) -> int:
        return self.answers.attest(
            self._known_as(reference), evidence_file=evidence_file, note=note
        )

    def resolve(
        self,
        reference: str,
        outcome: ItemState,
        *,
        evidence_file: Path | None = None,
        note: str | None = None,
    ) -> int:
        return self.answers.resolve(
            self._known_as(reference), outcome, evidence_file=evidence_file, note=note
        )

    def status(self) -> dict[str, dict[str, int]]:
        return self.answers.status()

    def needs_attention(self) -> list[dict]:
        return self.answers.needs_attention()
