"""A live progress line for long crawls run from the CLI (pages, articles, errors, rate)."""

from __future__ import annotations

import sys
import time
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from twisted.internet import task

from crawler import stat_keys


class ProgressReporter:
    """Rewrites one stderr line every second; on only when CRAWLER_PROGRESS is true."""

    def __init__(self, crawler: Crawler, interval: float = 1.0) -> None:
        self.crawler = crawler
        self.interval = interval
        self.started = time.monotonic()
        self.loop: task.LoopingCall | None = None
        self.ticks = 0
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ProgressReporter:
        if not crawler.settings.getbool("CRAWLER_PROGRESS"):
            raise NotConfigured
        return cls(crawler)

    def line(self) -> str:
        stats: dict[str, Any] = self.crawler.stats.get_stats()
        pages = int(stats.get("response_received_count", 0))
        archived = sum(
            int(stats.get(stat_keys.articles_key(k), 0)) for k in ("new", "updated", "unchanged")
        )
        errors = int(stats.get(stat_keys.ERRORS, 0))
        elapsed = max(time.monotonic() - self.started, 1e-6)
        # A worker of a shared crawl (crawler/shared_frontier/): the crawl's frontier, all workers'.
        frontier = stats.get(stat_keys.REDIS_FRONTIER)
        return (
            f"pages {pages} | articles {archived} | errors {errors} | "
            f"{pages / elapsed * 60:.0f} pages/min"
            + (f" | frontier {frontier}" if frontier is not None else "")
        )

    def show(self) -> None:
        if sys.stderr.isatty():
            sys.stderr.write("\r\x1b[2K" + self.line())
        else:  # a log file or a pipe: whole lines, fewer of them
            self.ticks += 1
            if self.ticks % 10:
                return
            sys.stderr.write(self.line() + "\n")
        sys.stderr.flush()

    def spider_opened(self) -> None:
        self.started = time.monotonic()
        self.loop = task.LoopingCall(self.show)
        self.loop.start(self.interval)

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
        self.ticks = -1
        self.show()
        if sys.stderr.isatty():
            sys.stderr.write("\n")
