"""HTTP for destinations: a rate limiter per destination and retries that honour Retry-After."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from creatorapp.core.optouts.advice import Advised, Hint
from creatorapp.core.text import neterrors

RETRYABLE = frozenset({429, 500, 502, 503, 504})
_IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})


def _may_have_arrived(exc: Exception) -> bool:
    """Only a refused or unresolvable connection proves the request never reached the
    destination; a reset or a timeout after sending proves nothing."""
    return neterrors.may_have_arrived(exc)


class RegistryError(Advised):
    """A destination refused or could not be reached; ``retryable`` says whether trying again
    later can help (the items stay queued either way)."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = True,
        retry_after: float | None = None,
        hint: Hint | None = None,
    ) -> None:
        super().__init__(message, hint)
        self.retryable = retryable
        self.retry_after = retry_after  # seconds the destination asked us to wait, if it did


class RateLimiter:
    """At most one request per ``interval`` seconds (a token bucket of one)."""

    def __init__(
        self,
        interval: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        pause: Callable[[float], None] | None = None,
    ) -> None:
        self.interval = interval
        self._clock = clock
        self._pause = pause or (lambda s: threading.Event().wait(s))
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Returns when a request may go.  The next slot is counted from when this one really
        went (after the pause, which may overrun), so a late wake-up never squeezes the next
        request closer than ``interval`` to this one."""
        while True:
            with self._lock:
                now = self._clock()
                if now >= self._next:
                    self._next = now + self.interval
                    return
                delay = self._next - now
            self._pause(delay)

    def hold(self, seconds: float) -> None:
        """The destination asked us to wait (Retry-After)."""
        with self._lock:
            self._next = max(self._next, self._clock() + seconds)


def retry_after(value: str | None, default: float) -> float:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date)."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return default
    return max(0.0, when.timestamp() - time.time())


def send(
    session,
    method: str,
    url: str,
    *,
    limiter: RateLimiter,
    what: str,
    attempts: int = 6,
    backoff: float = 0.5,
    max_wait: float = 30.0,
    **kw,
):
    """One request with the destination's rate limit and up to ``attempts`` tries; returns the
    response of the last try.  Connection failures raise RegistryError (retryable); so does a
    Retry-After longer than ``max_wait``, carrying the wait, so the outbox can come back later
    instead of holding the app for an hour."""
    import requests

    delay = backoff
    for attempt in range(1, attempts + 1):
        limiter.wait()
        try:
            response = session.request(method, url, timeout=60, **kw)
        except requests.RequestException as exc:
            # a POST that may have arrived is not sent again blindly: the outbox first looks
            # for what it created (by the idempotency key), then sends only if nothing is there
            if attempt == attempts or (method not in _IDEMPOTENT and _may_have_arrived(exc)):
                where = urlsplit(url).hostname or url
                raise RegistryError(
                    f"{what}: cannot reach {where} ({neterrors.reason(exc, url)})"
                ) from None
            limiter.hold(delay)
            delay *= 2
            continue
        secondary_limit = response.status_code == 403 and "Retry-After" in response.headers
        if (response.status_code in RETRYABLE or secondary_limit) and attempt < attempts:
            wait = retry_after(response.headers.get("Retry-After"), delay)
            if wait > max_wait:
                raise RegistryError(
                    f"{what} asked us to wait {wait:.0f} s ({response.status_code}); "
                    "it will be asked again then",
                    retry_after=wait,
                )
            limiter.hold(wait)
            delay *= 2
            continue
        return response
    raise AssertionError("unreachable")
