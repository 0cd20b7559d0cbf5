"""Where the things to opt out come from: a list file, a creator's site (its sitemaps), a
portfolio folder in the catalogue, or account names."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urljoin, urlsplit

from creatorapp.core.catalogue import Store, WorkState
from creatorapp.core.optouts.advice import Advice, Advised, Hint
from creatorapp.core.optouts.descriptor import Unit
from creatorapp.core.text import neterrors

_MAX_SITEMAPS = 50


class TargetError(Advised):
    """The targets cannot be worked out as asked."""


@dataclass
class Targets:
    values: list[str]
    works: dict[str, int] = field(default_factory=dict)  # target -> work id
    source: str = ""


def from_file(path: Path) -> Targets:
    try:
        lines = Path(path).expanduser().read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise TargetError(f"cannot read {path} ({exc.strerror or exc})") from None
    except UnicodeDecodeError:
        raise TargetError(f"{path} is not a UTF-8 text file (one URL per line)") from None
    values = [v.strip() for v in lines if v.strip() and not v.lstrip().startswith("#")]
    return Targets(values, source=str(path))


def from_accounts(names: list[str], unit: Unit) -> Targets:
    if unit is not Unit.ACCOUNT:
        raise TargetError(f"this destination takes {unit.value}s, not accounts")
    return Targets([n for n in names if n.strip()], source="accounts")


def from_folder(store: Store, folder: Path, unit: Unit, base_url: str | None) -> Targets:
    """The folder's works in the catalogue: as URLs under ``base_url`` (where the folder is
    published), as SHA-256 hashes, or refused for units a folder cannot give."""
    path = os.path.abspath(os.path.expanduser(folder))
    portfolio = store.folder_for(path)
    if portfolio is None:
        raise TargetError(f"{path} is not in a portfolio folder", Hint(Advice.ADD_FOLDER, path))
    inside = path.rstrip(os.sep) + os.sep
    works = [
        w
        for w in store.works(folder_id=portfolio.id)
        if w.state is not WorkState.DELETED and (w.path == path or w.path.startswith(inside))
    ]
    if not works:
        raise TargetError(f"the catalogue has no works in {path} yet", Hint(Advice.SCAN, path))
    if unit is Unit.URL:
        if not base_url:
            raise TargetError(
                "works in a folder become URLs only with the address the folder is published "
                "at (e.g. https://jane.example/portfolio/)",
                Hint(Advice.BASE_URL, path),
            )
        base = base_url.rstrip("/") + "/"
        mapping = {
            urljoin(base, quote(os.path.relpath(w.path, path).replace(os.sep, "/"))): w.id
            for w in works
        }
    elif unit is Unit.FILE_HASH:
        missing = [w.path for w in works if not w.sha256]
        if missing:
            raise TargetError(f"{len(missing)} works have no hash yet", Hint(Advice.SCAN, path))
        mapping = {w.sha256: w.id for w in works if w.sha256}
    else:
        raise TargetError(f"this destination takes {unit.value}s, which a folder cannot give")
    return Targets(sorted(mapping), mapping, source=path)


def from_site(store: Store, name: str, unit: Unit, *, timeout: float = 30.0) -> Targets:
    """A site's own address and every URL its sitemaps list on the same origin (pages and
    ``image:loc`` images); for domain destinations, just the domain."""
    site = store.site(name)
    if site is None:
        raise TargetError(f"no site called {name!r}", Hint(Advice.NAME_SITE, name))
    origin = site.url.rstrip("/")
    if unit is Unit.DOMAIN:
        return Targets([urlsplit(origin).hostname or origin], source=name)
    if unit is not Unit.URL:
        raise TargetError(f"this destination takes {unit.value}s, which a site cannot give")
    urls = sorted({origin + "/", *_sitemap_urls(origin, timeout)})
    return Targets(urls, source=name)


def _sitemap_urls(origin: str, timeout: float) -> set[str]:
    import requests
    from protego import Protego

    session = requests.Session()
    session.headers["User-Agent"] = "creator-reserve"
    queue = [f"{origin}/sitemap.xml"]
    try:
        robots = session.get(f"{origin}/robots.txt", timeout=timeout)
        if robots.ok:
            queue += list(Protego.parse(robots.text).sitemaps)
    except requests.RequestException as exc:
        raise TargetError(neterrors.describe(exc, origin)) from None
    seen: set[str] = set()
    found: set[str] = set()
    read_any = False
    while queue and len(seen) < _MAX_SITEMAPS:
        url = queue.pop(0)
        if url in seen or not _same_origin(url, origin):
            continue
        seen.add(url)
        try:
            response = session.get(url, timeout=timeout)
        except requests.RequestException as exc:
            raise TargetError(neterrors.describe(exc, url)) from None
        if response.status_code != 200:
            continue
        read_any = True
        nested, locs = _parse_sitemap(response.content, url)
        queue += nested
        found |= {u for u in locs if _same_origin(u, origin)}
    if not read_any:
        raise TargetError(
            f"{origin} has no sitemap (looked at /sitemap.xml and robots.txt)",
            Hint(Advice.URL_LIST, origin),
        )
    return found


def _parse_sitemap(data: bytes, url: str) -> tuple[list[str], set[str]]:
    import xml.etree.ElementTree as ET

    if b"<!DOCTYPE" in data[:1000] or b"<!ENTITY" in data:
        raise TargetError(f"{url}: sitemaps may not declare entities")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise TargetError(f"{url} is not a valid sitemap ({exc})") from None
    nested, locs = [], set()
    for element in root.iter():
        tag = element.tag.rsplit("}", 1)[-1]
        if tag != "loc" or not (element.text or "").strip():
            continue
        text = element.text.strip()
        parent_is_sitemap = root.tag.endswith("sitemapindex")
        (nested.append(text) if parent_is_sitemap else locs.add(text))
    return nested, locs


def _same_origin(url: str, origin: str) -> bool:
    a, b = urlsplit(url), urlsplit(origin)
    return (a.scheme, a.netloc.lower()) == (b.scheme, b.netloc.lower())
