"""The `related` spider: find the articles related to the seeds on the seeds' sites.

It only discovers and fetches. Extraction, relevance and storage are called, never
re-implemented here; every request carries its provenance (how it was found, from where,
at what depth) and a priority from the focused frontier.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote_plus

import scrapy
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from crawler.config import Config
from crawler.crawl import revisit
from crawler.errors import ConfigError
from crawler.extraction import ExtractionTimeout, extract
from crawler.focus.frontier import BREADTH_FIRST, FOCUSED, FrontierPolicy, link_priority
from crawler.focus.relevance import RelevanceModel, load_seeds
from crawler.items import ArticleItem, ExtractedArticle
from crawler.sites import SiteProfile, load_sites, site_for_url
from crawler.spiders import discovery
from crawler.spiders.errors import NETWORK_KINDS, classify_failure, quiet_network_tracebacks
from crawler.spiders.generic import generic_profile

_LISTING_BLOCKS = {"section", "tag", "search"}


def _policy(name: str) -> FrontierPolicy:
    policies = {"focused": FOCUSED, "bfs": BREADTH_FIRST}
    if name not in policies:
        raise ConfigError(f"CRAWLER_FRONTIER must be one of {', '.join(policies)}, not {name!r}")
    return policies[name]


def _limits(
    max_pages: str | int | None, max_depth: str | int | None, since: str | None
) -> tuple[int, int, date | None]:
    """The spider's numeric and date arguments, as given with -a (strings) or by the CLI."""
    try:
        pages = int(max_pages) if max_pages not in (None, "") else 0
        depth = int(max_depth) if max_depth not in (None, "") else 4
    except ValueError as exc:
        raise ConfigError(f"max_pages and max_depth must be whole numbers: {exc}") from exc
    try:
        day = date.fromisoformat(since) if since else None
    except ValueError as exc:
        raise ConfigError(f"since must be a date like 2016-04-09, not {since!r}") from exc
    return pages, depth, day


def _split(value: str | None) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


class RelatedSpider(scrapy.Spider):
    name = "related"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        contact = settings.get("CRAWLER_CONTACT")
        if contact:  # site operators can reach whoever runs the crawl
            settings.set("USER_AGENT", f"news-archive-crawler/0.1 (+{contact})", "spider")
        if settings.get("CRAWLER_REPLAY_DIR"):
            handler = "crawler.recorded_web.replay.ReplayDownloadHandler"
            settings.set("DOWNLOAD_HANDLERS", {"http": handler, "https": handler}, "spider")
            # Files need no politeness: replayed crawls run at full speed.
            settings.set("AUTOTHROTTLE_ENABLED", False, "spider")
            settings.set("DOWNLOAD_DELAY", 0, "spider")

    def __init__(
        self,
        site: str | None = None,
        seed: str | None = None,
        max_pages: str | int | None = None,
        max_depth: str | int | None = 4,
        since: str | None = None,
        start_urls: str | None = None,
        allowed_domains: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        given = {
            "site": site,
            "seed": seed,
            "max_pages": max_pages,
            "max_depth": max_depth,
            "since": since,
            "start_urls": start_urls,
            "allowed_domains": allowed_domains,
        }
        self.arguments = {k: v for k, v in given.items() if v not in (None, "")}
        # Parsed in _configure, where a bad value becomes one clear line instead of a traceback.
        self._raw_limits = (max_pages, max_depth, since)
        self.max_pages, self.max_depth = 0, 4
        self.since: date | None = None
        self._site_arg, self._seed_arg = _split(site), _split(seed)
        self._start_urls_arg, self._domains_arg = _split(start_urls), _split(allowed_domains)
        self.pages_requested = 0
        self._requested: set[str] = set()  # budget counts distinct URLs, not duplicate links
        quiet_network_tracebacks()

    def _configure(self) -> None:
        settings = self.crawler.settings
        self.max_pages, self.max_depth, self.since = _limits(*self._raw_limits)
        seeds_dir = Path(settings.get("CRAWLER_SEEDS_DIR") or Config.from_env().seeds_dir)
        all_seeds = load_seeds(seeds_dir)
        all_sites = load_sites(seeds_dir / "sites")
        unknown = [s for s in self._seed_arg if s not in {x.id for x in all_seeds}]
        if unknown:
            raise ConfigError(f"unknown seed(s): {', '.join(unknown)}")
        self.seeds = [s for s in all_seeds if not self._seed_arg or s.id in self._seed_arg]
        self.model = RelevanceModel.from_seeds(self.seeds)
        self.policy = _policy(settings.get("CRAWLER_FRONTIER", "focused"))
        self.max_list_pages = settings.getint("CRAWLER_MAX_LIST_PAGES", 100)
        if self._start_urls_arg:
            self.sites = [generic_profile(self._start_urls_arg, self._domains_arg)]
        else:
            unknown = [s for s in self._site_arg if s not in all_sites]
            if unknown:
                raise ConfigError(
                    f"unknown site(s): {', '.join(unknown)}; known: {', '.join(sorted(all_sites))}"
                )
            keys = self._site_arg or sorted({s.site for s in self.seeds if s.site in all_sites})
            self.sites = [all_sites[k] for k in keys]
        self.allowed_domains = sorted({d for site in self.sites for d in site.domains})

    # --- start points ----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        try:
            self._configure()
        except ConfigError as exc:
            # A bad -a argument or profile: one clear line, a failed run, no traceback.
            self.crawler.stats.set_value("crawler/config_error", str(exc))
            self.logger.error("%s", exc)
            return
        for request in self._start_requests():
            # Start points spend the page budget too; a repeated one is asked for once.
            if request.url in self._requested or not self._budget_left():
                continue
            self._requested.add(request.url)
            yield request

    def _start_requests(self) -> Iterator[scrapy.Request]:
        for site in self.sites:
            if site.is_generic:
                for url in site.sections:
                    yield self._request(url, site, "seed", "", None, 0)
                continue
            for seed in self.seeds:
                if seed.url and site.owns(seed.url):
                    yield self._request(seed.url, site, "seed", seed.title, None, 0)
            for url in site.feeds:
                yield self._request(url, site, "feed", "", None, 0)
            for url in site.sitemaps:
                yield self._request(url, site, "sitemap", "", None, 0)
            for url in site.start_points():
                yield self._request(url, site, "section", "", None, 0)
            if site.search_url:
                for query in self._search_queries(site):
                    url = site.search_url.format(query=quote_plus(query))
                    yield self._request(url, site, "search", query, None, 0)
        yield from self._revisit_requests()

    def _revisit_requests(self) -> Iterator[scrapy.Request]:
        """Archived articles the re-visit policy says are due (incremental crawls only)."""
        sites = [site for site in self.sites if not site.is_generic]
        for known in revisit.due_for_crawl(self.crawler.settings, [s.key for s in sites]):
            site = site_for_url(known.url, sites)
            if site is not None:
                # Prioritised like a seed (the archive already judged it related).
                request = self._request(known.url, site, "seed", "", None, 0)
                request.meta["found_via"] = "revisit"
                request.meta[revisit.META_KEY] = revisit.request_meta(known)
                self.crawler.stats.inc_value(f"crawler/sites/{site.key}/revisited")
                yield request

    def _search_queries(self, site: SiteProfile) -> Iterable[str]:
        queries: dict[str, None] = {}
        for seed in self.seeds:
            if seed.language == site.language and len(seed.terms) >= 2:
                queries[" ".join(seed.terms[:2]).lower()] = None
        return list(queries)

    # --- requests --------------------------------------------------------------------------
    def _request(
        self,
        url: str,
        site: SiteProfile,
        block: str,
        anchor: str,
        referrer: Response | None,
        depth: int,
        parent_relevance: float | None = None,
    ) -> scrapy.Request:
        is_article = site.is_article_url(url)
        priority = link_priority(
            anchor_text=anchor,
            url=url,
            block=block,
            parent_relevance=parent_relevance,
            depth=depth,
            is_article_url=is_article,
            model=self.model,
            policy=self.policy,
        )
        self.logger.debug("queue %d %s %s", priority, block, url)
        return scrapy.Request(
            url,
            callback=self.parse,
            errback=self.on_error,
            priority=priority,
            meta={
                "site": site.key,
                "found_via": block,
                "referrer": referrer.url if referrer is not None else None,
                "seed_depth": depth,
            },
        )

    def _follow(
        self,
        response: Response,
        site: SiteProfile,
        candidates: Iterable[discovery.Candidate],
        parent_relevance: float | None = None,
        *,
        pagination: bool = False,
    ) -> Iterator[scrapy.Request]:
        # The next page of a list is not a step away from the topic: it keeps the list's
        # depth (for priority and max_depth) and is bounded by its own page count instead.
        depth = int(response.meta.get("seed_depth", 0)) + (0 if pagination else 1)
        list_page = int(response.meta.get("list_page", 1)) + 1 if pagination else 1
        if depth > self.max_depth or list_page > self.max_list_pages:
            return
        for candidate in candidates:
            url = response.urljoin(candidate.url)
            if not url.startswith(("http://", "https://")):
                continue
            if not site.owns(url) or site.is_excluded(url):
                continue
            if self.since and candidate.date and candidate.date.date() < self.since:
                self.crawler.stats.inc_value("crawler/skipped/older_than_since")
                continue
            is_article = site.is_article_url(url)
            if not (is_article or candidate.is_sitemap or candidate.block in _LISTING_BLOCKS):
                continue
            if url in self._requested:
                continue
            if not self._budget_left():
                return
            self._requested.add(url)
            request = self._request(
                url, site, candidate.block, candidate.anchor, response, depth, parent_relevance
            )
            if pagination:
                request.meta["list_page"] = list_page
            if candidate.date is not None:  # a feed's or sitemap's date, for the article
                request.meta["listed_date"] = (candidate.date, candidate.block)
            yield request

    def _budget_left(self) -> bool:
        if self.max_pages and self.pages_requested >= self.max_pages:
            self.crawler.stats.set_value("crawler/budget_exhausted", True)
            return False
        self.pages_requested += 1
        return True

    # --- responses -------------------------------------------------------------------------
    def parse(self, response: Response, **kwargs: Any) -> Iterator[Any]:
        site = self._site_of(response)
        if site is None or response.status == 304:
            return  # 304: unchanged since the archive's copy (crawler/middlewares/conditional.py)
        block = response.meta.get("found_via", "link")
        if discovery.is_feed(response.body):
            yield from self._follow(response, site, discovery.feed_entries(response.body))
        elif response.url.endswith(".xml") or (
            block == "sitemap" and not site.is_article_url(response.url)
        ):  # an article listed in a sitemap is found via the sitemap, but is no sitemap
            candidates = list(discovery.sitemap_entries(response.body))
            yield from self._follow(response, site, candidates)
        elif not isinstance(response, TextResponse):
            self.crawler.stats.inc_value("crawler/skipped/not_html")
        elif site.is_article_url(response.url):
            yield from self._parse_article(response, site)
        else:
            yield from self._parse_listing(response, site, block)

    def _parse_listing(
        self, response: TextResponse, site: SiteProfile, block: str
    ) -> Iterator[Any]:
        selector = response.selector
        listing_block = block if block in _LISTING_BLOCKS else "section"
        if site.listing_link_selectors:
            links = discovery.block_links(selector, site.listing_link_selectors, listing_block)
        else:
            links = (
                discovery.Candidate(c.url, c.anchor, listing_block)
                for c in discovery.page_links(selector)
            )
        yield from self._follow(response, site, links)
        pages = (
            discovery.Candidate(u, "", listing_block) for u in discovery.next_pages(selector, site)
        )
        yield from self._follow(response, site, pages, pagination=True)

    def _extract(self, response: TextResponse, site: SiteProfile) -> ExtractedArticle | None:
        try:
            article = extract(response.text, response.url, None if site.is_generic else site)
        except ExtractionTimeout:
            # One pathological page must not stall the crawl: counted, its links still followed.
            self.crawler.stats.inc_value("crawler/errors")
            self.crawler.stats.inc_value("crawler/errors/extraction_timeout")
            return None
        if article is not None and article.published_at is None and "listed_date" in response.meta:
            # The page gave no date; the feed or sitemap that listed it did.
            article.published_at, article.published_source = response.meta["listed_date"]
            article.published_raw = article.published_at.isoformat()
        return article

    def _parse_article(self, response: TextResponse, site: SiteProfile) -> Iterator[Any]:
        article = self._extract(response, site)
        relevance = None
        if article is None:
            self.crawler.stats.inc_value("crawler/extraction/no_article")
            self.crawler.stats.inc_value(f"crawler/sites/{site.key}/no_article")
        elif self.since and article.published_at and article.published_at.date() < self.since:
            self.crawler.stats.inc_value("crawler/skipped/older_than_since")
        else:
            scored = self.model.score(article.text, article.title, article.language)
            relevance = scored.score
            yield ArticleItem(
                url=response.url,
                site=site.key,
                fetched_at=datetime.now(UTC),
                http_status=response.status,
                requested_url=(response.meta.get("redirect_urls") or [None])[0],
                article=article,
                found_via=response.meta.get("found_via", "link"),
                referrer=response.meta.get("referrer"),
                depth=int(response.meta.get("seed_depth", 0)),
                relevance=scored.score,
                seed_id=scored.seed_id,
            )
        selector = response.selector
        yield from self._follow(
            response,
            site,
            discovery.block_links(selector, site.related_selectors, "related"),
            relevance,
        )
        yield from self._follow(response, site, discovery.page_links(selector), relevance)

    def _site_of(self, response: Response) -> SiteProfile | None:
        key = response.meta.get("site")
        for site in self.sites:
            if site.key == key and site.owns(response.url):
                return site
        return site_for_url(response.url, self.sites)

    def on_error(self, failure: Failure) -> None:
        if isinstance(failure.value, IgnoreRequest) and not isinstance(failure.value, HttpError):
            return  # a decision (robots.txt, an unresolvable host), counted where it was made
        kind, host, message = classify_failure(failure)
        stats = self.crawler.stats
        stats.inc_value("crawler/errors")
        stats.inc_value(f"crawler/errors/{kind}")
        site = getattr(failure.request, "meta", {}).get("site")  # type: ignore[attr-defined]
        if site:
            stats.inc_value(f"crawler/sites/{site}/errors/{kind}")
        if kind in NETWORK_KINDS:
            stats.set_value(f"crawler/unreachable/{host}", message)
        # Counted and named in the run report; the log line is detail for --verbose.
        self.logger.info("%s: %s", getattr(failure.request, "url", "?"), message)  # type: ignore[attr-defined]
