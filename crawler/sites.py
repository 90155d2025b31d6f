"""Site profiles: one TOML file per site in ``seeds/sites/<key>.toml``.

A site is data. The file says where the crawl may start (home, sections, tag pages, feeds,
sitemaps, a search template), which URLs are articles, where the related-article blocks
and the boilerplate sit, and how the site writes its dates. Code is only an override
(``crawler/extraction/sites/<key>.py``) where data cannot say it.

Schema (every key but ``key``, ``name``, ``language`` and ``domains`` is optional)::

    key = "dantri"                       # file stem; used in the archive and on the CLI
    name = "Dân trí"
    language = "vi"                      # ISO 639-1, the site's main language
    timezone = "Asia/Ho_Chi_Minh"        # for dates printed without an offset
    domains = ["dantri.com.vn"]          # registered domains; subdomains are included
    home = "https://dantri.com.vn/"
    article_url_patterns = ['...']       # regexes (re.search) on the absolute URL
    exclude_url_patterns = ['...']       # never requested (comment pages, print views …)
    sections = ["https://…/the-gioi.htm"]
    tag_pages = ["https://…/tag/…"]
    feeds = ["https://…/rss/the-gioi.rss"]
    sitemaps = ["https://…/sitemap.xml"]
    search_url = "https://…/tim-kiem/{query}.htm"   # {query} is URL-quoted
    listing_link_selectors = ["div.main article.article-item h3.article-title a"]
    next_page_selectors = ["a.page-item.next"]
    related_selectors = ["article.article-related"]  # blocks whose links are related articles
    boilerplate_selectors = ["div.article-event"]    # dropped before extraction (CSS)
    boilerplate_lines = ["^Thông tin doanh nghiệp - sản phẩm$"]  # regexes, dropped after
    title_selectors = ["h1.title-page"]
    author_selectors = ["div.author-name b"]
    date_selectors = ["time.author-time::attr(datetime)"]
    date_formats = ["%Y-%m-%d %H:%M", "%d/%m/%Y - %H:%M"]
    tag_selectors = ["ul.tags-wrap a"]
    source_credit_patterns = ['^Theo\\s+(.+)$']     # a last line naming the source, not an author

Facts that are guesses (SITES.md "inferred" or "not found") stay in the file with a
``# INFERRED`` comment beside them, so they are easy to correct against the live site.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from crawler.errors import ConfigError

_REQUIRED = ("key", "name", "language", "domains")
_LIST_FIELDS = (
    "domains",
    "article_url_patterns",
    "exclude_url_patterns",
    "sections",
    "tag_pages",
    "feeds",
    "sitemaps",
    "listing_link_selectors",
    "next_page_selectors",
    "related_selectors",
    "boilerplate_selectors",
    "boilerplate_lines",
    "title_selectors",
    "author_selectors",
    "date_selectors",
    "date_formats",
    "tag_selectors",
    "source_credit_patterns",
)
_STR_FIELDS = ("key", "name", "language", "timezone", "home", "search_url")


@dataclass(frozen=True)
class SiteProfile:
    """What the crawler knows of one site. Immutable; built by :func:`load_site`."""

    key: str
    name: str
    language: str
    domains: tuple[str, ...]
    timezone: str = "UTC"
    home: str | None = None
    search_url: str | None = None
    article_url_patterns: tuple[str, ...] = ()
    exclude_url_patterns: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    tag_pages: tuple[str, ...] = ()
    feeds: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    listing_link_selectors: tuple[str, ...] = ()
    next_page_selectors: tuple[str, ...] = ()
    related_selectors: tuple[str, ...] = ()
    boilerplate_selectors: tuple[str, ...] = ()
    boilerplate_lines: tuple[str, ...] = ()
    title_selectors: tuple[str, ...] = ()
    author_selectors: tuple[str, ...] = ()
    date_selectors: tuple[str, ...] = ()
    date_formats: tuple[str, ...] = ()
    tag_selectors: tuple[str, ...] = ()
    source_credit_patterns: tuple[str, ...] = ()
    path: Path | None = field(default=None, compare=False)

    @cached_property
    def _article_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.article_url_patterns)

    @cached_property
    def _exclude_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.exclude_url_patterns)

    @cached_property
    def boilerplate_line_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.boilerplate_lines)

    @cached_property
    def source_credit_res(self) -> tuple[re.Pattern[str], ...]:
        return tuple(re.compile(p) for p in self.source_credit_patterns)

    @property
    def is_generic(self) -> bool:
        """Built for `-a start_urls=…` rather than read from a profile file."""
        return self.path is None

    @cached_property
    def _hosts(self) -> dict[str, bool]:
        return {}

    def __getstate__(self) -> dict[str, Any]:
        # What crosses to an extraction worker with every page: the fields, not the caches.
        return {f.name: getattr(self, f.name) for f in fields(self)}

    def owns(self, url: str) -> bool:
        """True when the URL's host is one of the site's domains or a subdomain of one."""
        host = host_of(url)
        owned = self._hosts.get(host)
        if owned is None:  # a page links a handful of hosts many times: each judged once
            owned = bool(host) and any(host == d or host.endswith("." + d) for d in self.domains)
            if len(self._hosts) < _HOSTS_REMEMBERED:
                self._hosts[host] = owned
        return owned

    def is_article_url(self, url: str) -> bool:
        return any(r.search(url) for r in self._article_res) and not self.is_excluded(url)

    def is_excluded(self, url: str) -> bool:
        return any(r.search(url) for r in self._exclude_res)

    def start_points(self) -> Iterable[str]:
        if self.home:
            yield self.home
        yield from self.sections
        yield from self.tag_pages


# Hosts whose ownership a profile remembers (a crawl's links reach a few hundred).
_HOSTS_REMEMBERED = 4096
# An http(s) URL with a plain host (letters, digits, dots, hyphens; an optional port): read
# without urlsplit, which costs more than the rest of a link's checks. Anything else
# (userinfo, IPv6, whitespace, odd schemes) goes through urlsplit.
_PLAIN_HOST = re.compile(r"https?://([a-z0-9.-]+)(?::\d*)?(?:[/?#]|\Z)", re.IGNORECASE)


def _parse(data: dict[str, Any], path: Path) -> SiteProfile:
    where = f"{path}"
    for name in _REQUIRED:
        if name not in data:
            raise ConfigError(f"{where}: missing required field '{name}'")
    known = set(_LIST_FIELDS) | set(_STR_FIELDS)
    unknown = sorted(set(data) - known)
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(unknown)}")
    kwargs: dict[str, Any] = {}
    for name in _STR_FIELDS:
        if name in data:
            if not isinstance(data[name], str):
                raise ConfigError(f"{where}: field '{name}' must be a string")
            kwargs[name] = data[name]
    for name in _LIST_FIELDS:
        if name in data:
            value = data[name]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}: field '{name}' must be a list of strings")
            kwargs[name] = tuple(value)
    if kwargs["key"] != path.stem:
        raise ConfigError(f"{where}: key '{kwargs['key']}' must equal the file name '{path.stem}'")
    kwargs["domains"] = tuple(d.lower() for d in kwargs["domains"])
    for name in (
        "article_url_patterns",
        "exclude_url_patterns",
        "boilerplate_lines",
        "source_credit_patterns",
    ):
        for pattern in kwargs.get(name, ()):
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ConfigError(f"{where}: field '{name}': bad regex {pattern!r}: {exc}") from exc
    return SiteProfile(path=path, **kwargs)


def load_site(path: Path) -> SiteProfile:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read site profile: {exc}") from exc
    return _parse(data, path)


def load_sites(directory: Path) -> dict[str, SiteProfile]:
    """All profiles in a directory, by key. Raises ConfigError naming the bad file."""
    if not directory.is_dir():
        raise ConfigError(f"site profile directory not found: {directory}")
    return {p.stem: load_site(p) for p in sorted(directory.glob("*.toml"))}


def host_of(url: str) -> str:
    """The URL's host, lower-cased; "" when there is none or no parser reads the URL
    ("http://[", a port like ":x": text from a page's canonical link or an old stored row)."""
    if plain := _PLAIN_HOST.match(url):
        return plain.group(1).lower()
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def site_for_url(
    url: str, sites: Iterable[SiteProfile], key: str | None = None
) -> SiteProfile | None:
    """The site that owns the URL; the one named ``key`` first, when it does."""
    sites = list(sites)
    for site in sites:
        if site.key == key and site.owns(url):
            return site
    for site in sites:
        if site.owns(url):
            return site
    return None
