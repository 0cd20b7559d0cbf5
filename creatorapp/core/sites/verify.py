"""Live verification: what the site really serves, checked against what we published and what
crawlers will conclude from it."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

from creatorapp.core.sites import robots, rsl, snippets
from creatorapp.core.sites.config import POLICY_JSON, SiteConfig
from creatorapp.core.sites.publisher import sha256
from creatorapp.core.text import neterrors

TIMEOUT = 15

# the media types a machine-readable file must be served with to be read as one: TDMRep reads
# a tdm-policy as machine-readable only as JSON; RSL asks for its own type, which most servers
# need told (a generic XML type is reported, not failed)
MEDIA_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    POLICY_JSON: (("application/ld+json", "application/json"), ()),
    rsl.PATH: ((rsl.MEDIA_TYPE,), ("application/xml", "text/xml")),
}


def _media_type(path: str, served: str | None) -> tuple[bool, str] | None:
    """Whether ``served`` will do for ``path``, and what to say; None when any type will."""
    if path not in MEDIA_TYPES:
        return None
    wanted, tolerated = MEDIA_TYPES[path]
    kind = (served or "").split(";", 1)[0].strip().lower()
    if kind in wanted:
        return True, ""
    said = f"served as {kind or 'no type'}; readers expect {' or '.join(wanted)}"
    return kind in tolerated, said + (" (set it in the server's configuration)" if kind else "")


@dataclass
class Check:
    name: str
    ok: bool
    detail: str = ""

    def as_json(self) -> dict:
        return {"check": self.name, "ok": self.ok, "detail": self.detail}


@dataclass
class VerifyReport:
    checks: list[Check] = field(default_factory=list)
    drift: dict[str, str] = field(default_factory=dict)  # path -> unified diff
    responses: dict[str, dict] = field(default_factory=dict)  # url -> status, sha256

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks) and not self.drift

    def add(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append(Check(name, ok, detail))

    def as_json(self) -> dict:
        return {
            "ok": self.ok,
            "checks": [c.as_json() for c in self.checks],
            "drift": self.drift,
            "responses": self.responses,
        }


def _get(session, url: str):
    import requests

    try:
        return session.get(url, timeout=TIMEOUT, allow_redirects=True)
    except requests.RequestException as exc:
        return exc


def verify(
    site: SiteConfig,
    published: dict[str, bytes],
    *,
    sample_image: str | None = None,
    session=None,
) -> VerifyReport:
    """Fetch every published file and a sample image; compare and check.  ``published`` maps
    site paths to the bytes we last wrote."""
    import requests

    session = session or requests.Session()
    report = VerifyReport()
    for path, expected in published.items():
        url = f"{site.origin}/{path}"
        got = _get(session, url)
        if isinstance(got, Exception):
            report.add(f"/{path} is served", False, neterrors.describe(got, url))
            continue
        body = got.content
        report.responses[url] = {"status": got.status_code, "sha256": sha256(body)}
        if got.status_code != 200:
            report.add(f"/{path} is served", False, f"{url} answered {got.status_code}")
            continue
        report.add(f"/{path} is served", True)
        media = _media_type(path, got.headers.get("Content-Type"))
        if media is not None:
            report.add(f"/{path} media type", *media)
        if body != expected:
            report.drift[path] = "".join(
                difflib.unified_diff(
                    expected.decode("utf-8", "replace").splitlines(keepends=True),
                    body.decode("utf-8", "replace").splitlines(keepends=True),
                    f"/{path} (as published)",
                    f"/{path} (as served)",
                )
            )
        if path == robots.PATH:
            found = robots.check(body.decode("utf-8", "replace"), site)
            report.add(
                "AI crawlers are disallowed",
                not found.blocked_but_allowed,
                ", ".join(found.blocked_but_allowed),
            )
            report.add(
                "search engines may crawl",
                not found.search_blocked,
                ", ".join(found.search_blocked),
            )
    if sample_image:
        url = sample_image if "://" in sample_image else f"{site.origin}/{sample_image.lstrip('/')}"
        got = _get(session, url)
        if isinstance(got, Exception) or got.status_code != 200:
            detail = got if isinstance(got, Exception) else f"answered {got.status_code}"
            report.add("sample image headers", False, f"cannot fetch {url}: {detail}")
        else:
            report.responses[url] = {"status": got.status_code, "sha256": sha256(got.content)}
            for name, value in snippets.headers(site):
                served = got.headers.get(name)
                report.add(
                    f"image header {name}",
                    served == value,
                    f"expected {value!r}, served {served!r}" if served != value else "",
                )
    return report
