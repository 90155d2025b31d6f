"""`crawler schedule`: the long-running scheduler, its jobs, and one job run now."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from crawler.cli.runs import console
from crawler.config import Config
from crawler.errors import ConfigError

if TYPE_CHECKING:
    from crawler.schedule.jobrun import Runtime


def _list(runtime: Runtime) -> None:
    from crawler.db import run_sql
    from crawler.schedule import service

    stored = service.stored_jobs(runtime)
    jobs = runtime.config.jobs
    with runtime.sessions()() as session:
        last = run_sql.last_run_of_jobs(session, sorted(jobs.keys() | stored.keys()))
    table = Table(title=f"Jobs in {runtime.config.path}")
    for column in ("job", "trigger", "crawls", "budget", "threshold", "next run (UTC)", "last run"):
        table.add_column(column)
    now = datetime.now(UTC)
    for job_id in sorted(jobs.keys() | stored.keys()):
        spec, job = jobs.get(job_id), stored.get(job_id)
        if spec is None:
            table.add_row(job_id, "", "", "", "", "[yellow]removed from the file[/yellow]", "")
            continue
        if job is None:
            upcoming = spec.trigger().get_next_fire_time(None, now)
            when = f"{upcoming:%Y-%m-%d %H:%M:%S} [yellow](not scheduled yet)[/yellow]"
        else:
            when = f"{job.next_run_time.astimezone(UTC):%Y-%m-%d %H:%M:%S}"
            if job.kwargs.get("spec") != spec.to_dict():
                when += " [yellow](file changed: restart the scheduler)[/yellow]"
        crawl = spec.crawl
        crawls = ", ".join([*crawl.sites, *(f"seed {s}" for s in crawl.seeds)]) or "all seeds"
        run = last.get(job_id)
        table.add_row(
            job_id,
            spec.describe_trigger(),
            crawls,
            str(crawl.max_pages or "-"),
            "-" if crawl.threshold is None else f"{crawl.threshold:g}",
            when,
            f"{run.id}: {run.status} {run.started_at:%Y-%m-%d %H:%M}" if run else "",
        )
    console.print(table)


def register(app: typer.Typer) -> None:
    @app.command()
    def schedule(
        config: Annotated[
            Path,
            typer.Option(
                "--config", "-c", envvar="CRAWLER_SCHEDULE", help="The schedule file (TOML)."
            ),
        ] = Path("schedule.toml"),
        list_jobs: Annotated[
            bool, typer.Option("--list", help="Show the jobs and their next run, then exit.")
        ] = False,
        run_now: Annotated[
            str | None, typer.Option("--run-now", metavar="JOB", help="Run one job now.")
        ] = None,
    ) -> None:
        """Run the crawls of a schedule file until SIGTERM (see schedule.example.toml)."""
        from crawler.read.feeds import parse_feeds
        from crawler.schedule import service
        from crawler.schedule.schedule_file import load_config

        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        for noisy in ("apscheduler.scheduler", "apscheduler.executors.default", "alembic"):
            logging.getLogger(noisy).setLevel(logging.WARNING)
        schedule_file = load_config(config)
        parse_feeds(schedule_file.feeds, f"{config}: feeds")  # served, not scheduled: checked
        runtime = service.make_runtime(Config.from_env().database_url, schedule_file)
        if list_jobs:
            _list(runtime)
            return
        if run_now is not None:
            spec = runtime.config.jobs.get(run_now)
            if spec is None:
                known = ", ".join(sorted(runtime.config.jobs))
                raise ConfigError(f"no job {run_now!r} in {config}; jobs: {known}")
            _report(runtime, service.run_now(runtime, spec))
            return
        raise typer.Exit(service.serve(runtime))


def _report(runtime: Runtime, run_id: int | None) -> None:
    from crawler.cli.runs import print_run
    from crawler.db import run_sql

    if run_id is None:
        raise typer.Exit(1)
    with runtime.sessions()() as session:
        run = run_sql.get_run(session, run_id)
    assert run is not None
    print_run(run)
    if run.status != "ok":
        raise typer.Exit(1)
