"""A local folder: the output folder of a static-site generator, or a mounted document root."""

from __future__ import annotations

import os
from pathlib import Path
from typing import ClassVar

from creatorapp.core.media.safe_write import safe_write
from creatorapp.core.publish.base import Transport, TransportError, clean_path, register
from creatorapp.errors import UserError


@register
class LocalFolder(Transport):
    kind: ClassVar[str] = "local"

    @classmethod
    def from_settings(cls, site: str, settings: dict) -> LocalFolder:
        if "root" not in settings:
            raise TransportError(f"site {site!r} has no folder set (--root)")
        return cls(settings["root"])

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

    def delete(self, path: str) -> None:
        try:
            self._path(path).unlink(missing_ok=True)
        except OSError as exc:
            raise TransportError(f"cannot delete {path} ({exc.strerror or exc})") from None
