"""Write articles to the archive, in batches, through the repository."""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from sqlalchemy.exc import SQLAlchemyError

from crawler.db import repo
from crawler.db.session import make_engine, session_factory
from crawler.items import ArticleItem
from crawler.urls import canonical_url

_SPACE = re.compile(r"\s+")
logger = logging.getLogger(__name__)


def content_hash(text: str) -> str:
    """Hash of the text as a reader sees it: NFC, case and whitespace folded."""
    normal = _SPACE.sub(" ", unicodedata.normalize("NFC", text)).strip().casefold()
    return hashlib.sha256(normal.encode("utf-8")).hexdigest()


def article_values(item: ArticleItem, site_id: int, run_id: int | None) -> dict[str, Any]:
    art = item.article
    assert art is not None
    return {
        "canonical_url": canonical_url(item.url, art.canonical_url),
        "url": item.url,
        "site_id": site_id,
        "title": art.title,
        "authors": "; ".join(art.authors) or None,
        "source_credit": art.source_credit,
        "published_at": art.published_at,
        "published_raw": art.published_raw,
        "published_source": art.published_source,
        "modified_at": art.modified_at,
        "language": art.language,
        "description": art.description,
        "tags": "; ".join(art.tags) or None,
        "image_url": art.image,
        "text": art.text,
        "content_hash": content_hash(art.text),
        "extractor_version": art.extractor_version,
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


class ArchiveStorePipeline:
    """Buffers items and writes each batch in one transaction (CRAWLER_STORE_BATCH_SIZE)."""

    def __init__(self, crawler: Crawler, database_url: str, batch_size: int) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.engine = make_engine(database_url)
        self.sessions = session_factory(self.engine)
        self.batch_size = max(1, batch_size)
        self.buffer: list[ArticleItem] = []
        self.site_ids: dict[str, int] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ArchiveStorePipeline:
        url = crawler.settings.get("CRAWLER_DATABASE_URL")
        if not url:
            raise NotConfigured("CRAWLER_DATABASE_URL is not set")
        return cls(crawler, url, crawler.settings.getint("CRAWLER_STORE_BATCH_SIZE", 50))

    def process_item(self, item: Any) -> Any:
        if isinstance(item, ArticleItem) and item.article is not None:
            self.buffer.append(item)
            if len(self.buffer) >= self.batch_size:
                self.flush()
        return item

    def close_spider(self) -> None:
        self.flush()
        self.engine.dispose()

    def flush(self) -> None:
        if not self.buffer or not self.stats.get_value("crawler/archive_ready"):
            return
        batch, self.buffer = self.buffer, []
        run_id = self.stats.get_value("crawler/run_id")
        spider = self.crawler.spider
        sites = {s.key: s for s in getattr(spider, "sites", [])}
        try:
            with self.sessions.begin() as session:
                outcomes = []
                for item in batch:
                    if item.site not in self.site_ids:
                        site = sites.get(item.site)
                        self.site_ids[item.site] = repo.ensure_site(
                            session,
                            item.site,
                            site.name if site else item.site,
                            site.language if site else None,
                        )
                    values = article_values(item, self.site_ids[item.site], run_id)
                    outcomes.append(repo.upsert_article(session, values))
        except SQLAlchemyError as exc:
            # The batch is rolled back whole; the pages will be fetched again by the next run.
            self.stats.inc_value("crawler/errors")
            self.stats.inc_value("crawler/errors/archive_write", len(batch))
            self.site_ids.clear()
            logger.error(
                "archive write failed, %d articles not stored: %s: %s",
                len(batch),
                type(exc).__name__,
                exc,
            )
            return
        for outcome in outcomes:
            self.stats.inc_value(f"crawler/articles/{outcome}")
