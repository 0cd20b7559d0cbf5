"""Publishing: read what the server has, merge our declarations in, write only what changed,
read it back.  The same plan is the ``--dry-run`` diff."""

from __future__ import annotations

import difflib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from creatorapp.core.sites import ai_txt, policy_page, robots, rsl, snippets, tdmrep
from creatorapp.core.sites.config import POLICY_JSON, POLICY_PAGE, SiteConfig
from creatorapp.core.sites.transports.base import Transport, TransportError

if TYPE_CHECKING:
    from creatorapp.core.sites.verify import VerifyReport

Render = Callable[[SiteConfig, str | None], str]


def _fresh(make: Callable[[SiteConfig], str]) -> Render:
    return lambda site, existing: make(site)


# path on the site -> how its new content is made from the site and the current content
FILES: dict[str, Render] = {
    robots.PATH: robots.render,
    ai_txt.PATH: ai_txt.render,
    tdmrep.PATH: tdmrep.render,
}
HOSTED_POLICY: dict[str, Render] = {
    POLICY_PAGE: _fresh(policy_page.page),
    POLICY_JSON: _fresh(policy_page.odrl),
}

# what `site render` adds for the creator's web server (not published: they go in its config)
SNIPPETS: dict[str, Callable[[SiteConfig], str]] = {
    "nginx-creator-reserve.conf": snippets.nginx,
    "htaccess-creator-reserve": snippets.apache,
    "_headers": snippets.netlify,
    "meta-tags.html": snippets.html_meta,
}


def _text(data: bytes | None) -> str | None:
    return None if data is None else data.decode("utf-8", errors="surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogateescape")


def sha256(data: bytes | None) -> str | None:
    return None if data is None else hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Change:
    path: str
    before: bytes | None
    after: bytes

    def diff(self) -> str:
        old = (_text(self.before) or "").splitlines(keepends=True)
        new = _text(self.after).splitlines(keepends=True)
        label = "/" + self.path
        return "".join(
            difflib.unified_diff(
                old, new, f"{label} (on the server)" if self.before else "/dev/null", label
            )
        )


@dataclass
class PublishReport:
    changes: list[Change] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    written: bool = False
    final: dict[str, bytes] = field(default_factory=dict)  # what each file holds afterwards
    verified: VerifyReport | None = None  # the live check that followed, unless skipped

    def files(self) -> dict[str, str]:
        """Path -> SHA-256 of what the site holds (or will hold) after publishing."""
        out = {c.path: sha256(c.after) for c in self.changes}
        return out | dict.fromkeys(self.unchanged, "unchanged")


def desired(site: SiteConfig) -> dict[str, Render]:
    """The files this site gets: the declarations; the hosted policy page and ODRL offer
    (the offer alone when tdmrep.json points to it without ``--host-policy``); license.xml
    when a licence page is set."""
    files = FILES | (HOSTED_POLICY if site.host_policy else {})
    if policy_page.publishes_odrl(site):
        files[POLICY_JSON] = HOSTED_POLICY[POLICY_JSON]
    if rsl.applies(site):
        files[rsl.PATH] = _fresh(rsl.render)
    return files


def plan(site: SiteConfig, transport: Transport) -> PublishReport:
    report = PublishReport()
    for path, render in desired(site).items():
        before = transport.read(path)
        after = _bytes(render(site, _text(before)))
        report.final[path] = after
        if before == after:
            report.unchanged.append(path)
        else:
            report.changes.append(Change(path, before, after))
        if path == robots.PATH:
            report.warnings += robots.warnings(_text(after), site)
    for path, content in transport.required_files().items():
        if not transport.exists(path):
            report.changes.append(Change(path, None, content))
    return report


def publish(site: SiteConfig, transport: Transport, *, dry_run: bool = False) -> PublishReport:
    """Write what changed and read each file back; nothing is written for an unchanged policy.

    If a write fails, the files already written in this run are put back as they were, so the
    site is not left half-published (as far as the server still answers).
    """
    report = plan(site, transport)
    if dry_run:
        return report
    done: list[Change] = []
    try:
        for change in report.changes:
            transport.write_atomic(change.path, change.after)
            done.append(change)
            back = transport.read(change.path)
            if back != change.after:
                raise TransportError(
                    f"/{change.path} did not read back as written; the server may rewrite files"
                )
    except TransportError as exc:
        if not done:
            raise
        restored = _roll_back(transport, done)
        raise TransportError(
            f"{exc}; "
            + (
                "the files already written were put back as they were"
                if restored
                else "the files already written could not all be put back: "
                + ", ".join("/" + c.path for c in done)
            )
        ) from None
    report.written = bool(report.changes)
    return report


def _roll_back(transport: Transport, done: list[Change]) -> bool:
    try:
        for change in reversed(done):
            if change.before is None:
                transport.delete(change.path)
            else:
                transport.write_atomic(change.path, change.before)
    except TransportError:
        return False
    return True


def render_all(site: SiteConfig) -> dict[str, str]:
    """Every file we would publish to an empty site, plus the server snippets."""
    files = {path: render(site, None) for path, render in desired(site).items()}
    return files | {name: make(site) for name, make in SNIPPETS.items()}
