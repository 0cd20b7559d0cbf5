"""The destinations: which exist (descriptors) and can be asked (adapter kinds), how each is
named and shown to people, what it needs set up, and the adapter that asks it.

A destination is a descriptor id, or for destinations asked about one dataset or one recipient
at a time, ``id:scope`` (``huggingface:laion/relaion2B-en-research-safe``,
``reservation-notice:legal@x.example``); items and submissions are kept per such destination,
so the same URL can be asked of two datasets.
"""

from __future__ import annotations

import re

from creatorapp.core.catalogue import Store
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Context
from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.optouts.descriptor import Descriptor, Unit, load_all
from creatorapp.core.optouts.kinds import AdapterKinds, installed
from creatorapp.core.optouts.letters import Contact, Register
from creatorapp.core.optouts.liveness import Checks, Health, Status, status
from creatorapp.core.optouts.model import normalise_account, normalise_url
from creatorapp.core.optouts.settings import CONTACT, Group, Setting, Settings

_SCOPE_FORMS = {
    "dataset": re.compile(r"^[A-Za-z0-9][\w.-]*/[\w.-]+$"),
    "recipient": re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$"),
}
_SCOPE_WORDS = {
    "dataset": "a Hugging Face dataset id (owner/name, e.g. laion/relaion2B-en-research-safe)",
    "recipient": "an email address",
}
_SCOPE_ADVICE = {"dataset": Advice.NAME_DATASET, "recipient": Advice.NAME_RECIPIENT}


class OptOutError(Advised):
    """A request about opt-outs that cannot be done as asked."""


def split_destination(destination: str) -> tuple[str, str | None]:
    base, _, scope = destination.partition(":")
    return base, (scope or None)


def normalise_target(unit: Unit, target: str) -> str:
    """URLs as registries compare them; account names without an @ and in lower case (GitHub
    and Hugging Face names are not case-sensitive), repositories as ``owner/repo``."""
    target = target.strip()
    if unit is Unit.URL:
        return normalise_url(target)
    if unit is Unit.ACCOUNT:
        return normalise_account(target)
    if unit is Unit.DOMAIN:
        host = target.split("://", 1)[-1].split("/", 1)[0]
        return host.lower().removeprefix("www.")
    return target


class Destinations:
    def __init__(
        self,
        store: Store,
        descriptors: dict[str, Descriptor] | None = None,
        *,
        options: dict[str, dict] | None = None,
        kinds: AdapterKinds | None = None,
    ) -> None:
        self.store = store
        self.kinds = kinds or installed()
        self.descriptors = descriptors if descriptors is not None else load_all(kinds=self.kinds)
        self.options = options or {}  # per destination, e.g. {"spawning": {"endpoint": ...}}
        self.settings = Settings(store)
        self.checks = Checks(store)

    # --- what exists ----------------------------------------------------------------------
    def descriptor(self, destination: str) -> Descriptor:
        """The descriptor of a destination this version can ask."""
        base, _ = split_destination(destination)
        if base not in self.descriptors:
            known = ", ".join(sorted(self.descriptors))
            raise OptOutError(f"unknown destination {base!r} (known: {known})")
        descriptor = self.descriptors[base]
        if descriptor.kind not in self.kinds:
            raise OptOutError(f"{base}: submitting is not available in this version yet")
        return descriptor

    def adapter_class(self, destination: str) -> type[Adapter] | None:
        """The adapter kind of any destination ever asked (None if this version has none)."""
        descriptor = self.descriptors.get(split_destination(destination)[0])
        return self.kinds.get(descriptor.kind) if descriptor else None

    def capabilities(self, destination: str) -> Capabilities:
        adapter = self.adapter_class(destination)
        return adapter.capabilities if adapter else Capabilities()

    def full_name(self, base: str, scope: str | None = None) -> str:
        """The full destination name, checked: a dataset or recipient where one is needed."""
        descriptor = self.descriptor(base)
        base, given = split_destination(base)
        scope = scope or given
        if descriptor.scope and not scope:
            raise OptOutError(
                f"{base} asks about one {descriptor.scope} at a time",
                Hint(_SCOPE_ADVICE[descriptor.scope], base),
            )
        if scope and not descriptor.scope:
            raise OptOutError(f"{base} takes no dataset or recipient")
        if scope and not _SCOPE_FORMS[descriptor.scope].match(scope):
            raise OptOutError(f"{scope!r} is not {_SCOPE_WORDS[descriptor.scope]}")
        return f"{base}:{scope}" if scope else base

    # --- how people see them --------------------------------------------------------------
    def title(self, destination: str) -> str:
        """What people call it: the descriptor's name ("The Stack (BigCode)"), with the
        dataset or recipient it is about."""
        base, scope = split_destination(destination)
        descriptor = self.descriptors.get(base)
        name = descriptor.name if descriptor else base
        return f"{name}: {scope}" if scope else name

    def labelled(self, destination: str) -> str:
        """The title with the id beside it, for lines of text: ``The Stack (BigCode)
        [bigcode-stack]``."""
        base, _ = split_destination(destination)
        descriptor = self.descriptors.get(base)
        name = descriptor.name if descriptor else base
        return f"{name} [{destination}]"

    # --- whether they work ----------------------------------------------------------------
    def status(self, destination: str) -> Status:
        """ok, degraded (its last liveness check found its service not working) or manual (the
        creator sends it by hand)."""
        base, _ = split_destination(destination)
        return status(self.checks.get(base), self.capabilities(base).hands_off)

    def health(self, destination: str) -> Health | None:
        """What the last liveness check found, and when."""
        return self.checks.get(split_destination(destination)[0])

    def check_liveness(self) -> dict[str, Health]:
        """Ask every destination that names a liveness page whether its service works, and keep
        the answers (the options can point a check at loopback: ``{"spawning": {"liveness":
        URL}}``)."""
        urls = {
            ident: str(opts["liveness"])
            for ident, opts in self.options.items()
            if "liveness" in opts
        }
        return self.checks.run(self.descriptors, urls)

    # --- what they need -------------------------------------------------------------------
    def contact(self) -> Contact:
        return Contact.from_dict(self.settings.stored(CONTACT))

    def group(self, destination: str) -> Group | None:
        adapter = self.adapter_class(destination)
        return adapter.settings if adapter else None

    def owner(self, destination: str, group: Group) -> str | None:
        """Whose settings: the destination's own (a token), or everyone's (the mail account)."""
        return split_destination(destination)[0] if group.per_destination else None

    def missing(self, destination: str) -> list[Setting]:
        """Required settings of the destination that are not set."""
        group = self.group(destination)
        if group is None:
            return []
        return self.settings.missing(group, self.owner(destination, group))

    def own_secret(self, destination: str) -> Group:
        """The settings holding the destination's own token or key, as its adapter declares
        them; refused for one that needs none, or uses settings shared with others."""
        base = self.descriptor(destination).id
        group = self.group(base)
        if group is None or group.secret is None:
            raise OptOutError(f"{base} needs no token or key")
        if not group.per_destination:
            needed = tuple(s.name for s in group.settings if s.required)
            raise OptOutError(
                f"{base} uses the {group.title.lower()}, not a token of its own",
                Hint(Advice.SET_UP, subject=base, group=group.id, missing=needed),
            )
        return group

    def adapter(
        self,
        destination: str,
        *,
        sworn: bool = False,
        dry_run: bool = False,
        register: Register = Register.COPYRIGHT,
    ) -> Adapter:
        descriptor = self.descriptor(destination)
        adapter = self.kinds.get(descriptor.kind)
        assert adapter is not None  # descriptor() checked it
        _, scope = split_destination(destination)
        options = dict(self.options.get(descriptor.id, {}))
        secret = None
        group = adapter.settings
        if group is not None:
            owner = self.owner(destination, group)
            stored = self.settings.stored(group, owner)
            if not group.per_destination:
                stored = options.setdefault(group.id, stored) or {}
            secret = self.settings.secret(group, owner, stored)
        if dry_run:
            options["dry_run"] = True
        options.setdefault("catalogue", self.store)  # adapters that declare works find them here
        context = Context(scope=scope, contact=self.contact(), sworn=sworn, register=register)
        return adapter(descriptor, secret, context, **options)

    def poll_wait(self, destination: str, polls_done: int) -> float:
        return self.descriptor(destination).poll_wait(polls_done, self.kinds)
