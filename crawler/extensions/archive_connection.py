"""The crawl process's one connection to the archive: its engine, its sessions, and whether the
archive is ready to be written.

Every component that reads or writes the archive during a crawl (the run recorder, the store
pipeline, the incremental and conditional middlewares, the spider's re-visit start points, the
shared-crawl worker) gets it with ``crawler.get_extension(ArchiveConnection)``, so a crawl
process holds one SQLAlchemy engine, disposed once when the engine stops, after the run's row
is written. Listed before the run recorder in EXTENSIONS: its schema check runs first when the
spider opens, and an archive that is not ready (unreachable, or at an older schema) closes the
crawl with ``archive_not_ready`` and the message in ``crawler/archive_error``.
"""

from __future__ import annotations

import logging

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.defer import deferred_from_coro

from crawler import stat_keys
from crawler.db.session import ensure_schema, make_engine, session_factory
from crawler.errors import ArchiveNotReady

logger = logging.getLogger(__name__)


class ArchiveConnection:
    def __init__(self, crawler: Crawler, database_url: str) -> None:
        self.crawler = crawler
        self.database_url = database_url
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.ready = False  # the schema check passed: the archive may be read and written
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveConnection:
        url = crawler.settings.get("CRAWLER_DATABASE_URL")
        if not url:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler, url)

    def spider_opened(self) -> None:
        try:
            ensure_schema(self.database_url, engine=self.engine)
        except ArchiveNotReady as exc:
            self.crawler.stats.set_value(stat_keys.ARCHIVE_ERROR, str(exc))
            logger.error("%s", exc)
            deferred_from_coro(self.crawler.engine.close_spider_async(reason="archive_not_ready"))
            return
        self.ready = True

    def engine_stopped(self) -> None:
        self.engine.dispose()
