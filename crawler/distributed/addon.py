"""The one switch: ``CRAWLER_REDIS_URL`` swaps in the shared frontier (a Scrapy add-on).

An add-on, because the switch may come as ``-s CRAWLER_REDIS_URL=…`` and only add-ons see the
settings after the command line. Without it nothing changes and Redis is never contacted; the
middleware and extension of crawler.distributed are wired in settings.py and stay off
(NotConfigured).
"""

from __future__ import annotations

from scrapy.crawler import Crawler
from scrapy.settings import BaseSettings


class SharedFrontierAddon:
    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedFrontierAddon:
        return cls()

    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("CRAWLER_REDIS_URL")
        if not url:
            return
        settings.set("SCHEDULER", "crawler.distributed.scheduler.SharedScheduler", "addon")
        settings.set("DUPEFILTER_CLASS", "crawler.distributed.scheduler.SharedDupeFilter", "addon")
        settings.set("REDIS_URL", url, "addon")
        # An item is written in the pipeline that receives it, before its request counts as
        # done: a killed worker then loses no buffered article (its request is requeued).
        settings.set("CRAWLER_STORE_BATCH_SIZE", 1, "addon")
