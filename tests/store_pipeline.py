"""The store pipeline outside a crawl, as tests drive it: a crawler with the project's settings
(their one default each lives in crawler/settings.py) and its archive connection ready."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.extensions.archive_connection import ArchiveConnection
from crawler.pipelines.archive_store import ArchiveStorePipeline


def project_crawler(**overrides: Any) -> Crawler:
    """A crawler built from crawler/settings.py plus these settings, its extensions made."""
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    # get_crawler puts the reactor's settings first; the project's must not override them.
    values = {**settings.copy_to_dict(), **get_reactor_settings(), **overrides}
    return get_crawler(settings_dict=values)


def store_pipeline(database_url: str, **overrides: Any) -> tuple[Crawler, ArchiveStorePipeline]:
    """The pipeline of a crawl whose archive passed its schema check (the fixture migrated it)."""
    crawler = project_crawler(CRAWLER_DATABASE_URL=database_url, **overrides)
    connection = crawler.get_extension(ArchiveConnection)
    assert connection is not None
    connection.ready = True
    return crawler, ArchiveStorePipeline.from_crawler(crawler)
