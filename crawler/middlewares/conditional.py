"""Downloader middleware: conditional requests from what the archive knows; 304 = unchanged.

- A listing page (feed, sitemap, section, tag, search) is asked for with the ``ETag`` and
  ``Last-Modified`` it answered with in a recent successful run (``crawl_runs.validators``).
- An archived article that the re-visit policy lets through is asked for with
  ``If-Modified-Since`` its last fetch (``request.meta["archived"]``).
- A ``304 Not Modified`` reaches the spider, which does not parse it (nothing changed, so
  nothing new to find); an article answered so is recorded as seen unchanged (its
  ``last_seen_at`` moves, which is what the re-visit policy counts from).

A run that ends ok saves the validators of the listing pages whose links it followed in full
(``meta["links_followed"]``, set by the incremental middleware) plus those still valid from
earlier runs (answered 304). Only the spider's own requests are made conditional: robots.txt
is always fetched whole. On with CRAWLER_INCREMENTAL; NotConfigured otherwise.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response

from crawler import stat_keys
from crawler.db import article_sql, revisit_sql
from crawler.extensions.archive_connection import ArchiveConnection
from crawler.extensions.runs import CrawlRunRecorder, run_status
from crawler.launch import revisit_policy
from crawler.middlewares import incremental_archive_url
from crawler.middlewares.incremental import FOLLOWED_KEY

logger = logging.getLogger(__name__)

_FOR = "conditional_for"  # the URL the conditional headers were written for
_HEADERS = (b"If-None-Match", b"If-Modified-Since")
_TOUCH_BATCH = 50


def _header(response: Response, name: str) -> str | None:
    value = response.headers.get(name)
    return value.decode("latin-1") if value else None


class ConditionalRequestMiddleware:
    def __init__(self, crawler: Crawler, connection: ArchiveConnection, lookback: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.connection = connection
        self.sessions = connection.sessions
        self.lookback = lookback
        self.known: dict[str, list[str | None]] = {}
        self.fetched: dict[str, tuple[list[str | None], dict[str, Any]]] = {}
        self.unchanged: dict[str, list[str | None]] = {}
        self.touches: list[tuple[int, int]] = []
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ConditionalRequestMiddleware:
        settings = crawler.settings
        incremental_archive_url(settings)
        connection = crawler.get_extension(ArchiveConnection)
        if connection is None:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler, connection, settings.getint("CRAWLER_VALIDATOR_RUNS"))

    def spider_opened(self) -> None:
        if not self.connection.ready:
            return  # no usable archive; the crawl is closing
        with self.sessions() as session:
            self.known = revisit_sql.recent_validators(session, self.lookback)

    # --- requests --------------------------------------------------------------------------
    def process_request(self, request: Request) -> None:
        if not request.meta.get("site"):
            return  # robots.txt and other requests of Scrapy's own
        if request.meta.get(_FOR) not in (None, request.url):
            # A redirect copies the headers of the request it replaces: they were for another URL.
            for name in _HEADERS:
                request.headers.pop(name, None)
            del request.meta[_FOR]
        etag, last_modified = self.known.get(request.url) or (None, None)
        archived = request.meta.get(revisit_policy.META_KEY)
        if archived and not last_modified:
            seen = datetime.fromisoformat(archived["last_seen_at"]).astimezone(UTC)
            last_modified = format_datetime(seen, usegmt=True)
        if not (etag or last_modified):
            return
        if etag:
            request.headers[b"If-None-Match"] = etag
        if last_modified:
            request.headers[b"If-Modified-Since"] = last_modified
        request.meta[_FOR] = request.url
        allowed = list(request.meta.get("handle_httpstatus_list", []))
        request.meta["handle_httpstatus_list"] = [*allowed, 304]
        self.stats.inc_value(stat_keys.INCREMENTAL_CONDITIONAL)

    # --- responses -------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Response:
        site = request.meta.get("site")
        if not site:
            return response
        archived = request.meta.get(revisit_policy.META_KEY)
        if response.status == 304 and request.meta.get(_FOR) == request.url:
            self.stats.inc_value(stat_keys.INCREMENTAL_NOT_MODIFIED)
            self.stats.inc_value(stat_keys.site_key(site, "not_modified"))
            if archived:
                self.touches.append((int(archived["article_id"]), int(archived["version"])))
                if len(self.touches) >= _TOUCH_BATCH:
                    self._write_touches()
            elif request.url in self.known:
                self.unchanged[request.url] = self.known[request.url]
        elif response.status == 200 and not archived:
            pair = [_header(response, "ETag"), _header(response, "Last-Modified")]
            if any(pair):
                self.fetched[request.url] = (pair, request.meta)
        return response

    def _write_touches(self) -> None:
        touches, self.touches = self.touches, []
        if not touches:
            return
        seen = datetime.now(UTC)
        with self.sessions.begin() as session:
            for article_id, version in touches:
                article_sql.touch_article(session, article_id, version, seen)

    def spider_closed(self, reason: str) -> None:
        if not self.connection.ready:
            return
        self._write_touches()
        recorder = self.crawler.get_extension(CrawlRunRecorder)
        run_id = recorder.run_id if recorder else None
        if run_id and run_status(reason, self.stats.get_stats()) == "ok":
            validators = dict(self.unchanged)
            for url, (pair, meta) in self.fetched.items():
                if meta.get(FOLLOWED_KEY):
                    validators[url] = pair
            with self.sessions.begin() as session:
                revisit_sql.save_validators(session, run_id, validators)
