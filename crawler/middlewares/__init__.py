"""Scrapy's downloader and spider middlewares of the crawl: raw captures (WARC), incremental
re-crawls (conditional requests, skipping archived articles), unresolvable hosts, private
networks, Retry-After, redirect loops and a re-ranked link's superseded copy.

The one helper here tells the incremental middlewares whether this run is incremental.
"""

from __future__ import annotations

from scrapy.exceptions import NotConfigured
from scrapy.settings import BaseSettings


def incremental_archive_url(settings: BaseSettings) -> str:
    """The archive an incremental run compares against; NotConfigured when the run is not one."""
    if not settings.getbool("CRAWLER_INCREMENTAL"):
        raise NotConfigured  # off by default: no message, no warning in the log
    url = settings.get("CRAWLER_DATABASE_URL")
    if not url:
        raise NotConfigured("CRAWLER_DATABASE_URL is not set")
    return str(url)
