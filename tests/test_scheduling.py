"""The scheduler: the schedule file, the persistent job store, no overlap, missed runs.

On both backends: the job store lives in the archive (SQLite or PostgreSQL).
"""

from __future__ import annotations

import fcntl
import itertools
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from crawler.db import run_sql
from crawler.errors import ConfigError
from crawler.schedule.jobrun import reap_orphans
from crawler.schedule.schedule_file import load_config
from crawler.schedule.service import JOB_TABLE, build_scheduler, make_runtime, sync_jobs
from tests.schedule_harness import (
    REPO_ROOT,
    Scheduler,
    copy_web,
    crawler_cli,
    replay_settings,
    runs,
    wait_for_runs,
    write_schedule,
)


# --- the schedule file ------------------------------------------------------------------------
def test_example_schedule_is_valid() -> None:
    config = load_config(REPO_ROOT / "schedule.example.toml")
    jobs = config.jobs
    assert set(jobs) == {"dantri", "vietnam-morning", "seed-002"}
    assert jobs["dantri"].every == 7200 and jobs["dantri"].crawl.max_pages == 300
    assert jobs["vietnam-morning"].cron == "15 23 * * *"
    assert jobs["vietnam-morning"].crawl.threshold == 0.25  # its own value...
    assert jobs["vietnam-morning"].crawl.max_pages == 500  # ... and the defaults
    assert jobs["seed-002"].crawl.seeds == ("002",) and jobs["seed-002"].crawl.max_depth == 3
    assert config.misfire_grace_time == 3600 and config.stop_timeout == 120
    assert config.state_dir == REPO_ROOT / "schedule-state"


@pytest.mark.parametrize(
    ("job", "message"),
    [
        ({"every": "6h", "cron": "0 * * * *"}, "exactly one of every"),
        ({"sites": ["dantri"]}, "exactly one of every"),
        ({"every": "six hours"}, "jobs.j.every: not a duration"),
        ({"cron": "61 * * * *"}, "jobs.j.cron"),
        ({"every": "1h", "sites": ["nosuchsite"]}, "jobs.j.sites: unknown nosuchsite"),
        ({"every": "1h", "seeds": ["999"]}, "jobs.j.seeds: unknown 999"),
        ({"every": "1h", "max_pages": -1}, "jobs.j.max_pages"),
        ({"every": "1h", "budget": 3}, "unknown key(s) budget"),
        ({"every": "1h", "settings": {"lowercase": 1}}, "jobs.j.settings"),
    ],
)
def test_schedule_errors_name_the_field(
    job: dict[str, object], message: str, tmp_path: Path
) -> None:
    path = write_schedule(tmp_path / "schedule.toml", {"j": job})
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert message in str(error.value)
    assert str(path) in str(error.value)


# --- the job store ----------------------------------------------------------------------------
def _start(db_url: str, path: Path) -> tuple[Any, dict[str, str]]:
    runtime = make_runtime(db_url, load_config(path))
    scheduler = build_scheduler(runtime)
    scheduler.start(paused=True)
    return scheduler, sync_jobs(scheduler, runtime.config)


def _stored(db_url: str) -> int:
    from crawler.db.session import make_engine

    engine = make_engine(db_url)
    try:
        with engine.connect() as conn:
            return int(conn.scalar(select(func.count()).select_from(text(JOB_TABLE))) or 0)
    finally:
        engine.dispose()


def test_restarts_update_jobs_without_duplicating_them(db_url: str, tmp_path: Path) -> None:
    path = tmp_path / "schedule.toml"
    write_schedule(path, {"a": {"every": "1h"}, "b": {"cron": "0 5 * * *", "sites": ["dantri"]}})
    scheduler, changes = _start(db_url, path)
    assert changes == {"a": "added", "b": "added"}
    next_a = scheduler.get_job("a").next_run_time
    scheduler.shutdown(wait=False)

    time.sleep(1.1)  # a restart a moment later must not push the interval job back
    scheduler, changes = _start(db_url, path)
    assert changes == {"a": "unchanged", "b": "unchanged"}
    assert scheduler.get_job("a").next_run_time == next_a
    scheduler.shutdown(wait=False)
    assert _stored(db_url) == 2

    write_schedule(path, {"a": {"every": "2h", "max_pages": 50}, "c": {"every": "30m"}})
    scheduler, changes = _start(db_url, path)
    assert changes == {"a": "updated", "c": "added", "b": "removed"}
    jobs = {job.id: job for job in scheduler.get_jobs()}
    scheduler.shutdown(wait=False)
    assert set(jobs) == {"a", "c"}
    assert jobs["a"].trigger.interval == timedelta(hours=2)
    assert jobs["a"].kwargs["spec"]["max_pages"] == 50
    assert (jobs["a"].max_instances, jobs["a"].coalesce) == (1, True)
    assert _stored(db_url) == 2

    listed = crawler_cli(["schedule", "--config", str(path), "--list"], db_url, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "every 2h" in listed.stdout and "every 30m" in listed.stdout
    assert f"{jobs['a'].next_run_time.astimezone(UTC):%Y-%m-%d %H:%M:%S}" in listed.stdout


def test_runs_missed_while_down_are_coalesced_into_one_skipped_run(
    db_url: str, tmp_path: Path
) -> None:
    path = write_schedule(
        tmp_path / "schedule.toml", {"hourly": {"every": "1h"}}, {"misfire_grace_time": "60s"}
    )
    scheduler, _ = _start(db_url, path)
    # As if the scheduler had been down for five hours: five runs were due.
    scheduler.modify_job("hourly", next_run_time=datetime.now(UTC) - timedelta(hours=5, minutes=1))
    scheduler.resume()
    try:
        current = wait_for_runs(db_url, lambda rs: len(rs) >= 1, timeout=20)
        time.sleep(0.5)  # a second event for the same job would have arrived by now
        current = runs(db_url)
        next_run = scheduler.get_job("hourly").next_run_time
    finally:
        scheduler.shutdown(wait=False)
    assert [(r.job, r.status, r.trigger) for r in current] == [("hourly", "skipped", "schedule")]
    assert "missed" in (current[0].finish_reason or "")
    assert next_run > datetime.now(UTC)  # the schedule goes on from now


def test_runs_orphaned_by_a_vanished_crawl_are_closed_at_start(db_url: str, tmp_path: Path) -> None:
    path = write_schedule(
        tmp_path / "schedule.toml", {"gone": {"every": "1h"}, "alive": {"every": "1h"}}
    )
    runtime = make_runtime(db_url, load_config(path))
    with runtime.sessions().begin() as session:
        now = datetime.now(UTC)
        gone = run_sql.start_run(session, "related", "schedule", now, {}, job="gone")
        alive = run_sql.start_run(session, "related", "schedule", now, {}, job="alive")
    lock = tmp_path / "state" / "alive" / "lock"
    lock.parent.mkdir(parents=True)
    with lock.open("w") as held:  # the alive job's crawl still holds its lock
        fcntl.flock(held, fcntl.LOCK_EX)
        assert reap_orphans(runtime) == [gone]
    runtime.engine.dispose()
    statuses = {r.id: (r.status, r.finish_reason) for r in runs(db_url)}
    assert statuses[gone][0] == "failed" and "gone" in (statuses[gone][1] or "")
    assert statuses[alive] == ("running", None)


# --- no overlap -------------------------------------------------------------------------------
@pytest.mark.slow
def test_a_job_never_overlaps_itself(db_url: str, tmp_path: Path) -> None:
    web = copy_web(tmp_path)
    slow = {**replay_settings(tmp_path, web), "DOWNLOAD_DELAY": 0.2}  # ~7 s for one site
    quick = replay_settings(tmp_path, web)
    config = write_schedule(
        tmp_path / "schedule.toml",
        {
            "slow": {"every": "2s", "sites": ["dantri"], "settings": slow},
            "quick": {"every": "1h", "sites": ["kinhtedothi"], "max_pages": 5, "settings": quick},
        },
    )
    scheduler = Scheduler(config, db_url)
    try:
        wait_for_runs(db_url, lambda rs: any(r.status == "running" for r in rs), scheduler)
        # By hand, while the scheduled run is going on: refused, recorded as skipped.
        by_hand = crawler_cli(
            ["schedule", "--config", str(config), "--run-now", "slow"], db_url, tmp_path
        )
        # A second scheduler on the same state: refused outright.
        second = crawler_cli(["schedule", "--config", str(config)], db_url, tmp_path)
        wait_for_runs(
            db_url,
            lambda rs: (
                any(r.status == "ok" for r in rs)
                and any(r.status == "skipped" and r.trigger == "schedule" for r in rs)
            ),
            scheduler,
        )
    finally:
        status, _ = scheduler.stop()
    assert status == 0, scheduler.log()[-3000:]
    assert by_hand.returncode == 1, by_hand.stdout + by_hand.stderr
    assert "another `crawler schedule` is running" in second.stderr
    assert second.returncode == 2
    assert "skipped" in by_hand.stdout and "still running" in by_hand.stdout
    current = runs(db_url)
    crawls = [r for r in current if r.status != "skipped"]
    assert all(r.job == "slow" for r in current)
    for earlier, later in itertools.pairwise(crawls):
        assert earlier.finished_at is not None and earlier.finished_at <= later.started_at
    skipped = [r for r in current if r.status == "skipped"]
    assert {r.trigger for r in skipped} == {"schedule", "run-now"}
    assert all("still running" in (r.finish_reason or "") for r in skipped)

    # Once the scheduler is gone, --run-now runs a job in the foreground and reports it.
    result = crawler_cli(
        ["schedule", "--config", str(config), "--run-now", "quick"], db_url, tmp_path
    )
    assert result.returncode == 0, result.stdout + result.stderr
    last = runs(db_url)[-1]
    assert (last.job, last.trigger, last.status) == ("quick", "run-now", "ok")
    assert f"run {last.id}: ok (run-now, job quick)" in result.stdout
