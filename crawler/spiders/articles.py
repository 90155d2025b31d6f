"""An article page on the crawl: extracted, dated from its listing if need be, made an item."""

from __future__ import annotations

from datetime import UTC, datetime

from scrapy.http import TextResponse
from scrapy.statscollectors import StatsCollector

from crawler.extraction import ExtractionTimeout, extract
from crawler.focus.relevance import Relevance
from crawler.items import ArticleItem, ExtractedArticle
from crawler.sites import SiteProfile


def extract_article(
    response: TextResponse, site: SiteProfile, stats: StatsCollector
) -> ExtractedArticle | None:
    try:
        # The bytes and their header, not Scrapy's decoding: extraction settles header vs
        # <meta> conflicts, mislabelled UTF-8 and windows-1258 itself (extraction/decode.py).
        content_type = response.headers.get("Content-Type")
        article = extract(
            response.body,
            response.url,
            None if site.is_generic else site,
            content_type=content_type.decode("latin-1") if content_type else None,
        )
    except ExtractionTimeout:
        # One pathological page must not stall the crawl: counted, its links still followed.
        stats.inc_value("crawler/errors")
        stats.inc_value("crawler/errors/extraction_timeout")
        return None
    if article is not None and article.published_at is None and "listed_date" in response.meta:
        # The page gave no date; the feed or sitemap that listed it did.
        article.published_at, article.published_source = response.meta["listed_date"]
        article.published_raw = article.published_at.isoformat()
    return article


def article_item(
    response: TextResponse, site: SiteProfile, article: ExtractedArticle, scored: Relevance
) -> ArticleItem:
    return ArticleItem(
        url=response.url,
        site=site.key,
        fetched_at=datetime.now(UTC),
        http_status=response.status,
        requested_url=(response.meta.get("redirect_urls") or [None])[0],
        article=article,
        found_via=response.meta.get("found_via", "link"),
        referrer=response.meta.get("referrer"),
        depth=int(response.meta.get("seed_depth", 0)),
        relevance=scored.score,
        seed_id=scored.seed_id,
    )
