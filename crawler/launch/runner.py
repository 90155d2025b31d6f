"""Run one crawl in this process (the CLI's `crawl` and `demo`).

Twisted's reactor cannot be restarted: this is called once per process. The scheduler runs
each crawl as its own `scrapy crawl` subprocess instead.
"""

from __future__ import annotations

import logging
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

from crawler import stat_keys
from crawler.config import Config
from crawler.db.session import ensure_schema
from crawler.errors import ConfigError
from crawler.extensions.runs import CrawlRunRecorder
from crawler.launch.crawl_spec import SPIDER, CrawlSpec
from crawler.spiders.arguments import preflight

# A process's exit status for how its run ended; any other end (failed, stalled) is 1.
_EXIT_STATUS = {"ok": 0, "interrupted": 130}


def exit_status(run_status: str) -> int:
    """`crawler crawl`'s and `scrapy crawl`'s exit status: 0 ok, 130 interrupted, else 1."""
    return _EXIT_STATUS.get(run_status, 1)


@dataclass(frozen=True)
class CrawlOutcome:
    run_id: int | None
    status: str
    stats: dict[str, Any]


class _CrawlerProcess(CrawlerProcess):
    """Says at once that Ctrl-C was heard: the graceful stop takes seconds (pages in flight,
    the extraction workers, the run's record) and Scrapy only says so in its INFO log."""

    @staticmethod
    def _log_shutdown(signum: int) -> None:  # called from the reactor, not the signal handler
        sys.stderr.write("\nstopping… (the pages in flight are finished and the run recorded; "
                         "Ctrl-C again stops at once)\n")
        CrawlerProcess._log_shutdown(signum)


def project_settings(overrides: dict[str, Any]) -> Settings:
    settings = Settings()
    settings.setmodule("crawler.settings", priority="project")
    for name, value in overrides.items():
        settings.set(name, value, priority="cmdline")
    return settings


def run_crawl(
    spec: CrawlSpec,
    *,
    database_url: str,
    replay_dir: Path | None = None,
    trigger: str = "manual",
    progress: bool = True,
    log_level: str = "WARNING",
    settings: dict[str, Any] | None = None,
) -> CrawlOutcome:
    # Fail before the reactor starts: an archive that is not ready, a bad argument or an
    # unwritable capture directory is one clear line and no run (the spider repeats the checks
    # for `scrapy crawl`, where they end a failed run with the reason).
    ensure_schema(database_url)
    overrides: dict[str, Any] = {
        "CRAWLER_DATABASE_URL": database_url,
        # Read now, as the database URL is, not when crawler.settings was first imported.
        "CRAWLER_SEEDS_DIR": str(Config.from_env().seeds_dir),
        "CRAWLER_TRIGGER": trigger,
        "CRAWLER_PROGRESS": progress,
        "LOG_LEVEL": log_level,
        "LOG_INSTALL_ROOT_HANDLER": True,
    }
    if replay_dir is not None:
        overrides["CRAWLER_REPLAY_DIR"] = str(replay_dir)
    overrides.update(spec.crawl_settings())
    overrides.update(settings or {})
    crawl_settings = project_settings(overrides)
    arguments = spec.spider_arguments()
    preflight(arguments, crawl_settings)
    process = _CrawlerProcess(crawl_settings)
    logging.getLogger("scrapy").setLevel(log_level)
    crawler = process.create_crawler(SPIDER)
    process.crawl(crawler, **arguments)
    process.start()
    stats = dict(crawler.stats.get_stats())
    if stats.get(stat_keys.CONFIG_ERROR):
        raise ConfigError(str(stats[stat_keys.CONFIG_ERROR]))
    recorder = crawler.get_extension(CrawlRunRecorder)
    return CrawlOutcome(
        run_id=recorder.run_id if recorder is not None else None,
        status=str(stats.get(stat_keys.RUN_STATUS, "failed")),
        stats=stats,
    )
