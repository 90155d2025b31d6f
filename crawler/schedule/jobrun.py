"""One run of a scheduled job: its lock, its `scrapy crawl` process, and its record.

A run takes its job's lock (``<state_dir>/<job>/lock``, inherited by the crawl process so it
holds while the crawl lives), creates its ``crawl_runs`` row, starts ``python -m scrapy crawl
related`` with the job's options and ``CRAWLER_RUN_ID``, and watches it: one SIGTERM when the
scheduler stops, SIGKILL after ``stop_timeout``. Whatever the process did not record about its
end (it died, it was killed) is recorded here, with its exit status and last log lines. A job
whose lock is taken gets a ``skipped`` run instead.
"""

from __future__ import annotations

import fcntl
import logging
import os
import shutil
import signal
import subprocess
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from crawler.db import run_sql
from crawler.db.session import session_factory
from crawler.launch.crawl_spec import SPIDER
from crawler.schedule.alerts import notify
from crawler.schedule.schedule_file import JobSpec, ScheduleConfig

logger = logging.getLogger(__name__)

LOG_TAIL_LINES = 40
LOGS_KEPT = 20


@dataclass
class Runtime:
    """What a run needs from the process that starts it (the scheduler or --run-now)."""

    database_url: str
    config: ScheduleConfig
    engine: Engine
    stopping: threading.Event = field(default_factory=threading.Event)
    force: threading.Event = field(default_factory=threading.Event)

    def sessions(self) -> Any:
        return session_factory(self.engine)


def try_lock(path: Path) -> int | None:
    """An exclusive lock on a file (its descriptor), or None if another process holds it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def _tail(path: Path, lines: int = LOG_TAIL_LINES) -> str:
    try:
        with path.open("rb") as stream:
            stream.seek(max(0, path.stat().st_size - 64 * 1024))
            text = stream.read().decode("utf-8", "replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def _prune_logs(directory: Path) -> None:
    logs = sorted(directory.glob("run-*.log"), key=lambda p: p.stat().st_mtime)
    for old in logs[:-LOGS_KEPT]:
        old.unlink(missing_ok=True)


def crawl_command(spec: JobSpec, run_id: int, trigger: str, jobdir: Path) -> list[str]:
    """The `scrapy crawl related` command line of one run (logged, so it can be re-typed)."""
    return spec.crawl.command(
        {
            "CRAWLER_TRIGGER": trigger,
            "CRAWLER_JOB": spec.id,
            "CRAWLER_RUN_ID": run_id,
            "JOBDIR": jobdir,
            "LOG_LEVEL": "INFO",
        }
    )


def run_once(runtime: Runtime, spec: JobSpec, trigger: str) -> int | None:
    """Run a job's crawl now, in a subprocess, and make sure its run is recorded.

    Returns the run's id (a ``skipped`` run's too); None when the scheduler is stopping.
    """
    if runtime.stopping.is_set():
        return None
    state = runtime.config.state_dir / spec.id
    lock = try_lock(state / "lock")
    now = datetime.now(UTC)
    if lock is None:
        with runtime.sessions().begin() as session:
            run_id = run_sql.record_skipped(
                session, SPIDER, trigger, spec.id, now, "a run of this job was still running"
            )
        logger.warning("job %s: a run is still going on; run %d skipped", spec.id, run_id)
        return run_id
    try:
        with runtime.sessions().begin() as session:
            run_id = run_sql.start_run(
                session, SPIDER, trigger, now, spec.to_dict(), job=spec.id
            )
        return _supervise(runtime, spec, trigger, run_id, state, lock)
    finally:
        os.close(lock)


def _supervise(
    runtime: Runtime, spec: JobSpec, trigger: str, run_id: int, state: Path, lock: int
) -> int:
    jobdir, logs = state / "jobdir", state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / f"run-{run_id}.log"
    command = crawl_command(spec, run_id, trigger, jobdir)
    env = {**os.environ, "CRAWLER_DATABASE_URL": runtime.database_url}
    env.setdefault("SCRAPY_SETTINGS_MODULE", "crawler.settings")  # works outside the project dir
    logger.info("job %s: run %d: %s", spec.id, run_id, " ".join(command[1:]))
    with log_path.open("ab") as log:
        try:
            # Its own session: a Ctrl+C in the terminal reaches the scheduler, which forwards
            # one SIGTERM (two would make Scrapy stop uncleanly).
            process = subprocess.Popen(
                command, env=env, stdout=log, stderr=subprocess.STDOUT,
                start_new_session=True, pass_fds=(lock,),
            )  # fmt: skip
        except OSError as exc:
            log.write(f"cannot start the crawl: {exc}\n".encode())
            exit_status, asked_to_stop = 127, False
        else:
            exit_status, asked_to_stop = _wait(runtime, process, f"job {spec.id}: run {run_id}")
    status = _settle(runtime, run_id, exit_status, asked_to_stop, log_path)
    if runtime.config.alerts is not None:  # the operator hears of a failed, stalled … run
        with runtime.sessions().begin() as session:
            run = run_sql.get_run(session, run_id)
        if run is not None:  # sent with no session held
            notify(runtime.config.alerts, run)
    # Keep the crawl's queue only after a clean interruption: the next run resumes it. After
    # anything else the next run starts afresh (a finished run's seen-requests file would
    # filter out every start page).
    if status != "interrupted":
        shutil.rmtree(jobdir, ignore_errors=True)
    _prune_logs(logs)
    logger.info("job %s: run %d %s (exit status %d)", spec.id, run_id, status, exit_status)
    return run_id


def _wait(runtime: Runtime, process: subprocess.Popen[bytes], name: str) -> tuple[int, bool]:
    """(exit status, whether it was asked to stop): one SIGTERM when the scheduler stops,
    SIGKILL after the stop timeout or a second signal."""
    asked_to_stop, deadline = False, 0.0
    while True:
        try:
            return process.wait(timeout=0.5), asked_to_stop
        except subprocess.TimeoutExpired:
            pass
        if runtime.stopping.is_set() and not asked_to_stop:
            logger.info("%s: asking the crawl to stop", name)
            process.send_signal(signal.SIGTERM)
            asked_to_stop, deadline = True, time.monotonic() + runtime.config.stop_timeout
        if asked_to_stop and (time.monotonic() > deadline or runtime.force.is_set()):
            logger.warning("%s: the crawl did not stop in time: killed", name)
            process.kill()


def _settle(
    runtime: Runtime, run_id: int, exit_status: int, asked_to_stop: bool, log_path: Path
) -> str:
    tail = _tail(log_path)
    reason = f"killed by signal {-exit_status}" if exit_status < 0 else f"exit status {exit_status}"
    with runtime.sessions().begin() as session:
        # A crawl that recorded its own end keeps its account; one that did not died (failed)
        # or was killed after it was asked to stop (interrupted, and its queue is not trusted).
        if run_sql.close_unfinished_run(
            session,
            run_id,
            status="interrupted" if asked_to_stop else "failed",
            finish_reason=f"crawl process ended without recording its run ({reason})",
            finished_at=datetime.now(UTC),
            exit_status=exit_status,
            log_tail=tail,
        ):
            return "killed"
        run = run_sql.get_run(session, run_id)
        status = run.status if run is not None else "failed"
        log_tail = None if status == "ok" else tail
        run_sql.set_process_outcome(session, run_id, exit_status, log_tail)
    return status


def reap_orphans(runtime: Runtime) -> list[int]:
    """Runs left "running" by a crawl that is gone (the machine rebooted under it): a job
    whose lock is free has no crawl going on, so its running rows are closed as failed."""
    closed = []
    for job_id in runtime.config.jobs:
        lock = try_lock(runtime.config.state_dir / job_id / "lock")
        if lock is None:
            continue  # a crawl of this job is alive (started by an earlier scheduler)
        try:
            with runtime.sessions().begin() as session:
                for run_id in run_sql.running_runs_of_job(session, job_id):
                    if run_sql.close_unfinished_run(
                        session,
                        run_id,
                        status="failed",
                        finish_reason="the crawl process was gone when the scheduler started",
                        finished_at=datetime.now(UTC),
                        exit_status=None,
                        log_tail=None,
                    ):
                        closed.append(run_id)
        finally:
            os.close(lock)
    return closed
