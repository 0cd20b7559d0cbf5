"""What destinations need set up before they can be asked, declared as data.

A settings group (the mail account, the creator's contact details, a destination's token) is a
list of declared settings: name, type, label, help, required or not, secret or not.  The shells
build their flags and forms from these declarations, and every value is checked here, so a
command line and a window accept exactly the same things.  Values that are not secret live in
the catalogue's settings; secrets live in the keyring, under names made in ``secret_name`` and
nowhere else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from creatorapp.core import secrets
from creatorapp.core.catalogue import Store
from creatorapp.core.optouts.advice import Advice, Advised, Hint


class SettingType(StrEnum):
    TEXT = "text"  # a secret text (a password) is kept exactly as given
    TOKEN = "token"  # one word (an API key): spaces around it are dropped
    EMAIL = "email"
    HOST_PORT = "host_port"  # stored as <key>_host and <key>_port


class SettingError(Advised):
    """A setting given in a form it cannot have, or one that is needed and missing."""


_EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+$")
_HOST = re.compile(r"^[A-Za-z0-9.-]+$|^\[[0-9A-Fa-f:.]+\]$")
_FORMS = {  # how each type is described when a value does not fit it
    SettingType.TEXT: "one line of text",
    SettingType.TOKEN: "a token (one word, as the destination gave it)",
    SettingType.EMAIL: "an email address",
    SettingType.HOST_PORT: "HOST:PORT (e.g. mail.example.com:587)",
}
METAVARS = {
    SettingType.TEXT: "TEXT",
    SettingType.TOKEN: "TOKEN",
    SettingType.EMAIL: "ADDRESS",
    SettingType.HOST_PORT: "HOST:PORT",
}


@dataclass(frozen=True)
class Setting:
    name: str  # what the shells call it: the CLI flag --name (a secret: --name-stdin)
    type: SettingType
    label: str  # the form's label
    help: str
    required: bool = True  # needed before anything is sent (secrets may come later)
    secret: bool = False  # kept in the keyring, never in the catalogue or on screen
    key: str = ""  # where the value is stored, if not under its name (older catalogues)
    default_port: int = 0  # HOST_PORT: the port when only a host is given
    placeholder: str = ""  # what a value looks like (a flag's metavar); the type's by default

    @property
    def example(self) -> str:
        return self.placeholder or METAVARS[self.type]

    @property
    def stored_as(self) -> str:
        return self.key or self.name

    def parse(self, raw: str) -> object:
        """The value ``raw`` stands for; a clear refusal if it cannot be one (which never
        repeats a secret)."""
        kept_as_given = self.secret and self.type is SettingType.TEXT
        text = raw if kept_as_given else raw.strip()
        fits = bool(text.strip()) and not any(ord(c) < 32 for c in text)
        if self.type is SettingType.TOKEN:
            fits = fits and not any(c.isspace() for c in text)
        if self.type is SettingType.EMAIL:
            fits = fits and bool(_EMAIL.match(text))
        if not fits:
            shown = "the value given" if self.secret else repr(raw)
            raise SettingError(f"{self.label}: {shown} is not {_FORMS[self.type]}")
        if self.type is SettingType.HOST_PORT:
            return self._host_port(text)
        return text

    def _host_port(self, text: str) -> tuple[str, int]:
        host, colon, port = text.rpartition(":")
        if not colon or host.endswith(":") or (host.startswith("[") != host.endswith("]")):
            host, port = text, str(self.default_port)  # a host alone, or a bare IPv6 address
        try:
            number = int(port)
        except ValueError:
            number = 0
        if not (0 < number < 65536 and _HOST.match(host)):
            raise SettingError(f"{self.label}: {text!r} is not {_FORMS[self.type]}")
        return host, number

    def load(self, stored: dict) -> object | None:
        if self.type is SettingType.HOST_PORT:
            host = stored.get(f"{self.stored_as}_host")
            port = stored.get(f"{self.stored_as}_port")
            return (str(host), int(port)) if host and port else None
        value = stored.get(self.stored_as)
        return str(value) if value else None

    def dump(self, value: object, into: dict) -> None:
        if self.type is SettingType.HOST_PORT:
            into[f"{self.stored_as}_host"], into[f"{self.stored_as}_port"] = value  # type: ignore[misc]
        else:
            into[self.stored_as] = value

    def shown(self, value: object) -> str:
        if self.type is SettingType.HOST_PORT and isinstance(value, tuple):
            return f"{value[0]}:{value[1]}"
        return str(value)


@dataclass(frozen=True)
class Group:
    """Settings kept together: one for every destination that needs them (the mail account), or
    one per destination (a token)."""

    id: str
    title: str  # "Mail account", shown above its form
    settings: tuple[Setting, ...]
    per_destination: bool = False
    secret_kind: str = ""  # the keyring's kind of name for the group's secret
    secret_owner: str = ""  # the setting whose value names the secret; "" names it by destination

    def setting(self, name: str) -> Setting:
        for s in self.settings:
            if s.name == name:
                return s
        raise KeyError(name)

    @property
    def secret(self) -> Setting | None:
        return next((s for s in self.settings if s.secret), None)


MAIL = Group(
    id="mail",
    title="Mail account",
    settings=(
        Setting(
            "smtp",
            SettingType.HOST_PORT,
            "Sending server",
            "the submission server letters go through (STARTTLS)",
            default_port=587,
        ),
        Setting(
            "imap",
            SettingType.HOST_PORT,
            "Reply server",
            "the IMAP server replies arrive at (STARTTLS)",
            default_port=143,
        ),
        Setting(
            "user",
            SettingType.TEXT,
            "Login name",
            "the login for both servers",
            key="username",
            placeholder="NAME",
        ),
        Setting(
            "from",
            SettingType.EMAIL,
            "From address",
            "the address letters come from",
            key="from_address",
        ),
        Setting(
            "password",
            SettingType.TEXT,
            "Password",
            "the password for both servers (kept in the system keyring, or encrypted without one)",
            secret=True,
        ),
    ),
    secret_kind="mail",
    secret_owner="user",
)

CONTACT = Group(
    id="contact",
    title="Your contact details",
    settings=(
        Setting(
            "name",
            SettingType.TEXT,
            "Your name",
            "who letters and forms come from",
            False,
            placeholder="NAME",
        ),
        Setting("email", SettingType.EMAIL, "Your email", "where answers should go", False),
        Setting(
            "address",
            SettingType.TEXT,
            "Postal address",
            "DMCA notices need one",
            False,
        ),
    ),
)


def token(label: str, help: str, *, required: bool = True) -> Group:
    """A destination's own API key or token."""
    return Group(
        id="token",
        title=label,
        settings=(Setting("token", SettingType.TOKEN, label, help, required, secret=True),),
        per_destination=True,
        secret_kind="registry",
    )


class Settings:
    """Reads and writes groups through their declarations."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def _key(self, group: Group, owner: str | None) -> str:
        return f"{group.id}.{owner}" if group.per_destination else group.id

    @staticmethod
    def _plain(group: Group) -> bool:
        """Whether the group keeps anything in the catalogue (a token alone does not)."""
        return any(not s.secret for s in group.settings)

    def stored(self, group: Group, owner: str | None = None) -> dict:
        """The group's stored form (what an adapter is handed)."""
        if not self._plain(group):
            return {}
        return dict(self.store.setting(self._key(group, owner)) or {})

    def values(self, group: Group, owner: str | None = None) -> dict[str, object]:
        stored = self.stored(group, owner)
        found = {s.name: s.load(stored) for s in group.settings if not s.secret}
        return {k: v for k, v in found.items() if v is not None}

    def secret_name(
        self, group: Group, owner: str | None = None, values: dict | None = None
    ) -> tuple[str, str] | None:
        """The one place secrets are named: a token by its destination, the mail password by
        its login.  None when the group keeps no secret or its owner is not set yet."""
        if group.secret is None:
            return None
        if group.secret_owner:
            values = self.values(group, owner) if values is None else values
            name = values.get(group.secret_owner)
        else:
            name = owner
        return (group.secret_kind, str(name)) if name else None

    def secret(
        self, group: Group, owner: str | None = None, stored: dict | None = None
    ) -> str | None:
        """The group's secret, named from ``stored`` when given (else from what is stored)."""
        values = None
        if stored is not None:
            values = {s.name: s.load(stored) for s in group.settings if not s.secret}
        name = self.secret_name(group, owner, values)
        return secrets.get(*name) if name else None

    def missing(self, group: Group, owner: str | None = None) -> list[Setting]:
        """Required settings that are not set yet (secrets included)."""
        values = self.values(group, owner)
        gone = [s for s in group.settings if s.required and not s.secret and s.name not in values]
        secret = group.secret  # looked for, not opened: a locked store is not asked to open
        if secret is not None and secret.required and self.kept_in(group, owner) is None:
            gone.append(secret)
        return gone

    def apply(
        self, group: Group, given: dict[str, str], owner: str | None = None
    ) -> dict[str, object]:
        """Check every given value, then store them: the values in the catalogue, a secret in
        the keyring.  Nothing is stored unless everything given is right and every required
        value is then set (a secret may come later)."""
        parsed = {name: group.setting(name).parse(raw) for name, raw in given.items()}
        values = {**self.values(group, owner), **parsed}
        secret = group.secret
        if secret is not None:
            values.pop(secret.name, None)
        unset = tuple(
            s.name for s in group.settings if s.required and not s.secret and s.name not in values
        )
        if unset:
            words = ", ".join(group.setting(n).label.lower() for n in unset)
            raise SettingError(
                f"the {group.title.lower()} needs: {words}",
                Hint(Advice.SET_UP, subject=owner, group=group.id, missing=unset),
            )
        if any(not group.setting(n).secret for n in parsed):
            stored = self.stored(group, owner)
            for s in group.settings:
                if s.name in values:
                    s.dump(values[s.name], stored)
            self.store.set_setting(self._key(group, owner), stored)
        if secret is not None and secret.name in parsed:
            name = self.secret_name(group, owner, values)
            if name is None:
                raise SettingError(f"the {secret.label.lower()} needs a {group.secret_owner} first")
            secrets.put(*name, str(parsed[secret.name]))
        return values

    def kept_in(self, group: Group, owner: str | None = None) -> str | None:
        """Where the group's secret is kept, in words, without opening it; None if nowhere."""
        name = self.secret_name(group, owner)
        return secrets.kept_in(*name) if name else None

    def forget(self, group: Group, owner: str | None = None) -> None:
        name = self.secret_name(group, owner)
        if name:
            secrets.forget(*name)
        if self._plain(group):
            self.store.set_setting(self._key(group, owner), None)


@dataclass(frozen=True)
class MailAccount:
    """The creator's own mail account, from its stored form."""

    smtp_host: str
    smtp_port: int
    imap_host: str
    imap_port: int
    username: str
    from_address: str

    @classmethod
    def from_stored(cls, raw: dict | None) -> MailAccount | None:
        """None when no complete account is stored."""
        values = {s.name: s.load(raw or {}) for s in MAIL.settings if not s.secret}
        if any(v is None for v in values.values()):
            return None
        (smtp_host, smtp_port), (imap_host, imap_port) = values["smtp"], values["imap"]  # type: ignore[misc]
        return cls(
            smtp_host, smtp_port, imap_host, imap_port, str(values["user"]), str(values["from"])
        )
