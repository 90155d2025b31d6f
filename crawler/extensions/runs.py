"""Record every crawl run in the archive: start, end, status, counts and errors by kind,
per site, with the extraction-drift check of crawler/extensions/drift.py.

A scheduled crawl is started with ``CRAWLER_RUN_ID`` (the row the scheduler created before it
spawned the process, so a process that dies early still has its run) and ``CRAWLER_JOB``.
"""

from __future__ import annotations

import logging
import os
import socket
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, Spider, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler import stat_keys
from crawler.db import run_history_sql, run_sql
from crawler.extensions import drift
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.items import ArticleItem

logger = logging.getLogger(__name__)

_OK_REASONS = {"finished", "closespider_pagecount", "closespider_itemcount", "max_pages"}


def totals_from_stats(stats: dict[str, Any]) -> run_sql.RunTotals:
    return run_sql.RunTotals(
        pages_fetched=int(stats.get("response_received_count", 0)),
        articles_new=int(stats.get(stat_keys.ARTICLES_NEW, 0)),
        articles_updated=int(stats.get(stat_keys.ARTICLES_UPDATED, 0)),
        articles_unchanged=int(stats.get(stat_keys.ARTICLES_UNCHANGED, 0)),
        articles_duplicate=int(stats.get(stat_keys.ARTICLES_DUPLICATE, 0)),
        articles_not_related=int(stats.get(stat_keys.ARTICLES_NOT_RELATED, 0)),
        errors=int(stats.get(stat_keys.ERRORS, 0)),
    )


def run_status(reason: str, stats: dict[str, Any]) -> str:
    if stats.get(stat_keys.CONFIG_ERROR) or stats.get(stat_keys.ARCHIVE_ERROR):
        return "failed"
    if stats.get(stat_keys.ERRORS_ARCHIVE_WRITE):
        return "failed"  # fetched articles were lost: the run must not look fine
    if reason == "shutdown":
        return "interrupted"
    if reason == "stalled":
        return "stalled"  # stopped by crawler/extensions/watchdog.py
    if reason not in _OK_REASONS:
        return "failed"
    if int(stats.get("response_received_count", 0)) == 0 and int(stats.get(stat_keys.ERRORS, 0)):
        return "failed"  # nothing could be fetched at all: the network or the sites are down
    return "ok"


def unreachable_hosts(stats: dict[str, Any]) -> dict[str, str]:
    prefix = stat_keys.UNREACHABLE_PREFIX
    return {k[len(prefix) :]: str(v) for k, v in stats.items() if k.startswith(prefix)}




def site_counters(stats: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """``crawler/sites/<site>/a`` -> {site: {a: n}}; ``…/errors/<kind>`` nests under errors."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in stats.items():
        if not key.startswith(stat_keys.SITES_PREFIX) or key.count("/") < 3:
            continue
        site, name = key[len(stat_keys.SITES_PREFIX) :].split("/", 1)
        entry = out.setdefault(site, {})
        if "/" in name:
            group, kind = name.split("/", 1)
            entry.setdefault(group, {})[kind] = int(value)
        else:
            entry[name] = int(value)
    return out


def _settle_dead_runs(session: Any) -> None:
    """Runs of this host whose process is gone (kill -9) stop reading as running."""
    host = socket.gethostname()
    for run in run_sql.running_on(session, host):
        pid = (run.worker or "").rpartition(":")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            run_sql.mark_died(session, run.id, datetime.now(UTC))
            logger.warning("run %s ended without a record (its process died)", run.id)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    return True


class CrawlRunRecorder:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.run_id: int | None = None  # this run's crawl_runs row, once the spider opened
        self.recorded = False
        self.tallies: dict[str, drift.SiteTally] = {}
        settings = crawler.settings
        self.drift_tolerance = settings.getfloat("CRAWLER_DRIFT_TOLERANCE")
        self.drift_min_pages = settings.getint("CRAWLER_DRIFT_MIN_PAGES")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(self.item_dropped, signal=signals.item_dropped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRunRecorder:
        if not crawler.settings.get("CRAWLER_DATABASE_URL"):
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler)

    @property
    def connection(self) -> ArchiveConnection | None:
        # Looked up when used: extensions cannot see each other while they are being built.
        return self.crawler.get_extension(ArchiveConnection)

    def spider_opened(self, spider: Spider) -> None:
        connection = self.connection
        if connection is None:  # EXTENSIONS replaced without it: say why no run is recorded
            logger.warning("no run recorded: ArchiveConnection is not among the EXTENSIONS")
            return
        if not connection.ready:
            return  # no usable archive: ArchiveConnection closes the crawl and says why
        # The spider's `-a` arguments as the operator gave them, to read back with the run.
        arguments = dict(getattr(spider, "arguments", {}))
        settings = self.crawler.settings
        adopt = settings.getint("CRAWLER_RUN_ID")
        with connection.sessions.begin() as session:
            _settle_dead_runs(session)
            if adopt and run_sql.adopt_run(session, adopt, arguments):
                self.run_id = adopt
            else:
                self.run_id = run_sql.start_run(
                    session,
                    spider.name,
                    settings.get("CRAWLER_TRIGGER"),
                    datetime.now(UTC),
                    arguments,
                    job=settings.get("CRAWLER_JOB") or None,
                    worker=run_sql.worker_name(),
                )
        # For launch/runner.py, which reports the run id from the stats after the crawl.
        self.crawler.stats.set_value(stat_keys.RUN_ID, self.run_id)

    # --- per-site counts and extraction quality ---------------------------------------------
    def response_received(self, response: Response, request: Request, **_: Any) -> None:
        site = request.meta.get("site")
        if site:
            self.crawler.stats.inc_value(stat_keys.site_key(site, "pages"))

    def item_scraped(self, item: Any, **_: Any) -> None:
        if isinstance(item, ArticleItem):
            self.crawler.stats.inc_value(stat_keys.site_key(item.site, "archived"))
            self._tally(item)

    def item_dropped(self, item: Any, **_: Any) -> None:
        if isinstance(item, ArticleItem):  # the relevance gate is the only one that drops
            self.crawler.stats.inc_value(stat_keys.site_key(item.site, "articles/not_related"))
            self._tally(item)

    def _tally(self, item: ArticleItem) -> None:
        if item.article is not None:
            tally = self.tallies.setdefault(item.site, drift.SiteTally())
            article = item.article
            tally.add_article(article.title, article.published_at is not None, article.text)

    def site_stats(
        self, stats: dict[str, Any], outcomes: dict[str, dict[str, int]]
    ) -> dict[str, dict[str, Any]]:
        sites = site_counters(stats)
        for site in self.tallies:
            sites.setdefault(site, {})
        for site, entry in sites.items():
            tally = self.tallies.get(site, drift.SiteTally())
            tally.no_article = int(entry.get("no_article", 0))
            tally.fallback = int(entry.get("extraction_fallback", 0))
            entry["quality"] = tally.quality()
            articles = entry.setdefault("articles", {})
            for outcome, count in outcomes.get(site, {}).items():
                articles.setdefault(outcome, count)
            if "unchanged" not in articles:
                # The store pipeline counts outcomes for the whole run only; what reached it
                # and was neither new nor a new version was unchanged (or a duplicate).
                known = articles.get("new", 0) + articles.get("updated", 0)
                articles["unchanged"] = max(0, int(entry.get("archived", 0)) - known)
        return sites

    # --- the end of the run ----------------------------------------------------------------
    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.record(reason)

    def record(self, reason: str) -> str:
        """Write the run's final row once (the watchdog calls this before a forced exit)."""
        stats = dict(self.crawler.stats.get_stats())
        status = run_status(reason, stats)
        if self.recorded:
            return status
        self.recorded = True
        for host, message in sorted(unreachable_hosts(stats).items()):
            logger.error("could not reach %s: %s", host, message)
        connection = self.connection
        if self.run_id is None or connection is None:
            return status
        error_kinds = {
            k.rsplit("/", 1)[1]: int(v)
            for k, v in stats.items()
            if k.startswith(stat_keys.ERRORS_PREFIX)
        }
        with connection.sessions.begin() as session:
            sites = self.site_stats(stats, run_history_sql.outcomes_by_site(session, self.run_id))
            history = run_history_sql.site_history(session, list(sites), self.run_id)
            flags = drift.check_run(
                sites, history, tolerance=self.drift_tolerance, min_pages=self.drift_min_pages
            )
            for flag in flags:
                logger.warning("extraction drift: %s", flag.message())
            run_sql.finish_run(
                session,
                self.run_id,
                status=status,
                # A failed run says why: the operator's mistake, not only Scrapy's "finished".
                finish_reason=str(stats.get(stat_keys.CONFIG_ERROR) or reason),
                finished_at=datetime.now(UTC),
                totals=totals_from_stats(stats),
                error_kinds=error_kinds,
                stats=stats,
                site_stats=sites,
                drift=[flag.as_dict() for flag in flags],
            )
        self.crawler.stats.set_value(stat_keys.RUN_STATUS, status)
        return status
