"""What the site's pages and image responses should carry: HTML meta tags and response headers
for nginx, Apache (.htaccess) and Netlify / Cloudflare Pages (``_headers``)."""

from __future__ import annotations

import html

from creatorapp.core.policy.signals import site_signals
from creatorapp.core.sites.config import SiteConfig

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp", "gif", "tif", "tiff", "avif", "heic", "svg")


def headers(site: SiteConfig) -> list[tuple[str, str]]:
    """Headers for image (and other media) responses, in the exact casing readers expect."""
    signals = site_signals(site.policy)
    out = [("tdm-reservation", str(signals.tdm_reservation))]
    policy_url = site.tdm_policy_url()
    if policy_url:
        out.append(("tdm-policy", policy_url))
    if signals.x_robots:
        out.append(("X-Robots-Tag", signals.x_robots))
    out.append(("Content-Usage", signals.content_usage))
    return out


def html_meta(site: SiteConfig) -> str:
    signals = site_signals(site.policy)
    tags = [f'<meta name="tdm-reservation" content="{signals.tdm_reservation}">']
    policy_url = site.tdm_policy_url()
    if policy_url:
        tags.append(f'<meta name="tdm-policy" content="{html.escape(policy_url)}">')
    if signals.x_robots:
        tags.append(f'<meta name="robots" content="{signals.x_robots}">')
    return "\n".join(tags) + "\n"


def nginx(site: SiteConfig) -> str:
    pattern = "|".join(IMAGE_EXTENSIONS)
    lines = [
        "# Creator Reserve: include inside the server { } block",
        f"location ~* \\.({pattern})$ {{",
    ]
    lines += [f'    add_header {k} "{v}" always;' for k, v in headers(site)]
    lines.append("}")
    return "\n".join(lines) + "\n"


def apache(site: SiteConfig) -> str:
    pattern = "|".join(IMAGE_EXTENSIONS)
    lines = [
        "# Creator Reserve (needs mod_headers)",
        "<IfModule mod_headers.c>",
        f'  <FilesMatch "\\.(?i:{pattern})$">',
    ]
    lines += [f'    Header set {k} "{v}"' for k, v in headers(site)]
    lines += ["  </FilesMatch>", "</IfModule>"]
    return "\n".join(lines) + "\n"


def netlify(site: SiteConfig) -> str:
    """Netlify and Cloudflare Pages ``_headers``: one path pattern per extension."""
    lines = ["# Creator Reserve"]
    for ext in IMAGE_EXTENSIONS:
        lines.append(f"/*.{ext}")
        lines += [f"  {k}: {v}" for k, v in headers(site)]
    return "\n".join(lines) + "\n"
