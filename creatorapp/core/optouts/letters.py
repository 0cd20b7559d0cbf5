"""Letters sent by email or pasted into web forms, kept as data in ``resources/letters/*.toml``.

A letter may carry sworn statements (the DMCA notice's good-faith and perjury statements).  They
are never added by default: only when the creator has confirmed them explicitly, and the
confirmation itself is recorded with the submission.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from string import Template

from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.resources import resource_dir


class LetterError(Advised):
    """A letter that cannot be written as asked (missing details, unconfirmed statements)."""


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
