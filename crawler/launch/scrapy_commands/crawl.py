"""``scrapy crawl`` whose exit status says how the run ended, as ``crawler crawl``'s does.

Scrapy's own command exits 0 whenever the spider could be started, even when the run failed
(an unknown site, a bad ``since``, every site unreachable); operators and their scripts go by
the exit status. 0: the run is ok; 2: a bad argument or setting; 1: failed or stalled;
130: interrupted.
"""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.crawler import Crawler
from scrapy.spiders import Spider

from crawler import stat_keys
from crawler.launch.runner import exit_status


class Command(ScrapyCrawl):
    run_crawler: Crawler | None = None

    def _create_crawler(self, spidercls: type[Spider] | str) -> Crawler:
        self.run_crawler = super()._create_crawler(spidercls)
        return self.run_crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        if self.exitcode or self.run_crawler is None or self.run_crawler.stats is None:
            return
        stats = self.run_crawler.stats.get_stats()
        if stats.get(stat_keys.CONFIG_ERROR):
            self.exitcode = 2
        else:
            self.exitcode = exit_status(str(stats.get(stat_keys.RUN_STATUS, "failed")))
