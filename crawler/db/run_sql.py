"""Crawl runs: one row per run (counts, errors by kind, per-site stats, drift), the
scheduler's bookkeeping, and the workers of a shared crawl. What a run added and how earlier
runs went (the drift check's baseline) is read in crawler/db/run_history_sql.py."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from crawler.db.dialect import to_json
from crawler.db.models import CrawlRun


def start_run(
    session: Session,
    spider: str,
    trigger: str,
    started_at: datetime,
    arguments: Mapping[str, Any],
    *,
    job: str | None = None,
    worker: str | None = None,
) -> int:
    run = CrawlRun(
        spider=spider,
        trigger=trigger,
        job=job,
        worker=worker,
        status="running",
        started_at=started_at,
        arguments=to_json(arguments),
    )
    session.add(run)
    session.flush()
    return run.id


@dataclass(frozen=True)
class RunTotals:
    pages_fetched: int = 0
    articles_new: int = 0
    articles_updated: int = 0
    articles_unchanged: int = 0
    articles_duplicate: int = 0
    articles_not_related: int = 0
    errors: int = 0


def finish_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    finish_reason: str,
    finished_at: datetime,
    totals: RunTotals,
    error_kinds: Mapping[str, int],
    stats: Mapping[str, Any],
    site_stats: Mapping[str, Any] | None = None,
    drift: Sequence[Mapping[str, Any]] | None = None,
) -> None:
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id)
        .values(
            status=status,
            finish_reason=finish_reason,
            finished_at=finished_at,
            error_kinds=json.dumps(dict(error_kinds), sort_keys=True),
            stats=to_json(dict(stats)),
            site_stats=to_json(dict(site_stats)) if site_stats is not None else None,
            drift=to_json(list(drift)) if drift is not None else None,
            **totals.__dict__,
        )
    )


def get_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def recent_runs(session: Session, limit: int = 20, job: str | None = None) -> Sequence[CrawlRun]:
    query = select(CrawlRun).order_by(CrawlRun.id.desc()).limit(limit)
    if job is not None:
        query = query.where(CrawlRun.job == job)
    return session.scalars(query).all()


def adopt_run(session: Session, run_id: int, arguments: Mapping[str, Any]) -> bool:
    """Take over a run row the scheduler created before it started the crawl process.

    False when there is no such row still running (the crawl then starts its own).
    """
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(arguments=to_json(arguments))
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def record_skipped(
    session: Session, spider: str, trigger: str, job: str | None, at: datetime, reason: str
) -> int:
    """A run that was due but not started (its job was still running, or it was missed)."""
    run = CrawlRun(
        spider=spider,
        trigger=trigger,
        job=job,
        status="skipped",
        finish_reason=reason,
        started_at=at,
        finished_at=at,
        arguments="{}",
    )
    session.add(run)
    session.flush()
    return run.id


def close_unfinished_run(
    session: Session,
    run_id: int,
    *,
    status: str,
    finish_reason: str,
    finished_at: datetime,
    exit_status: int | None,
    log_tail: str | None,
) -> bool:
    """Finish a run its crawl process never recorded (it died or was killed).

    Only a row still marked running is changed, so a crawl that did record itself keeps its
    own account; returns whether this call finished the row.
    """
    result = session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(
            status=status,
            finish_reason=finish_reason,
            finished_at=finished_at,
            exit_status=exit_status,
            log_tail=log_tail,
        )
    )
    return bool(getattr(result, "rowcount", 0) == 1)


def running_runs_of_job(session: Session, job: str) -> list[int]:
    return list(
        session.scalars(
            select(CrawlRun.id).where(CrawlRun.job == job, CrawlRun.status == "running")
        )
    )


def set_process_outcome(
    session: Session, run_id: int, exit_status: int | None, log_tail: str | None
) -> None:
    values: dict[str, Any] = {"exit_status": exit_status}
    if log_tail is not None:
        values["log_tail"] = log_tail
    session.execute(update(CrawlRun).where(CrawlRun.id == run_id).values(**values))


def last_run_of_jobs(session: Session, jobs: Sequence[str]) -> dict[str, CrawlRun]:
    """The latest run of each job (skipped runs included)."""
    latest = (
        select(func.max(CrawlRun.id)).where(CrawlRun.job.in_(list(jobs))).group_by(CrawlRun.job)
    )
    runs = session.scalars(select(CrawlRun).where(CrawlRun.id.in_(latest))).all()
    return {run.job: run for run in runs if run.job is not None}


# --- one crawl over several processes (crawler/shared_frontier/) ---------------------------------
def set_crawl(session: Session, run_id: int, crawl_id: str, worker: str) -> None:
    """Mark a run as one worker of a distributed crawl."""
    session.execute(
        update(CrawlRun).where(CrawlRun.id == run_id).values(crawl_id=crawl_id, worker=worker)
    )


def mark_lost(session: Session, run_ids: Sequence[int], finished_at: datetime) -> None:
    """Runs whose worker died (its heartbeat stopped); the crawl's other workers took over."""
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id.in_(list(run_ids)), CrawlRun.status == "running")
        .values(status="interrupted", finish_reason="worker_lost", finished_at=finished_at)
    )


def runs_of_crawl(session: Session, crawl_id: str) -> Sequence[CrawlRun]:
    """The runs (workers) of one distributed crawl, first started first."""
    query = select(CrawlRun).where(CrawlRun.crawl_id == crawl_id).order_by(CrawlRun.id)
    return session.scalars(query).all()


def worker_name() -> str:
    """This process as a run's ``worker`` column holds it: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def running_on(session: Session, host: str) -> Sequence[CrawlRun]:
    """Runs still marked running that a process on this host started outside the scheduler
    (the scheduler settles its own job runs)."""
    query = select(CrawlRun).where(
        CrawlRun.status == "running",
        CrawlRun.job.is_(None),
        CrawlRun.worker.like(f"{host}:%"),
    )
    return session.scalars(query).all()


def mark_died(session: Session, run_id: int, finished_at: datetime) -> None:
    """A run whose process ended without recording it (kill -9, a power cut, the OOM killer)."""
    session.execute(
        update(CrawlRun)
        .where(CrawlRun.id == run_id, CrawlRun.status == "running")
        .values(status="interrupted", finish_reason="process_died", finished_at=finished_at)
    )
