"""The one switch: ``CRAWLER_REDIS_URL`` swaps in the shared frontier (a Scrapy add-on).

An add-on, because the switch may come as ``-s CRAWLER_REDIS_URL=…`` and only add-ons see the
settings after the command line. Without it nothing changes and Redis is never contacted; the
middleware and extension of crawler.shared_frontier are wired in settings.py and stay off
(NotConfigured).
"""

from __future__ import annotations

from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings


def _set(settings: BaseSettings, name: str, value: Any) -> None:
    """Set over the project's value (crawler/settings.py), never over `-s` or a spider's."""
    if (settings.getpriority(name) or 0) <= SETTINGS_PRIORITIES["project"]:
        settings.set(name, value, "project")


class SharedFrontierAddon:
    def update_settings(self, settings: BaseSettings) -> None:
        url = settings.get("CRAWLER_REDIS_URL")
        if not url:
            return
        here = "crawler.shared_frontier"
        _set(settings, "SCHEDULER", f"{here}.shared_scheduler.SharedScheduler")
        _set(settings, "DUPEFILTER_CLASS", f"{here}.shared_scheduler.SharedDupeFilter")
        _set(settings, "REDIS_URL", url)
        _set(settings, "CRAWLER_PAGE_BUDGET", f"{here}.shared_budget.SharedPageBudget")
        # An item is written in the pipeline that receives it, before its request counts as
        # done: a killed worker then loses no buffered article (its request is requeued).
        _set(settings, "CRAWLER_STORE_BATCH_SIZE", 1)
