"""What an operator asks a crawl for, and the one mapping of it to the spider's arguments
(``-a``) and Scrapy settings (``-s``).

`crawler crawl`/`demo` run a :class:`CrawlSpec` in this process (:meth:`spider_arguments`,
:meth:`crawl_settings`); the scheduler and the tests start it as a `scrapy crawl related`
process (:meth:`command`). No Scrapy import here: the scheduler, which starts crawls but runs no
Scrapy component, holds one per job.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

SPIDER = "related"


@dataclass(frozen=True)
class CrawlSpec:
    sites: tuple[str, ...] = ()
    seeds: tuple[str, ...] = ()
    max_pages: int | None = None  # the page budget; None or 0: no budget
    max_depth: int | None = None  # None: the spider's default
    since: str | None = None  # skip articles older (the forms `crawler query --since` takes)
    start_urls: tuple[str, ...] = ()  # a site with no profile (the generic profile)
    allowed_domains: tuple[str, ...] = ()  # with start_urls
    # Settings; None leaves the project's (or the environment's) value.
    threshold: float | None = None  # CRAWLER_RELEVANCE_THRESHOLD
    frontier: str | None = None  # CRAWLER_FRONTIER: focused | bfs
    incremental: bool | None = None  # CRAWLER_INCREMENTAL
    revisit: str | None = None  # CRAWLER_REVISIT_SCHEDULE
    stall_timeout: float | None = None  # CRAWLER_STALL_TIMEOUT, seconds
    settings: tuple[tuple[str, str], ...] = ()  # more Scrapy settings, as `-s NAME=value`

    def spider_arguments(self) -> dict[str, Any]:
        """The spider's keyword arguments; numbers stay numbers (the run records them)."""
        args: dict[str, Any] = {}
        if self.sites:
            args["site"] = ",".join(self.sites)
        if self.seeds:
            args["seed"] = ",".join(self.seeds)
        if self.max_pages:
            args["max_pages"] = self.max_pages
        if self.max_depth is not None:
            args["max_depth"] = self.max_depth
        if self.since:
            args["since"] = self.since
        if self.start_urls:
            args["start_urls"] = ",".join(self.start_urls)
        if self.allowed_domains:
            args["allowed_domains"] = ",".join(self.allowed_domains)
        return args

    def crawl_settings(self) -> dict[str, Any]:
        """The Scrapy settings this spec sets, typed (for an in-process crawl); the extra
        ``settings`` last, so they win, as they do on a command line."""
        settings: dict[str, Any] = {}
        if self.incremental is not None:
            settings["CRAWLER_INCREMENTAL"] = self.incremental
        if self.revisit is not None:
            settings["CRAWLER_REVISIT_SCHEDULE"] = self.revisit
        if self.stall_timeout is not None:
            settings["CRAWLER_STALL_TIMEOUT"] = self.stall_timeout
        if self.threshold is not None:
            settings["CRAWLER_RELEVANCE_THRESHOLD"] = self.threshold
        if self.frontier is not None:
            settings["CRAWLER_FRONTIER"] = self.frontier
        return {**settings, **dict(self.settings)}

    def command(self, run_settings: Mapping[str, Any] | None = None) -> list[str]:
        """``python -m scrapy crawl related -a … -s …``: the spec's arguments and settings, after
        ``run_settings`` (what belongs to one run, not to the spec: its id, JOBDIR, logging)."""
        command = [sys.executable, "-m", "scrapy", "crawl", SPIDER]
        for name, value in self.spider_arguments().items():
            command += ["-a", f"{name}={value}"]
        settings = {name: str(value) for name, value in (run_settings or {}).items()}
        settings.update((name, _text(value)) for name, value in self.crawl_settings().items())
        for name, value in settings.items():
            command += ["-s", f"{name}={value}"]
        return command


def _text(value: Any) -> str:
    """A spec's setting as `-s` takes it: 900 (not 900.0) seconds, a 0.35 threshold."""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
