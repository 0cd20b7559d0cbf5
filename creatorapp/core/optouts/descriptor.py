"""What each destination needs and how it confirms, shipped as data in
``resources/registries/*.toml`` (registries.md §16.1) so it can be updated on its own."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from creatorapp.core.resources import resource_dir
from creatorapp.errors import UserError

if TYPE_CHECKING:
    from creatorapp.core.optouts.kinds import AdapterKinds


# how destinations are asked and how they confirm, in the descriptors' words: what the installed
# adapters declare, and these, which the format knows but this version cannot ask yet
PLANNED_SUBMIT_MODES = frozenset({"api", "self_publish"})
PLANNED_STATUS_MODES = frozenset({"verify_signal", "none"})


class Unit(StrEnum):
    URL = "url"
    DOMAIN = "domain"
    FILE_HASH = "file_hash"
    ACCOUNT = "account"
    DATASET_SAMPLE = "dataset_sample"


class DescriptorError(UserError):
    """A destination file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True)
class RateLimit:
    per_second: float | None = None
    per_minute: float | None = None
    per_hour: float | None = None

    def min_interval(self) -> float:
        """Seconds between requests that keeps within every limit."""
        gaps = [1 / self.per_second if self.per_second else 0.0]
        if self.per_minute:
            gaps.append(60 / self.per_minute)
        if self.per_hour:
            gaps.append(3600 / self.per_hour)
        return max(gaps)


@dataclass(frozen=True)
class Liveness:
    """A cheap request that tells whether the destination's own service works: its page or API
    answering an error, or a page that says one of ``degraded_when`` (\"under maintenance\"),
    marks the destination degraded."""

    url: str
    degraded_when: tuple[str, ...] = ()


@dataclass(frozen=True)
class Descriptor:
    id: str
    name: str
    version: int
    submit_mode: str
    status_mode: str
    unit: Unit
    min_batch: int
    max_batch: int
    auth_kind: str
    identity_proof: str
    legal_basis: str
    expected_turnaround_days: int
    checked: date  # the day these facts were last checked against the destination's own pages
    auth_header: str | None = None
    auth_scheme: str | None = None
    without_key: str | None = None
    letter: str | None = None
    # the letter for works that show the creator (a personal-data request), where the
    # destination takes one; ``letter`` is then the copyright reservation sent otherwise
    person_letter: str | None = None
    # the most characters one request's list of targets may take (a form's free-text field);
    # a longer list becomes more numbered parts, like one longer than ``max_batch``
    max_chars: int | None = None
    adapter: str = ""  # the adapter module's kind; defaults to submit_mode
    scope: str | None = None  # "dataset" or "recipient": asked for once per submission
    recipient: str | None = None  # the address an email destination writes to
    poll_schedule: tuple[str, ...] = ()  # waits between polls, e.g. ("1h", "1d", "7d")
    fields: dict[str, str] = field(default_factory=dict)  # a web form's fields, as templates
    # by the labels the form shows; ``form_names`` gives the name each is sent under, and
    # ``field_help`` what to put in a field the app cannot fill (a dataset's own sample id)
    form_names: dict[str, str] = field(default_factory=dict)
    field_help: dict[str, str] = field(default_factory=dict)
    notice: str = ""  # what the creator must know before asking it, in plain words
    rate_limit: RateLimit = field(default_factory=RateLimit)
    endpoints: dict[str, str] = field(default_factory=dict)
    liveness: Liveness | None = None  # how to tell whether its service works at all
    source: str = ""

    @property
    def kind(self) -> str:
        return self.adapter or self.submit_mode

    def poll_wait(self, polls_done: int, kinds: AdapterKinds | None = None) -> float:
        """Seconds to wait before the next poll: the schedule's step, then its last step.  The
        descriptor's own schedule, else the one its adapter declares."""
        schedule = self.poll_schedule
        if not schedule:
            from creatorapp.core.optouts.kinds import installed

            adapter = (kinds or installed()).get(self.kind)
            schedule = adapter.capabilities.poll_schedule if adapter else ("1d",)
        return parse_duration(schedule[min(polls_done, len(schedule) - 1)])


_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_duration(text: str) -> float:
    """``"90s"``, ``"15m"``, ``"1h"``, ``"2d"``, ``"1w"``."""
    text = text.strip()
    try:
        value = float(text[:-1])
        unit = _UNITS[text[-1]]
    except (ValueError, KeyError, IndexError):
        raise DescriptorError(f"not a duration: {text!r} (use e.g. 90s, 15m, 1h, 2d, 1w)") from None
    if value < 0:
        raise DescriptorError(f"not a duration: {text!r} (negative)")
    return value * unit


_ENUMS = {"unit": Unit}
_REQUIRED = (
    "id",
    "name",
    "version",
    "submit_mode",
    "status_mode",
    "unit",
    "min_batch",
    "max_batch",
    "auth_kind",
    "identity_proof",
    "legal_basis",
    "expected_turnaround_days",
    "checked",
)
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _checked(value: object, source: str) -> date:
    """A calendar day written ``YYYY-MM-DD`` (quoted or as a TOML date); anything else, a time
    of day included, is refused: people read it as "facts last checked on"."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value
    if isinstance(value, str) and _DAY.match(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise DescriptorError(
        f"{source}: checked must be the day the facts were last checked, as YYYY-MM-DD "
        f"(got {value!r})"
    )


def _liveness(raw: object, source: str) -> Liveness:
    if not isinstance(raw, dict) or not isinstance(raw.get("url"), str):
        raise DescriptorError(f"{source}: liveness needs a url")
    unknown = set(raw) - {"url", "degraded_when"}
    if unknown:
        raise DescriptorError(f"{source}: liveness: unknown fields {', '.join(sorted(unknown))}")
    words = raw.get("degraded_when", [])
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise DescriptorError(f"{source}: liveness: degraded_when must be a list of phrases")
    return Liveness(raw["url"], tuple(words))


def _modes(kinds: AdapterKinds | None) -> dict[str, frozenset[str]]:
    from creatorapp.core.optouts.kinds import installed

    kinds = kinds or installed()
    return {
        "submit_mode": frozenset(kinds.submit_modes() | set(kinds.names())) | PLANNED_SUBMIT_MODES,
        "status_mode": frozenset(kinds.status_modes()) | PLANNED_STATUS_MODES,
    }


def parse(text: str, source: str, kinds: AdapterKinds | None = None) -> Descriptor:
    """A descriptor from TOML; its modes are checked against the adapters of ``kinds`` (the
    installed ones by default)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise DescriptorError(f"{source}: not valid TOML ({exc})") from None
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise DescriptorError(f"{source}: missing {', '.join(missing)}")
    known = set(Descriptor.__dataclass_fields__) - {"source"}
    unknown = set(raw) - known
    if unknown:
        raise DescriptorError(f"{source}: unknown fields {', '.join(sorted(unknown))}")
    values = dict(raw)
    for key, enum in _ENUMS.items():
        try:
            values[key] = enum(raw[key])
        except ValueError:
            allowed = ", ".join(e.value for e in enum)
            raise DescriptorError(f"{source}: {key} must be one of {allowed}") from None
    for key, allowed_modes in _modes(kinds).items():
        if not isinstance(raw[key], str) or raw[key] not in allowed_modes:
            allowed = ", ".join(sorted(allowed_modes))
            raise DescriptorError(f"{source}: {key} must be one of {allowed}")
    try:
        values["rate_limit"] = RateLimit(**raw.get("rate_limit", {}))
    except TypeError as exc:
        raise DescriptorError(f"{source}: rate_limit: {exc}") from None
    values["checked"] = _checked(raw["checked"], source)
    if "liveness" in raw:
        values["liveness"] = _liveness(raw["liveness"], source)
    values["poll_schedule"] = tuple(raw.get("poll_schedule", ()))
    for step in values["poll_schedule"]:
        try:
            parse_duration(step)
        except DescriptorError as exc:
            raise DescriptorError(f"{source}: poll_schedule: {exc}") from None
    if values.get("scope") not in (None, "dataset", "recipient"):
        raise DescriptorError(f"{source}: scope must be dataset or recipient")
    if not 1 <= values["min_batch"] <= values["max_batch"]:
        raise DescriptorError(f"{source}: need 1 <= min_batch <= max_batch")
    if values.get("max_chars") is not None and not (
        isinstance(values["max_chars"], int) and values["max_chars"] >= 1
    ):
        raise DescriptorError(f"{source}: max_chars must be a whole number of characters")
    if values.get("person_letter") and not values.get("letter"):
        raise DescriptorError(f"{source}: person_letter needs a letter for the other works")
    return Descriptor(**values, source=source)


def load_all(
    folder: Path | None = None, kinds: AdapterKinds | None = None
) -> dict[str, Descriptor]:
    folder = folder or resource_dir() / "registries"
    found: dict[str, Descriptor] = {}
    for path in sorted(folder.glob("*.toml")):
        descriptor = parse(path.read_text(encoding="utf-8"), path.name, kinds)
        if descriptor.id in found:
            raise DescriptorError(f"{path.name}: id {descriptor.id!r} is used twice")
        found[descriptor.id] = descriptor
    return found
