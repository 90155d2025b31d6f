"""Spiders. `related` is the crawler's one spider; see crawler/spiders/related.py."""
