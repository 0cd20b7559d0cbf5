"""Spawning: the opt-out is made by the user in HaveIBeenTrained (a browser hand-off); the query
API then confirms each URL.  Without an API key items are ``unverifiable``, never failed."""

from __future__ import annotations

from typing import ClassVar

from creatorapp.core.optouts import settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, NextStep, Outcome, Sent
from creatorapp.core.optouts.advice import Advice
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
        return {
            "open": self.descriptor.endpoints["form"],
            "urls": targets,
            "reference": key,
            "instructions": (
                "Sign in to HaveIBeenTrained and add these URLs to your Do Not Train list. "
                "Confirmation comes from Spawning's query API."
            ),
        }

    def send(self, payload: dict, key: str) -> Sent:
        return Sent(
            state=ItemState.AWAITING_USER_ACTION,
            remote_ref=key,
            remote_url=payload["open"],
            evidence={"handoff": payload["open"], "urls": len(payload["urls"])},
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
        if not waiting:
            return []
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
