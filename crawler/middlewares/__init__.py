"""Scrapy middlewares of the incremental re-crawl (see docs/scheduling.md)."""
