"""Record every crawl run in the archive: start, end, status, counts and errors by kind."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

from scrapy import Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler.db import repo
from crawler.db.session import ensure_schema, make_engine, session_factory
from crawler.errors import ArchiveNotReady

logger = logging.getLogger(__name__)

_OK_REASONS = {"finished", "closespider_pagecount", "closespider_itemcount", "max_pages"}


def totals_from_stats(stats: dict[str, Any]) -> repo.RunTotals:
    return repo.RunTotals(
        pages_fetched=int(stats.get("response_received_count", 0)),
        articles_new=int(stats.get("crawler/articles/new", 0)),
        articles_updated=int(stats.get("crawler/articles/updated", 0)),
        articles_unchanged=int(stats.get("crawler/articles/unchanged", 0)),
        articles_duplicate=int(stats.get("crawler/articles/duplicate", 0)),
        articles_not_related=int(stats.get("crawler/articles/not_related", 0)),
        errors=int(stats.get("crawler/errors", 0)),
    )


def run_status(reason: str, stats: dict[str, Any]) -> str:
    if stats.get("crawler/config_error") or stats.get("crawler/archive_error"):
        return "failed"
    if stats.get("crawler/errors/archive_write"):
        return "failed"  # fetched articles were lost: the run must not look fine
    if reason == "shutdown":
        return "interrupted"
    if reason not in _OK_REASONS:
        return "failed"
    if int(stats.get("response_received_count", 0)) == 0 and int(stats.get("crawler/errors", 0)):
        return "failed"  # nothing could be fetched at all: the network or the sites are down
    return "ok"


def unreachable_hosts(stats: dict[str, Any]) -> dict[str, str]:
    prefix = "crawler/unreachable/"
    return {k[len(prefix) :]: str(v) for k, v in stats.items() if k.startswith(prefix)}


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.run_id: int | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        url = crawler.settings.get("CRAWLER_DATABASE_URL")
        if not url:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler, url)

    def _sessions(self) -> Any:
        return session_factory(make_engine(self.database_url))

    def spider_opened(self, spider: Spider) -> None:
        stats = self.crawler.stats
        try:
            ensure_schema(self.database_url)
        except ArchiveNotReady as exc:
            stats.set_value("crawler/archive_error", str(exc))
            logger.error("%s", exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_not_ready"))
            return
        # The spider's `-a` arguments as the operator gave them, to read back with the run.
        arguments = dict(getattr(spider, "arguments", {}))
        with self._sessions().begin() as session:
            self.run_id = repo.start_run(
                session,
                spider.name,
                self.crawler.settings.get("CRAWLER_TRIGGER", "manual"),
                datetime.now(UTC),
                arguments,
            )
        stats.set_value("crawler/run_id", self.run_id)
        stats.set_value("crawler/archive_ready", True)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        stats = dict(self.crawler.stats.get_stats())
        status = run_status(reason, stats)
        for host, message in sorted(unreachable_hosts(stats).items()):
            logger.error("could not reach %s: %s", host, message)
        if self.run_id is None:
            return
        error_kinds = {
            k.rsplit("/", 1)[1]: int(v) for k, v in stats.items() if k.startswith("crawler/errors/")
        }
        with self._sessions().begin() as session:
            repo.finish_run(
                session,
                self.run_id,
                status=status,
                finish_reason=reason,
                finished_at=datetime.now(UTC),
                totals=totals_from_stats(stats),
                error_kinds=error_kinds,
                stats=stats,
            )
        self.crawler.stats.set_value("crawler/run_status", status)
