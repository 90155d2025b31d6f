"""The scheduler holds downloads while pages wait for extraction
(crawler/extraction_pool/pacing.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from scrapy import Request, Spider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.extraction_pool.pacing import PacedScheduler


class _Spider(Spider):
    name = "paced"


def _scheduler(settings: dict[str, object]) -> tuple[PacedScheduler, Spider]:
    # Scrapy's plain priority queue: the downloader-aware one needs a running engine.
    project = Settings()
    project.setmodule("crawler.settings")
    crawler = get_crawler(_Spider, {
        **project.copy_to_dict(),
        **get_reactor_settings(),  # over Scrapy's defaults the project's settings carry
        "SCHEDULER": "crawler.extraction_pool.pacing.PacedScheduler",
        "SCHEDULER_PRIORITY_QUEUE": "scrapy.pqueues.ScrapyPriorityQueue",
        **settings,
    })
    spider = _Spider.from_crawler(crawler)
    crawler.spider = spider
    scheduler = PacedScheduler.from_crawler(crawler)
    scheduler.open(spider)
    return scheduler, spider


@pytest.mark.parametrize(("backlog", "limit"), [(0, 4), (1, 1)])
def test_no_request_leaves_while_the_backlog_waits(backlog: int, limit: int) -> None:
    scheduler, spider = _scheduler({"CRAWLER_EXTRACT_BACKLOG": backlog})
    for i in range(3):
        scheduler.enqueue_request(Request(f"https://news.example/{i}", priority=i))
    # Before the spider has made its pool (it does when it starts): not paced.
    assert scheduler.next_request().url == "https://news.example/2"  # type: ignore[union-attr]
    pool = SimpleNamespace(workers=2, waiting=limit)
    spider.extraction = pool  # type: ignore[attr-defined]
    assert scheduler.next_request() is None
    assert scheduler.has_pending_requests()  # held, not lost
    pool.waiting = limit - 1  # a page came back from a worker
    assert scheduler.next_request().url == "https://news.example/1"  # type: ignore[union-attr]


def test_inline_extraction_is_not_paced() -> None:
    scheduler, spider = _scheduler({})
    spider.extraction = SimpleNamespace(workers=0, waiting=99)  # type: ignore[attr-defined]
    scheduler.enqueue_request(Request("https://news.example/a"))
    assert scheduler.next_request() is not None
