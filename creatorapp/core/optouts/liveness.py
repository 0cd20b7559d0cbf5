"""Whether a destination can be used now, and what people see about it: ``ok``, ``degraded``
(a liveness check found its service not working) or ``manual`` (the creator sends it by hand).

A registry can stop working without telling anyone (HaveIBeenTrained has been "under
maintenance" since 2025).  A cheap request to the page the descriptor names finds out; the
answer is kept in the catalogue with the time it was checked, so the list of destinations
shows it without asking again, and says how old it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from creatorapp.core.catalogue import Store
from creatorapp.core.optouts.descriptor import Descriptor
from creatorapp.core.optouts.times import at

SETTING = "optout.liveness"  # {destination id: {"state", "checked_at", "detail", "url"}}
_READ_AT_MOST = 256 * 1024  # a maintenance notice is near the top of its page
_TIMEOUT = 10.0


class Status(StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    MANUAL = "manual"


@dataclass(frozen=True)
class Health:
    """What the last liveness check found."""

    alive: bool
    checked_at: str  # ISO 8601, UTC
    detail: str = ""
    url: str = ""

    def as_dict(self) -> dict:
        return {
            "state": Status.OK.value if self.alive else Status.DEGRADED.value,
            "checked_at": self.checked_at,
            "detail": self.detail,
            "url": self.url,
        }

    @classmethod
    def from_dict(cls, doc: dict) -> Health:
        return cls(
            alive=doc.get("state") != Status.DEGRADED.value,
            checked_at=str(doc.get("checked_at", "")),
            detail=str(doc.get("detail", "")),
            url=str(doc.get("url", "")),
        )


def status(health: Health | None, hands_off: bool) -> Status:
    """A service found not working comes first: a form the creator would fill in by hand is no
    use while the site behind it is down."""
    if health is not None and not health.alive:
        return Status.DEGRADED
    return Status.MANUAL if hands_off else Status.OK


def check(descriptor: Descriptor, url: str | None = None, timeout: float = _TIMEOUT) -> Health:
    """Ask the page or API the descriptor names (``url`` replaces it, for loopback tests).  An
    error status, a page saying one of its maintenance phrases, or no answer at all: degraded."""
    import requests

    assert descriptor.liveness is not None
    target = url or descriptor.liveness.url
    checked_at = at(0)
    try:
        with requests.get(
            target, timeout=timeout, stream=True, headers={"User-Agent": "creator-reserve"}
        ) as response:
            code = response.status_code
            body = response.raw.read(_READ_AT_MOST, decode_content=True) or b""
    except requests.RequestException as exc:
        reason = type(exc).__name__
        return Health(False, checked_at, f"could not be reached ({reason})", target)
    if code >= 400:
        return Health(False, checked_at, f"answered HTTP {code}", target)
    text = body.decode("utf-8", "replace").lower()
    for phrase in descriptor.liveness.degraded_when:
        if phrase.lower() in text:
            return Health(False, checked_at, f"its page says “{phrase}”", target)
    return Health(True, checked_at, f"answered HTTP {code}", target)


class Checks:
    """The liveness answers kept in the catalogue, one per destination."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def all(self) -> dict[str, Health]:
        doc = self.store.setting(SETTING) or {}
        return {k: Health.from_dict(v) for k, v in doc.items() if isinstance(v, dict)}

    def get(self, destination_id: str) -> Health | None:
        return self.all().get(destination_id)

    def record(self, destination_id: str, health: Health) -> None:
        with self.store.transaction():
            doc = dict(self.store.setting(SETTING) or {})
            doc[destination_id] = health.as_dict()
            self.store.set_setting(SETTING, doc)

    def run(
        self, descriptors: dict[str, Descriptor], urls: dict[str, str] | None = None
    ) -> dict[str, Health]:
        """Check every destination that names a liveness page, and keep the answers."""
        found = {}
        for ident, descriptor in sorted(descriptors.items()):
            if descriptor.liveness is None:
                continue
            found[ident] = check(descriptor, (urls or {}).get(ident))
            self.record(ident, found[ident])
        return found
