"""The transport interface and its registry.

Paths are site paths relative to the document root, with ``/`` separators (``robots.txt``,
``.well-known/tdmrep.json``).  ``write_atomic`` puts the bytes under a temporary name and renames
them into place where the protocol allows, so a reader never sees half a file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

from creatorapp.errors import UserError


class TransportError(UserError):
    """The server could not be reached or refused; the message says what to do."""


class Transport(ABC):
    kind: ClassVar[str]

    @classmethod
    @abstractmethod
    def from_settings(cls, site: str, settings: dict) -> Transport:
        """Open the transport for a stored site (secrets come from the keyring by site name)."""

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

    def close(self) -> None:
        """Release the connection (most transports hold nothing)."""

    def __enter__(self) -> Transport:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


_KINDS: dict[str, type[Transport]] = {}


def register(cls: type[Transport]) -> type[Transport]:
    _KINDS[cls.kind] = cls
    return cls


def kinds() -> tuple[str, ...]:
    from creatorapp.core.publish import (  # noqa: F401  (registers the kinds)
        ftp,
        github,
        local,
        sftp,
        webdav,
    )

    return tuple(_KINDS)


def transport_class(kind: str) -> type[Transport]:
    if kind not in kinds():
        raise TransportError(f"unknown transport {kind!r} (known: {', '.join(kinds())})")
    return _KINDS[kind]


def require(site: str, settings: dict, kind: str, *keys: str) -> None:
    """Stored settings must name everything the transport needs."""
    missing = [k for k in keys if not settings.get(k)]
    if missing:
        raise TransportError(f"site {site!r} lacks {kind} settings: {', '.join(missing)}")


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
