"""Crawl-time policies beside Scrapy's components: running a crawl, the re-visit policy, drift."""
