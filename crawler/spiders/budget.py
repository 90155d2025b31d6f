"""The crawl's page budget: how many distinct pages it may still ask for."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PageBudget:
    """At most ``max_pages`` distinct URLs (0: no limit); a URL many links lead to is spent once.

    Start points spend it like any link, so ``max_pages`` bounds the whole crawl.
    """

    max_pages: int = 0
    spent: int = 0
    requested: set[str] = field(default_factory=set)

    def __contains__(self, url: str) -> bool:
        return url in self.requested

    def spend(self, url: str) -> bool:
        """Spend one page on ``url``; False, and nothing spent, when the budget is used up."""
        if self.max_pages and self.spent >= self.max_pages:
            return False
        self.spent += 1
        self.requested.add(url)
        return True
