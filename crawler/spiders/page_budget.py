"""The crawl's page budget: how many distinct pages it may still ask for."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scrapy.statscollectors import StatsCollector
from scrapy.utils.misc import load_object

from crawler import stat_keys

T = TypeVar("T")


@dataclass
class PageBudget:
    """At most ``max_pages`` distinct URLs (0: no limit); a URL many links lead to is spent once.

    Start points spend it like any link, so ``max_pages`` bounds the whole crawl.
    """

    max_pages: int = 0
    spent: int = 0
    requested: set[str] = field(default_factory=set)
    exhausted: bool = False  # a page was refused: the incremental middleware then keeps links

    def __contains__(self, url: str) -> bool:
        return url in self.requested

    def spend(self, url: str) -> bool:
        """Spend one page on ``url``; False, and nothing spent, when the budget is used up."""
        if self.max_pages and self.spent >= self.max_pages:
            self.exhausted = True
            return False
        self.spent += 1
        self.requested.add(url)
        return True

    @classmethod
    def from_crawler(cls, crawler: Any, max_pages: int) -> PageBudget:
        return cls(max_pages)

    def start_points(self, requests: Iterable[T]) -> Iterator[T]:
        """The start points this process pushes: all of them (a shared budget: see
        crawler/shared_frontier/shared_budget.py)."""
        yield from requests


def page_budget(crawler: Any, max_pages: int) -> PageBudget:
    """The budget class CRAWLER_PAGE_BUDGET names: this process's own by default; the shared
    frontier's add-on names the crawl's shared one when CRAWLER_REDIS_URL is set."""
    budget_class = load_object(crawler.settings["CRAWLER_PAGE_BUDGET"])
    budget: PageBudget = budget_class.from_crawler(crawler, max_pages)
    return budget


def count_bound(stats: StatsCollector, too_deep: bool) -> None:
    """A page whose links were not followed: deeper than max_depth, or a list longer than
    CRAWLER_MAX_LIST_PAGES. This is where a trap (an endless calendar or "next" chain) stops;
    counted (``crawler/bounded/…``) so the run shows it, not an error."""
    stats.inc_value(stat_keys.bounded_key("max_depth" if too_deep else "max_list_pages"))
