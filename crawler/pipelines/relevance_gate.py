"""Decide what is archived as related: the CRAWLER_RELEVANCE_THRESHOLD gate."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler import stat_keys
from crawler.items import ArticleItem


class RelevancePipeline:
    """Drops articles scored below the threshold (0 archives every article page)."""

    def __init__(self, crawler: Crawler, threshold: float) -> None:
        self.stats = crawler.stats
        self.threshold = threshold

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RelevancePipeline:
        return cls(crawler, crawler.settings.getfloat("CRAWLER_RELEVANCE_THRESHOLD"))

    def process_item(self, item: Any) -> Any:
        if not isinstance(item, ArticleItem):
            return item
        if self.threshold > 0 and (item.relevance or 0.0) < self.threshold:
            self.stats.inc_value(stat_keys.ARTICLES_NOT_RELATED)
            raise DropItem(f"not related (relevance {item.relevance or 0:.2f}): {item.url}")
        return item
