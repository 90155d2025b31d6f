"""The stall watchdog: a crawl that makes no progress for CRAWLER_STALL_TIMEOUT seconds is
stopped and recorded as ``stalled``.

Progress is anything the crawl finishes: a response, an item, a failed download. A stalled
crawl is first closed the ordinary way (reason ``stalled``: in-flight work is finished and
the run recorded by the run recorder). If that has not happened CRAWLER_STALL_GRACE seconds
later (a download that never ends, a pipeline that hangs), the watchdog records the run itself
and ends the process with exit status 75, because a crawl that cannot stop would otherwise
hold its job's lock forever. Off (NotConfigured) when the timeout is 0, the default for crawls
run by hand; the scheduler sets it per job.
"""

from __future__ import annotations

import logging
import os
import time

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro
from twisted.internet import task

from crawler import stat_keys
from crawler.extensions.runs import CrawlRunRecorder

logger = logging.getLogger(__name__)

EXIT_STALLED = 75  # EX_TEMPFAIL: the process ended itself after a stall
_PROGRESS_KEYS = (
    "response_received_count",
    "item_scraped_count",
    "item_dropped_count",
    "downloader/exception_count",
    stat_keys.ERRORS,
)


class StallWatchdog:
    def __init__(self, crawler: Crawler, timeout: float, grace: float) -> None:
        self.crawler = crawler
        self.timeout = timeout
        self.grace = grace
        self.loop: task.LoopingCall | None = None
        self.progress = -1
        self.progress_at = time.monotonic()
        self.stopping_at: float | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StallWatchdog:
        timeout = crawler.settings.getfloat("CRAWLER_STALL_TIMEOUT")
        if timeout <= 0:
            raise NotConfigured  # off by default: no message, no warning in the log
        return cls(crawler, timeout, crawler.settings.getfloat("CRAWLER_STALL_GRACE"))

    def spider_opened(self) -> None:
        self.progress_at = time.monotonic()
        self.loop = task.LoopingCall(self.check)
        self.loop.start(min(self.timeout / 4, 5.0), now=False)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()

    def _progress(self) -> int:
        stats = self.crawler.stats
        return sum(int(stats.get_value(key, 0)) for key in _PROGRESS_KEYS)

    def check(self) -> None:
        now = time.monotonic()
        if self.stopping_at is not None:
            if now - self.stopping_at >= self.grace:
                self.force_exit()
            return
        progress = self._progress()
        if progress != self.progress:
            self.progress, self.progress_at = progress, now
        elif now - self.progress_at >= self.timeout:
            self.stop(now)

    def stop(self, now: float) -> None:
        self.stopping_at = now
        self.crawler.stats.set_value(stat_keys.STALLED_AFTER, self.timeout)
        logger.error("no progress for %.0f s: stopping the crawl as stalled", self.timeout)
        engine = self.crawler.engine
        if engine is not None and engine.spider is not None:
            deferred_from_coro(engine.close_spider_async(reason="stalled"))

    def force_exit(self) -> None:
        logger.error(
            "the stalled crawl did not stop within %.0f s: recording it and exiting", self.grace
        )
        for extension in self.crawler.extensions.middlewares:
            if isinstance(extension, CrawlRunRecorder):
                try:
                    extension.record("stalled")
                except Exception:  # the exit must happen even if the archive is the problem
                    logger.exception("could not record the stalled run")
        logging.shutdown()
        os._exit(EXIT_STALLED)
