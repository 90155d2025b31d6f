"""The `related` spider: find the articles related to the seeds on the seeds' sites.

It only discovers and fetches. Extraction, relevance and storage are called, never
re-implemented here; every request carries its provenance (how it was found, from where,
at what depth) and a priority from the focused frontier (spiders/following.py: the requests
and the links of a page it follows).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import replace
from datetime import date
from itertools import chain
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from crawler import stat_keys
from crawler.config import Config
from crawler.errors import ConfigError
from crawler.extraction_pool.pool import ExtractionPool, PageResult
from crawler.focus.relevance import RelevanceModel
from crawler.items import ExtractedArticle
from crawler.launch import revisit_policy
from crawler.recorded_web import replay
from crawler.seeds import load_seeds
from crawler.sites import SiteProfile, load_sites, site_for_url
from crawler.spiders import source_reader
from crawler.spiders.arguments import (
    check_capture_dir,
    choose_sites,
    frontier_of,
    parse_limits,
    select_seeds,
    split_arg,
)
from crawler.spiders.articles import article_item, links_after_error, page_of, read_result
from crawler.spiders.error_counts import count_failure, quiet_network_tracebacks
from crawler.spiders.feedback import LinkFeedback
from crawler.spiders.following import LinkFollowing
from crawler.spiders.page_budget import page_budget
from crawler.spiders.start_points import revisit_points, start_points


class RelatedSpider(scrapy.Spider, LinkFollowing):
    name = "related"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        contact = settings.get("CRAWLER_CONTACT")
        if contact:  # site operators can reach whoever runs the crawl
            settings.set("USER_AGENT", f"news-archive-crawler/0.1 (+{contact})", "spider")
        if settings.get("CRAWLER_REPLAY_DIR"):
            replay.install(settings)

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
        self._site_arg, self._seed_arg = split_arg(site), split_arg(seed)
        self._start_urls_arg, self._domains_arg = split_arg(start_urls), split_arg(allowed_domains)
        quiet_network_tracebacks()

    def _configure(self) -> None:
        settings = self.crawler.settings
        self.max_pages, self.max_depth, self.since = parse_limits(*self._raw_limits)
        check_capture_dir(settings)
        seeds_dir = Path(settings.get("CRAWLER_SEEDS_DIR") or Config.from_env().seeds_dir)
        all_seeds = load_seeds(seeds_dir)
        all_sites = load_sites(seeds_dir / "sites")
        self.seeds = select_seeds(all_seeds, self._seed_arg)
        self.model = RelevanceModel.from_seeds(self.seeds)
        self.policy = frontier_of(settings)
        self.link_feedback = LinkFeedback(settings, self.model, self.policy)
        self.max_list_pages = settings.getint("CRAWLER_MAX_LIST_PAGES")
        self.sites = choose_sites(
            all_sites, self._site_arg, self.seeds, self._start_urls_arg, self._domains_arg
        )
        self.allowed_domains = sorted({d for site in self.sites for d in site.domains})
        self.budget = page_budget(self.crawler, self.max_pages)
        self.extraction = ExtractionPool.from_settings(settings, self.seeds, self.model)

    # --- start points ----------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        try:
            self._configure()
        except ConfigError as exc:
            # A bad -a argument or profile: one clear line, a failed run, no traceback.
            self.crawler.stats.set_value(stat_keys.CONFIG_ERROR, str(exc))
            self.logger.error("%s", exc)
            return
        for request in self.budget.start_points(self._start_requests()):
            # Start points spend the page budget too; a repeated one is asked for once.
            if request.url in self.budget or not self._spend(request.url):
                continue
            yield request

    def _start_requests(self) -> Iterator[scrapy.Request]:
        for point in start_points(self.sites, self.seeds):
            yield self._request(point.url, point.site, point.block, point.anchor, None, 0)
        yield from self._revisit_requests()

    def _revisit_requests(self) -> Iterator[scrapy.Request]:
        """Archived articles the re-visit policy says are due (incremental crawls only)."""
        for known, site in revisit_points(self.crawler, self.sites):
            # Prioritised like a seed (the archive already judged it related).
            request = self._request(known.url, site, "seed", "", None, 0)
            request.meta["found_via"] = "revisit"
            request.meta[revisit_policy.META_KEY] = revisit_policy.request_meta(known)
            self.crawler.stats.inc_value(stat_keys.site_key(site.key, "revisited"))
            yield request

    # --- responses -------------------------------------------------------------------------
    async def parse(self, response: Response, **kwargs: Any) -> AsyncIterator[Any]:
        self.link_feedback.fetched(response.url)
        site = site_for_url(response.url, self.sites, response.meta.get("site"))
        if site is None or response.status == 304:
            return  # 304: unchanged since the archive's copy (crawler/middlewares/conditional.py)
        block = response.meta.get("found_via", "link")
        if source_reader.is_feed(response.body):
            outputs: Iterable[Any] = self._follow(
                response, site, source_reader.feed_entries(response.body)
            )
        elif response.url.endswith(".xml") or (
            block == "sitemap" and not site.is_article_url(response.url)
        ):  # an article listed in a sitemap is found via the sitemap, but is no sitemap
            candidates = list(source_reader.sitemap_entries(response.body))
            outputs = self._follow(response, site, candidates)
        elif not isinstance(response, TextResponse):
            self.crawler.stats.inc_value(stat_keys.SKIPPED_NOT_HTML)
            return
        else:
            # Every page is read for an article: the URL pattern is the frontier's hint, and a
            # site's articles may live at URLs it does not cover (/a/123, /news/story).
            result = await self.extraction.run(page_of(response, site))
            if result.error:
                result = replace(result, links=links_after_error(response, site))
            article = read_result(result, response, site, self.crawler.stats)
            by_url = site.is_article_url(response.url)
            if by_url or article is not None:
                if not by_url:
                    self.crawler.stats.inc_value(stat_keys.PAGES_ARTICLE_BY_CONTENT)
                outputs = self._parse_article(response, site, result, article)
            else:
                links, pages = result.links.listing(block)
                hub = self.link_feedback.hub(links)
                outputs = chain(
                    self._follow(response, site, links, hub),
                    self._follow(response, site, pages, hub, pagination=True),
                )
        for output in outputs:
            yield output

    def _parse_article(
        self,
        response: TextResponse,
        site: SiteProfile,
        result: PageResult,
        article: ExtractedArticle | None,
    ) -> Iterator[Any]:
        scored = result.relevance
        relevance = None
        if article is None:
            self.crawler.stats.inc_value(stat_keys.EXTRACTION_NO_ARTICLE)
            self.crawler.stats.inc_value(stat_keys.site_key(site.key, "no_article"))
        elif self.since and article.published_at and article.published_at.date() < self.since:
            self.crawler.stats.inc_value(stat_keys.SKIPPED_OLDER_THAN_SINCE)
        else:
            if scored is None:  # scored where it was extracted; here only if that could not
                scored = self.model.score(article.text, article.title, article.language)
            relevance = scored.score
            self.link_feedback.article(response.meta, relevance)
            yield article_item(response, site, article, scored)
        yield from self._follow(response, site, result.links.related, relevance)
        yield from self._follow(response, site, result.links.anchors, relevance)

    def closed(self, reason: str) -> None:
        if hasattr(self, "extraction"):
            self.extraction.close()

    def on_error(self, failure: Failure) -> None:
        message = count_failure(self.crawler.stats, failure)
        if message is not None:  # counted and named in the run report; detail for --verbose
            self.logger.info("%s: %s", getattr(failure.request, "url", "?"), message)  # type: ignore[attr-defined]
