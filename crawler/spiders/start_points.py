"""Where a crawl starts: seed URLs, feeds, sitemaps, sections and tag pages, site search.

The spider turns each start point into a request (priority, provenance) and spends its page
budget on them like on any other link.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import quote_plus

from scrapy.crawler import Crawler

from crawler.db.revisit_sql import KnownArticle
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.launch import revisit_policy
from crawler.seeds import Seed
from crawler.sites import SiteProfile, site_for_url


@dataclass(frozen=True)
class StartPoint:
    url: str
    site: SiteProfile
    block: str  # seed | feed | sitemap | section | search
    anchor: str = ""  # the seed's title, or the search query


def start_points(sites: Sequence[SiteProfile], seeds: Sequence[Seed]) -> Iterator[StartPoint]:
    for site in sites:
        if site.is_generic:
            for url in site.sections:
                yield StartPoint(url, site, "seed")
            continue
        for seed in seeds:
            if seed.url and site.owns(seed.url):
                yield StartPoint(seed.url, site, "seed", seed.title)
        for url in site.feeds:
            yield StartPoint(url, site, "feed")
        for url in site.sitemaps:
            yield StartPoint(url, site, "sitemap")
        for url in site.start_points():
            yield StartPoint(url, site, "section")
        if site.search_url:
            for query in search_queries(site, seeds):
                url = site.search_url.format(query=quote_plus(query))
                yield StartPoint(url, site, "search", query)


def search_queries(site: SiteProfile, seeds: Sequence[Seed]) -> list[str]:
    """One query per seed in the site's language: its first two manifest terms."""
    queries: dict[str, None] = {}
    for seed in seeds:
        if seed.language == site.language and len(seed.terms) >= 2:
            queries[" ".join(seed.terms[:2]).lower()] = None
    return list(queries)


def revisit_points(
    crawler: Crawler, sites: Sequence[SiteProfile]
) -> Iterator[tuple[KnownArticle, SiteProfile]]:
    """Archived articles of these (profiled) sites that the re-visit policy says are due."""
    archive = crawler.get_extension(ArchiveConnection)
    if archive is None or not archive.ready:
        return
    profiled = [site for site in sites if not site.is_generic]
    keys = [s.key for s in profiled]
    for known in revisit_policy.due_for_crawl(crawler.settings, archive.sessions, keys):
        site = site_for_url(known.url, profiled)
        if site is not None:
            yield known, site
