"""Batched writes into the archive, through its one write path (archive/dedup.store_article).

A plain object: no Scrapy, no Twisted, no threads of its own. The store pipeline
(crawler/pipelines/archive_store.py) calls it from one dedicated thread, so the reactor never
waits for the database and SQLite keeps a single writer; anything else (an import, a test) can
call it directly. Every call returns a :class:`Report` of what happened, which the caller counts.

- Articles are written in batches, one transaction each: when ``batch_size`` wait, or when the
  oldest has waited ``flush_interval`` seconds (:meth:`ArchiveWriter.tick`), so a slow, polite
  crawl still shows its articles within seconds.
- A write conflict (a PostgreSQL deadlock, an SQLite busy snapshot) is tried again at once.
- The archive going away (a PostgreSQL restart, an SQLite file another writer holds) keeps the
  articles waiting, asked again after 1, 2, 4 … 30 s; past ``outage_max`` seconds they are
  given up and counted as lost (docs/reliability.md).
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crawler.db import article_sql
from crawler.items import SiteInfo
from crawler.store.dedup import ArticleRecord, store_article

logger = logging.getLogger(__name__)

ATTEMPTS = 3  # a write conflict: the batch is tried again, then the archive counts as away


@dataclass(frozen=True)
class Pending:
    """One article waiting for its batch: its record and the site row it belongs to."""

    site: SiteInfo
    record: ArticleRecord  # without site_id: the writer knows the site's row


@dataclass
class Report:
    """What one call to the writer did; :meth:`merge` adds another's."""

    outcomes: Counter[str] = field(default_factory=Counter)  # new|updated|unchanged|duplicate
    near_duplicates: int = 0  # new articles linked to a cluster
    lost: list[int] = field(default_factory=list)  # articles given up, one entry per failure
    outages: int = 0  # times the archive went away
    outage_seconds: float = 0.0  # how long it was away, once it came back
    written_after_outage: int = 0
    waiting: int = 0  # articles still waiting after the call
    away: bool = False  # the archive is away now

    def merge(self, other: Report) -> Report:
        self.outcomes.update(other.outcomes)
        self.near_duplicates += other.near_duplicates
        self.lost.extend(other.lost)
        self.outages += other.outages
        self.outage_seconds += other.outage_seconds
        self.written_after_outage += other.written_after_outage
        self.waiting, self.away = other.waiting, other.away
        return self


@dataclass
class Outage:
    """How long the archive has been away, and when to ask it again (1, 2, 4 … 30 s)."""

    limit: float  # seconds, then the waiting articles are given up
    clock: Callable[[], float] = time.monotonic
    since: float | None = None
    wait: float = 0.0
    retry_at: float = 0.0

    def failed(self) -> None:
        now = self.clock()
        self.since = self.since if self.since is not None else now
        self.wait = min(30.0, max(1.0, self.wait * 2))
        self.retry_at = now + self.wait

    def expired(self) -> bool:
        return self.since is not None and self.clock() - self.since > self.limit

    def ended(self) -> float:
        seconds = self.clock() - (self.since if self.since is not None else self.clock())
        self.since, self.wait, self.retry_at = None, 0.0, 0.0
        return seconds


class ArchiveWriter:
    """Buffers :class:`Pending` articles and writes each batch in one transaction."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        *,
        batch_size: int,
        flush_interval: float,
        outage_max: float,
        threshold: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.sessions = sessions
        self.batch_size = max(1, batch_size)
        self.flush_interval = flush_interval  # 0: only full batches (and close) write
        self.threshold = threshold
        self.clock = clock
        self.sleep = sleep  # only ever called in the writer's own thread
        self.outage = Outage(outage_max, clock)
        self.waiting: list[Pending] = []
        self.oldest = 0.0  # when the first waiting article arrived
        self.site_ids: dict[str, int] = {}

    def add(self, article: Pending) -> Report:
        """Queue one article; a full batch (or one waiting long enough) is written now."""
        if not self.waiting:
            self.oldest = self.clock()
        self.waiting.append(article)
        if len(self.waiting) >= self.batch_size:
            return self.flush()
        return self.tick()

    def tick(self) -> Report:
        """Write what waits if the oldest article waited ``flush_interval`` seconds, or if the
        archive was away and it is time to ask it again."""
        due = self.flush_interval > 0 and self.clock() - self.oldest >= self.flush_interval
        if self.waiting and (due or self.outage.since is not None):
            return self.flush()
        return self._report(Report())

    def flush(self) -> Report:
        """Write everything that waits, in one transaction, unless the archive is away and
        not yet due to be asked again."""
        report = Report()
        if not self.waiting or (
            self.outage.since is not None and self.clock() < self.outage.retry_at
        ):
            return self._report(report)
        batch, self.waiting = self.waiting, []
        for attempt in range(1, ATTEMPTS + 1):
            try:
                self._write(batch, report)
                break
            except OperationalError as exc:
                self.site_ids.clear()  # rolled back: a site row made in it is gone too
                if attempt < ATTEMPTS:
                    logger.info("archive write conflict, retrying the batch: %s", exc.orig)
                    self.sleep(0.2 * attempt)
                    continue
                self._away(batch, exc, report)
                return self._report(report)
            except Exception as exc:  # in a thread of its own, nothing else would see it
                self.site_ids.clear()
                self._failed(batch, exc, report)
                return self._report(report)
        if self.outage.since is not None:
            seconds = self.outage.ended()
            report.outage_seconds += seconds
            report.written_after_outage += len(batch)
            logger.warning("the archive is back after %.1f s; waiting articles written", seconds)
        return self._report(report)

    def close(self) -> Report:
        """Write what waits; if the archive is away, wait for it up to ``outage_max``."""
        report = self.flush()
        while self.waiting and self.outage.since is not None and not self.outage.expired():
            self.sleep(max(0.1, self.outage.retry_at - self.clock()))
            report.merge(self.flush())
        if self.waiting and self.outage.since is not None:
            self._failed(self.waiting, RuntimeError("the archive did not come back"), report)
            self.waiting = []
        return self._report(report)

    # --- one batch, one transaction --------------------------------------------------------
    def _write(self, batch: list[Pending], report: Report) -> None:
        outcomes: list[tuple[str, bool]] = []
        with self.sessions.begin() as session:
            records = []
            for article in batch:
                site = article.site
                if site.key not in self.site_ids:
                    self.site_ids[site.key] = article_sql.ensure_site(
                        session, site.key, site.name, site.language
                    )
                values = {**article.record.values, "site_id": self.site_ids[site.key]}
                records.append(replace(article.record, values=values))
            # One order for every process makes lock waits between batches less likely.
            for record in sorted(records, key=lambda r: r.url_key):
                result = store_article(session, record, self.threshold)
                outcomes.append((result.outcome, result.cluster_id is not None))
        # Counted once the transaction is committed: a batch tried again counts once.
        for outcome, near_duplicate in outcomes:
            report.outcomes[outcome] += 1
            report.near_duplicates += near_duplicate

    # --- the archive going away --------------------------------------------------------------
    def _away(self, batch: list[Pending], exc: Exception, report: Report) -> None:
        """Keep the batch for later; past the outage limit it is lost, with what waits."""
        if self.outage.since is None:
            report.outages += 1
            logger.warning("the archive is unavailable, articles wait for it: %s", exc)
        self.outage.failed()
        if self.outage.expired():
            self._failed(batch + self.waiting, exc, report)
            self.waiting = []
            return
        self.waiting[:0] = batch

    def _failed(self, batch: list[Pending], exc: Exception, report: Report) -> None:
        # The batch is rolled back whole; the pages will be fetched again by the next run.
        report.lost.append(len(batch))
        logger.error(
            "archive write failed, %d articles not stored: %s: %s",
            len(batch),
            type(exc).__name__,
            exc,
        )

    def _report(self, report: Report) -> Report:
        report.waiting = len(self.waiting)
        report.away = self.outage.since is not None
        return report
