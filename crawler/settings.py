"""Scrapy settings: politeness, wiring of our components, and the CRAWLER_* settings.

Every CRAWLER_* setting can be given with `-s NAME=value` or as an environment variable of
the same name; the command line wins.
"""

from __future__ import annotations

import os

from crawler.config import Config
from crawler.errors import ConfigError

_config = Config.from_env()


def _env_float(name: str, default: float) -> float:
    value = os.environ.get(name)
    try:
        return float(value) if value else default
    except ValueError:  # one line from the CLI, not a traceback from the settings' import
        raise ConfigError(f"{name} must be a number, not {value!r}") from None


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if not value else value.lower() not in ("0", "false", "no", "off")


BOT_NAME = "crawler"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# --- our settings --------------------------------------------------------------------------
CRAWLER_DATABASE_URL = _config.database_url
CRAWLER_SEEDS_DIR = str(_config.seeds_dir)
CRAWLER_REPLAY_DIR = str(_config.replay_dir) if _config.replay_dir else ""
CRAWLER_REPLAY_LOG = os.environ.get("CRAWLER_REPLAY_LOG", "")  # tests: a log of replayed requests
CRAWLER_RELEVANCE_THRESHOLD = _env_float("CRAWLER_RELEVANCE_THRESHOLD", 0.3)
CRAWLER_CONTACT = os.environ.get("CRAWLER_CONTACT", "")
# true, or networks like 10.0.0.0/8: crawl such addresses (crawler/middlewares/private_network.py)
CRAWLER_ALLOW_PRIVATE_NETWORKS = os.environ.get("CRAWLER_ALLOW_PRIVATE_NETWORKS", "")
CRAWLER_TRIGGER = os.environ.get("CRAWLER_TRIGGER", "manual")
CRAWLER_STORE_BATCH_SIZE = 50
# Seconds after which buffered articles are written even if the batch is not full (0: off).
CRAWLER_STORE_FLUSH_INTERVAL = _env_float("CRAWLER_STORE_FLUSH_INTERVAL", 5.0)
# The archive away (a PostgreSQL restart): articles wait this long for it, and past this many
# waiting the crawl pauses (crawler/pipelines/store.py, docs/reliability.md).
CRAWLER_STORE_OUTAGE_MAX = _env_float("CRAWLER_STORE_OUTAGE_MAX", 300.0)
CRAWLER_STORE_MAX_WAITING = 2000
CRAWLER_PROGRESS = False  # the CLI turns on its live progress line
CRAWLER_DEDUP_THRESHOLD = _env_float("CRAWLER_DEDUP_THRESHOLD", 0.5)  # docs/dedup.md
CRAWLER_WARC_ENABLED = os.environ.get("CRAWLER_WARC_ENABLED", "1") not in ("0", "false", "no")
CRAWLER_WARC_DIR = os.environ.get("CRAWLER_WARC_DIR", "")  # "": warc/ next to an SQLite archive
CRAWLER_WARC_MAX_SIZE = 1024**3  # bytes per WARC file before the next one starts

# --- scheduled, incremental, watched runs (docs/scheduling.md) -------------------------------
CRAWLER_JOB = os.environ.get("CRAWLER_JOB", "")  # the schedule's job this run belongs to
CRAWLER_RUN_ID = 0  # the crawl_runs row the scheduler created for this run (0: make one)
# Incremental re-crawl: skip archived articles unless due, conditional requests, 304s.
CRAWLER_INCREMENTAL = _env_bool("CRAWLER_INCREMENTAL", False)  # the scheduler turns it on
CRAWLER_REVISIT_SCHEDULE = os.environ.get("CRAWLER_REVISIT_SCHEDULE", "1h,6h,24h,7d")
CRAWLER_REVISIT_MAX = 500  # re-visit start requests per run
CRAWLER_VALIDATOR_RUNS = 50  # recent ok runs whose ETag/Last-Modified are sent back
# Extraction runs in this many worker processes ("": one per core; 0: in the crawl's own
# process, for debugging); a page still extracting after the timeout has its worker replaced.
CRAWLER_EXTRACT_WORKERS = os.environ.get("CRAWLER_EXTRACT_WORKERS", "")
CRAWLER_EXTRACT_TIMEOUT = _env_float("CRAWLER_EXTRACT_TIMEOUT", 10.0)
# Pages waiting for a worker before the scheduler holds the next download (crawler/crawl/
# pacing.py): the focused frontier ranks the links of extracted pages, not of queued ones.
CRAWLER_EXTRACT_BACKLOG = 0  # 0: two per worker
CRAWLER_STALL_TIMEOUT = _env_float("CRAWLER_STALL_TIMEOUT", 0)  # seconds; 0: no watchdog
CRAWLER_STALL_GRACE = 60.0  # seconds a stalled crawl gets to close before the process ends
CRAWLER_DRIFT_TOLERANCE = 0.3  # change of a per-site extraction share that flags the site
CRAWLER_DRIFT_MIN_PAGES = 3  # article pages per site (this run, and its history) to judge

# --- one crawl over several processes (docs/scale-out.md) ---------------------------------
# Set: scrapy-redis's scheduler, queue and dupefilter in Redis, shared by every worker of the
# crawl (crawler/distributed/); unset: nothing changes and Redis is not needed.
CRAWLER_REDIS_URL = os.environ.get("CRAWLER_REDIS_URL", "")
CRAWLER_CRAWL_ID = os.environ.get("CRAWLER_CRAWL_ID", "")  # "": from the spider's arguments
CRAWLER_REDIS_PREFIX = os.environ.get("CRAWLER_REDIS_PREFIX", "crawler")
CRAWLER_REDIS_SEED_ONLY = False  # push the start points into the frontier and stop
CRAWLER_REDIS_WORKER_TIMEOUT = _env_float("CRAWLER_REDIS_WORKER_TIMEOUT", 60)  # s: then dead
CRAWLER_REDIS_TTL = 7 * 86400  # s: an abandoned crawl's keys expire
CRAWLER_REDIS_MAX_INFLIGHT = 0  # requests one worker holds at once; 0: CONCURRENT_REQUESTS
CRAWLER_REDIS_TICK = 0.5  # s between heartbeats, releases of finished requests, recoveries
# `scrapy crawl` exits with the run's outcome (crawler/crawl/scrapy_commands/crawl.py).
COMMANDS_MODULE = "crawler.crawl.scrapy_commands"
ADDONS = {"crawler.distributed.addon.SharedFrontierAddon": 0}

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
CRAWLER_RETRY_AFTER_MAX = 120.0  # seconds of Retry-After waited out; longer: left to Retry

# --- crawl order ---------------------------------------------------------------------------
# Priorities come from the focused frontier; Scrapy's priority queue pops the highest first.
CRAWLER_MAX_LIST_PAGES = 100  # pages of one section/tag/search list followed via "next"
CRAWLER_FRONTIER = os.environ.get("CRAWLER_FRONTIER", "focused")  # focused | bfs (baseline)
# How far the online link learner's estimate moves a link's value (crawler/focus/learning.py):
# up to half this either way. Off by default: on the look-alike web it made one crawl in three
# fetch its last related stories last (docs/relevance.md, "Learning during the crawl").
CRAWLER_LINK_LEARNING_WEIGHT = 0.0
SCHEDULER = "crawler.crawl.pacing.PacedScheduler"  # Scrapy's, paced by extraction
SCHEDULER_PRIORITY_QUEUE = "scrapy.pqueues.DownloaderAwarePriorityQueue"
# Within one priority, first in first out: equal priorities then crawl breadth-first.
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"
SCHEDULER_DISK_QUEUE = "scrapy.squeues.PickleFifoDiskQueue"
DEPTH_LIMIT = 0  # the spider enforces its own max_depth argument, counted from the seeds
DEPTH_PRIORITY = 0

# --- components ----------------------------------------------------------------------------
ITEM_PIPELINES = {
    "crawler.pipelines.relevance.RelevancePipeline": 300,
    "crawler.pipelines.store.ArchiveStorePipeline": 800,
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
    "crawler.distributed.politeness.SharedPolitenessMiddleware": 960,
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
    "crawler.distributed.workers.SharedCrawlWorker": 110,
    "crawler.extensions.watchdog.StallWatchdog": 150,
    "crawler.extensions.progress.ProgressReporter": 200,
    # Sets aside a JOBDIR whose crawl died without closing (its queue is lost, see module).
    "crawler.extensions.jobdir_guard.JobdirGuard": 0,
}

REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
DEFAULT_DROPITEM_LOG_LEVEL = "DEBUG"  # drops are counted by reason in the run's stats
LOG_LEVEL = os.environ.get("CRAWLER_LOG_LEVEL", "INFO")
