"""A local folder: the output folder of a static-site generator, or a mounted document root."""

from __future__ import annotations

import os
from pathlib import Path

from creatorapp.core.media.safe_write import safe_write
from creatorapp.core.sites.transports.base import (
    Capability,
    Transport,
    TransportError,
    clean_path,
    register,
)
from creatorapp.core.sites.transports.settings import Setting, Type
from creatorapp.errors import UserError


@register
class LocalFolder(Transport):
    KIND = "local"
    TITLE = "A folder on this computer (or a synced folder)"
    NOUN = "a local site"
    RANK = 10
    SETTINGS = (
        Setting(
            "root",
            "Folder",
            Type.FOLDER,
            "the site's document root: a generator's output or a mounted folder",
            required=True,
        ),
    )
    CAPABILITIES = frozenset({Capability.LIST})

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()
        if not self.root.is_dir():
            raise TransportError(f"the site folder {self.root} does not exist")

    def _path(self, path: str) -> Path:
        return self.root / clean_path(path)

    def read(self, path: str) -> bytes | None:
        try:
            return self._path(path).read_bytes()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise TransportError(f"cannot read {path} ({exc.strerror or exc})") from None

    def write_atomic(self, path: str, data: bytes) -> None:
        target = self._path(path)
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            current = os.stat(target) if target.exists() else None
            safe_write(target, data, expect_stat=current, keep_mtime=False)
        except UserError:
            raise
        except Exception as exc:  # FileProblem, OSError: say it plainly
            raise TransportError(f"cannot write {path} in {self.root} ({exc})") from None

    def files(self) -> list[str]:
        return sorted(
            p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()
        )

    def delete(self, path: str) -> None:
        try:
            self._path(path).unlink(missing_ok=True)
        except OSError as exc:
            raise TransportError(f"cannot delete {path} ({exc.strerror or exc})") from None
