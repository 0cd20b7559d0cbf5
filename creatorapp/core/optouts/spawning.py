"""Spawning: confirmation through the query API (registries.md §1b).

``POST /api/v2/query/urls/`` with ``Authorization: API <key>``, a ``text/plain`` body of
newline-joined URLs (at least 2, at most 10,000), and an answer ``{"urls": [{"url", "optOut",
"optIn"}]}`` by position.  The opt-out itself is the creator's, in HaveIBeenTrained (one work at
a time; it takes no list) or, for a whole domain, the site's ai.txt; this only confirms it.
"""

from __future__ import annotations

from collections.abc import Iterator

from creatorapp.core.optouts.descriptor import Descriptor
from creatorapp.core.optouts.http import RateLimiter, RegistryError, send


class SpawningQuery:
    def __init__(
        self,
        descriptor: Descriptor,
        key: str,
        *,
        endpoint: str | None = None,
        backoff: float = 0.5,
    ) -> None:
        import requests

        self.descriptor = descriptor
        self.endpoint = endpoint or descriptor.endpoints["query"]
        self.session = requests.Session()
        self.session.headers.update(
            {
                "Authorization": f"{descriptor.auth_scheme} {key}",
                "Content-Type": "text/plain; charset=utf-8",
                "User-Agent": "creator-reserve",
            }
        )
        # a little under the published rate: requests arrive with a few milliseconds of jitter,
        # and a 429 costs a whole slot
        self.limiter = RateLimiter(descriptor.rate_limit.min_interval() * 1.03)
        self.backoff = backoff

    def chunks(self, urls: list[str]) -> Iterator[list[str]]:
        size = self.descriptor.max_batch
        for i in range(0, len(urls), size):
            yield urls[i : i + size]

    def query(self, urls: list[str]) -> list[bool]:
        """``optOut`` for each URL, in order; raises RegistryError on anything else."""
        if not urls:
            return []
        body = list(urls)
        while len(body) < self.descriptor.min_batch:
            body.append("")  # the API wants more than one URL
        response = send(
            self.session,
            "POST",
            self.endpoint,
            limiter=self.limiter,
            what="Spawning query",
            backoff=self.backoff,
            data="\n".join(body).encode("utf-8"),
        )
        if response.status_code == 401:
            raise RegistryError("Spawning refused the API key (401)", retryable=False)
        if response.status_code != 200:
            raise RegistryError(f"Spawning answered {response.status_code}; will retry later")
        try:
            answers = response.json()["urls"]
            result = [bool(answers[i]["optOut"]) for i in range(len(urls))]
        except (ValueError, KeyError, IndexError, TypeError):
            raise RegistryError(
                "Spawning sent a reply in an unexpected shape; nothing was recorded, will retry"
            ) from None
        return result

    def close(self) -> None:
        self.session.close()
