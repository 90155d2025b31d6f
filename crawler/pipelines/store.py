"""Write articles to the archive, in batches, deduplicated and versioned.

The pipeline is thin: it turns items into :class:`crawler.archive.dedup.ArticleRecord` and hands a
batch to :func:`crawler.archive.dedup.store_article` in one transaction. Each outcome is counted in
the run's stats (``crawler/articles/new|updated|unchanged|duplicate``, plus
``crawler/dedup/near_duplicate`` for new articles linked to a cluster).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from twisted.internet import task

from crawler.archive.dedup import (
    DEFAULT_THRESHOLD,
    ArticleRecord,
    Capture,
    derived_values,
    store_article,
)
from crawler.archive.urls import canonical_url, normalize_url
from crawler.db import repo
from crawler.db.session import make_engine, session_factory
from crawler.items import ArticleItem
from crawler.middlewares.warc_capture import META_KEY

logger = logging.getLogger(__name__)

_ATTEMPTS = 3  # a PostgreSQL deadlock or an SQLite busy snapshot: the batch is tried again
_CAPTURES_KEPT = 10_000


def article_record(
    item: ArticleItem,
    site_id: int,
    run_id: int | None,
    site_domains: tuple[str, ...] = (),
    capture: Capture | None = None,
) -> ArticleRecord:
    art = item.article
    assert art is not None
    canonical = canonical_url(item.url, art.canonical_url, site_domains)
    seen = [item.url, item.requested_url]
    if art.canonical_url and normalize_url(art.canonical_url) == canonical:
        seen.append(art.canonical_url)  # only a same-site canonical names this article
    variants = [u for u in dict.fromkeys(seen) if u and u != canonical]
    values = {
        "url": item.url,
        "site_id": site_id,
        **derived_values(art),
        "http_status": item.http_status,
        "relevance": item.relevance,
        "seed_id": item.seed_id,
        "found_via": item.found_via,
        "referrer": item.referrer,
        "depth": item.depth,
        "first_seen_at": item.fetched_at,
        "last_seen_at": item.fetched_at,
        "crawl_run_id": run_id,
    }
    return ArticleRecord(canonical, values, variants, capture)


@dataclass
class Outage:
    """How long the archive has been away, and when to ask it again (1, 2, 4 … 30 s)."""

    limit: float  # seconds, then the waiting articles are given up
    since: float | None = None
    wait: float = 0.0
    retry_at: float = 0.0

    def failed(self) -> None:
        now = time.monotonic()
        self.since = self.since if self.since is not None else now
        self.wait = min(30.0, max(1.0, self.wait * 2))
        self.retry_at = now + self.wait

    def expired(self) -> bool:
        return self.since is not None and time.monotonic() - self.since > self.limit

    def ended(self) -> float:
        seconds = time.monotonic() - (self.since or time.monotonic())
        self.since, self.wait, self.retry_at = None, 0.0, 0.0
        return seconds


class ArchiveStorePipeline:
    """Buffers items and writes each batch in one transaction (CRAWLER_STORE_BATCH_SIZE)."""

    def __init__(
        self,
        crawler: Crawler,
        database_url: str,
        batch_size: int,
        threshold: float,
        outage_max: float = 300.0,
        max_waiting: int = 2000,
        flush_interval: float = 5.0,
    ) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.batch_size = max(1, batch_size)
        self.threshold = threshold
        self.buffer: list[tuple[ArticleItem, Capture | None]] = []
        self.outage = Outage(outage_max)
        self.max_waiting = max(self.batch_size, max_waiting)
        self.flush_interval = flush_interval
        self.ticker: task.LoopingCall | None = None
        self.site_ids: dict[str, int] = {}
        # The WARC middleware puts each response's capture in its meta; items carry only the
        # URL, so the pipeline remembers the latest captures by URL.
        self.captures: OrderedDict[str, Capture] = OrderedDict()
        crawler.signals.connect(self.response_received, signal=signals.response_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveStorePipeline:
        settings = crawler.settings
        url = settings.get("CRAWLER_DATABASE_URL")
        if not url:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(
            crawler,
            url,
            settings.getint("CRAWLER_STORE_BATCH_SIZE", 50),
            settings.getfloat("CRAWLER_DEDUP_THRESHOLD", DEFAULT_THRESHOLD),
            settings.getfloat("CRAWLER_STORE_OUTAGE_MAX", 300.0),
            settings.getint("CRAWLER_STORE_MAX_WAITING", 2000),
            settings.getfloat("CRAWLER_STORE_FLUSH_INTERVAL", 5.0),
        )

    def open_spider(self) -> None:
        # A slow, polite crawl takes minutes to fill a batch: what is buffered is also written
        # every few seconds, so the progress line, `crawler query` and Datasette keep up.
        if self.flush_interval > 0:
            self.ticker = task.LoopingCall(self.flush)
            self.ticker.start(self.flush_interval, now=False)

    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        capture = request.meta.get(META_KEY)
        if isinstance(capture, Capture):
            self.captures[response.url] = capture
            self.captures.move_to_end(response.url)
            if len(self.captures) > _CAPTURES_KEPT:
                self.captures.popitem(last=False)

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.article is not None:
            self.buffer.append((item, self.captures.pop(item.url, None)))
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    async def close_spider(self) -> None:
        if self.ticker is not None and self.ticker.running:
            self.ticker.stop()
        self.flush()
        # The archive is away: the articles fetched so far wait for it, within the limit.
        while self.buffer and self.outage.since is not None and not self.outage.expired():
            await asyncio.sleep(max(0.1, self.outage.retry_at - time.monotonic()))
            self.flush()
        if self.buffer and self.outage.since is not None:
            self._failed(self.buffer, RuntimeError("the archive did not come back"))
            self.buffer = []
        self.engine.dispose()

    def flush(self) -> None:
        if not self.buffer or not self.stats.get_value("crawler/archive_ready"):
            return
        if self.outage.since is not None and time.monotonic() < self.outage.retry_at:
            self._hold()
            return
        batch, self.buffer = self.buffer, []
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                outcomes = self._write(batch)
                break
            except OperationalError as exc:
                self.site_ids.clear()
                if attempt < _ATTEMPTS:
                    logger.info("archive write conflict, retrying the batch: %s", exc.orig)
                    time.sleep(0.2 * attempt)
                    continue
                self._away(batch, exc)
                return
            except SQLAlchemyError as exc:
                self.site_ids.clear()
                self._failed(batch, exc)
                return
        if self.outage.since is not None:
            self._back(len(batch))
        for outcome, near_duplicate in outcomes:
            self.stats.inc_value(f"crawler/articles/{outcome}")
            if near_duplicate:
                self.stats.inc_value("crawler/dedup/near_duplicate")

    # --- the archive going away (a PostgreSQL restart, an SQLite file another writer holds)
    def _away(self, batch: list[tuple[ArticleItem, Capture | None]], exc: Exception) -> None:
        """Keep the batch and try again later; past CRAWLER_STORE_OUTAGE_MAX it is lost."""
        if self.outage.since is None:
            self.stats.inc_value("crawler/archive/outages")
            logger.warning("the archive is unavailable, articles wait for it: %s", exc)
        self.outage.failed()
        if self.outage.expired():
            self._failed(batch + self.buffer, exc)
            self.buffer = []
            self._resume()
            return
        self.buffer[:0] = batch
        self._hold()
        from twisted.internet import reactor

        core: Any = reactor  # Twisted's stubs do not know the installed reactor's methods
        core.callLater(self.outage.wait, self.flush)

    def _back(self, written: int) -> None:
        seconds = self.outage.ended()
        total = float(self.stats.get_value("crawler/archive/outage_seconds", 0.0)) + seconds
        self.stats.set_value("crawler/archive/outage_seconds", round(total, 1))
        self.stats.inc_value("crawler/archive/written_after_outage", written)
        logger.warning("the archive is back after %.1f s; waiting articles written", seconds)
        self._resume()
        if self.buffer:
            self.flush()

    def _hold(self) -> None:
        # Too many articles waiting: the crawl pauses until the archive takes them.
        engine = getattr(self.crawler, "engine", None)
        if len(self.buffer) >= self.max_waiting and engine is not None and not engine.paused:
            self.stats.inc_value("crawler/archive/paused")
            engine.pause()

    def _resume(self) -> None:
        engine = getattr(self.crawler, "engine", None)
        if engine is not None and engine.paused:
            engine.unpause()

    def _write(self, batch: list[tuple[ArticleItem, Capture | None]]) -> list[tuple[str, bool]]:
        run_id = self.stats.get_value("crawler/run_id")
        sites = {s.key: s for s in getattr(self.crawler.spider, "sites", [])}
        outcomes: list[tuple[str, bool]] = []
        with self.sessions.begin() as session:
            records = []
            for item, capture in batch:
                site = sites.get(item.site)
                if item.site not in self.site_ids:
                    self.site_ids[item.site] = repo.ensure_site(
                        session,
                        item.site,
                        site.name if site else item.site,
                        site.language if site else None,
                    )
                domains = tuple(site.domains) if site else ()
                records.append(
                    article_record(item, self.site_ids[item.site], run_id, domains, capture)
                )
            # One order for every process makes lock waits between batches less likely.
            for record in sorted(records, key=lambda r: r.canonical_url):
                result = store_article(session, record, self.threshold)
                outcomes.append((result.outcome, result.cluster_id is not None))
        return outcomes

    def _failed(self, batch: list[Any], exc: Exception) -> None:
        # The batch is rolled back whole; the pages will be fetched again by the next run.
        self.stats.inc_value("crawler/errors")
        self.stats.inc_value("crawler/errors/archive_write", len(batch))
        logger.error(
            "archive write failed, %d articles not stored: %s: %s",
            len(batch),
            type(exc).__name__,
            exc,
        )
