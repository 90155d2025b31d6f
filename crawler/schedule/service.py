"""Scheduled crawls: APScheduler 3 jobs from an operator's TOML file (schedule.example.toml).

One scheduler process; every run is its own ``python -m scrapy crawl related`` subprocess (the
Twisted reactor cannot restart) with the project's settings plus the job's ``-a``/``-s``
options, exactly what an operator would type (crawler/schedule/jobrun.py). The job store is
APScheduler's SQLAlchemyJobStore on the archive database (table ``apscheduler_jobs``, created
by the store).

- Runs of one job never overlap: ``max_instances=1`` in this process and, across processes
  (``--run-now`` while the scheduler runs), the job's lock. A run that finds its job still
  running is recorded as ``skipped``.
- Missed runs are coalesced into one, within ``misfire_grace_time``; a run missed by more is
  recorded as ``skipped``.
- SIGTERM/SIGINT: no new runs; each running crawl gets one SIGTERM (Scrapy stops gracefully,
  its queue kept in ``JOBDIR`` and resumed by the job's next run), then SIGKILL after
  ``stop_timeout``; the scheduler exits 0.
"""

from __future__ import annotations

import logging
import os
import signal
from datetime import UTC, datetime
from types import FrameType
from typing import Any

from apscheduler.events import EVENT_JOB_MAX_INSTANCES, EVENT_JOB_MISSED, JobEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.job import Job
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler

from crawler.db import run_sql
from crawler.db.base import SCHEDULER_JOB_TABLE
from crawler.db.session import ensure_schema, make_engine
from crawler.errors import ConfigError
from crawler.launch.crawl_spec import SPIDER
from crawler.schedule.jobrun import Runtime, reap_orphans, run_once, try_lock
from crawler.schedule.schedule_file import JobSpec, ScheduleConfig

logger = logging.getLogger(__name__)

JOB_TABLE = SCHEDULER_JOB_TABLE  # not Alembic's: see crawler/db/base.py
JOB_FUNC = "crawler.schedule.service:run_job"

_runtime: Runtime | None = None  # this process's; the job store holds only run_job's name


def make_runtime(database_url: str, config: ScheduleConfig) -> Runtime:
    global _runtime
    ensure_schema(database_url)
    _runtime = Runtime(database_url, config, make_engine(database_url))
    return _runtime


def run_job(job_id: str, spec: dict[str, Any]) -> int | None:
    """The function the job store names; runs in one of the scheduler's worker threads."""
    if _runtime is None:
        raise RuntimeError("run_job called outside a scheduler process")
    return run_once(_runtime, JobSpec.from_dict(spec), trigger="schedule")


# --- the scheduler ---------------------------------------------------------------------------
def build_scheduler(runtime: Runtime) -> BackgroundScheduler:
    config = runtime.config
    store = SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)
    scheduler = BackgroundScheduler(
        jobstores={"default": store},
        executors={"default": ThreadPoolExecutor(max_workers=max(4, len(config.jobs)))},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": config.misfire_grace_time,
        },
        timezone=config.timezone,
    )
    scheduler.add_listener(_record_not_run, EVENT_JOB_MAX_INSTANCES | EVENT_JOB_MISSED)
    return scheduler


def _record_not_run(event: JobEvent) -> None:
    if _runtime is None:
        return
    if event.code == EVENT_JOB_MAX_INSTANCES:
        reason = "the previous run of this job was still running"
    else:
        reason = (
            f"missed: due at {event.scheduled_run_time:%Y-%m-%d %H:%M:%S %Z}, beyond the grace time"
        )
    with _runtime.sessions().begin() as session:
        run_id = run_sql.record_skipped(
            session, SPIDER, "schedule", event.job_id, datetime.now(UTC), reason
        )
    logger.warning("job %s: run %d skipped: %s", event.job_id, run_id, reason)


def sync_jobs(scheduler: BackgroundScheduler, config: ScheduleConfig) -> dict[str, str]:
    """Make the job store hold exactly the config's jobs; what happened to each job id.

    An unchanged job keeps its next run time (a restart must not push an interval job back).
    """
    stored = {job.id: job for job in scheduler.get_jobs()}
    changes: dict[str, str] = {}
    for spec in config.jobs.values():
        kwargs = {"job_id": spec.id, "spec": spec.to_dict()}
        job = stored.get(spec.id)
        if job is None:
            scheduler.add_job(
                JOB_FUNC, spec.trigger(config.timezone), id=spec.id, name=spec.id, kwargs=kwargs
            )
            changes[spec.id] = "added"
        elif job.kwargs != kwargs or job.misfire_grace_time != config.misfire_grace_time:
            scheduler.modify_job(
                spec.id, kwargs=kwargs, misfire_grace_time=config.misfire_grace_time
            )
            if job.kwargs.get("spec", {}).get("trigger") != spec.to_dict()["trigger"]:
                scheduler.reschedule_job(spec.id, trigger=spec.trigger(config.timezone))
            changes[spec.id] = "updated"
        else:
            changes[spec.id] = "unchanged"
    for job_id in sorted(stored.keys() - config.jobs.keys()):
        scheduler.remove_job(job_id)
        changes[job_id] = "removed"
    return changes


def stored_jobs(runtime: Runtime) -> dict[str, Job]:
    """The jobs in the store as the scheduler would load them (nothing is started)."""
    store = SQLAlchemyJobStore(engine=runtime.engine, tablename=JOB_TABLE)
    store.start(BackgroundScheduler(timezone=runtime.config.timezone), "default")
    return {job.id: job for job in store.get_all_jobs()}


def install_stop_handlers(runtime: Runtime) -> None:
    """SIGTERM/SIGINT stop the runs gracefully; a second signal kills their crawls at once."""

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        if runtime.stopping.is_set():
            runtime.force.set()
        logger.info("%s: stopping", signal.Signals(signum).name)
        runtime.stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)


def run_now(runtime: Runtime, spec: JobSpec) -> int | None:
    """`crawler schedule --run-now JOB`: one run in the foreground, locked like any other."""
    install_stop_handlers(runtime)
    return run_once(runtime, spec, trigger="run-now")


def serve(runtime: Runtime) -> int:
    """The long-running scheduler; returns the exit status once SIGTERM/SIGINT stop it."""
    # One scheduler per state directory: a second one would fire every job twice.
    held = try_lock(runtime.config.state_dir / "scheduler.lock")
    if held is None:
        raise ConfigError(
            f"another `crawler schedule` is running with the state directory "
            f"{runtime.config.state_dir}"
        )
    install_stop_handlers(runtime)
    for run_id in reap_orphans(runtime):
        logger.warning("run %d: its crawl process was gone; recorded as failed", run_id)
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    for job_id, change in sync_jobs(scheduler, runtime.config).items():
        logger.info("job %s: %s", job_id, change)
    scheduler.resume()
    for job in scheduler.get_jobs():
        logger.info("job %s: next run at %s", job.id, job.next_run_time)
    while not runtime.stopping.wait(1.0):
        pass
    scheduler.pause()
    scheduler.shutdown(wait=True)  # the running jobs stop their crawls (see _supervise)
    runtime.engine.dispose()
    os.close(held)
    logger.info("scheduler stopped")
    return 0
