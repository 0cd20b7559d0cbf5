"""The creator's sites: stored settings, publishing and verifying, each recorded in the ledger.

Publishing ends with the live check (unless asked not to), so the ledger's publish event holds
what the site answered right after the files were written."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

from creatorapp.core.catalogue import SiteRecord, Store, utc_now
from creatorapp.core.policy import resolve_policy
from creatorapp.core.policy.keep import keep_policy
from creatorapp.core.sites import publisher
from creatorapp.core.sites.config import SiteConfig
from creatorapp.core.sites.transports import base as transports
from creatorapp.core.sites.verify import VerifyReport, verify
from creatorapp.errors import UserError


class SiteError(UserError):
    """A request about sites that cannot be done as asked; ``code`` (when set) lets a shell
    add its own advice."""


UNKNOWN_SITE = "unknown-site"


def check_url(url: str) -> str:
    """The site's origin, or SiteError saying what is wrong with the address."""
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
        settings: Mapping[str, object],
        *,
        secret: str | None = None,
        ready: bool = False,
        policy: str = "no-ai",
        options: dict | None = None,
        sample_image: str | None = None,
    ) -> SiteRecord:
        """Store a site and its secret (in the keyring).  ``settings`` are checked and
        normalised by the transport's declarations; ``ready`` also asks that everything
        publishing needs is there now (the secret, the files on this computer)."""
        if self.store.site(name) is not None:
            raise SiteError(f"there is already a site called {name!r}")
        resolved = keep_policy(policy)
        origin = check_url(url)
        settings = transports.validate(transport, settings, secret, ready=ready)
        vault = _vault(transport, settings)
        if secret and vault is not None:
            from creatorapp.core import secrets

            secrets.put(vault, name, secret)
        try:
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
                    "site.added",
                    name,
                    {"url": origin, "transport": transport, "policy": resolved.name},
                )
        except BaseException:
            if secret and vault is not None:
                from creatorapp.core import secrets

                secrets.forget(vault, name)
            raise
        return record

    def set_secret(self, name: str, secret: str) -> None:
        """Keep a new password, key passphrase or token for a site already stored, under the
        keyring name its transport declares."""
        from creatorapp.core import secrets

        record = self.get(name)
        vault = _vault(record.transport, record.settings)
        if vault is not None:
            secrets.put(vault, name, secret)

    def get(self, name: str) -> SiteRecord:
        record = self.store.site(name)
        if record is None:
            raise SiteError(f"no site called {name!r}", code=UNKNOWN_SITE)
        return record

    def remove(self, name: str) -> None:
        record = self.get(name)
        with self.store.transaction():
            self.store.remove_site(record.id)
            self.store.append("site.removed", name, {"url": record.url})
        from creatorapp.core import secrets

        for vault, _ in transports.secret_names(record.transport):
            secrets.forget(vault, name)

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
        return cls.connect(record.name, record.settings)

    def publish(
        self, name: str, *, dry_run: bool = False, verify: bool = True
    ) -> publisher.PublishReport:
        """Write what changed, then (unless ``verify`` is off) check what the live site serves;
        the ledger's event carries that check's responses.  ``report.verified`` is the
        check, or None when it was skipped."""
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
        if verify:
            report.verified = self._live_check(record, site, report.final)
        with self.store.transaction():
            if report.verified is not None:
                self.store.update_site(
                    record.id, verified_at=utc_now(), verify_ok=report.verified.ok
                )
            self.store.append(
                "site.published",
                name,
                {
                    "url": site.origin,
                    "policy": site.policy.name,
                    "files": report.files(),
                    "warnings": report.warnings,
                    "verify": None if report.verified is None else _outcome(report.verified),
                },
            )
        return report

    def verify(self, name: str) -> VerifyReport:
        record = self.get(name)
        site = self.config(record)
        published = self.store.published_files(record.id)
        report = self._live_check(record, site, published)
        with self.store.transaction():
            self.store.update_site(record.id, verified_at=utc_now(), verify_ok=report.ok)
            self.store.append("site.verified", name, {"url": site.origin, **_outcome(report)})
        return report

    @staticmethod
    def _live_check(record: SiteRecord, site: SiteConfig, published: dict) -> VerifyReport:
        report = verify(site, published, sample_image=record.sample_image)
        if not published:
            report.add("published", False, "nothing has been published to this site yet")
        return report


def _outcome(report: VerifyReport) -> dict:
    """What the ledger keeps of a live check: each response's status and SHA-256."""
    return {
        "ok": report.ok,
        "responses": report.responses,
        "failed": [c.name for c in report.checks if not c.ok],
        "drift": sorted(report.drift),
    }


def _vault(transport: str, settings: Mapping[str, object]) -> str | None:
    """The keyring's name for the secret a site with these settings logs in with."""
    cls = transports.transport_class(transport)
    key = cls.secret_setting(settings)
    return None if key is None else key.vault or cls.KIND


def check_connection(
    name: str, transport: str, values: Mapping[str, object], secret: str | None = None
) -> str:
    """Reach the site's files the way publishing will and read robots.txt: proves the address,
    the login and the folder before anything is saved or written (``secret`` is used for this
    test only, never stored)."""
    settings = transports.validate(transport, values, secret)
    cls = transports.transport_class(transport)
    with cls.connect(name, settings, secret) as opened:
        found = opened.read("robots.txt")
    if found is None:
        return "Connected. The site has no robots.txt yet; publishing will create one."
    return f"Connected. The site's robots.txt ({len(found):,} bytes) will be kept and added to."
