"""Opt-out drafts: requests the creator has in mind but has not agreed to send yet.

The set-up wizard asks which registries to use before a single work is catalogued, so what it
can keep is a destination and where the works will come from (a portfolio folder, a site, or
account names), not the works themselves.  ``OptOuts.submit`` queues and sends in one step and
the window sends whatever is queued on a timer, so a draft is deliberately *not* a submission:
it lives in the catalogue's settings, beside the outbox, where neither the sender nor the poller
looks.  Only :meth:`Drafts.send`, asked for by the creator, turns one into requests, resolving its
source into targets with the same calls ``optout submit --folder/--site/--account`` makes.  A
draft is made, sent and dropped as ledger events, so the record says who decided what, and when.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.catalogue import Store, utc_now
from creatorapp.core.optouts import targets
from creatorapp.core.optouts.advice import Advice, Hint
from creatorapp.core.optouts.descriptor import Descriptor, Unit
from creatorapp.core.optouts.destinations import OptOutError, split_destination

if TYPE_CHECKING:
    from creatorapp.core.optouts.outbox import OptOuts, SubmitReport

SETTING = "optout_drafts"  # {"next": int, "drafts": [...], "decided": ["key", ...]}


class SourceKind(StrEnum):
    FOLDER = "folder"  # the works of a portfolio folder (value: its path)
    SITE = "site"  # a site's pages and images, or its domain (value: the site's name)
    ACCOUNTS = "accounts"  # account names (value: names separated by commas)


# which sources can give which units (as ``targets`` resolves them)
GIVES: dict[SourceKind, frozenset[Unit]] = {
    SourceKind.FOLDER: frozenset({Unit.URL, Unit.FILE_HASH}),
    SourceKind.SITE: frozenset({Unit.URL, Unit.DOMAIN}),
    SourceKind.ACCOUNTS: frozenset({Unit.ACCOUNT}),
}
# the source a destination is drafted with when the set-up gave nothing that fits it
FITS: dict[Unit, SourceKind] = {
    Unit.URL: SourceKind.FOLDER,
    Unit.FILE_HASH: SourceKind.FOLDER,
    Unit.DOMAIN: SourceKind.SITE,
    Unit.ACCOUNT: SourceKind.ACCOUNTS,
}
_SCOPE_NEEDS = {
    "dataset": ("the dataset to ask (owner/name)", Advice.NAME_DATASET),
    "recipient": ("the address to write to", Advice.NAME_RECIPIENT),
}


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    value: str = ""
    base_url: str = ""  # a folder: where it is published (URL destinations need it)

    @property
    def names(self) -> list[str]:
        return [n.strip() for n in self.value.split(",") if n.strip()]

    def words(self) -> str:
        """What the draft would ask about, as people say it."""
        if self.kind is SourceKind.FOLDER:
            at = f", published at {self.base_url}" if self.base_url else ""
            return f"the works in {self.value}{at}"
        if self.kind is SourceKind.SITE:
            return f"the site {self.value}" if self.value else "one of your sites"
        return f"the accounts {', '.join(self.names)}" if self.names else "account names"

    def as_dict(self) -> dict:
        return {"kind": self.kind.value, "value": self.value, "base_url": self.base_url}

    @classmethod
    def from_dict(cls, raw: dict) -> Source:
        return cls(SourceKind(raw["kind"]), str(raw.get("value") or ""), raw.get("base_url") or "")


@dataclass(frozen=True)
class Draft:
    id: int
    destination: str  # a destination id, or ``id:scope`` once a dataset or recipient is known
    source: Source
    made_at: str
    made_by: str  # "set-up" or "you"

    @property
    def base(self) -> str:
        return split_destination(self.destination)[0]

    @property
    def key(self) -> str:
        """What two drafts asking the same thing share (a set-up run twice makes one)."""
        return f"{self.destination}|{self.source.kind.value}|{self.source.value}"

    def as_dict(self) -> dict:
        return {
            "id": self.id,
            "destination": self.destination,
            "source": self.source.as_dict(),
            "made_at": self.made_at,
            "made_by": self.made_by,
        }

    @classmethod
    def from_dict(cls, raw: dict) -> Draft:
        return cls(
            int(raw["id"]),
            str(raw["destination"]),
            Source.from_dict(raw["source"]),
            str(raw.get("made_at") or ""),
            str(raw.get("made_by") or "you"),
        )


@dataclass(frozen=True)
class Missing:
    """Something a draft needs before it can be sent, in plain words, with what to do."""

    text: str
    hint: Hint | None = None


class Drafts:
    """The drafts of one catalogue.  ``optouts`` is the outbox a draft is sent through (made
    when first needed, for callers that only list, add or drop)."""

    def __init__(self, store: Store, optouts: OptOuts | None = None) -> None:
        self.store = store
        self._optouts = optouts

    @property
    def optouts(self) -> OptOuts:
        if self._optouts is None:
            from creatorapp.core.optouts.outbox import OptOuts

            self._optouts = OptOuts(self.store)
        return self._optouts

    # --- what is kept ---------------------------------------------------------------------
    def _kept(self) -> dict:
        kept = self.store.setting(SETTING) or {}
        return {
            "next": int(kept.get("next") or 1),
            "drafts": list(kept.get("drafts") or []),
            "decided": list(kept.get("decided") or []),
        }

    def list(self) -> list[Draft]:
        return [Draft.from_dict(d) for d in self._kept()["drafts"]]

    def get(self, draft_id: int) -> Draft:
        for draft in self.list():
            if draft.id == draft_id:
                return draft
        raise OptOutError(f"there is no opt-out draft {draft_id}")

    # --- making and dropping --------------------------------------------------------------
    def add(
        self,
        destination: str,
        source: Source,
        *,
        made_by: str = "you",
        unless_decided: bool = False,
    ) -> Draft | None:
        """Keep a draft; the one already kept when the same is asked again.  With
        ``unless_decided`` (the set-up), nothing is made for what the creator already sent or
        dropped once: re-running the set-up does not bring a decided request back."""
        descriptor = self.optouts.descriptor(destination)
        if descriptor.unit not in GIVES[source.kind]:
            raise OptOutError(
                f"{descriptor.name} takes {descriptor.unit.value}s, which "
                f"{source.words()} cannot give"
            )
        with self.store.transaction():
            kept = self._kept()
            drafts = [Draft.from_dict(d) for d in kept["drafts"]]
            draft = Draft(kept["next"], destination, source, utc_now(), made_by)
            for known in drafts:
                if known.key == draft.key:
                    return known
            if unless_decided and draft.key in kept["decided"]:
                return None
            kept["drafts"].append(draft.as_dict())
            kept["next"] += 1
            self.store.set_setting(SETTING, kept)
            self.store.append(
                "optout.draft_made",
                draft.destination,
                {"draft": draft.id, "source": source.as_dict(), "made_by": made_by},
            )
        return draft

    def drop(self, draft_id: int) -> Draft:
        """Forget a draft without sending it."""
        with self.store.transaction():
            draft = self.get(draft_id)
            self._settle(draft)
            self.store.append(
                "optout.draft_dropped",
                draft.destination,
                {"draft": draft.id, "source": draft.source.as_dict()},
            )
        return draft

    def mark_sent(self, draft_id: int, report: SubmitReport) -> None:
        """The draft went out another way (the window's form, opened from it): it is settled,
        recorded with the requests it became."""
        with self.store.transaction():
            try:
                draft = self.get(draft_id)
            except OptOutError:
                return  # settled meanwhile (dropped, or sent from a terminal)
            self._settle(draft)
            self.store.append(
                "optout.draft_sent",
                report.destination,
                {
                    "draft": draft.id,
                    "source": draft.source.as_dict(),
                    "keys": [s["idempotency_key"] for s in [*report.queued, *report.found]],
                    "items": report.new_items,
                },
            )

    def _settle(self, draft: Draft) -> None:
        kept = self._kept()
        kept["drafts"] = [d for d in kept["drafts"] if int(d["id"]) != draft.id]
        if draft.key not in kept["decided"]:
            kept["decided"].append(draft.key)
        self.store.set_setting(SETTING, kept)

    # --- what each still needs ------------------------------------------------------------
    def needs(self, draft: Draft) -> list[Missing]:
        """What must be given or set up before the draft can be sent; empty when it is ready.
        Cheap (settings and names only): the works themselves are found when it is sent."""
        destinations = self.optouts.destinations
        try:
            descriptor = destinations.descriptor(draft.destination)
        except OptOutError as exc:
            return [Missing(str(exc))]
        missing: list[Missing] = []
        _, scope = split_destination(draft.destination)
        if descriptor.scope and not scope:
            text, advice = _SCOPE_NEEDS[descriptor.scope]
            missing.append(Missing(text, Hint(advice, draft.base)))
        group = destinations.group(draft.destination)
        unset = destinations.missing(draft.destination)
        if group is not None and unset:
            names = tuple(s.name for s in unset)
            if group.per_destination and len(group.settings) == 1:
                text = f"the {group.title}"
            else:
                text = f"the {group.title.lower()} ({', '.join(s.label.lower() for s in unset)})"
            hint = Hint(Advice.SET_UP, subject=draft.base, group=group.id, missing=names)
            missing.append(Missing(text, hint))
        missing += self._source_needs(draft.source, descriptor)
        return missing

    def _source_needs(self, source: Source, descriptor: Descriptor) -> list[Missing]:
        if source.kind is SourceKind.FOLDER:
            if self.store.folder_for(_absolute(source.value)) is None:
                hint = Hint(Advice.ADD_FOLDER, source.value)
                return [Missing(f"{source.value} is no longer a portfolio folder", hint)]
            if descriptor.unit is Unit.URL and not source.base_url:
                return [Missing("where the folder is published", Hint(Advice.BASE_URL))]
        elif source.kind is SourceKind.SITE:
            if not source.value or self.store.site(source.value) is None:
                return [Missing("one of your sites", Hint(Advice.NAME_SITE, source.value))]
        elif not source.names:
            return [Missing("the account names to ask about")]
        return []

    # --- sending --------------------------------------------------------------------------
    def completed(
        self,
        draft: Draft,
        *,
        scope: str | None = None,
        base_url: str | None = None,
        accounts: list[str] | None = None,
        site: str | None = None,
    ) -> Draft:
        """The draft with what the creator gives on sending: the dataset or recipient, where
        the folder is published, the account names, the site."""
        if scope:
            draft = replace(draft, destination=f"{draft.base}:{scope}")
        if base_url and draft.source.kind is SourceKind.FOLDER:
            draft = replace(draft, source=replace(draft.source, base_url=base_url))
        if accounts and draft.source.kind is SourceKind.ACCOUNTS:
            draft = replace(draft, source=replace(draft.source, value=", ".join(accounts)))
        if site and draft.source.kind is SourceKind.SITE:
            draft = replace(draft, source=replace(draft.source, value=site))
        return draft

    def resolve(self, draft: Draft, *, timeout: float = 30.0) -> targets.Targets:
        """The draft's targets, found the way ``optout submit`` finds them."""
        unit = self.optouts.descriptor(draft.destination).unit
        source = draft.source
        if source.kind is SourceKind.FOLDER:
            return targets.from_folder(
                self.store, Path(source.value), unit, source.base_url or None
            )
        if source.kind is SourceKind.SITE:
            return targets.from_site(self.store, source.value, unit, timeout=timeout)
        return targets.from_accounts(source.names, unit)

    def send(
        self,
        draft_id: int,
        *,
        dry_run: bool = False,
        sworn: bool = False,
        shows_person: bool = False,
        scope: str | None = None,
        base_url: str | None = None,
        accounts: list[str] | None = None,
        site: str | None = None,
        timeout: float = 30.0,
    ) -> tuple[Draft, targets.Targets, SubmitReport]:
        """Send a draft the creator agreed to: refused, and kept, while it needs anything;
        settled once its requests are in the outbox (those not sent at once stay queued
        there and go out like any other).  A dry run shows what would go and keeps it."""
        draft = self.completed(
            self.get(draft_id), scope=scope, base_url=base_url, accounts=accounts, site=site
        )
        missing = self.needs(draft)
        if missing:
            raise OptOutError(
                f"the draft for {self.optouts.destinations.title(draft.destination)} still "
                f"needs {'; '.join(m.text for m in missing)}",
                next((m.hint for m in missing if m.hint), None),
            )
        destination = self.optouts.destination(draft.destination)
        found = self.resolve(draft, timeout=timeout)
        report = self.optouts.submit(
            destination,
            found.values,
            dry_run=dry_run,
            sworn=sworn,
            works=found.works,
            shows_person=shows_person,
        )
        if not dry_run:
            self.mark_sent(draft.id, report)
        return draft, found, report


def _absolute(path: str) -> str:
    import os

    return os.path.realpath(os.path.expanduser(path))


def for_setup(
    store: Store,
    registries: list[str],
    folders: list[str],
    site: str | None,
) -> list[Draft]:
    """The drafts the set-up leaves for its chosen registries: one for each portfolio folder
    a destination can take works from, one for the site where it takes addresses or a domain,
    and, where nothing given fits (account names, a domain without a site), one that says what
    it still needs.  A registry this version does not know is passed over."""
    drafts = Drafts(store)
    made: list[Draft] = []
    for ident in registries:
        try:
            unit = drafts.optouts.descriptor(ident).unit
        except OptOutError:
            continue
        sources = [
            Source(SourceKind.FOLDER, f) for f in folders if unit in GIVES[SourceKind.FOLDER]
        ]
        if site and unit in GIVES[SourceKind.SITE]:
            sources.append(Source(SourceKind.SITE, site))
        if not sources:
            sources.append(Source(FITS[unit]))
        for source in sources:
            draft = drafts.add(ident, source, made_by="set-up", unless_decided=True)
            if draft is not None:
                made.append(draft)
    return made
