"""The creator's sites: stored settings, publishing and verifying, each recorded in the ledger."""

from __future__ import annotations

from urllib.parse import urlsplit

from creatorapp.core.catalogue import SiteRecord, Store, utc_now
from creatorapp.core.policy import resolve_policy
from creatorapp.core.publish import base as transports
from creatorapp.core.site import publisher
from creatorapp.core.site.config import SiteConfig
from creatorapp.core.site.verify import VerifyReport, verify
from creatorapp.errors import UserError


class SiteError(UserError):
    """A request about sites that cannot be done as asked."""


def _check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SiteError(f"the site address must be like https://example.com (got {url!r})")
    if parts.path not in ("", "/"):
        raise SiteError("give the site's origin only (no path): declarations live at its root")
    return f"{parts.scheme}://{parts.netloc}"


class Sites:
    def __init__(self, store: Store) -> None:
        self.store = store

    def add(
        self,
        name: str,
        url: str,
        transport: str,
        settings: dict,
        *,
        policy: str = "no-ai",
        options: dict | None = None,
        sample_image: str | None = None,
    ) -> SiteRecord:
        if self.store.site(name) is not None:
            raise SiteError(f"there is already a site called {name!r}")
        if transport not in transports.kinds():
            raise SiteError(
                f"unknown transport {transport!r} (known: {', '.join(transports.kinds())})"
            )
        resolved = resolve_policy(policy)
        origin = _check_url(url)
        with self.store.transaction():
            record = self.store.add_site(
                name=name,
                url=origin,
                policy=resolved.name,
                transport=transport,
                settings=settings,
                options=options or {},
                sample_image=sample_image,
            )
            self.store.append(
                "site.added", name, {"url": origin, "transport": transport, "policy": resolved.name}
            )
        return record

    def get(self, name: str) -> SiteRecord:
        record = self.store.site(name)
        if record is None:
            raise SiteError(f"no site called {name!r} (see 'creatorapp site list')")
        return record

    def remove(self, name: str) -> None:
        record = self.get(name)
        with self.store.transaction():
            self.store.remove_site(record.id)
            self.store.append("site.removed", name, {"url": record.url})
        from creatorapp.core import secrets

        for kind in (record.transport, f"{record.transport}-key"):
            secrets.forget(kind, name)

    @staticmethod
    def config(record: SiteRecord) -> SiteConfig:
        options = record.options
        return SiteConfig(
            name=record.name,
            url=record.url,
            policy=resolve_policy(record.policy),
            content_usage=options.get("content_usage", True),
            content_signal=options.get("content_signal", True),
            host_policy=options.get("host_policy", False),
        )

    @staticmethod
    def transport(record: SiteRecord) -> transports.Transport:
        cls = transports.transport_class(record.transport)
        return cls.from_settings(record.name, record.settings)

    def publish(self, name: str, *, dry_run: bool = False) -> publisher.PublishReport:
        record = self.get(name)
        site = self.config(record)
        with self.transport(record) as transport:
            report = publisher.publish(site, transport, dry_run=dry_run)
        if dry_run:
            return report
        with self.store.transaction():
            for path, content in report.final.items():
                self.store.set_published_file(record.id, path, content)
            self.store.update_site(record.id, published_at=utc_now())
            self.store.append(
                "site.published",
                name,
                {
                    "url": site.origin,
                    "policy": site.policy.name,
                    "files": report.files(),
                    "warnings": report.warnings,
                },
            )
        return report

    def verify(self, name: str) -> VerifyReport:
        record = self.get(name)
        site = self.config(record)
        published = self.store.published_files(record.id)
        report = verify(site, published, sample_image=record.sample_image)
        if not published:
            report.add("published", False, "nothing has been published to this site yet")
        with self.store.transaction():
            self.store.update_site(record.id, verified_at=utc_now(), verify_ok=report.ok)
            self.store.append(
                "site.verified",
                name,
                {
                    "url": site.origin,
                    "ok": report.ok,
                    "responses": report.responses,
                    "failed": [c.name for c in report.checks if not c.ok],
                    "drift": sorted(report.drift),
                },
            )
        return report


def check_connection(name: str, transport: str, settings: dict) -> str:
    """Reach the site's files the way publishing will and read robots.txt: proves the address,
    the login and the folder before anything is saved or written."""
    cls = transports.transport_class(transport)
    with cls.from_settings(name, settings) as opened:
        found = opened.read("robots.txt")
    if found is None:
        return "Connected. The site has no robots.txt yet; publishing will create one."
    return f"Connected. The site's robots.txt ({len(found):,} bytes) will be kept and added to."
