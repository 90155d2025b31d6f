"""`crawler runs`: every crawl run the archive recorded, and one run's report."""

from __future__ import annotations

import json
import os
import sys
from typing import Annotated, Any

import typer
from rich import box
from rich.console import Console
from rich.table import Table

from crawler import stat_keys
from crawler.config import Config
from crawler.db import run_sql
from crawler.db.models import CrawlRun
from crawler.db.session import ensure_schema, make_engine, session_factory
from crawler.errors import ConfigError
from crawler.extensions.runs import unreachable_hosts

# Piped or logged, the tables keep their columns instead of folding to 80 characters.
console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)

_COLOURS = {"ok": "green", "running": "cyan", "skipped": "yellow", "interrupted": "yellow"}


def _json(value: str | None, default: Any) -> Any:
    return json.loads(value) if value else default


def _took(run: CrawlRun) -> str:
    if run.finished_at is None:
        return ""
    seconds = (run.finished_at - run.started_at).total_seconds()
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"


def _status(run: CrawlRun) -> str:
    colour = _COLOURS.get(run.status, "red")
    return f"[{colour}]{run.status}[/{colour}]"


# Narrower, the runs table keeps what an operator scans (id, started, status, counts): 15 columns
WIDE = 120
_COUNTS = ("pages", "new", "new ver.", "unch.", "dup.", "off-topic", "errors")
_SHORT = ("pages", "new", "ver.", "unch.", "dup.", "off", "err.")
_NOTE = "ver. new versions, unch. unchanged, dup. duplicates, off off-topic, err. errors; " \
    "took, trigger, job, drift, crawl: crawler runs ID or a wider terminal"


def _flagged(run: CrawlRun) -> str:
    return f"[red]{', '.join(sorted({f['site'] for f in _json(run.drift, [])}))}[/red]"


def _width() -> int:  # COLUMNS when set (also when piped), else the console's
    columns = os.environ.get("COLUMNS", "")
    return int(columns) if columns.isdigit() and int(columns) > 0 else console.width


def print_runs(runs: list[CrawlRun]) -> None:
    wide = (width := _width()) >= WIDE
    table = Table(title="Crawl runs (newest first)") if wide else Table(
        title="Crawl runs (newest first)", title_justify="left", box=box.SIMPLE_HEAD,
        collapse_padding=True, pad_edge=False, show_edge=False, caption=_NOTE,
        caption_justify="left")
    extra = ("took", "trigger", "job") if wide else ()
    for column in ("id", "started (UTC)", *extra, "status"):
        table.add_column(column, no_wrap=column not in extra)
    for column in _COUNTS if wide else _SHORT:
        table.add_column(column, justify="right", no_wrap=True)
    for column in ("drift", "crawl") if wide else ():  # crawl: a shared crawl (scale-out.md)
        table.add_column(column)
    for run in runs:
        counts = (run.pages_fetched, run.articles_new, run.articles_updated, run.articles_unchanged,
                  run.articles_duplicate, run.articles_not_related, run.errors)
        table.add_row(
            str(run.id), f"{run.started_at:%Y-%m-%d %H:%M}",
            *([_took(run), run.trigger, run.job or ""] if wide else []),
            _status(run), *(str(n) for n in counts),
            *([_flagged(run), run.crawl_id or ""] if wide else []),
        )
    console.print(table, width=None if wide else width, soft_wrap=wide)  # wide: as before
    print_crawls(runs)


def _crawl_status(runs: list[CrawlRun]) -> str:
    statuses = {run.status for run in runs}
    if "running" in statuses:
        return "running"
    # A worker that died while the others finished its work leaves an interrupted run.
    finished = statuses - {"interrupted"}
    return "ok" if finished == {"ok"} else "/".join(sorted(statuses))


def print_crawls(runs: list[CrawlRun]) -> None:
    """The crawls over several processes among these runs: one line per crawl, its workers."""
    crawls: dict[str, list[CrawlRun]] = {}
    for run in sorted(runs, key=lambda r: r.id):
        if run.crawl_id:
            crawls.setdefault(run.crawl_id, []).append(run)
    if not crawls:
        return
    table = Table(title="Crawls over several workers")
    for column in ("crawl", "status", "workers (run: worker, pages, status)"):
        table.add_column(column)
    for column in ("pages", "new", "errors"):
        table.add_column(column, justify="right")
    for crawl_id, members in crawls.items():
        table.add_row(
            crawl_id,
            _crawl_status(members),
            "\n".join(f"{r.id}: {r.worker or '?'}, {r.pages_fetched}, {r.status}" for r in members),
            str(sum(r.pages_fetched for r in members)),
            str(sum(r.articles_new for r in members)),
            str(sum(r.errors for r in members)),
        )
    console.print(table)


def _percent(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


def _site_table(sites: dict[str, dict[str, Any]]) -> Table:
    table = Table(title="Per site")
    table.add_column("site")
    columns = ("pages", "304", "skipped", "new", "new ver.", "unch.", "off-topic", "no art.")
    for column in (*columns, "errors", "title/date/body", "median body"):
        table.add_column(column, justify="right")
    for site, entry in sorted(sites.items()):
        articles, quality = entry.get("articles", {}), entry.get("quality", {})
        errors = entry.get("errors", {})
        n = int(quality.get("articles", 0))
        table.add_row(
            site,
            *(
                str(v)
                for v in (
                    entry.get("pages", 0),
                    entry.get("not_modified", 0),
                    entry.get("skipped_known", 0),
                    articles.get("new", 0),
                    articles.get("updated", 0),
                    articles.get("unchanged", 0),
                    articles.get("not_related", 0),
                    entry.get("no_article", 0),
                )
            ),
            ", ".join(f"{k} {v}" for k, v in sorted(errors.items())) or "0",
            " / ".join(_percent(int(quality.get(k, 0)), n) for k in ("title", "date", "body")),
            str(quality.get("median_body", "-")) if n else "-",
        )
    return table


def _kept_out(run: CrawlRun, stats: dict[str, Any]) -> str:
    """Every page fetched and not archived, by why: no article on it (which signal said so),
    an article below the relevance threshold, a duplicate of an archived one."""
    reasons = {k.removeprefix(stat_keys.NO_ARTICLE_PREFIX): int(v) for k, v in stats.items()
               if k.startswith(stat_keys.NO_ARTICLE_PREFIX)}
    detail = ", ".join(f"{k.replace('_', ' ')} {v}"
                       for k, v in sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0])))
    return (f"not archived: no article {sum(reasons.values())}"
            + (f" ({detail})" if detail else "")
            + f"; below the relevance threshold {run.articles_not_related}"
            + f"; duplicate {run.articles_duplicate}")


def print_run(run: CrawlRun) -> None:
    """One run's report: what it did, per site, what degraded, and how it ended."""
    job = f", job {run.job}" if run.job else ""
    console.print(f"[bold]run {run.id}[/bold]: {_status(run)} ({run.trigger}{job})")
    if run.crawl_id:
        console.print(f"worker {run.worker} of crawl {run.crawl_id}")
    ended = f"{run.finished_at:%Y-%m-%d %H:%M:%S} UTC" if run.finished_at else "still running"
    console.print(
        f"started {run.started_at:%Y-%m-%d %H:%M:%S} UTC, ended {ended}"
        + (f" after {_took(run)}" if run.finished_at else "")
        + (f"; {run.finish_reason}" if run.finish_reason else "")
    )
    console.print(
        f"pages fetched {run.pages_fetched}; articles new {run.articles_new}, "
        f"new version {run.articles_updated}, unchanged {run.articles_unchanged}, "
        f"duplicate {run.articles_duplicate}, not related {run.articles_not_related}"
    )
    stats = _json(run.stats, {})
    console.print(_kept_out(run, stats))
    kinds = _json(run.error_kinds, {})
    detail = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items()))
    console.print(f"errors {run.errors}" + (f" ({detail})" if detail else ""))
    for host, message in sorted(unreachable_hosts(stats).items()):
        console.print(f"[red]could not reach {host}[/red]: {message}")
    if stat_keys.INCREMENTAL_CONDITIONAL in stats or stat_keys.INCREMENTAL_SKIPPED_KNOWN in stats:
        console.print(
            "incremental: "
            f"{stats.get(stat_keys.INCREMENTAL_CONDITIONAL, 0)} conditional requests, "
            f"{stats.get(stat_keys.INCREMENTAL_NOT_MODIFIED, 0)} answered 304, "
            f"{stats.get(stat_keys.INCREMENTAL_SKIPPED_KNOWN, 0)} archived articles skipped"
        )
    if stats.get(stat_keys.ARCHIVE_OUTAGES):
        console.print(
            f"[yellow]archive unavailable[/yellow] {stats[stat_keys.ARCHIVE_OUTAGES]} time(s), "
            f"{stats.get(stat_keys.ARCHIVE_OUTAGE_SECONDS, 0)} s in all; "
            f"{stats.get(stat_keys.ARCHIVE_WRITTEN_AFTER_OUTAGE, 0)} articles waited for it "
            "and were written"
        )
    sites = _json(run.site_stats, {})
    if sites:
        console.print(_site_table(sites))
    flags = _json(run.drift, [])
    for flag in flags:
        console.print(f"[red]extraction drift[/red]: {flag['message']}")
    if run.site_stats is not None and not flags:
        console.print("extraction: no site degraded against its recent runs")
    if run.exit_status not in (None, 0):
        console.print(f"crawl process exit status {run.exit_status}")
    if run.log_tail and run.status != "ok":
        console.print("[bold]last log lines[/bold]:")
        console.print(run.log_tail, markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    @app.command()
    def runs(
        run_id: Annotated[int | None, typer.Argument(help="Print this run's report.")] = None,
        last: Annotated[bool, typer.Option("--last", help="The latest run's report.")] = False,
        job: Annotated[str | None, typer.Option("--job", help="Only this job's runs.")] = None,
        limit: Annotated[int, typer.Option("--limit", min=1, help="Runs listed.")] = 20,
    ) -> None:
        """List the recorded crawl runs, or print one run's report (ID or --last)."""
        database_url = Config.from_env().database_url
        ensure_schema(database_url, auto_upgrade_empty=False)
        engine = make_engine(database_url)
        try:
            with session_factory(engine)() as session:
                if run_id is not None or last:
                    recent = run_sql.recent_runs(session, 1, job=job)
                    run = run_sql.get_run(session, run_id) if run_id is not None else None
                    run = run if run_id is not None else (recent[0] if recent else None)
                    if run is None:
                        raise ConfigError(f"no run {run_id}" if run_id else "no runs recorded yet")
                    print_run(run)
                    if run.crawl_id:
                        print_crawls(list(run_sql.runs_of_crawl(session, run.crawl_id)))
                else:
                    print_runs(list(run_sql.recent_runs(session, limit, job=job)))
        finally:
            engine.dispose()
