"""The names of the crawl's own stats (``crawler/…``): every writer and reader takes them here.

A run's stats are stored with its row (crawl_runs.stats) and read back by ``crawler runs``,
the run recorder and the scheduler's alerts, so a key is a contract between components that
never import each other: spelled once, a typo is a NameError instead of a silent zero.
A shared contract: it imports nothing from the package.
"""

from __future__ import annotations

PREFIX = "crawler/"

# --- the run ---------------------------------------------------------------------------------
# The crawl_runs row, for the log's stats dump (components ask CrawlRunRecorder.run_id).
RUN_ID = "crawler/run_id"
RUN_STATUS = "crawler/run_status"  # how the run ended: ok | partial | failed | stalled | …
ARCHIVE_ERROR = "crawler/archive_error"  # why the archive could not be opened (a message)
CONFIG_ERROR = "crawler/config_error"  # why a setting or argument was refused (a message)
STALLED_AFTER = "crawler/stalled_after"  # seconds without progress after which it was stopped
BUDGET_EXHAUSTED = "crawler/budget_exhausted"  # the page budget ran out (True)
DISCARDED_JOBDIR = "crawler/resume/discarded_jobdir"  # where a dead crawl's JOBDIR was set aside

# --- errors ----------------------------------------------------------------------------------
ERRORS = "crawler/errors"  # every error of the run, all kinds
ERRORS_PREFIX = "crawler/errors/"


def error_key(kind: str) -> str:
    """Errors of one kind: http_4xx, http_5xx, http_429, dns, timeout, tls, archive_write, …"""
    return f"{ERRORS_PREFIX}{kind}"


ERRORS_ARCHIVE_WRITE = error_key("archive_write")  # articles lost: the archive refused a batch
ERRORS_HTTP_4XX = error_key("http_4xx")  # HTTP 4xx answers (links to pages that are gone)

UNREACHABLE_PREFIX = "crawler/unreachable/"


def unreachable_key(host: str) -> str:
    """A host that could not be reached (DNS, refused, private address): why, as a message."""
    return f"{UNREACHABLE_PREFIX}{host}"


# --- articles: what the archive made of each item --------------------------------------------
ARTICLES_PREFIX = "crawler/articles/"


def articles_key(outcome: str) -> str:
    """Articles of one outcome: new, updated, unchanged, duplicate, not_related."""
    return f"{ARTICLES_PREFIX}{outcome}"


ARTICLES_NEW = articles_key("new")  # archived for the first time
ARTICLES_UPDATED = articles_key("updated")  # archived before, changed: a new version
ARTICLES_UNCHANGED = articles_key("unchanged")  # archived before, the same text
ARTICLES_DUPLICATE = articles_key("duplicate")  # its URL is already archived under another
ARTICLES_NOT_RELATED = articles_key("not_related")  # below the relevance threshold: dropped
DEDUP_NEAR_DUPLICATE = "crawler/dedup/near_duplicate"  # archived and linked to a near-copy

# --- pages -----------------------------------------------------------------------------------
EXTRACTION_NO_ARTICLE = "crawler/extraction/no_article"  # article pages that yielded none
NO_ARTICLE_PREFIX = "crawler/pages/no_article/"  # pages without an article, by reason
PAGES_ARTICLE_BY_CONTENT = "crawler/pages/article_by_content"  # URL unknown, content said so
SKIPPED_NOT_HTML = "crawler/skipped/not_html"  # responses that are no HTML page
SKIPPED_OLDER_THAN_SINCE = "crawler/skipped/older_than_since"  # published before --since


def no_article_key(reason: str) -> str:
    """Pages without an article for one reason (too little text, a list page, …)."""
    return f"{NO_ARTICLE_PREFIX}{reason}"


def extraction_fallback_key(fallback: str) -> str:
    """Articles whose site rules failed and a general extractor found the text instead."""
    return f"crawler/extraction/fallback/{fallback}"


def bounded_key(limit: str) -> str:
    """Links not followed because of a limit: max_depth or max_list_pages."""
    return f"crawler/bounded/{limit}"


# --- per site: one line of the run report per site ---------------------------------------------
SITES_PREFIX = "crawler/sites/"  # crawler/sites/<site>/<name>[/<kind>]


def site_key(site: str, name: str) -> str:
    """A counter of one site: pages, archived, no_article, revisited, not_modified, …"""
    return f"{SITES_PREFIX}{site}/{name}"


def site_error_key(site: str, kind: str) -> str:
    """Errors of one kind on one site (the site's share of :func:`error_key`)."""
    return site_key(site, f"errors/{kind}")


# --- the focused frontier --------------------------------------------------------------------
FRONTIER_REQUEUED = "crawler/frontier/requeued"  # links queued again at a higher priority
FRONTIER_SUPERSEDED = "crawler/frontier/superseded"  # stale copies of those, not fetched

# --- politeness and capture ------------------------------------------------------------------
RETRY_AFTER_WAITS = "crawler/retry_after/waits"  # Retry-After answers waited out
RETRY_AFTER_SECONDS = "crawler/retry_after/seconds"  # seconds waited for them, in all
RETRY_AFTER_NOT_WAITED = "crawler/retry_after/not_waited"  # too long, or too often: to Retry
WARC_RECORDS = "crawler/warc/records"  # WARC records written

# --- incremental re-crawls -------------------------------------------------------------------
INCREMENTAL_SKIPPED_KNOWN = "crawler/incremental/skipped_known"  # archived, not yet due: skipped
INCREMENTAL_CONDITIONAL = "crawler/incremental/conditional"  # requests with ETag/Last-Modified
INCREMENTAL_NOT_MODIFIED = "crawler/incremental/not_modified"  # of those, answered 304


def revisit_key(reason: str) -> str:
    """Archived articles fetched again, by why: due (the revisit schedule) or listed anew."""
    return f"crawler/incremental/revisit/{reason}"


# --- the archive away (docs/reliability.md) ----------------------------------------------------
ARCHIVE_OUTAGES = "crawler/store/outages"  # times the archive stopped answering
ARCHIVE_OUTAGE_SECONDS = "crawler/store/outage_seconds"  # how long, in all
ARCHIVE_WRITTEN_AFTER_OUTAGE = "crawler/store/written_after_outage"  # articles that waited
ARCHIVE_PAUSED = "crawler/store/paused"  # times the crawl paused: too many waiting

# --- one crawl over several processes (docs/scale-out.md) --------------------------------------
CRAWL_ID = "crawler/crawl_id"  # the shared crawl this worker belongs to
WORKER = "crawler/worker"  # this worker's name in it
REDIS_FRONTIER = "crawler/redis/frontier"  # requests left in the shared frontier, all workers'
REDIS_ERRORS = "crawler/redis/errors"  # Redis calls that failed (Redis away for a moment)
REDIS_POLITENESS_WAITS = "crawler/redis/politeness_waits"  # requests delayed for another worker
REDIS_WORKERS_LOST = "crawler/redis/workers_lost"  # dead workers whose requests were recovered
