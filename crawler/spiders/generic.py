"""A profile for a site without a seeds/sites file: `-a start_urls=… -a allowed_domains=…`."""

from __future__ import annotations

from urllib.parse import urlsplit

from crawler.errors import ConfigError
from crawler.sites import SiteProfile

# An article URL on most news sites: a long hyphenated slug, often with a numeric id or .htm(l).
GENERIC_ARTICLE_PATTERNS = (
    r"/[^/?#]*[a-z0-9]+(?:-[a-z0-9]+){3,}[^/?#]*$",
    r"/[^/?#]*\d{5,}[^/?#]*$",
)
GENERIC_EXCLUDE_PATTERNS = (
    r"/(?:tag|tags|topic|author|search|tim-kiem|paieska|login|register)/",
    r"\.(?:jpe?g|png|gif|webp|svg|pdf|zip|mp3|mp4|css|js)(?:\?|$)",
    r"[?&](?:comments?|print|share)=?",
)


def generic_profile(start_urls: list[str], allowed_domains: list[str]) -> SiteProfile:
    for url in start_urls:
        if urlsplit(url).scheme not in ("http", "https"):
            raise ConfigError(f"start_urls: not an http(s) URL: {url!r}")
    domains = allowed_domains or sorted({urlsplit(u).hostname or "" for u in start_urls})
    domains = [d.lower().removeprefix("www.") for d in domains if d]
    return SiteProfile(
        key=domains[0] if domains else "generic",
        name=f"{domains[0] if domains else '?'} (generic profile)",
        language="",
        domains=tuple(domains),
        sections=tuple(start_urls),
        article_url_patterns=GENERIC_ARTICLE_PATTERNS,
        exclude_url_patterns=GENERIC_EXCLUDE_PATTERNS,
    )
