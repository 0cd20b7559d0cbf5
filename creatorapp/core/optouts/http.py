"""HTTP for destinations: a rate limiter per destination, retries that honour Retry-After, and
the quotas a destination reports in ``RateLimit`` / ``RateLimit-Policy`` header fields
(draft-ietf-httpapi-ratelimit-headers, RFC 9651 structured fields; the Hugging Face Hub sends
them, docs/standards.md): requests keep within what is left until the quota resets."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class ServiceLimit:
    """One quota as the destination reported it: requests left (``r``) and seconds until the
    quota resets (``t``), with the policy's quota (``q``) and window (``w``) when it said."""

    policy: str
    remaining: int
    reset: int | None = None
    quota: int | None = None
    window: int | None = None

    def __str__(self) -> str:
        said = f"{self.remaining}"
        if self.quota is not None:
            said += f" of {self.quota}"
        said += " requests left"
        if self.window is not None:
            said += f" in its {self.window} s window"
        return said


def _count(value: object) -> int | None:
    """A non-negative Integer, else None (a malformed parameter is ignored)."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        return None
    return value


def _sf_list(text: str) -> list | None:
    import http_sfv

    parsed = http_sfv.List()
    try:
        parsed.parse(text.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        return None
    return list(parsed)


# The Hub writes its policy type before the policy ('"fixed window";"api";q=500;w=300'), which
# RFC 9651 does not parse (a parameter needs a key); the policy after the type is read as sent.
_TYPED_POLICY = re.compile(r'^\s*"[^"\\]*"\s*;\s*(".*)$', re.S)


def _policies(text: str | None) -> dict[str, dict]:
    if not text:
        return {}
    items = _sf_list(text)
    if items is None and (typed := _TYPED_POLICY.match(text)):
        items = _sf_list(typed.group(1))
    return {str(item.value): dict(item.params) for item in items or ()}


def service_limits(headers: Mapping[str, str]) -> list[ServiceLimit]:
    """The quotas a response reports (``RateLimit: "api";r=0;t=55``), with what
    ``RateLimit-Policy`` says of each (``"api";q=500;w=300``).  A malformed field is ignored,
    as the draft requires: then only Retry-After and our own pacing apply."""
    items = _sf_list(headers.get("RateLimit") or "") if headers.get("RateLimit") else None
    policies = _policies(headers.get("RateLimit-Policy"))
    limits = []
    for item in items or ():
        remaining = _count(item.params.get("r"))
        if remaining is None:
            continue
        name = str(item.value)
        policy = policies.get(name, {})
        limits.append(
            ServiceLimit(
                name,
                remaining,
                _count(item.params.get("t")),
                _count(policy.get("q")),
                _count(policy.get("w")),
            )
        )
    return limits


def quota_reset(limits: list[ServiceLimit]) -> float | None:
    """Seconds until every used-up quota has reset (None if none is used up)."""
    waits = [lim.reset for lim in limits if lim.remaining == 0 and lim.reset is not None]
    return float(max(waits)) if waits else None


class RateLimiter:
    """At most one request per ``interval`` seconds (a token bucket of one), and within the
    quotas the destination last reported: when one is used up, no request goes until it
    resets."""

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
        self._quotas: list[list[float]] = []  # [requests left, clock time it resets] each
        self._lock = threading.Lock()

    def wait(self) -> None:
        """Returns when a request may go.  The next slot is counted from when this one really
        went (after the pause, which may overrun), so a late wake-up never squeezes the next
        request closer than ``interval`` to this one."""
        while True:
            with self._lock:
                now = self._clock()
                start = max(self._next, self._quota_free(now))
                if now >= start:
                    self._next = now + self.interval
                    for quota in self._quotas:  # this request uses one of what is left
                        if quota[1] > now:
                            quota[0] -= 1
                    return
                delay = start - now
            self._pause(delay)

    def observe(self, limits: list[ServiceLimit]) -> None:
        """What the destination just reported replaces what it said before: ``remaining``
        requests until ``reset`` seconds from now, for each quota that says when it resets."""
        if not limits:
            return
        with self._lock:
            now = self._clock()
            self._quotas = [
                [float(lim.remaining), now + lim.reset] for lim in limits if lim.reset is not None
            ]

    def quota_wait(self) -> float:
        """Seconds until a used-up quota resets (0 when a request may go as far as the quotas
        are concerned)."""
        with self._lock:
            now = self._clock()
            return max(0.0, self._quota_free(now) - now)

    def _quota_free(self, now: float) -> float:
        return max(
            (until for left, until in self._quotas if left <= 0 and until > now), default=now
        )

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
    wait longer than ``max_wait`` (a Retry-After, or a quota used up until it resets), carrying
    the wait, so the outbox can come back later instead of holding the app for an hour.

    Each answer's RateLimit fields tell the limiter what is left of the destination's quotas;
    on a throttled answer Retry-After takes precedence over the quota's reset time, as the
    draft says, and either is waited for before the next try."""
    import requests

    delay = backoff
    for attempt in range(1, attempts + 1):
        pending = limiter.quota_wait()
        if pending > max_wait:  # nothing was sent: the request goes once the quota resets
            raise RegistryError(
                f"{what}'s request quota is used up until it resets in {pending:.0f} s; "
                "it will be asked again then",
                retry_after=pending,
            )
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
        limits = service_limits(response.headers)
        limiter.observe(limits)
        secondary_limit = response.status_code == 403 and "Retry-After" in response.headers
        if (response.status_code in RETRYABLE or secondary_limit) and attempt < attempts:
            reset = quota_reset(limits)
            wait = retry_after(
                response.headers.get("Retry-After"), delay if reset is None else reset
            )
            if wait > max_wait:
                used_up = [str(lim) for lim in limits if lim.remaining == 0]
                said = f"; {', '.join(used_up)}" if used_up else ""
                raise RegistryError(
                    f"{what} asked us to wait {wait:.0f} s ({response.status_code}{said}); "
                    "it will be asked again then",
                    retry_after=wait,
                )
            limiter.hold(wait)
            delay *= 2
            continue
        return response
    raise AssertionError("unreachable")
