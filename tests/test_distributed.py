"""The shared frontier's parts against a real Redis (crawler/shared_frontier/).

Each test plays two or more workers of one crawl as several SharedCrawl objects on one Redis,
which is what separate processes on separate machines are to Redis. The crawls over real
worker processes are in tests/test_scaleout.py.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from itertools import pairwise

import pytest
import redis
from scrapy import Request, Spider
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawler.shared_frontier.addon import SharedFrontierAddon
from crawler.shared_frontier.shared_budget import SharedPageBudget
from crawler.shared_frontier.shared_crawl import SharedCrawl, crawl_id
from crawler.shared_frontier.shared_scheduler import SharedPriorityQueue
from crawler.spiders.page_budget import PageBudget, page_budget

pytestmark = pytest.mark.redis


class _Spider(Spider):
    name = "probe"

    def parse(self, response: object) -> None:
        pass


@pytest.fixture
def crawls(redis_prefix: tuple[str, str]) -> Iterator[list[SharedCrawl]]:
    """Two workers (w1, w2) of one crawl."""
    url, prefix = redis_prefix
    server = redis.Redis.from_url(url)
    workers = [
        SharedCrawl(server, "c1", prefix=prefix, worker=f"w{i}", worker_timeout=30, ttl=3600)
        for i in (1, 2)
    ]
    for worker in workers:
        worker.join()
    yield workers
    server.close()


def _queue(shared: SharedCrawl) -> SharedPriorityQueue:
    return SharedPriorityQueue(shared, _Spider())


def _request(url: str, priority: int = 0) -> Request:
    return Request(url, callback=_Spider().parse, priority=priority)


def test_priorities_survive_and_equal_priorities_stay_first_in_first_out(
    crawls: list[SharedCrawl],
) -> None:
    queue = _queue(crawls[0])
    for i, priority in enumerate([0, 5, 0, 5, -3, 0]):
        assert queue.push_new(_request(f"https://a.vn/{i}", priority), f"fp{i}".encode())
    order = [queue.pop().url for _ in range(6)]  # type: ignore[union-attr]
    assert order == [f"https://a.vn/{i}" for i in (1, 3, 0, 2, 5, 4)]
    assert queue.pop() is None


def test_a_request_is_queued_once_by_all_workers(crawls: list[SharedCrawl]) -> None:
    first, second = _queue(crawls[0]), _queue(crawls[1])
    assert first.push_new(_request("https://a.vn/x"), b"x")
    assert not second.push_new(_request("https://a.vn/x"), b"x")  # seen by the crawl
    retry = _request("https://a.vn/x")
    retry.meta["retry_times"] = 1
    assert second.push_new(retry, None)  # dont_filter (a retry): queued again
    assert len(first) == 2


def test_a_dead_workers_requests_are_requeued_by_a_live_one(crawls: list[SharedCrawl]) -> None:
    alive, dying = crawls
    dying_queue = _queue(dying)
    for i in range(3):
        dying_queue.push_new(_request(f"https://a.vn/{i}", priority=i), f"{i}".encode())
    popped = [dying_queue.pop() for _ in range(2)]
    assert [r.url for r in popped if r] == ["https://a.vn/2", "https://a.vn/1"]
    # Finished with one of them; the other is in flight when the worker dies.
    assert dying_queue.release(busy={popped[1]}) == 1  # type: ignore[arg-type]
    assert alive.reap() == {}  # its heartbeat still runs: nothing is taken from it
    alive.server.delete(dying.key(f"heartbeat:{dying.worker}"))  # as if it were SIGKILLed
    assert alive.reap() == {"w2": ""}
    alive_queue = _queue(alive)
    urls = [alive_queue.pop().url for _ in range(2)]  # type: ignore[union-attr]
    assert urls == ["https://a.vn/1", "https://a.vn/0"]  # back at its old priority


def test_the_crawl_is_done_only_when_seeded_and_nothing_is_queued_or_in_flight(
    crawls: list[SharedCrawl],
) -> None:
    one, two = crawls
    queue = _queue(one)
    assert not one.finish_if_done()  # nobody has seeded yet: a worker must wait
    assert one.claim_seeding() and not two.claim_seeding()
    queue.push_new(_request("https://a.vn/1"), b"1")
    one.mark_seeded()
    assert not two.finish_if_done()  # queued
    request = queue.pop()
    assert not two.finish_if_done()  # in flight in worker one
    queue.release(busy=set())
    assert request is not None
    assert two.finish_if_done() and one.finish_if_done()
    # The finished crawl's frontier is gone (its dupefilter does not grow across crawls) ...
    left = {k.decode() for k in one.server.scan_iter(match=f"{one.prefix}:*")}
    assert left <= {one.key("done"), one.key("heartbeat:w1"), one.key("heartbeat:w2")}
    # ... and a worker that starts now begins the crawl anew.
    one.join()
    assert not one.server.exists(one.key("done"))
    assert _queue(one).push_new(_request("https://a.vn/1"), b"1")


def test_two_workers_spend_one_page_budget(crawls: list[SharedCrawl]) -> None:
    one, two = SharedPageBudget(crawls[0], 3), SharedPageBudget(crawls[1], 3)
    assert one.spend("https://a.vn/1") and two.spend("https://a.vn/2")
    assert two.spend("https://a.vn/1")  # paid for already: goes ahead, the dupefilter decides
    assert "https://a.vn/1" in one and "https://a.vn/2" not in one
    assert one.spend("https://a.vn/3")
    assert not two.spend("https://a.vn/4") and not one.spend("https://a.vn/5")
    assert int(crawls[0].server.get(crawls[0].key("spent")) or 0) == 3


def test_start_points_are_pushed_by_one_worker_once(crawls: list[SharedCrawl]) -> None:
    one, two = SharedPageBudget(crawls[0]), SharedPageBudget(crawls[1])
    assert list(two.start_points(iter([1, 2, 3]))) == [1, 2, 3]
    assert crawls[1].seeded()
    assert list(one.start_points(iter([1, 2, 3]))) == []
    assert list(PageBudget().start_points(iter([1, 2]))) == [1, 2]  # one process: all


def test_workers_together_keep_one_pace_per_host(crawls: list[SharedCrawl]) -> None:
    waits = [crawls[i % 2].reserve_host("a.vn", 0.5) for i in range(4)]
    assert waits[0] == 0
    assert [round(b - a, 1) for a, b in pairwise(waits)] == [0.5] * 3
    assert crawls[0].reserve_host("b.vn", 0.5) == 0  # another host is not held up
    time.sleep(0.05)
    assert crawls[1].reserve_host("a.vn", 0.5) == pytest.approx(1.95, abs=0.05)


def test_the_crawl_id_comes_from_the_spider_and_its_arguments() -> None:
    assert crawl_id("related", {"site": "dantri"}) == crawl_id("related", {"site": "dantri"})
    assert crawl_id("related", {"site": "dantri", "max_pages": "5"}) == crawl_id(
        "related", {"max_pages": "5", "site": "dantri"}
    )  # the order the arguments were given in does not matter
    assert crawl_id("related", {"site": "dantri"}) != crawl_id("related", {"site": "15min"})
    assert crawl_id("related", {}).startswith("related-")


def test_without_the_switch_nothing_changes() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CRAWLER_REDIS_URL", "", priority="cmdline")
    SharedFrontierAddon().update_settings(settings)
    assert settings.get("SCHEDULER") == "crawler.extraction_pool.pacing.PacedScheduler"
    crawler = get_crawler(settings_dict={**settings.copy_to_dict(), **get_reactor_settings()})
    assert type(page_budget(crawler, 5)) is PageBudget


def test_the_switch_swaps_in_the_shared_scheduler() -> None:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    settings.set("CRAWLER_REDIS_URL", "redis://127.0.0.1:1/0", priority="cmdline")
    SharedFrontierAddon().update_settings(settings)
    here = "crawler.shared_frontier"
    assert settings.get("SCHEDULER") == f"{here}.shared_scheduler.SharedScheduler"
    assert settings.get("DUPEFILTER_CLASS") == f"{here}.shared_scheduler.SharedDupeFilter"
    assert settings.get("CRAWLER_PAGE_BUDGET") == f"{here}.shared_budget.SharedPageBudget"
    assert settings.getint("CRAWLER_STORE_BATCH_SIZE") == 1  # over the project's 50
    settings.set("CRAWLER_STORE_BATCH_SIZE", 20, priority="cmdline")
    SharedFrontierAddon().update_settings(settings)
    assert settings.getint("CRAWLER_STORE_BATCH_SIZE") == 20  # the operator's -s wins


def test_distributed_options_need_the_switch(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawler.cli.crawl import distributed_settings
    from crawler.errors import ConfigError

    assert distributed_settings(False, False, None) == {}
    with pytest.raises(ConfigError, match="--distributed"):
        distributed_settings(False, True, None)
    monkeypatch.delenv("CRAWLER_REDIS_URL", raising=False)
    with pytest.raises(ConfigError, match="CRAWLER_REDIS_URL"):
        distributed_settings(True, False, None)
    monkeypatch.setenv("CRAWLER_REDIS_URL", "redis://127.0.0.1:6379/15")
    assert distributed_settings(True, True, "c7") == {
        "CRAWLER_REDIS_SEED_ONLY": True,
        "CRAWLER_CRAWL_ID": "c7",
    }
