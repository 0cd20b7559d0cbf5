"""Letters sent by email or pasted into web forms, kept as data in ``resources/letters/*.toml``.

Each letter stands on one legal ground, its register: the creator's copyright (a reservation of
text and data mining under Art. 4(3) of the DSM Directive, for any work) or their personal data
(an erasure request and objection under GDPR Art. 17 and 21, only for works that show them).  A
destination that takes both names a letter for each; the creator says which works show them.

A letter may carry sworn statements (the DMCA notice's good-faith and perjury statements).  They
are never added by default: only when the creator has confirmed them explicitly, and the
confirmation itself is recorded with the submission.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from string import Template
from typing import Protocol

from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.resources import resource_dir


class LetterError(Advised):
    """A letter that cannot be written as asked (missing details, unconfirmed statements)."""


class Register(StrEnum):
    """The legal ground a request stands on.  Personal data holds only for a work that shows
    the creator (or names them with other data that identifies them); claiming it for artwork
    would be untrue, so copyright is the default and personal data is the creator's choice."""

    COPYRIGHT = "copyright"  # a reservation under Art. 4(3) DSM Directive
    PERSONAL_DATA = "personal_data"  # an erasure request / objection under GDPR Art. 17 and 21

    @property
    def words(self) -> str:
        return _REGISTER_WORDS[self]


_REGISTER_WORDS = {
    Register.COPYRIGHT: "a copyright reservation (Art. 4(3) DSM Directive)",
    Register.PERSONAL_DATA: "a personal-data request (GDPR Art. 17 and 21)",
}


class _Letters(Protocol):
    """What a destination says about its letters (a descriptor)."""

    @property
    def name(self) -> str: ...
    @property
    def letter(self) -> str | None: ...
    @property
    def person_letter(self) -> str | None: ...


def letter_id(destination: _Letters, register: Register) -> str | None:
    """The letter a destination is written in the given register: its ``person_letter`` for
    works that show the creator, its ``letter`` otherwise."""
    if register is Register.PERSONAL_DATA:
        if not destination.person_letter:
            raise LetterError(f"{destination.name} takes no personal-data request")
        return destination.person_letter
    return destination.letter


def register_note(destination: _Letters, register: Register) -> str:
    """Plain words on the register, for a destination that takes both: a copyright reservation
    sent where only personal-data requests are acted on is still worth sending, as a dated
    record, and the creator must know both halves of that before a work is asked (a work is
    asked of a destination only once).  Empty for a destination with one kind of letter."""
    if not destination.person_letter:
        return ""
    if register is Register.PERSONAL_DATA:
        return (
            f"This is {register.words}: send it only for works that show you, or name you "
            "together with other data that identifies you."
        )
    return (
        f"This is {register.words}. A destination that acts only on personal-data requests "
        "will not remove works for it; it is still a dated record of your reservation, sent to "
        "them in writing, that stands whatever machine-readable signals say. If any of these "
        "works shows you, send those as a personal-data request instead: a work is asked of a "
        "destination only once."
    )


@dataclass(frozen=True)
class Contact:
    """Who the letters come from.  Not a secret, but only ever sent where the user asks."""

    name: str = ""
    email: str = ""
    address: str = ""

    @classmethod
    def from_dict(cls, raw: dict | None) -> Contact:
        raw = raw or {}
        return cls(**{k: str(raw.get(k, "")) for k in ("name", "email", "address")})


@dataclass(frozen=True)
class Letter:
    id: str
    title: str
    subject: str
    body: str
    requires: tuple[str, ...] = ()
    sworn: str = ""

    @property
    def needs_oath(self) -> bool:
        return bool(self.sworn.strip())


@dataclass(frozen=True)
class Written:
    subject: str
    text: str
    sworn_included: bool
    placeholders: dict[str, str] = field(default_factory=dict)


def load(letter_id: str) -> Letter:
    path = resource_dir() / "letters" / f"{letter_id}.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LetterError(f"no letter template {letter_id!r} in {path.parent}") from None
    except tomllib.TOMLDecodeError as exc:
        raise LetterError(f"{path.name}: not valid TOML ({exc})") from None
    try:
        return Letter(
            id=letter_id,
            title=raw["title"],
            subject=raw["subject"],
            body=raw["body"].strip("\n"),
            requires=tuple(raw.get("requires", ())),
            sworn=raw.get("sworn", "").strip("\n"),
        )
    except KeyError as exc:
        raise LetterError(f"{path.name}: missing {exc.args[0]}") from None


def write(
    letter: Letter,
    contact: Contact,
    targets: list[str],
    reference: str,
    *,
    context: dict[str, str] | None = None,
    sworn: bool = False,
    preview: bool = False,
) -> Written:
    """The letter's subject and text.

    ``sworn`` is the creator's explicit confirmation of the letter's sworn statements; without
    it a letter that needs them is refused, except as a ``preview`` (a dry run), which shows
    where they would go.
    """
    missing = [k for k in letter.requires if not getattr(contact, k, "").strip()]
    if missing and not preview:
        raise LetterError(
            f"the {letter.title} needs your {', '.join(missing)}",
            Hint(Advice.SET_UP, group="contact", missing=tuple(missing)),
        )
    if letter.needs_oath and not sworn and not preview:
        raise LetterError(
            f"the {letter.title} contains statements made under penalty of perjury; read the "
            "whole letter and confirm them only if every one is true",
            Hint(Advice.SWEAR),
        )
    values = {
        "name": contact.name or "[your name]",
        "email": contact.email or "[your email]",
        "address": contact.address or ("[your postal address]" if "address" in missing else ""),
        "reference": reference,
        "date": datetime.now(UTC).strftime("%Y-%m-%d"),
        "count": str(len(targets)),
        "targets": "\n".join(f"- {t}" for t in targets),
        "dataset": "",
        **(context or {}),
    }
    text = Template(letter.body).safe_substitute(values)
    if letter.needs_oath:
        if sworn:
            text += "\n\n" + Template(letter.sworn).safe_substitute(values)
        else:
            text += (
                "\n\n[The sworn statements below are added only when you confirm them:]\n"
                + Template(letter.sworn).safe_substitute(values)
            )
    subject = Template(letter.subject).safe_substitute(values)
    return Written(subject=subject, text=text + "\n", sworn_included=sworn and letter.needs_oath)
