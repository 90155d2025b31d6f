"""The page budget of a crawl shared by its workers: one ``max_pages``, one seen set, in Redis."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, TypeVar

from crawler.shared_frontier.shared_crawl import SharedCrawl, digest
from crawler.spiders.page_budget import PageBudget

T = TypeVar("T")


class SharedPageBudget(PageBudget):
    """``max_pages`` distinct URLs for all workers together.

    ``url in budget`` answers for this process only (a cheap local look-up); ``spend`` asks
    the crawl when there is a limit to share. A URL another worker already paid for is not
    paid again and goes ahead: the shared dupefilter drops it if it was queued, and lets it
    through if that worker died before queueing it, so a requeued page's links are never lost
    to the budget.
    """

    def __init__(self, shared: SharedCrawl, max_pages: int = 0) -> None:
        super().__init__(max_pages)
        self.shared = shared

    @classmethod
    def from_crawler(cls, crawler: Any, max_pages: int) -> SharedPageBudget:
        return cls(SharedCrawl.from_crawler(crawler), max_pages)

    def spend(self, url: str) -> bool:
        if not self.max_pages:  # no limit: nothing to share, the shared dupefilter dedups
            return super().spend(url)
        keys = [self.shared.key("seen"), self.shared.key("spent")]
        if not self.shared.call("SPEND", keys, [digest(url), self.max_pages]):
            self.exhausted = True
            return False
        self.spent += 1
        self.requested.add(url)
        return True

    def start_points(self, requests: Iterable[T]) -> Iterator[T]:
        """Only the crawl's first worker pushes the start points, once per crawl."""
        if not self.shared.claim_seeding():
            return
        yield from requests
        self.shared.mark_seeded()
