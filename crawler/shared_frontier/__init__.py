"""One crawl over several processes: scrapy-redis as the shared frontier (docs/scale-out.md)."""
