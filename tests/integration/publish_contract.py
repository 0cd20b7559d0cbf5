"""What every transport must do with a document root it writes to: merge into the creator's
robots.txt, leave no temporary files, and write nothing when re-publishing an unchanged policy."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from creatorapp.core.policy import PRESETS
from creatorapp.core.publish.base import Transport
from creatorapp.core.site import managed, publisher
from creatorapp.core.site.config import SiteConfig

HAND_WRITTEN = b"# mine\nUser-agent: *\nDisallow: /drafts/\n"
SITE = SiteConfig("jane", "https://jane.example", PRESETS["no-ai"])


def _stamps(docroot: Path) -> dict:
    return {p: (p.stat().st_mtime_ns, p.stat().st_ino) for p in docroot.rglob("*") if p.is_file()}


def check_merge_and_silent_republish(docroot: Path, connect: Callable[[], Transport]) -> None:
    (docroot / "robots.txt").write_bytes(HAND_WRITTEN)
    with connect() as transport:
        report = publisher.publish(SITE, transport)
    assert report.written
    robots = (docroot / "robots.txt").read_bytes()
    assert robots.startswith(HAND_WRITTEN)
    assert managed.outside(robots.decode()).encode() == HAND_WRITTEN + b"\n"
    assert (docroot / ".well-known" / "tdmrep.json").exists()
    assert not [p for p in docroot.rglob(".*.tmp")]
    stamps = _stamps(docroot)
    with connect() as transport:
        assert publisher.publish(SITE, transport).changes == []
    assert _stamps(docroot) == stamps
