"""`crawler crawl` (live sites) and `crawler demo` (the recorded web, offline)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from crawler import stat_keys
from crawler.config import Config, recorded_web_dir
from crawler.db import article_sql
from crawler.db.session import make_engine, session_factory
from crawler.errors import ConfigError
from crawler.extensions.runs import unreachable_hosts
from crawler.launch.crawl_spec import CrawlSpec
from crawler.launch.runner import CrawlOutcome, exit_status, run_crawl

console = Console(soft_wrap=True)

SiteOpt = Annotated[list[str] | None, typer.Option("--site", help="Site key (repeatable).")]
SeedOpt = Annotated[list[str] | None, typer.Option("--seed", help="Seed id (repeatable).")]
PagesOpt = Annotated[int | None, typer.Option("--max-pages", min=1, help="Page budget.")]
DepthOpt = Annotated[int | None, typer.Option("--max-depth", min=0, help="Link depth limit.")]
SinceOpt = Annotated[
    str | None,
    typer.Option("--since", help="Skip articles older (YYYY-MM-DD, YYYY-MM, YYYY, ISO time)."),
]
ThresholdOpt = Annotated[
    float | None,
    typer.Option("--threshold", min=0.0, max=1.0, help="Relevance threshold; 0 archives all."),
]


def print_report(outcome: CrawlOutcome, database_url: str, *, list_articles: bool) -> None:
    stats = outcome.stats
    colour = "green" if outcome.status == "ok" else "red"
    console.print(
        f"[bold]run {outcome.run_id}[/bold]: [{colour}]{outcome.status}[/{colour}] "
        f"({stats.get('finish_reason', '?')})"
    )
    counts = Table(show_header=False, box=None)
    for label, key in (
        ("pages fetched", "response_received_count"),
        ("articles new", stat_keys.ARTICLES_NEW),
        ("articles updated", stat_keys.ARTICLES_UPDATED),
        ("articles unchanged", stat_keys.ARTICLES_UNCHANGED),
        ("duplicates (URL known)", stat_keys.ARTICLES_DUPLICATE),
        ("near-duplicates (linked)", stat_keys.DEDUP_NEAR_DUPLICATE),
        ("not related (dropped)", stat_keys.ARTICLES_NOT_RELATED),
        ("pages without an article", stat_keys.EXTRACTION_NO_ARTICLE),
        ("errors", stat_keys.ERRORS),
    ):
        counts.add_row(label, str(stats.get(key, 0)))
    console.print(counts)
    for key, value in sorted(stats.items()):
        if key.startswith(stat_keys.ERRORS_PREFIX):
            console.print(f"  errors {key.rsplit('/', 1)[1]}: {value}")
    for host, message in sorted(unreachable_hosts(stats).items()):
        console.print(f"[red]could not reach {host}[/red]: {message}")
    if stats.get(stat_keys.CRAWL_ID):  # one worker of a crawl over several processes
        console.print(
            f"crawl {stats[stat_keys.CRAWL_ID]}, worker {stats.get(stat_keys.WORKER)}: "
            f"{stats.get(stat_keys.REDIS_FRONTIER, 0)} requests left in the shared frontier"
        )
    if list_articles and outcome.run_id is not None:  # the demo
        _explain_demo(stats)
        _print_articles(outcome.run_id, database_url)


def _explain_demo(stats: dict[str, Any]) -> None:
    """What a first-time reader of the demo's report would take for a fault, and is not."""
    if stats.get(stat_keys.ERRORS_HTTP_4XX):
        console.print(
            f"  (the {stats[stat_keys.ERRORS_HTTP_4XX]} HTTP 4xx errors are expected: links to "
            "pages the recorded web does not hold, answered 404 as a site would)"
        )
    if stats.get(stat_keys.ARTICLES_UNCHANGED):
        console.print(
            f"  ({stats[stat_keys.ARTICLES_UNCHANGED]} unchanged on a first run: the same "
            "article reached again under another URL, e.g. with tracking parameters; "
            "stored once)"
        )


def distributed_settings(
    distributed: bool, seed_only: bool, crawl_id: str | None
) -> dict[str, Any]:
    """Settings of `--distributed` (docs/scale-out.md); CRAWLER_REDIS_URL itself is the switch."""
    if not distributed:
        if seed_only or crawl_id:
            raise ConfigError("--seed-only and --crawl-id go with --distributed")
        return {}
    if not os.environ.get("CRAWLER_REDIS_URL"):
        raise ConfigError("--distributed needs CRAWLER_REDIS_URL (e.g. redis://host:6379/0)")
    settings: dict[str, Any] = {"CRAWLER_REDIS_SEED_ONLY": seed_only}
    if crawl_id:
        settings["CRAWLER_CRAWL_ID"] = crawl_id
    return settings


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _print_articles(run_id: int, database_url: str) -> None:
    engine = make_engine(database_url)
    with session_factory(engine)() as session:
        articles = article_sql.articles_of_run(session, run_id, limit=100)
        per_site = article_sql.articles_per_site(session)
        table = Table(title=f"Archived by run {run_id}")
        for column in ("site", "published", "seed", "rel."):
            table.add_column(column, no_wrap=True)
        table.add_column("title", no_wrap=True)
        # The title gives way at 80 columns, with a visible …, not the dates and keys: rich
        # would squeeze every column of a table too wide for the terminal.
        room = max(20, console.width - 48)  # 11 + 10 + 4 + 4 columns and 5 cells' borders
        for article in articles:
            table.add_row(
                article.site.key,
                article.published_at.strftime("%Y-%m-%d") if article.published_at else "?",
                article.seed_id or "",
                f"{article.relevance:.2f}" if article.relevance is not None else "",
                _cut(article.title or "", room),
            )
        console.print(table)
        console.print("archive totals: " + ", ".join(f"{k} {n}" for k, n in per_site))
    engine.dispose()


def register(app: typer.Typer) -> None:
    @app.command()
    def crawl(
        site: SiteOpt = None,
        seed: SeedOpt = None,
        max_pages: PagesOpt = None,
        max_depth: DepthOpt = None,
        since: SinceOpt = None,
        threshold: ThresholdOpt = None,
        start_url: Annotated[
            list[str] | None, typer.Option("--start-url", help="Crawl a site with no profile.")
        ] = None,
        allowed_domain: Annotated[
            list[str] | None, typer.Option("--allowed-domain", help="With --start-url.")
        ] = None,
        replay: Annotated[
            Path | None,
            typer.Option("--replay", help="Serve a recorded web instead of the network."),
        ] = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Scrapy's log.")] = False,
        distributed: Annotated[
            bool, typer.Option("--distributed", help="Share the frontier in CRAWLER_REDIS_URL.")
        ] = False,
        seed_only: Annotated[
            bool, typer.Option("--seed-only", help="Only push the start points (--distributed).")
        ] = False,
        crawl_id: Annotated[
            str | None, typer.Option("--crawl-id", help="Workers of one crawl share it.")
        ] = None,
    ) -> None:
        """Crawl the seeds' sites for related articles into the archive."""
        config = Config.from_env()
        extra = distributed_settings(distributed, seed_only, crawl_id)
        spec = CrawlSpec(
            sites=tuple(site or ()),
            seeds=tuple(seed or ()),
            max_pages=max_pages,
            max_depth=max_depth,
            since=since,
            start_urls=tuple(start_url or ()),
            allowed_domains=tuple(allowed_domain or ()),
            threshold=threshold,
        )
        outcome = run_crawl(
            spec,
            database_url=config.database_url,
            replay_dir=replay or config.replay_dir,
            log_level="INFO" if verbose else "WARNING",
            settings=extra,
        )
        print_report(outcome, config.database_url, list_articles=False)
        if code := exit_status(outcome.status):
            raise typer.Exit(code)

    @app.command()
    def demo(
        threshold: ThresholdOpt = None,
        verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Scrapy's log.")] = False,
    ) -> None:
        """Crawl the recorded web of the seed sites offline into the archive and summarise it."""
        config = Config.from_env()
        console.print(
            f"crawling the recorded web in {recorded_web_dir()} "
            f"into {config.database_url} (no network needed)"
        )
        outcome = run_crawl(
            CrawlSpec(threshold=threshold),
            database_url=config.database_url,
            replay_dir=recorded_web_dir(),
            trigger="demo",
            log_level="INFO" if verbose else "WARNING",
        )
        print_report(outcome, config.database_url, list_articles=True)
        if code := exit_status(outcome.status):
            raise typer.Exit(code)
