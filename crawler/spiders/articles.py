"""An article page on the crawl: extracted, dated from its listing if need be, made an item."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from scrapy.http import TextResponse
from scrapy.statscollectors import StatsCollector

from crawler import stat_keys
from crawler.extraction.link_reader import PageLinks, page_links_of
from crawler.extraction_pool.pool import FetchedPage, PageResult
from crawler.focus.relevance import Relevance
from crawler.items import ArticleItem, Capture, ExtractedArticle, SiteInfo
from crawler.middlewares.warc_capture import META_KEY as CAPTURE_KEY
from crawler.sites import SiteProfile
from crawler.spiders.error_counts import count_error


def page_of(response: TextResponse, site: SiteProfile) -> FetchedPage:
    """The bytes and their header, not Scrapy's decoding: extraction settles header vs
    ``<meta>`` conflicts, mislabelled UTF-8 and windows-1258 itself (extraction/decode.py)."""
    content_type = response.headers.get("Content-Type")
    return FetchedPage(
        response.body, response.url, site, content_type.decode("latin-1") if content_type else None
    )


def reason_key(reason: str) -> str:
    """A stats key for a reason: "page structure: link_share" -> "page_structure_link_share"."""
    return re.sub(r"[^a-z_]+", "_", reason.lower()).strip("_")[:48]


def read_result(
    result: PageResult, response: TextResponse, site: SiteProfile, stats: StatsCollector
) -> ExtractedArticle | None:
    """The page's article, with its failures and fallbacks counted."""
    if result.error:
        # One pathological page must not stall the crawl: counted (its links are read here
        # instead, see links_after_error).
        count_error(stats, result.error, site.key)
        return None
    article = result.article
    if article is None and result.no_article:
        # Why a page held no article: a listing's teasers or cards, its structure (and the
        # signal that weighed most), an empty, binary or script-only page. The run report
        # (`crawler runs ID`) lists these beside the articles kept out for relevance.
        stats.inc_value(stat_keys.no_article_key(reason_key(result.no_article)))
    if article is not None and result.fallback:
        # The profile lost to plain extraction on this page: a stale profile shows here first.
        stats.inc_value(stat_keys.site_key(site.key, "extraction_fallback"))
        stats.inc_value(stat_keys.extraction_fallback_key(result.fallback))
    if article is not None and article.published_at is None and "listed_date" in response.meta:
        # The page gave no date; the feed or sitemap that listed it did.
        article.published_at, article.published_source = response.meta["listed_date"]
        article.published_raw = article.published_at.isoformat()
    return article


def article_item(
    response: TextResponse, site: SiteProfile, article: ExtractedArticle, scored: Relevance
) -> ArticleItem:
    capture = response.meta.get(CAPTURE_KEY)  # this response's record in the WARC files
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
        site_info=SiteInfo.of(site),
        capture=capture if isinstance(capture, Capture) else None,
    )


MAX_LINK_READ = 2 * 1024 * 1024  # bytes: a bigger page whose extraction failed is left alone


def links_after_error(response: TextResponse, site: SiteProfile) -> PageLinks:
    """The links of a page whose worker failed: read in the crawl's process, as a plain
    Scrapy crawl would, unless the page is too big to parse safely on the reactor."""
    if len(response.body) > MAX_LINK_READ:
        return PageLinks()
    return page_links_of(response.text, site)
