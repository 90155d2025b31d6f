"""Scrapy's scheduler, paced by the extraction pool: the downloader stays a few pages ahead.

Links are only known once a page is extracted (crawler/extraction_pool/pool.py). Where
downloads are faster than extraction (a fast site, a local mirror, the recorded web), Scrapy
would keep fetching from the queue while hundreds of pages wait for a worker: the queue
drains in whatever order it holds, before the links that would outrank what it holds come
back, and the focused frontier turns into breadth-first. So no request leaves the queue while
``CRAWLER_EXTRACT_BACKLOG`` pages wait for extraction (0: two per worker, enough to keep every
worker busy). Scrapy asks again as soon as a page has been handled. On a polite crawl of live
sites downloads are the slower side and the pool never holds that many.

Scrapy's own ``SCRAPER_SLOT_MAX_ACTIVE_SIZE`` does the same in bytes, which says nothing of
how many pages wait: a news page is 5 kB to 500 kB.
"""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.core.scheduler import Scheduler
from scrapy.crawler import Crawler


class PacedScheduler(Scheduler):
    backlog: int = 0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PacedScheduler:
        scheduler = super().from_crawler(crawler)
        scheduler.backlog = crawler.settings.getint("CRAWLER_EXTRACT_BACKLOG")
        return scheduler

    def next_request(self) -> Request | None:
        # The spider owns the pool and makes it when it starts, after the scheduler opened.
        pool: Any = getattr(self.crawler and self.crawler.spider, "extraction", None)
        workers = getattr(pool, "workers", 0)
        if workers > 0 and pool.waiting >= (self.backlog or 2 * workers):
            return None
        return super().next_request()
