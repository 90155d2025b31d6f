"""scrapy-redis's scheduler, queue and dupefilter, with what a crawl over machines needs more.

Upstream scrapy-redis loses work when a worker dies (a popped request exists only in the dead
process), marks a request seen in one command and queues it in another, orders equal
priorities by their pickled bytes and deletes the shared frontier when any worker closes. Here:

- ``SharedPriorityQueue``: pushing checks the dupefilter and queues in one step; popping moves
  the request into the worker's in-flight hash in one step; equal priorities stay FIFO.
- ``SharedScheduler``: keeps the frontier when a worker closes; forgets an in-flight request
  only once Scrapy is done with it (downloaded, parsed, its links queued and its items
  through the pipelines), so a request of a dead worker is requeued, never lost.
- ``SharedDupeFilter``: Scrapy's own request fingerprints (8 bytes of them) in one set per
  crawl, dropped when the crawl finishes.
"""

from __future__ import annotations

import logging
from typing import Any

from redis.exceptions import RedisError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy_redis.dupefilter import RFPDupeFilter
from scrapy_redis.queue import PriorityQueue
from scrapy_redis.scheduler import Scheduler

from crawler import stat_keys
from crawler.shared_frontier.shared_crawl import SharedCrawl

logger = logging.getLogger(__name__)


class SharedDupeFilter(RFPDupeFilter):  # type: ignore[misc]
    def __init__(self, shared: SharedCrawl, fingerprinter: Any, debug: bool = False) -> None:
        super().__init__(shared.server, shared.key("dupefilter"), debug)
        self.fingerprinter = fingerprinter

    @classmethod
    def from_spider(cls, spider: Spider) -> SharedDupeFilter:
        crawler = spider.crawler
        return cls(
            SharedCrawl.from_crawler(crawler),
            crawler.request_fingerprinter,
            crawler.settings.getbool("DUPEFILTER_DEBUG"),
        )

    def request_fingerprint(self, request: Request) -> bytes:
        # The fingerprinter the project configures (REQUEST_FINGERPRINTER_IMPLEMENTATION), so
        # one crawl's workers and a one-process crawl agree on what a duplicate is.
        return bytes(self.fingerprinter.fingerprint(request)[:8])

    def close(self, reason: str = "") -> None:
        """Nothing: the set belongs to the crawl, not to this worker (see FINISH_IF_DONE)."""


class SharedPriorityQueue(PriorityQueue):  # type: ignore[misc]
    def __init__(self, shared: SharedCrawl, spider: Spider, serializer: Any = None) -> None:
        super().__init__(shared.server, spider, shared.key("queue"), serializer)
        self.shared = shared
        self.inflight_key = shared.key(f"inflight:{shared.worker}")
        # Popped requests this worker has not finished: queue member -> the Request object
        # Scrapy holds, so the member can be released when Scrapy lets go of the object.
        self.inflight: dict[bytes, Request] = {}

    def push_new(self, request: Request, fingerprint: bytes | None) -> bool:
        """Queue ``request`` unless its fingerprint was seen; False when it was."""
        keys = [self.key, self.shared.key("dupefilter"), self.shared.key("seq")]
        member = self._encode_request(request)
        args = [-request.priority, member, fingerprint or b""]
        return bool(self.shared.call("PUSH", keys, args))

    def push(self, request: Request) -> None:
        self.push_new(request, None)

    def pop(self, timeout: int = 0) -> Request | None:
        member = self.shared.call("POP", [self.key, self.inflight_key], [])
        if not member:
            return None
        request: Request = self._decode_request(member)
        self.inflight[member] = request
        return request

    def release(self, busy: set[Request]) -> int:
        """Forget the in-flight requests Scrapy is no longer busy with; how many."""
        done = [member for member, request in self.inflight.items() if request not in busy]
        if done:
            self.shared.server.hdel(self.inflight_key, *done)
            for member in done:
                del self.inflight[member]
        return len(done)


def busy_requests(crawler: Crawler) -> set[Request]:
    """The requests the engine has not finished with (download, callback, items, links).

    Scrapy has no public "request done" hook; its own ``get_engine_status`` reads the engine
    slot's ``inprogress`` set, and so does this. The fallback (downloader and scraper) misses
    only the instant between the two.
    """
    engine = crawler.engine
    slot = getattr(engine, "_slot", None)
    inprogress = getattr(slot, "inprogress", None)
    if isinstance(inprogress, set):
        return inprogress
    scraping = engine.scraper.slot.active if engine.scraper.slot is not None else set()
    return set(engine.downloader.active) | set(scraping)


class SharedScheduler(Scheduler):  # type: ignore[misc]
    """The scheduler when ``CRAWLER_REDIS_URL`` is set (wired by crawler.shared_frontier.addon)."""

    queue: SharedPriorityQueue
    df: SharedDupeFilter

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SharedScheduler:
        if not crawler.settings.get("CRAWLER_REDIS_URL"):
            raise NotConfigured()  # off by design: CRAWLER_REDIS_URL is not set
        scheduler: SharedScheduler = super().from_crawler(crawler)
        scheduler.crawler = crawler
        scheduler.persist = True  # a worker that closes must not take the frontier with it
        # A worker takes no more than it is working on: a fast download (or the recorded web)
        # would otherwise pull the whole frontier into one worker's scraper queue, where its
        # peers cannot reach it and newer, higher priorities cannot overtake it.
        settings = crawler.settings
        scheduler.max_inflight = settings.getint("CRAWLER_REDIS_MAX_INFLIGHT") or max(
            1, settings.getint("CONCURRENT_REQUESTS")
        )
        return scheduler

    def open(self, spider: Spider) -> None:
        self.spider = spider
        self.shared = SharedCrawl.from_crawler(self.crawler)
        self.shared.join()
        self.queue = SharedPriorityQueue(self.shared, spider, self.serializer)
        self.df = SharedDupeFilter.from_spider(spider)
        if len(self.queue):
            logger.info(
                "joining crawl %s: %d requests in its frontier", self.shared.crawl_id,
                len(self.queue),
            )  # fmt: skip

    def close(self, reason: str) -> None:
        try:
            self.release()
            self.shared.leave()
        except RedisError as exc:  # what it held stays in its in-flight hash: requeued later
            self._away(exc)

    def release(self) -> int:
        return self.queue.release(busy_requests(self.crawler))

    def enqueue_request(self, request: Request) -> bool:
        fingerprint = None if request.dont_filter else self.df.request_fingerprint(request)
        try:
            queued = self.queue.push_new(request, fingerprint)
        except RedisError as exc:
            # Not queued, not marked seen: the page that linked it is still in this worker's
            # in-flight hash, so it is fetched again (and its links queued) once Redis is back.
            self._away(exc)
            return False
        if not queued:
            self.df.log(request, self.spider)
            return False
        if self.stats:
            self.stats.inc_value("scheduler/enqueued/redis")
        return True

    def next_request(self) -> Request | None:
        if self.shared.seed_only:
            return None  # `crawler crawl --seed-only`: push the start points, fetch nothing
        try:
            if len(self.queue.inflight) >= self.max_inflight and self.release() == 0:
                return None
            request: Request | None = self.queue.pop()
        except RedisError as exc:  # Redis away: nothing to hand out; the watchdog decides
            self._away(exc)
            return None
        if request is not None and self.stats:
            self.stats.inc_value("scheduler/dequeued/redis")
        return request

    def has_pending_requests(self) -> bool:
        try:
            return not self.shared.seed_only and len(self) > 0
        except RedisError as exc:  # unknown while Redis is away: not idle, so not finished
            self._away(exc)
            return True

    def _away(self, exc: Exception) -> None:
        # One count per failed call; the worker's heartbeat logs "shared frontier unreachable".
        if self.stats:
            self.stats.inc_value(stat_keys.REDIS_ERRORS)
        logger.debug("shared frontier unreachable: %s", exc)
