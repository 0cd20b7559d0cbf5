"""The transport interface, its declarations and the registry of kinds.

Paths are site paths relative to the document root, with ``/`` separators (``robots.txt``,
``.well-known/tdmrep.json``).  ``write_atomic`` puts the bytes in place so that a reader never
sees half a file (a temporary name and a rename, or one request the server applies whole).

A transport is one module in this package: a class that declares ``KIND``, ``TITLE``,
``SETTINGS`` and ``CAPABILITIES`` and is decorated with :func:`register`.  The command line,
the desktop forms and :func:`validate` are made from those declarations; nothing else names
a kind.
"""

from __future__ import annotations

import importlib
import pkgutil
from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import StrEnum
from typing import ClassVar

from creatorapp.core.sites.transports.settings import Setting
from creatorapp.errors import UserError


class Problem(StrEnum):
    """What went wrong, for a shell to turn into its own advice (a flag to give, a field to
    fill in, a button to press).  Core messages never name a command or a flag."""

    UNKNOWN_KIND = "unknown-kind"
    SETTING_MISSING = "setting-missing"  # facts: kind, settings (names)
    SETTING_INVALID = "setting-invalid"  # facts: kind, setting (name)
    SECRET_MISSING = "secret-missing"  # facts: kind, setting (name)
    HOST_KEY_UNKNOWN = "host-key-unknown"  # facts: host, port, fingerprint


class TransportError(UserError):
    """The server could not be reached or refused, or a site's settings cannot work; the
    message says what is wrong, ``code`` and ``facts`` let a shell say what to do."""

    def __init__(self, message: str, *, code: Problem | None = None, **facts: object) -> None:
        super().__init__(message, code=code)
        self.facts = facts


class Capability(StrEnum):
    HOST_KEY = "host-key"  # the server's key must be trusted before first use (trust())
    LIST = "list"  # can list the files under the site's root (files())


class Transport(ABC):
    KIND: ClassVar[str]  # the name stored with a site and given to --transport
    TITLE: ClassVar[str]  # what a person chooses in a list
    NOUN: ClassVar[str] = ""  # how messages name such a site ("an SFTP site")
    RANK: ClassVar[int] = 50  # where it stands in lists (never the order of registration)
    SETTINGS: ClassVar[tuple[Setting, ...]] = ()
    CAPABILITIES: ClassVar[frozenset[Capability]] = frozenset()

    @classmethod
    def noun(cls) -> str:
        return cls.NOUN or f"a {cls.KIND} site"

    @classmethod
    def setting(cls, name: str) -> Setting:
        return next(s for s in cls.SETTINGS if s.name == name)

    @classmethod
    def secret_setting(cls, settings: Mapping[str, object]) -> Setting | None:
        """The one secret a site with these settings logs in with (a site keeps at most one:
        the password, token or key passphrase given on standard input or in the form)."""
        return next((s for s in cls.SETTINGS if s.secret), None)

    @classmethod
    def connect(
        cls, site: str, settings: Mapping[str, object], secret: str | None = None
    ) -> Transport:
        """Open the transport for a site.  Without ``secret`` the keyring's is used; a secret
        given here (a connection test before anything is saved) is never stored."""
        values = {
            s.name: settings[s.name] for s in cls.SETTINGS if settings.get(s.name) is not None
        }
        missing = [
            s.name for s in cls.SETTINGS if s.required and not s.secret and s.name not in values
        ]
        if missing:
            raise TransportError(
                f"site {site!r} lacks its {_named(cls, missing)}",
                code=Problem.SETTING_MISSING,
                kind=cls.KIND,
                settings=missing,
            )
        key = cls.secret_setting(values)
        if key is not None:
            if secret is None:
                from creatorapp.core import secrets

                secret = secrets.get(key.vault or cls.KIND, site)
            if secret is not None:
                values[key.name] = secret
            elif key.required:
                raise TransportError(
                    f"no {_named(cls, [key.name])} is stored for {site!r}",
                    code=Problem.SECRET_MISSING,
                    kind=cls.KIND,
                    setting=key.name,
                )
        return cls(**values)

    @abstractmethod
    def read(self, path: str) -> bytes | None:
        """The file's bytes, or None when it does not exist."""

    def required_files(self) -> dict[str, bytes]:
        """Files the host itself needs for the declarations to be served (GitHub Pages:
        ``.nojekyll``); published only when missing."""
        return {}

    def exists(self, path: str) -> bool:
        return self.read(path) is not None

    @abstractmethod
    def write_atomic(self, path: str, data: bytes) -> None: ...

    @abstractmethod
    def delete(self, path: str) -> None: ...

    def files(self) -> list[str]:
        """Every file under the site's root (transports with Capability.LIST)."""
        raise NotImplementedError

    @classmethod
    def presented_key(cls, settings: Mapping[str, object]) -> tuple[str, str]:
        """The type and fingerprint of the key the server presents now, for a person to
        compare with what their provider shows (transports with Capability.HOST_KEY)."""
        raise NotImplementedError

    @classmethod
    def trust(cls, settings: Mapping[str, object], fingerprint: str) -> str:
        """Trust the server's key if it is ``fingerprint`` (transports with
        Capability.HOST_KEY)."""
        raise NotImplementedError

    def close(self) -> None:
        """Release the connection (most transports hold nothing)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Registry:
    """The transport kinds, found by importing every module of this package.  A kind is
    named once; lists follow each class's ``RANK`` and title, never import order."""

    def __init__(self, package: str) -> None:
        self.package = package
        self._kinds: dict[str, type[Transport]] = {}
        self._discovered = False

    def register(self, cls: type[Transport]) -> type[Transport]:
        known = self._kinds.get(cls.KIND)
        if known is not None and known.__qualname__ != cls.__qualname__:
            raise TypeError(f"two transports called {cls.KIND!r}: {known} and {cls}")
        self._kinds[cls.KIND] = cls
        return cls

    def _discover(self) -> None:
        if self._discovered:
            return
        package = importlib.import_module(self.package)
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{self.package}.{module.name}")
        self._discovered = True

    def classes(self) -> list[type[Transport]]:
        self._discover()
        return sorted(self._kinds.values(), key=lambda c: (c.RANK, c.TITLE, c.KIND))

    def kinds(self) -> tuple[str, ...]:
        return tuple(c.KIND for c in self.classes())

    def get(self, kind: str) -> type[Transport]:
        self._discover()
        if kind not in self._kinds:
            raise TransportError(
                f"unknown transport {kind!r} (known: {', '.join(self.kinds())})",
                code=Problem.UNKNOWN_KIND,
                kind=kind,
            )
        return self._kinds[kind]


REGISTRY = Registry(__name__.rpartition(".")[0])
register = REGISTRY.register


def kinds() -> tuple[str, ...]:
    return REGISTRY.kinds()


def transport_class(kind: str) -> type[Transport]:
    return REGISTRY.get(kind)


def validate(
    kind: str, values: Mapping[str, object], secret: str | None = None, *, ready: bool = True
) -> dict:
    """The one check of a site's settings, for every shell: the settings to store, with
    defaults filled in and paths made absolute.  ``ready`` also asks for what publishing will
    need at once: the secret (when the transport requires one) and the files on this computer.
    Values a kind does not declare are left out."""
    cls = transport_class(kind)
    settings: dict = {}
    missing: list[str] = []
    for setting in cls.SETTINGS:
        if setting.secret:
            continue
        raw = values.get(setting.name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if setting.default is not None:
                settings[setting.name] = setting.default
            elif setting.required:
                missing.append(setting.name)
            continue
        try:
            settings[setting.name] = setting.coerce(raw, ready=ready)
        except ValueError as exc:
            raise TransportError(
                str(exc), code=Problem.SETTING_INVALID, kind=kind, setting=setting.name
            ) from None
    if missing:
        raise TransportError(
            f"{cls.noun()} needs its {_named(cls, missing)}",
            code=Problem.SETTING_MISSING,
            kind=kind,
            settings=missing,
        )
    key = cls.secret_setting(settings)
    if ready and key is not None and key.required and not secret:
        raise TransportError(
            f"{cls.noun()} needs its {_named(cls, [key.name])}",
            code=Problem.SECRET_MISSING,
            kind=kind,
            setting=key.name,
        )
    return settings


def _named(cls: type[Transport], names: list[str]) -> str:
    """Settings as a sentence names them: "server, user name and folder on the server"."""
    labels = [cls.setting(name).spoken for name in names]
    return " and ".join(filter(None, (", ".join(labels[:-1]), labels[-1])))


def secret_names(kind: str) -> list[tuple[str, Setting]]:
    """Every keyring name a site of this kind may keep a secret under, with its setting."""
    cls = transport_class(kind)
    return [(s.vault or cls.KIND, s) for s in cls.SETTINGS if s.secret]


def dropped(exc: Exception) -> bool:
    """True when an HTTP client error means the server hung up mid-request (rather than that
    nothing was listening)."""
    text = str(exc)
    return "Connection aborted" in text or "RemoteDisconnected" in text or "reset" in text


def clean_path(path: str) -> str:
    """Refuse paths that would leave the document root."""
    parts = [p for p in path.replace("\\", "/").split("/") if p not in ("", ".")]
    if any(p == ".." for p in parts) or not parts:
        raise TransportError(f"not a path inside the site: {path!r}")
    return "/".join(parts)
