"""Scrapy extensions: the crawl-run recorder and the live progress line."""
