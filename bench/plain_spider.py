"""The throughput benchmark's first baseline: fetch and follow links, nothing else.

Run with ``scrapy runspider`` outside the project (so none of its settings, middlewares or
pipelines load). It starts where the project's crawl starts (each site's first list page)
and follows the links the project's spider would follow (list pages and the sites' article
URLs), so both fetch the same pages; it parses each page once for its links and keeps
nothing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Response

from crawler.sites import load_sites


class PlainSpider(scrapy.Spider):
    name = "plain"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        seeds = Path(os.environ["CRAWLER_SEEDS_DIR"])
        self.sites = list(load_sites(seeds / "sites").values())
        self.allowed_domains = sorted({d for s in self.sites for d in s.domains})
        self.start_urls = [s.home for s in self.sites if s.home]

    def parse(self, response: Response, **kwargs: Any) -> Iterator[scrapy.Request]:
        for href in response.css("a::attr(href)").getall():
            url = response.urljoin(href)
            if "/bench/list-" in url or any(s.is_article_url(url) for s in self.sites):
                yield scrapy.Request(url, callback=self.parse)
