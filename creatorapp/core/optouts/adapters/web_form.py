"""Destinations with only a web form (LAION, OpenAI, Meta; registries.md §13c): the app opens
the system browser on the form and shows the fields to copy, by the labels the form itself shows
("Sample ID", "Website/URL"), and the items wait for the user.

Forms sit behind logins and CAPTCHAs; the app never submits them itself.  Where a form has a
free-text field (LAION's Explanation, Meta's explanation), one form lists all the works of a
request in it, up to the descriptor's ``max_batch`` and ``max_chars``; a form that takes one
item with no room for a list (OpenAI's) gets one form per item.  The letter is written in the
register the creator chose: a copyright reservation, or a personal-data request for works that
show them.  The user then records that they sent it (with any confirmation they paste or
attach) and, once the destination answers, what it decided.
"""

from __future__ import annotations

from string import Template
from typing import ClassVar

from creatorapp.core.optouts import letters
from creatorapp.core.optouts.adapters.base import Adapter, Capabilities, NextStep, Outcome, Sent
from creatorapp.core.optouts.advice import Advice
from creatorapp.core.optouts.model import ItemState


class WebForm(Adapter):
    kind: ClassVar[str] = "browser_form"
    submit_mode: ClassVar[str] = "browser_form"
    status_mode: ClassVar[str] = "manual"
    # the answer comes by mail: asked again rarely, only to go stale
    capabilities = Capabilities(
        hands_off=True, answers_in_words=True, opens_browser=True, poll_schedule=("7d",)
    )

    def render(self, targets: list[str], key: str, part: tuple[int, int]) -> dict:
        contact = self.context.contact
        message = ""
        letter = letters.letter_id(self.descriptor, self.context.register)
        if letter:
            written = letters.write(
                letters.load(letter),
                contact,
                targets,
                key,
                context={"dataset": self.context.scope or ""},
                preview=True,  # the user reads and sends it themselves
            )
            message = written.text
        values = {
            "name": contact.name,
            "email": contact.email,
            "address": contact.address,
            # a form with one address field takes the first; its letter lists them all
            "target": targets[0],
            "targets": "\n".join(targets),
            "letter": message,
            "reference": key,
        }
        fields = {
            label: Template(template).safe_substitute(values)
            for label, template in (self.descriptor.fields or {"message": "$letter"}).items()
        }
        number, count = part
        payload = {
            "open": self.endpoint("form"),
            "fields": fields,  # by the labels the form shows
            "urls": targets,
            "reference": key,
            "part": [number, count],
            "register": self.context.register.value,
            "instructions": self._instructions(number, count, len(targets)),
        }
        if self.descriptor.form_names:
            payload["form_names"] = dict(self.descriptor.form_names)
        return payload

    def _instructions(self, number: int, count: int, works: int) -> str:
        """The steps, what to put in the fields the app cannot fill, what the destination acts
        on, and what a request in this register can and cannot do: the creator reads it before
        sending."""
        listed = f" This form asks about {works:,} works." if works > 1 else ""
        words = [
            f"Open {self.endpoint('form')}, fill in the fields shown (form {number} of {count}) "
            f"and send it; keep any confirmation you receive.{listed}"
        ]
        words += [f"{label}: {help_}." for label, help_ in self.descriptor.field_help.items()]
        if self.descriptor.notice:
            words.append(self.descriptor.notice)
        words.append(letters.register_note(self.descriptor, self.context.register))
        return " ".join(w for w in words if w)

    _opened = False  # one browser tab per run, not one per form part

    def send(self, payload: dict, key: str) -> Sent:
        opened = False
        if self.options.get("open_browser", True) and not self._opened:
            self._opened = True
            import webbrowser

            try:
                opened = webbrowser.open(payload["open"], new=2)
            except Exception:
                opened = False
        return Sent(
            state=ItemState.AWAITING_USER_ACTION,
            remote_ref=key,
            remote_url=payload["open"],
            evidence={"form": payload["open"], "browser_opened": opened},
            next_step=NextStep(payload["instructions"], Advice.ATTEST, key),
        )

    def poll(self, submission: dict, items: list[dict]) -> list[Outcome]:
        """Forms have no status to read: the user's attestation and resolution move items."""
        return []
