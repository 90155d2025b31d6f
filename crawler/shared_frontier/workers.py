"""The worker side of a shared crawl: alive, recovering the dead, stopping when all is done.

scrapy-redis workers have two known failure modes: one stops while others still produce work
(its queue looked empty for a moment), or none stops when the work is done (each waits for
more). Here a worker stays open while the crawl is not done and closes with ``finished`` when
it is: seeded, nothing queued, nothing in flight in any live worker (checked in one Redis
step, scripts.FINISH_IF_DONE). Every tick it also

- renews its heartbeat (``CRAWLER_REDIS_WORKER_TIMEOUT``) and releases what it finished;
- requeues the in-flight requests of workers whose heartbeat stopped, and records their runs
  as interrupted;
- puts the frontier's size in the stats (``crawler/redis/frontier``, shown by the progress
  line) and wakes its engine, since Scrapy polls an idle scheduler only every 5 seconds: new
  work from other workers, or the end of the crawl, is noticed within a tick.

It also writes the crawl id and the worker's name into the run's ``crawl_runs`` row, so
``crawler runs`` shows one crawl with its workers.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, NotConfigured
from twisted.internet import task

from crawler import stat_keys
from crawler.db import run_sql
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.extensions.runs import CrawlRunRecorder
from crawler.shared_frontier.shared_crawl import SharedCrawl
from crawler.shared_frontier.shared_scheduler import SharedScheduler

logger = logging.getLogger(__name__)


def wake(crawler: Crawler) -> None:
    """Ask the engine for its next requests now rather than at its next 5 s heartbeat."""
    nextcall = getattr(getattr(crawler.engine, "_slot", None), "nextcall", None)
    if nextcall is not None:
        nextcall.schedule()


class SharedCrawlWorker:
    def __init__(self, crawler: Crawler, interval: float) -> None:
        self.crawler = crawler
        self.interval = interval
        self.shared: SharedCrawl | None = None
        self.loop: task.LoopingCall | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_idle, signal=signals.spider_idle)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedCrawlWorker:
        if not crawler.settings.get("CRAWLER_REDIS_URL"):
            raise NotConfigured
        return cls(crawler, crawler.settings.getfloat("CRAWLER_REDIS_TICK"))

    def spider_opened(self) -> None:
        self.shared = shared = SharedCrawl.from_crawler(self.crawler)
        stats = self.crawler.stats
        recorder = self.crawler.get_extension(CrawlRunRecorder)  # opened first: EXTENSIONS
        run_id = recorder.run_id if recorder else None
        shared.heartbeat(run_id)
        stats.set_value(stat_keys.CRAWL_ID, shared.crawl_id)
        stats.set_value(stat_keys.WORKER, shared.worker)
        if run_id is not None:
            self._write(lambda s: run_sql.set_crawl(s, run_id, shared.crawl_id, shared.worker))
        self.loop = task.LoopingCall(self.tick)
        self.loop.start(self.interval)

    def _write(self, change: Any) -> None:
        archive = self.crawler.get_extension(ArchiveConnection)
        if archive is not None:
            with archive.sessions.begin() as session:
                change(session)

    def _scheduler(self) -> SharedScheduler | None:
        scheduler = getattr(self.crawler.engine, "scheduler", None)
        return scheduler if isinstance(scheduler, SharedScheduler) else None

    def tick(self) -> None:
        if self.refresh():
            # New work in the frontier, or the end of the crawl to notice: either way the
            # engine should look now (an idle engine asks its spider_idle handlers again).
            wake(self.crawler)

    def refresh(self) -> bool:
        shared = self.shared
        if shared is None:
            return False
        try:
            scheduler = self._scheduler()
            if scheduler is not None:
                scheduler.release()
            shared.heartbeat()
            lost = shared.reap()
            size = shared.frontier_size()
        except Exception as exc:  # Redis away for a moment: the next tick tries again
            self.crawler.stats.inc_value(stat_keys.REDIS_ERRORS)
            logger.warning("shared frontier unreachable: %s", exc)
            return False
        self.crawler.stats.set_value(stat_keys.REDIS_FRONTIER, size)
        if lost:
            self.crawler.stats.inc_value(stat_keys.REDIS_WORKERS_LOST, len(lost))
            self._record_lost([int(run) for run in lost.values() if run])
        return True

    def _record_lost(self, run_ids: list[int]) -> None:
        if run_ids:
            now = datetime.now(UTC)
            self._write(lambda s: run_sql.mark_lost(s, run_ids, now))

    def spider_idle(self) -> None:
        stats = self.crawler.stats
        if stats.get_value(stat_keys.CONFIG_ERROR) or stats.get_value(stat_keys.ARCHIVE_ERROR):
            return  # this worker cannot crawl; it must not wait for the others
        shared = self.shared
        if shared is None:
            return
        self.refresh()
        if shared.seed_only:
            if shared.seeded():
                return
            raise DontCloseSpider
        if shared.finish_if_done():
            return
        raise DontCloseSpider

    def spider_closed(self) -> None:
        if self.loop is not None and self.loop.running:
            self.loop.stop()
