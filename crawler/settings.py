"""Scrapy settings: politeness, wiring of our components, and the CRAWLER_* settings.

Every CRAWLER_* setting can be given with `-s NAME=value` or as an environment variable of
the same name (an empty variable counts as unset); the command line wins. Each default is
written here once: components read their setting with no fallback of their own, and a pure
function that also runs outside a crawl (re-extraction, the tests) takes its default from
the named constant used here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from types import TracebackType
from typing import TypeVar

# The named defaults of functions that also run outside a crawl (a crawl imports these modules
# anyway; the extraction timeout lives in crawler/config.py, the extractors stay in the workers).
from crawler.config import (
    DEDUP_THRESHOLD,
    DRIFT_MIN_PAGES,
    DRIFT_TOLERANCE,
    EXTRACT_TIMEOUT,
    RELEVANCE_THRESHOLD,
    REVISIT_SCHEDULE,
    WARC_MAX_SIZE,
    Config,
)
from crawler.errors import ConfigError

_T = TypeVar("_T", int, float)


class MalformedSetting(ConfigError):
    """A CRAWLER_* variable that does not parse (the `crawler` CLI shows it as any ConfigError)."""


def _one_line(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    # `scrapy crawl` imports this module before any command of ours runs: a malformed
    # variable would end it with a traceback. Only that error is shortened: any other
    # exception, a ConfigError of a component too, keeps its traceback.
    if isinstance(error, MalformedSetting):
        print(f"error: {error}", file=sys.stderr)
    else:
        sys.__excepthook__(kind, error, tb)


if sys.excepthook is sys.__excepthook__:  # not over a hook someone else installed
    sys.excepthook = _one_line


def _env_number(name: str, default: _T, parse: Callable[[str], _T], what: str) -> _T:
    value = os.environ.get(name)
    try:
        return parse(value) if value else default
    except ValueError:  # one line from the CLI, not a traceback from the settings' import
        raise MalformedSetting(f"{name} must be {what}, not {value!r}") from None


def _env_int(name: str, default: int) -> int:
    return _env_number(name, default, int, "a whole number")


def _env_float(name: str, default: float) -> float:
    return _env_number(name, default, float, "a number")


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if not value else value.lower() not in ("0", "false", "no", "off")


def _env_str(name: str, default: str) -> str:
    return os.environ.get(name) or default


_config = Config.from_env()

BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- our settings --------------------------------------------------------------------------
CRAWLER_DATABASE_URL = _config.database_url
CRAWLER_SEEDS_DIR = str(_config.seeds_dir)
CRAWLER_REPLAY_DIR = str(_config.replay_dir) if _config.replay_dir else ""
CRAWLER_REPLAY_LOG = _env_str("CRAWLER_REPLAY_LOG", "")  # tests: a log of replayed requests
CRAWLER_RELEVANCE_THRESHOLD = _env_float("CRAWLER_RELEVANCE_THRESHOLD", RELEVANCE_THRESHOLD)
CRAWLER_CONTACT = _env_str("CRAWLER_CONTACT", "")
# true, or networks like 10.0.0.0/8: crawl such addresses (crawler/middlewares/private_network.py)
CRAWLER_ALLOW_PRIVATE_NETWORKS = _env_str("CRAWLER_ALLOW_PRIVATE_NETWORKS", "")
CRAWLER_TRIGGER = _env_str("CRAWLER_TRIGGER", "manual")
CRAWLER_STORE_BATCH_SIZE = _env_int("CRAWLER_STORE_BATCH_SIZE", 50)
# Seconds after which buffered articles are written even if the batch is not full (0: off).
CRAWLER_STORE_FLUSH_INTERVAL = _env_float("CRAWLER_STORE_FLUSH_INTERVAL", 5.0)
# The archive away (a PostgreSQL restart): articles wait this long for it, and past this many
# waiting the crawl pauses (crawler/pipelines/archive_store.py, docs/reliability.md).
CRAWLER_STORE_OUTAGE_MAX = _env_float("CRAWLER_STORE_OUTAGE_MAX", 300.0)
CRAWLER_STORE_MAX_WAITING = _env_int("CRAWLER_STORE_MAX_WAITING", 2000)
CRAWLER_PROGRESS = _env_bool("CRAWLER_PROGRESS", False)  # the CLI turns on its progress line
CRAWLER_DEDUP_THRESHOLD = _env_float("CRAWLER_DEDUP_THRESHOLD", DEDUP_THRESHOLD)  # docs/dedup.md
CRAWLER_WARC_ENABLED = _env_bool("CRAWLER_WARC_ENABLED", True)
CRAWLER_WARC_DIR = _env_str("CRAWLER_WARC_DIR", "")  # "": warc/ next to an SQLite archive
# Bytes per WARC file before the next one starts.
CRAWLER_WARC_MAX_SIZE = _env_int("CRAWLER_WARC_MAX_SIZE", WARC_MAX_SIZE)

# --- scheduled, incremental, watched runs (docs/scheduling.md) -------------------------------
CRAWLER_JOB = _env_str("CRAWLER_JOB", "")  # the schedule's job this run belongs to
# The crawl_runs row the scheduler created for this run (0: make one).
CRAWLER_RUN_ID = _env_int("CRAWLER_RUN_ID", 0)
# Incremental re-crawl: skip archived articles unless due, conditional requests, 304s.
CRAWLER_INCREMENTAL = _env_bool("CRAWLER_INCREMENTAL", False)  # the scheduler turns it on
CRAWLER_REVISIT_SCHEDULE = _env_str("CRAWLER_REVISIT_SCHEDULE", REVISIT_SCHEDULE)
CRAWLER_REVISIT_MAX = _env_int("CRAWLER_REVISIT_MAX", 500)  # re-visit start requests per run
# Recent ok runs whose ETag/Last-Modified are sent back.
CRAWLER_VALIDATOR_RUNS = _env_int("CRAWLER_VALIDATOR_RUNS", 50)
# Extraction runs in this many worker processes ("": one per core; 0: in the crawl's own
# process, for debugging); a page still extracting after the timeout has its worker replaced.
CRAWLER_EXTRACT_WORKERS = _env_str("CRAWLER_EXTRACT_WORKERS", "")
CRAWLER_EXTRACT_TIMEOUT = _env_float("CRAWLER_EXTRACT_TIMEOUT", EXTRACT_TIMEOUT)
# Pages waiting for a worker before the scheduler holds the next download
# (crawler/extraction_pool/pacing.py): the focused frontier ranks the links of extracted pages,
# not of queued ones.
CRAWLER_EXTRACT_BACKLOG = _env_int("CRAWLER_EXTRACT_BACKLOG", 0)  # 0: two per worker
CRAWLER_STALL_TIMEOUT = _env_float("CRAWLER_STALL_TIMEOUT", 0.0)  # s; 0: no watchdog
# Seconds a stalled crawl gets to close before the process ends.
CRAWLER_STALL_GRACE = _env_float("CRAWLER_STALL_GRACE", 60.0)
# Change of a per-site extraction share that flags the site, and the article pages per site
# (this run, and its history) needed to judge (crawler/extensions/drift.py).
CRAWLER_DRIFT_TOLERANCE = _env_float("CRAWLER_DRIFT_TOLERANCE", DRIFT_TOLERANCE)
CRAWLER_DRIFT_MIN_PAGES = _env_int("CRAWLER_DRIFT_MIN_PAGES", DRIFT_MIN_PAGES)

# --- one crawl over several processes (docs/scale-out.md) ---------------------------------
# Set: scrapy-redis's scheduler, queue and dupefilter in Redis, shared by every worker of the
# crawl (crawler/shared_frontier/); unset: nothing changes and Redis is not needed.
CRAWLER_REDIS_URL = _env_str("CRAWLER_REDIS_URL", "")
CRAWLER_CRAWL_ID = _env_str("CRAWLER_CRAWL_ID", "")  # "": from the spider's arguments
CRAWLER_REDIS_PREFIX = _env_str("CRAWLER_REDIS_PREFIX", "crawler")
# Push the start points into the frontier and stop.
CRAWLER_REDIS_SEED_ONLY = _env_bool("CRAWLER_REDIS_SEED_ONLY", False)
CRAWLER_REDIS_WORKER_TIMEOUT = _env_float("CRAWLER_REDIS_WORKER_TIMEOUT", 60.0)  # s: dead
CRAWLER_REDIS_TTL = _env_float("CRAWLER_REDIS_TTL", 7 * 86400.0)  # s: abandoned keys expire
# Requests one worker holds at once; 0: CONCURRENT_REQUESTS.
CRAWLER_REDIS_MAX_INFLIGHT = _env_int("CRAWLER_REDIS_MAX_INFLIGHT", 0)
# Seconds between heartbeats, releases of finished requests, recoveries.
CRAWLER_REDIS_TICK = _env_float("CRAWLER_REDIS_TICK", 0.5)
# `scrapy crawl` exits with the run's outcome (crawler/launch/scrapy_commands/crawl.py).
COMMANDS_MODULE = "crawler.launch.scrapy_commands"
ADDONS = {"crawler.shared_frontier.addon.SharedFrontierAddon": 0}

# --- politeness ----------------------------------------------------------------------------
ROBOTSTXT_OBEY = True
# Honest by default; the spider appends CRAWLER_CONTACT (a URL or e-mail) when it is set.
USER_AGENT = "news-archive-crawler/0.1 (news research archive)"
CONCURRENT_REQUESTS = 16
# Outputs of one response handled at once. Scrapy starts this many asyncio tasks for every
# response (default 100); our pipelines are synchronous, so more than a few buys nothing and
# the tasks cost more than link discovery (bench/RESULTS.md, throughput).
CONCURRENT_ITEMS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DNS_TIMEOUT = 15
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
REDIRECT_MAX_TIMES = 10
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024  # news pages are < 2 MB; a 16 MB body is not an article
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
HTTPERROR_ALLOWED_CODES: list[int] = []
# Seconds of Retry-After waited out; longer: left to Retry.
CRAWLER_RETRY_AFTER_MAX = _env_float("CRAWLER_RETRY_AFTER_MAX", 120.0)

# --- crawl order ---------------------------------------------------------------------------
# Priorities come from the focused frontier; Scrapy's priority queue pops the highest first.
# The page budget's class: this process's own; the shared frontier's add-on swaps in the
# crawl's shared one (crawler/shared_frontier/shared_budget.py) when CRAWLER_REDIS_URL is set.
CRAWLER_PAGE_BUDGET = _env_str("CRAWLER_PAGE_BUDGET", "crawler.spiders.page_budget.PageBudget")
# Pages of one section/tag/search list followed via "next".
CRAWLER_MAX_LIST_PAGES = _env_int("CRAWLER_MAX_LIST_PAGES", 100)
CRAWLER_FRONTIER = _env_str("CRAWLER_FRONTIER", "focused")  # focused | bfs (baseline)
# How far the online link learner's estimate moves a link's value (crawler/focus/learning.py):
# up to half this either way. Off by default: on the look-alike web it made one crawl in three
# fetch its last related stories last (docs/relevance.md, "Learning during the crawl").
CRAWLER_LINK_LEARNING_WEIGHT = _env_float("CRAWLER_LINK_LEARNING_WEIGHT", 0.0)
SCHEDULER = "crawler.extraction_pool.pacing.PacedScheduler"  # Scrapy's, paced by extraction
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# Within one priority, first in first out: equal priorities then crawl breadth-first.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
DEPTH_LIMIT = 0  # the spider enforces its own max_depth argument, counted from the seeds
DEPTH_PRIORITY = 0

# --- components ----------------------------------------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.relevance_gate.RelevancePipeline": 300,
    "crawler.pipelines.archive_store.ArchiveStorePipeline": 800,
}
DOWNLOADER_MIDDLEWARES = {
    # After Offsite (50), before RobotsTxt (100): a private address is not even asked for
    # robots.txt; it sees every redirect hop too (Scrapy schedules each as a new request).
    "crawler.middlewares.private_network.PrivateNetworkMiddleware": 60,
    # A link the focused frontier promoted is queued twice: the later copy is not fetched.
    "crawler.middlewares.refetch.SkipRefetchMiddleware": 55,
    # Next to the downloader (beyond HttpCompression 590, Redirect 600, HttpCache 900): the
    # WARC files get the bytes as the server sent them, redirects and errors included.
    "crawler.middlewares.warc_capture.WarcCaptureMiddleware": 950,
    # Before Redirect (600) on the way back: it sees 200 and 304, never a redirect.
    "crawler.middlewares.conditional.ConditionalRequestMiddleware": 580,
    # Below Retry (550): learns of a host that does not resolve once its retries are spent.
    "crawler.middlewares.unreachable.SkipUnresolvableHostsMiddleware": 540,
    # Above Retry (550) on the way back: a 429/503 with Retry-After waits, then asks again.
    "crawler.middlewares.retry_after.RetryAfterMiddleware": 560,
    # Above Redirect (600) on the way back: a redirect back onto its own chain is counted.
    "crawler.middlewares.redirect_loop.RedirectLoopMiddleware": 610,
    # Last before the downloader: a request robots.txt or offsite drop reserves no slot.
    "crawler.shared_frontier.politeness.SharedPolitenessMiddleware": 960,
}
SPIDER_MIDDLEWARES = {
    # Closest to the spider: drops requests for archived articles before anything counts them.
    "crawler.middlewares.incremental.IncrementalMiddleware": 950,
}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    # The crawl's one archive engine and its schema check, before everything that uses them.
    "crawler.extensions.archive_connection.ArchiveConnection": 90,
    "crawler.extensions.runs.CrawlRunRecorder": 100,
    # After the recorder: it tags the run row the recorder made with the crawl and worker.
    "crawler.shared_frontier.workers.SharedCrawlWorker": 110,
    "crawler.extensions.watchdog.StallWatchdog": 150,
    "crawler.extensions.progress.ProgressReporter": 200,
    # Sets aside a JOBDIR whose crawl died without closing (its queue is lost, see module).
    "crawler.extensions.jobdir_guard.JobdirGuard": 0,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"  # drops are counted by reason in the run's stats
LOG_LEVEL = _env_str("CRAWLER_LOG_LEVEL", "INFO")
