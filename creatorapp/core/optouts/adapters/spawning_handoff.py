"""Spawning: the creator opts works out in HaveIBeenTrained themselves, one by one (it takes no
list of addresses, and has been under maintenance since 2025); the query API then confirms each
URL.  Without an API key items are ``unverifiable``, never failed.

Spawning registers whole domains through ai.txt: a request for a domain is handed off to the
ai.txt this app publishes with the site's files, and the creator says once it is published."""

from __future__ import annotations

from typing import ClassVar

from creatorapp.core.optouts import settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, NextStep, Outcome, Sent
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.descriptor import Unit
from creatorapp.core.optouts.model import ItemState
from creatorapp.core.optouts.spawning import SpawningQuery

WAITING = {
    ItemState.AWAITING_USER_ACTION.value,
    ItemState.USER_ATTESTED.value,
    ItemState.SUBMITTED.value,
    ItemState.ACKNOWLEDGED.value,
    ItemState.UNVERIFIABLE.value,
    ItemState.STALE.value,
}


class SpawningHandoff(Adapter):
    kind: ClassVar[str] = "spawning_handoff"
    submit_mode: ClassVar[str] = "browser_form"
    status_mode: ClassVar[str] = "poll_api"
    settings = settings.token(
        "Spawning API key",
        "confirms each opt-out through Spawning's query API; without one, items stay unverifiable",
        required=False,
    )
    # registries.md §16.5: asked an hour after the hand-off, a day later, then weekly
    capabilities = Capabilities(hands_off=True, poll_schedule=("1h", "1d", "7d"))

    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        if self.descriptor.unit is Unit.DOMAIN:
            files = [f"https://{domain}/ai.txt" for domain in targets]
            return {
                "open": files[0],
                "domains": targets,
                "ai_txt": files,
                "reference": key,
                "instructions": (
                    "Spawning registers whole domains through ai.txt, which covers every file "
                    f"on the site: publish the ai.txt this app writes with the site's files "
                    f"({', '.join(files)}), check it is there, then say so. Nothing needs "
                    "pasting into HaveIBeenTrained."
                ),
            }
        return {
            "open": self.descriptor.endpoints["form"],
            "urls": targets,
            "reference": key,
            "instructions": (
                "HaveIBeenTrained takes no list of addresses, and has been under maintenance "
                "since 2025: opt each work out there yourself while it works, then say so. "
                "Spawning's query API confirms each address once it is in the registry. For a "
                "whole site, ask spawning-domain (ai.txt) instead."
            ),
        }

    def send(self, payload: dict, key: str) -> Sent:
        unit = "urls" if "urls" in payload else "domains"
        return Sent(
            state=ItemState.AWAITING_USER_ACTION,
            remote_ref=key,
            remote_url=payload["open"],
            evidence={"handoff": payload["open"], unit: len(payload[unit])},
            next_step=NextStep(payload["instructions"], Advice.ATTEST, key),
        )

    _client: SpawningQuery | None = None

    def _query(self) -> SpawningQuery:
        """One client for every poll of this run, so that they share the rate limit."""
        if self._client is None:
            self._client = SpawningQuery(
                self.descriptor,
                self.secret or "",
                endpoint=self.options.get("endpoint"),
                backoff=float(self.options.get("backoff", 0.5)),
            )
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        waiting = [i for i in items if i["state"] in WAITING]
        if not waiting or self.descriptor.unit is not Unit.URL:
            return []  # the query API knows addresses; a domain's ai.txt is the creator's word
        if not self.secret:
            return [
                Outcome(i["id"], ItemState.UNVERIFIABLE, "no Spawning API key to confirm with")
                for i in waiting
                if i["state"] in (ItemState.USER_ATTESTED.value, ItemState.SUBMITTED.value)
            ]
        query = self._query()
        outcomes = []
        for chunk in query.chunks(waiting):
            answers = query.query([i["target"] for i in chunk])
            outcomes += [
                Outcome(i["id"], ItemState.CONFIRMED, "optOut true in Spawning's registry")
                for i, opted in zip(chunk, answers, strict=True)
                if opted
            ]
        return outcomes
