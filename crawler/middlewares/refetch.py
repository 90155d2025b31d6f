"""Drop a copy of a link the focused frontier has queued again at a new priority."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from crawler import stat_keys

META_KEY = "frontier_version"


class SkipRefetchMiddleware:
    """A link found again once the link learner rates it clearly higher or lower is queued
    again at the new priority (crawler/focus/learning.py, QueuedLinks). The copy that is not
    the latest, or whose URL was sent to download meanwhile, is dropped before download. A
    copy counts as fetched when it passes here, not when its page is parsed: a page may wait
    for its extraction while the other copy reaches the downloader."""

    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SkipRefetchMiddleware:
        return cls(crawler)

    # No spider argument: Scrapy warns on every crawl about middlewares that still take one.
    def process_request(self, request: Request) -> None:
        feedback = getattr(self.crawler.spider, "link_feedback", None)
        links = feedback.queued if feedback is not None else None
        version = request.meta.get(META_KEY)
        if links is None or version is None:
            return  # not a frontier copy
        if links.is_stale(request.url, version):
            self.crawler.stats.inc_value(stat_keys.FRONTIER_SUPERSEDED)
            raise IgnoreRequest(f"queued again at another priority: {request.url}")
        links.send(request.url, version)
