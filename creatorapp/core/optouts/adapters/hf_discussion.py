"""A dataset on the Hugging Face Hub: a discussion on the dataset repository
(registries.md §4b): ``POST /api/datasets/{id}/discussions`` with a Bearer token.

The title carries the idempotency key, so a retry or a restart finds the earlier discussion among
the user's own.  Long URL lists become numbered parts ("(2/3)").  Polling reads the discussion's
status and events: a reply from someone else acknowledges the request; a close confirms it when
the closing words say the works were removed, rejects it when they refuse, and otherwise leaves
it acknowledged for the creator to judge.

The Hub counts requests in 5-minute fixed windows and says what is left in ``RateLimit`` /
``RateLimit-Policy`` header fields (``"api";r=0;t=55``); ``http.send`` keeps within them and
waits for the window to reset, or leaves the request for later when that is too long.
"""

from __future__ import annotations

import re
from typing import ClassVar
from urllib.parse import quote

from creatorapp.core.optouts import settings
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, Outcome, Sent
from creatorapp.core.optouts.http import (
    RateLimiter,
    RegistryError,
    quota_reset,
    retry_after,
    send,
    service_limits,
)
from creatorapp.core.optouts.model import ItemState

TITLE = "Request to remove my works from this dataset"
_REMOVED = re.compile(r"\b(removed|deleted|excluded|taken down|opted[- ]out|filtered out)\b", re.I)
_REFUSED = re.compile(
    r"\b(won't|will not|cannot|can't|decline[ds]?|reject(ed)?|refuse[ds]?|not remov\w*)\b", re.I
)


class HfDiscussion(Adapter):
    kind: ClassVar[str] = "hf_discussion"
    submit_mode: ClassVar[str] = "hf_discussion"
    status_mode: ClassVar[str] = "poll_discussion"
    settings = settings.token(
        "Hugging Face token", "a Hugging Face token with write access to discussions"
    )
    capabilities = Capabilities(
        finds_earlier=True, answers_in_words=True, poll_schedule=("1d", "1d", "7d")
    )
    last_etag: str | None = None
    _http = None

    @property
    def dataset(self) -> str:
        """The dataset asked; the outbox checked its form when the destination was named."""
        if not self.context.scope:
            raise RegistryError("which dataset? (owner/name)", retryable=False)
        return self.context.scope

    def _base(self) -> str:
        return f"{self.endpoint('api')}/api/datasets/{quote(self.dataset, safe='/')}/discussions"

    def _session(self):
        import requests

        if self._http is None:
            self._http = requests.Session()
            self._http.headers.update(
                {"Authorization": f"Bearer {self.secret or ''}", "User-Agent": "creator-reserve"}
            )
            interval = self.options.get("min_interval", self.descriptor.rate_limit.min_interval())
            # the clock and the pause are the limiter's own unless a test gives its own
            timing = {k: self.options[k] for k in ("clock", "pause") if self.options.get(k)}
            self._limiter = RateLimiter(float(interval), **timing)
        return self._http

    def _call(self, method: str, url: str, **kw):
        if not self.secret:
            raise RegistryError(
                "no Hugging Face token stored (one with write access to discussions)",
                retryable=False,
                hint=self.set_up_hint(),
            )
        response = send(
            self._session(),
            method,
            url,
            limiter=self._limiter,
            what="Hugging Face",
            backoff=float(self.options.get("backoff", 1.0)),
            max_wait=float(self.options.get("max_wait", 30.0)),
            **kw,
        )
        if response.status_code == 401:
            raise RegistryError(
                "Hugging Face refused the token (401: bad or expired)",
                retryable=False,
                hint=self.set_up_hint(),
            )
        if response.status_code == 404:
            raise RegistryError(
                f"Hugging Face has no dataset {self.dataset} (404)", retryable=False
            )
        if response.status_code == 403:
            raise RegistryError(
                f"Hugging Face refused (403): {_message(response)} (the owner may have turned "
                "discussions off; the DMCA route 'huggingface-dmca' still works)",
                retryable=False,
            )
        if response.status_code == 429:
            reset = quota_reset(service_limits(response.headers))
            wait = retry_after(response.headers.get("Retry-After"), reset or 0.0) or None
            raise RegistryError(
                "Hugging Face is rate limiting us (429); will retry later", retry_after=wait
            )
        if response.status_code >= 500:
            raise RegistryError(f"Hugging Face answered {response.status_code}; will retry later")
        return response

    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        number, count = part
        suffix = f" (part {number}/{count})" if count > 1 else ""
        name = self.context.contact.name or "the rights holder"
        lines = "\n".join(f"- {t}" for t in targets)
        description = (
            f"I am {name}, the author and rights holder of the works at the {len(targets)} "
            f"URLs below. I reserve their use for text and data mining, including AI "
            "training, under Article 4(3) of the EU DSM Directive (2019/790); the reservation "
            "is also published by machine-readable means (robots.txt, ai.txt, TDMRep and the "
            "files' own metadata).\n\n"
            f"Please remove these works from {self.dataset} and its future versions, and "
            "close this discussion with a note once they are removed.\n\n"
            f"{lines}\n\n"
            f"Reference: {key}"
        )
        return {
            "dataset": self.dataset,
            "title": f"{TITLE}{suffix} [{key}]",
            "description": description,
            "pullRequest": False,
        }

    def send(self, payload: dict, key: str) -> Sent:
        body = {k: payload[k] for k in ("title", "description", "pullRequest")}
        response = self._call("POST", self._base(), json=body)
        if response.status_code not in (200, 201):
            raise RegistryError(
                f"Hugging Face answered {response.status_code}: {_message(response)}"
            )
        try:
            number = int(response.json()["num"])
        except (ValueError, KeyError, TypeError):
            raise RegistryError(
                "Hugging Face's answer had an unexpected shape (no discussion number); "
                "the submission will be looked up before it is sent again"
            ) from None
        return self._sent(number, found=False)

    def _sent(self, number: int, *, found: bool) -> Sent:
        url = f"{self.endpoint('web')}/datasets/{self.dataset}/discussions/{number}"
        return Sent(
            state=ItemState.SUBMITTED,
            remote_ref=str(number),
            remote_url=url,
            evidence={"dataset": self.dataset, "discussion": number, "found_existing": found},
        )

    def find(self, key: str) -> Sent | None:
        who = self._call("GET", f"{self.endpoint('api')}/api/whoami-v2")
        if who.status_code != 200:
            return None
        author = who.json().get("name")
        page = 0
        while True:
            response = self._call(
                "GET",
                self._base(),
                params={"author": author, "type": "discussion", "p": page},
            )
            if response.status_code != 200:
                return None
            doc = response.json()
            discussions = doc.get("discussions") or []
            for discussion in discussions:
                if f"[{key}]" in discussion.get("title", ""):
                    return self._sent(int(discussion["num"]), found=True)
            page += 1
            if not discussions or doc.get("start", 0) + len(discussions) >= doc.get("count", 0):
                return None

    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        number = submission["remote_ref"]
        response = self._call("GET", f"{self._base()}/{number}")
        if response.status_code != 200:
            raise RegistryError(f"Hugging Face answered {response.status_code} for #{number}")
        try:
            doc = response.json()
            status = doc["status"]
            events = list(doc.get("events") or [])
            author = (doc.get("author") or {}).get("name")
        except (ValueError, KeyError, TypeError, AttributeError):
            raise RegistryError(
                f"Hugging Face's answer for discussion #{number} had an unexpected shape"
            ) from None
        replies = [
            e.get("data", {}).get("latest", {}).get("raw", "")
            for e in events
            if e.get("type") == "comment" and (e.get("author") or {}).get("name") != author
        ]
        state, detail = ItemState.SUBMITTED, ""
        if replies:
            state, detail = ItemState.ACKNOWLEDGED, f"discussion #{number}: a reply"
        if status == "closed":
            last = replies[-1] if replies else ""
            if _REFUSED.search(last):
                state, detail = ItemState.REJECTED, f"discussion #{number} closed: {last[:120]}"
            elif _REMOVED.search(last):
                state, detail = ItemState.CONFIRMED, f"discussion #{number} closed: {last[:120]}"
            else:
                state, detail = ItemState.ACKNOWLEDGED, f"discussion #{number} closed"
        if state is ItemState.SUBMITTED:
            return []
        return [Outcome(i["id"], state, detail) for i in items if i["state"] != state.value]

    def close(self) -> None:
        if self._http is not None:
            self._http.close()
            self._http = None


def _message(response) -> str:
    try:
        return str(response.json().get("error", ""))[:200]
    except ValueError:
        return response.text[:200]
