"""The adapter interface: render what would be sent, send it, find an earlier submission by its
idempotency key, and read back what became of each item.

An adapter also declares what it is: its kind (what descriptors name), the settings it needs
(from which the shells build their flags and forms) and its capabilities (what it does by itself
and what it leaves to the creator).  A new kind of destination is one module in this package:
the kinds are found by looking here (``kinds.py``), not listed anywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from creatorapp.core.optouts.advice import Advice, Hint
from creatorapp.core.optouts.descriptor import Descriptor
from creatorapp.core.optouts.letters import Contact, Register
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.settings import Group


@dataclass(frozen=True)
class Context:
    """What a submission is about beyond its targets."""

    scope: str | None = None  # the dataset (owner/name) or the recipient's address
    contact: Contact = field(default_factory=Contact)
    sworn: bool = False  # the creator confirmed the letter's sworn statements
    register: Register = Register.COPYRIGHT  # personal data only for works that show the creator


@dataclass(frozen=True)
class Capabilities:
    """What a kind of destination does by itself, and what it leaves to the creator."""

    finds_earlier: bool = False  # find() looks an earlier request up by its idempotency key
    hands_off: bool = False  # the creator sends it (a form, a hand-off) and then says so
    answers_in_words: bool = False  # the creator reads the answer and records the decision
    opens_browser: bool = False  # sending opens the system browser (a shell may turn it off)
    poll_schedule: tuple[str, ...] = ("1d",)  # waits between polls, unless the descriptor says


@dataclass(frozen=True)
class NextStep:
    """What the creator must do now: plain words, and the advice code a shell turns into its
    own instructions (a command to run, a button to press)."""

    text: str
    advice: Advice
    reference: str  # the request it is about


@dataclass(frozen=True)
class Sent:
    """What a destination gave back for a submission: the evidence for the ledger."""

    state: ItemState  # what the submitted items become
    remote_ref: str | None = None  # issue number, discussion number, Message-ID, hand-off id
    remote_url: str | None = None
    evidence: dict = field(default_factory=dict)
    next_step: NextStep | None = None  # what the creator must do now


@dataclass(frozen=True)
class Outcome:
    item_id: int
    state: ItemState
    detail: str = ""


class Adapter(ABC):
    kind: ClassVar[str]  # what a descriptor names (its ``adapter``, else its ``submit_mode``)
    submit_mode: ClassVar[str]  # how it is asked, in the descriptors' words
    status_mode: ClassVar[str]  # how it confirms: poll_api, poll_issue, imap_thread, manual...
    settings: ClassVar[Group | None] = None  # what must be set up before it can be asked
    capabilities: ClassVar[Capabilities] = Capabilities()

    def __init__(
        self,
        descriptor: Descriptor,
        secret: str | None,
        context: Context | None = None,
        **options: object,
    ) -> None:
        self.descriptor = descriptor
        self.secret = secret
        self.context = context or Context()
        self.options = options
        self.received: list[dict] = []  # replies found while polling, for the ledger

    @abstractmethod
    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        """Exactly what would be sent (shown by --dry-run and kept as evidence)."""

    @abstractmethod
    def send(self, payload: dict, key: str) -> Sent: ...

    def find(self, key: str) -> Sent | None:
        """An earlier submission carrying ``key``, if the destination can be searched."""
        return None

    @abstractmethod
    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        """New states for items (only those that changed)."""

    def close(self) -> None:
        """Release connections (most adapters hold none)."""

    def set_up_hint(self, *missing: str) -> Hint:
        """Advice to set up (again) what this adapter declares: by default its secret, the one
        a destination refuses."""
        group = self.settings
        if not missing and group is not None and group.secret is not None:
            missing = (group.secret.name,)
        return Hint(
            Advice.SET_UP,
            subject=self.descriptor.id,
            group=group.id if group else None,
            missing=missing,
        )

    def endpoint(self, name: str) -> str:
        """An endpoint from the descriptor, or from the options (tests point them at loopback)."""
        value = self.options.get(name) or self.descriptor.endpoints.get(name)
        if not value:
            raise ValueError(f"{self.descriptor.id}: no {name!r} endpoint")
        # an API base loses its trailing slash (paths are appended); a page is kept as written
        return str(value) if name == "form" else str(value).rstrip("/")
