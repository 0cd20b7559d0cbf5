"""The adapter interface: render what would be sent, send it, find an earlier submission by its
idempotency key, and read back what became of each item."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

from creatorapp.core.registries.descriptor import Descriptor
from creatorapp.core.registries.letters import Contact
from creatorapp.core.registries.model import ItemState


@dataclass(frozen=True)
class Context:
    """What a submission is about beyond its targets."""

    scope: str | None = None  # the dataset (owner/name) or the recipient's address
    contact: Contact = field(default_factory=Contact)
    sworn: bool = False  # the creator confirmed the letter's sworn statements


@dataclass(frozen=True)
class Sent:
    """What a destination gave back for a submission: the evidence for the ledger."""

    state: ItemState  # what the submitted items become
    remote_ref: str | None = None  # issue number, discussion number, Message-ID, hand-off id
    remote_url: str | None = None
    evidence: dict = field(default_factory=dict)
    next_step: str | None = None  # what the user must do now, in plain words


@dataclass(frozen=True)
class Outcome:
    item_id: int
    state: ItemState
    detail: str = ""


class Adapter(ABC):
    submit_mode: ClassVar[str]

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

    def endpoint(self, name: str) -> str:
        """An endpoint from the descriptor, or from the options (tests point them at loopback)."""
        value = self.options.get(name) or self.descriptor.endpoints.get(name)
        if not value:
            raise ValueError(f"{self.descriptor.id}: no {name!r} endpoint")
        # an API base loses its trailing slash (paths are appended); a page is kept as written
        return str(value) if name == "form" else str(value).rstrip("/")
