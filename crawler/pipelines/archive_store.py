"""Write articles to the archive: a thin adapter around crawler/store/batch_writer.py.

Each item's record (:func:`crawler.store.dedup.article_record`) goes to the writer, which runs
in one dedicated thread: the reactor never waits for the database, SQLite keeps one writer. Its
reports come back to the reactor thread as the run's stats; too many articles waiting pause the
crawl until the archive takes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler import stat_keys
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.extensions.runs import CrawlRunRecorder
from crawler.items import ArticleItem, SiteInfo
from crawler.store.batch_writer import ArchiveWriter, Pending, Report
from crawler.store.dedup import article_record

_TICK = 1.0  # s: how often the writer is asked whether something is due (time, back-off)


class ArchiveStorePipeline:
    def __init__(self, crawler: Crawler, writer: ArchiveWriter) -> None:
        self.crawler, self.stats, self.writer = crawler, crawler.stats, writer
        self.connection = crawler.get_extension(ArchiveConnection)
        self.recorder = crawler.get_extension(CrawlRunRecorder)  # its run_id goes on records
        waiting = crawler.settings.getint("CRAWLER_STORE_MAX_WAITING")
        self.max_waiting = max(writer.batch_size, waiting)
        self.thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive-writer")
        self.calls: set[asyncio.Future[Report]] = set()  # handed to the thread, not yet back
        self.handed = 0  # articles handed over whose add() has not returned yet
        self.ticker: asyncio.Task[None] | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveStorePipeline:
        connection = crawler.get_extension(ArchiveConnection)
        if connection is None:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        settings = crawler.settings
        writer = ArchiveWriter(
            connection.sessions,
            batch_size=settings.getint("CRAWLER_STORE_BATCH_SIZE"),
            flush_interval=settings.getfloat("CRAWLER_STORE_FLUSH_INTERVAL"),
            outage_max=settings.getfloat("CRAWLER_STORE_OUTAGE_MAX"),
            threshold=settings.getfloat("CRAWLER_DEDUP_THRESHOLD"),
        )
        return cls(crawler, writer)

    def open_spider(self) -> None:
        self.ticker = asyncio.get_running_loop().create_task(self._tick())

    async def process_item(self, item: Any) -> Any:
        ready = self.connection is not None and self.connection.ready
        if isinstance(item, ArticleItem) and item.article is not None and ready:
            run_id = self.recorder.run_id if self.recorder else None
            site = item.site_info or SiteInfo(item.site, item.site)
            self.handed += 1
            # The item is done when the writer has taken it: buffered, or written when its
            # batch is full. With a batch of one (a shared crawl) that is after the commit, so
            # a worker killed now loses no article: its request is still in flight, requeued.
            await self._call(self.writer.add, Pending(site, article_record(item, run_id)), added=1)
        return item

    async def close_spider(self) -> None:
        if self.ticker is not None:
            self.ticker.cancel()
        # Everything handed over is written, or waits for an archive that is away (up to
        # CRAWLER_STORE_OUTAGE_MAX), before the run is recorded.
        await self.drained()
        await self._call(self.writer.close)
        self.thread.shutdown()

    async def drained(self) -> None:
        """Until every call handed to the writer's thread is back, and counted."""
        while self.calls:
            await asyncio.gather(*self.calls, return_exceptions=True)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(_TICK)
            if not self.calls:  # a call in the thread will be followed by its own check
                self._call(self.writer.tick)

    def _call(self, call: Callable[..., Report], *args: Any, added: int = 0) -> Awaitable[Report]:
        future = asyncio.get_running_loop().run_in_executor(self.thread, call, *args)
        self.calls.add(future)
        future.add_done_callback(partial(self._done, added=added))
        return future

    def _done(self, future: asyncio.Future[Report], added: int) -> None:
        # On the reactor thread: the only place that touches the stats and the engine.
        self.calls.discard(future)
        self.handed -= added
        report, stats = future.result(), self.stats
        for outcome, count in report.outcomes.items():
            stats.inc_value(stat_keys.articles_key(outcome), count)
        if report.near_duplicates:
            stats.inc_value(stat_keys.DEDUP_NEAR_DUPLICATE, report.near_duplicates)
        for lost in report.lost:
            stats.inc_value(stat_keys.ERRORS)
            stats.inc_value(stat_keys.ERRORS_ARCHIVE_WRITE, lost)
        if report.outages:
            stats.inc_value(stat_keys.ARCHIVE_OUTAGES, report.outages)
        if report.written_after_outage:
            away = float(stats.get_value(stat_keys.ARCHIVE_OUTAGE_SECONDS, 0.0))
            away += report.outage_seconds
            stats.set_value(stat_keys.ARCHIVE_OUTAGE_SECONDS, round(away, 1))
            stats.inc_value(stat_keys.ARCHIVE_WRITTEN_AFTER_OUTAGE, report.written_after_outage)
        # Too many articles waiting (the archive away, or slower than the crawl): pause.
        engine = self.crawler.engine if self.crawler.crawling else None
        waiting = self.handed + report.waiting
        if engine is not None and waiting >= self.max_waiting and not engine.paused:
            stats.inc_value(stat_keys.ARCHIVE_PAUSED)
            engine.pause()
        elif engine is not None and engine.paused and waiting < self.max_waiting:
            engine.unpause()  # written, or given up
