"""A JOBDIR left by a crawl that died (kill -9, out of memory, power loss) is not resumed.

Scrapy writes the state of its disk queue and flushes its seen-requests file when the crawl
closes. After an abrupt death the queue's index is stale or missing while the seen-requests
file lists every page that was queued: a resumed crawl finds its start pages "seen", its queue
empty, and ends at once with the rest of the site never archived. So a marker is written into
JOBDIR when the crawl starts and removed only once Scrapy has closed it cleanly (the
``spider_closed`` signal comes after the scheduler saved its queue); a marker found at start
means the last run died, and its JOBDIR is set aside. The crawl then starts afresh from its
start points, and the archive's URL identity and text hashes turn what the dead run already
stored into ``unchanged``: every article once, none lost. A clean stop (SIGTERM, Ctrl+C) leaves
no marker and resumes as Scrapy means it to.
"""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.job import job_dir

from crawler import stat_keys

logger = logging.getLogger(__name__)

MARKER = "crawl-in-progress"


class JobdirGuard:
    def __init__(self, crawler: Crawler, jobdir: Path) -> None:
        self.crawler = crawler
        self.jobdir = jobdir
        self.discarded: Path | None = None
        # Now, from_crawler: before the engine opens the scheduler, which reads JOBDIR.
        if (jobdir / MARKER).exists():
            for older in jobdir.parent.glob(f"{jobdir.name}.died-*"):  # keep the latest only
                shutil.rmtree(older, ignore_errors=True)
            self.discarded = jobdir.with_name(f"{jobdir.name}.died-{int(time.time())}")
            shutil.move(jobdir, self.discarded)
        jobdir.mkdir(parents=True, exist_ok=True)
        (jobdir / MARKER).write_text("the crawl using this JOBDIR has not closed yet\n")
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> JobdirGuard:
        path = job_dir(crawler.settings)
        if not path:
            raise NotConfigured()  # off by design: no JOBDIR
        return cls(crawler, Path(path))

    def spider_opened(self) -> None:
        if self.discarded is not None:
            self.crawler.stats.set_value(stat_keys.DISCARDED_JOBDIR, str(self.discarded))
            logger.warning(
                "the previous crawl in %s died without closing (killed?): its queue cannot be "
                "trusted, so it was set aside as %s; starting again from the start points "
                "(the archive keeps what it stored, nothing is stored twice)",
                self.jobdir,
                self.discarded.name,
            )

    def spider_closed(self) -> None:
        (self.jobdir / MARKER).unlink(missing_ok=True)
