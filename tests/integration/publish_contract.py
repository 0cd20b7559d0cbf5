"""What every transport must do with the site it writes to: merge into the creator's robots.txt,
leave no temporary files, write nothing when re-publishing an unchanged policy, and write
nothing on a dry run.

The checks look at the site from behind the server ("backstage"): the document root a server
serves, or the bucket as the store itself lists it, never through the transport under test.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from creatorapp.core.policy import PRESETS
from creatorapp.core.sites import managed, publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports.base import Transport

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


class Backstage(Protocol):
    def put(self, path: str, data: bytes) -> None: ...

    def get(self, path: str) -> bytes | None: ...

    def names(self) -> set[str]: ...

    def stamps(self) -> dict:
        """Something per file that changes whenever the file is written again, even with
        the same bytes."""


class Folder:
    """A document root on this machine, as the server under test writes into it."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def put(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def get(self, path: str) -> bytes | None:
        target = self.root / path
        return target.read_bytes() if target.is_file() else None

    def names(self) -> set[str]:
        return {p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file()}

    def stamps(self) -> dict:
        return {
            p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in self.root.rglob("*") if p.is_file()
        }


def _backstage(where: Path | Backstage) -> Backstage:
    return Folder(where) if isinstance(where, Path) else where


def _temporary(names: set[str]) -> list[str]:
    return [n for n in names if n.rpartition("/")[2].startswith(".") and n.endswith(".tmp")]


def check_merge_and_silent_republish(
    where: Path | Backstage, connect: Callable[[], Transport]
) -> None:
    site = _backstage(where)
    site.put("robots.txt", HAND_WRITTEN)
    with connect() as transport:
        report = publisher.publish(SITE, transport)
    assert report.written
    robots = site.get("robots.txt")
    assert robots.startswith(HAND_WRITTEN)
    assert managed.outside(robots.decode()).encode() == HAND_WRITTEN + b"\n"
    assert site.get(".well-known/tdmrep.json") is not None
    assert not _temporary(site.names())
    stamps = site.stamps()
    with connect() as transport:
        assert publisher.publish(SITE, transport).changes == []
    assert site.stamps() == stamps


def check_dry_run_writes_nothing(where: Path | Backstage, connect: Callable[[], Transport]) -> None:
    site = _backstage(where)
    site.put("robots.txt", HAND_WRITTEN)
    stamps = site.stamps()
    with connect() as transport:
        report = publisher.publish(SITE, transport, dry_run=True)
    assert {c.path for c in report.changes} >= {"robots.txt", "ai.txt", ".well-known/tdmrep.json"}
    assert (
        "+# BEGIN Creator Reserve"
        in next(c for c in report.changes if c.path == "robots.txt").diff()
    )
    assert site.stamps() == stamps
    assert site.names() == {"robots.txt"}
