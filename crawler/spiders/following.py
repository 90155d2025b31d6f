"""The related spider's requests: priority and provenance, and the links of a page it follows.

Every request carries how it was found (``found_via``), from where (``referrer``), at what
depth (``seed_depth``) and a priority from the focused frontier; a page's links are followed
within the depth bound, a list's next pages within ``CRAWLER_MAX_LIST_PAGES``, and each spends
the page budget.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date
from logging import LoggerAdapter
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from crawler import stat_keys
from crawler.extraction import link_reader
from crawler.sites import SiteProfile
from crawler.spiders import source_reader
from crawler.spiders.feedback import FEATURES_KEY, LinkFeedback
from crawler.spiders.page_budget import PageBudget, count_bound


class LinkFollowing:
    """Mixed into RelatedSpider, which sets these in its _configure."""

    crawler: Crawler
    budget: PageBudget
    link_feedback: LinkFeedback
    max_depth: int
    max_list_pages: int
    since: date | None

    if TYPE_CHECKING:  # the spider's own (scrapy.Spider's logger)

        @property
        def logger(self) -> LoggerAdapter[Any]: ...

        def parse(self, response: Response, **kwargs: Any) -> Any: ...

        def on_error(self, failure: Failure) -> None: ...

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
        priority, features = self.link_feedback.judge(
            anchor, url, block, parent_relevance, depth, site.is_article_url(url)
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
                FEATURES_KEY: features,
            },
        )

    def _follow(
        self,
        response: Response,
        site: SiteProfile,
        candidates: Iterable[link_reader.Candidate],
        parent_relevance: float | None = None,
        *,
        pagination: bool = False,
    ) -> Iterator[scrapy.Request]:
        # The next page of a list is not a step away from the topic: it keeps the list's
        # depth (for priority and max_depth) and is bounded by its own page count instead.
        depth = int(response.meta.get("seed_depth", 0)) + (0 if pagination else 1)
        list_page = int(response.meta.get("list_page", 1)) + 1 if pagination else 1
        if depth > self.max_depth or list_page > self.max_list_pages:
            count_bound(self.crawler.stats, depth > self.max_depth)
            return
        judged: set[tuple[str, Any, bool]] = set()
        for candidate in candidates:
            # A page links one target many times (image and headline, menus): judged once,
            # by its first link, as the budget's seen set would have had it.
            key = (candidate.url, candidate.date, candidate.is_sitemap)
            if key in judged:
                continue
            judged.add(key)
            url = source_reader.absolute_url(response, candidate.url)
            if url is None or not url.startswith(("http://", "https://")):
                continue
            if url in self.budget:  # asked for already (menus, teasers): judged again only
                if self.link_feedback.waiting(url):
                    again = self._request(
                        url, site, candidate.block, candidate.anchor, response, depth,
                        parent_relevance,
                    )  # fmt: skip
                    yield from self.link_feedback.again(again, self.crawler.stats)
                continue
            if not site.owns(url) or site.is_excluded(url):
                continue
            if self.since and candidate.date and candidate.date.date() < self.since:
                self.crawler.stats.inc_value(stat_keys.SKIPPED_OLDER_THAN_SINCE)
                continue
            is_article = site.is_article_url(url)
            # A profile knows its site's article URLs; without one, any page may be an article.
            listed = candidate.is_sitemap or candidate.block in link_reader.LISTING_BLOCKS
            followed = is_article or listed
            if not (followed or site.is_generic):
                continue
            if not self._spend(url):
                return
            request = self._request(
                url, site, candidate.block, candidate.anchor, response, depth, parent_relevance
            )
            self.link_feedback.first(request)
            if pagination:
                request.meta["list_page"] = list_page
            if candidate.date is not None:  # a feed's or sitemap's date, for the article
                request.meta["listed_date"] = (candidate.date, candidate.block)
            yield request

    def _spend(self, url: str) -> bool:
        if self.budget.spend(url):
            return True
        self.crawler.stats.set_value(stat_keys.BUDGET_EXHAUSTED, True)
        return False
