"""Politeness per site across workers: together they keep one crawler's pace on a host.

Scrapy's delay and AutoThrottle work per process, so N workers would ask a host N times as
often. Before a request leaves, this middleware reserves the host's next free moment in Redis
(scripts.RESERVE_HOST), spaced by the delay this worker's downloader slot would use for the
host (DOWNLOAD_DELAY, or AutoThrottle's current value), and waits until then. A delay of 0
(the recorded web) costs nothing.
"""

from __future__ import annotations

import asyncio

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.httpobj import urlparse_cached

from crawler import stat_keys
from crawler.shared_frontier.shared_crawl import SharedCrawl


class SharedPolitenessMiddleware:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.default_delay = settings.getfloat("DOWNLOAD_DELAY")
        if settings.getbool("AUTOTHROTTLE_ENABLED"):
            start = settings.getfloat("AUTOTHROTTLE_START_DELAY")
            self.default_delay = max(self.default_delay, start)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedPolitenessMiddleware:
        if not crawler.settings.get("CRAWLER_REDIS_URL"):
            raise NotConfigured
        return cls(crawler)

    def delay_for(self, request: Request) -> float:
        downloader = self.crawler.engine.downloader
        slot = downloader.slots.get(downloader.get_slot_key(request))
        return float(slot.delay) if slot is not None else self.default_delay

    async def process_request(self, request: Request) -> None:
        delay = self.delay_for(request)
        host = urlparse_cached(request).hostname
        if delay <= 0 or not host:
            return
        shared = SharedCrawl.from_crawler(self.crawler)
        wait = shared.reserve_host(host, delay)
        if wait > 0:
            self.crawler.stats.inc_value(stat_keys.REDIS_POLITENESS_WAITS)
            await asyncio.sleep(wait)
