"""`crawler export`: the selected articles as jsonl, csv, parquet, warc, a SQLite archive,
an Atom feed or a WACZ."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from typer._click.exceptions import ClickException

from crawler.cli.query import DupOpt, LangOpt, MinRelOpt, SeedOpt, SinceOpt, SiteOpt, UntilOpt


class Format(StrEnum):
    jsonl = "jsonl"
    csv = "csv"
    parquet = "parquet"
    warc = "warc"
    sqlite = "sqlite"
    atom = "atom"
    wacz = "wacz"


def register(app: typer.Typer) -> None:
    app.command()(export)


def export(
    output_format: Annotated[Format, typer.Option("--format", help="Export format.")],
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File to write (jsonl and csv: stdout without it)."),
    ] = None,
    text: Annotated[
        str | None, typer.Option("--query", "-q", help="Only articles matching this search.")
    ] = None,
    site: SiteOpt = None,
    lang: LangOpt = None,
    seed: SeedOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_relevance: MinRelOpt = None,
    include_duplicates: DupOpt = False,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="The first N by id.")] = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", help="WARC directory (default: CRAWLER_WARC_DIR or warc/)."),
    ] = None,
    overwrite: Annotated[bool, typer.Option("--overwrite", help="Replace OUTPUT.")] = False,
    feed: Annotated[
        str | None, typer.Option("--feed", help="atom: the feed of this name in --config.")
    ] = None,
    config: Annotated[
        Path, typer.Option("--config", help="The schedule file holding the [feeds] table.")
    ] = Path("schedule.toml"),
) -> None:
    """Export the selected articles, streaming (memory stays flat on any archive size):
    jsonl, csv, parquet, warc (their raw captures), sqlite (a self-contained archive), atom
    (a feed, newest first: docs/feeds.md) or wacz (for ReplayWeb.page: docs/wacz.md)."""
    from crawler.cli.query import filters
    from crawler.config import Config
    from crawler.read.export import export as run

    asked = filters(text, site, lang, seed, since, until, min_relevance, include_duplicates)
    named = None
    if feed is not None:
        from crawler.read.feeds import named_feed

        named = named_feed(config, feed)
        asked = named.filters
    report = run(
        Config.from_env().database_url,
        asked,
        output_format.value,
        None if output is None or str(output) == "-" else output,
        limit=limit,
        warc_dir=warc_dir,
        overwrite=overwrite,
        feed=named,
    )
    captures = ""
    if report.format in ("warc", "wacz"):
        captures = f" ({report.captures} captures"
        captures += f", {report.missing_captures} missing)" if report.missing_captures else ")"
    typer.echo(f"exported {report.articles} articles{captures} as {report.format} to "
               f"{report.output}", err=True)
    if report.missing_captures:  # raw captures lost or looked for in the wrong place
        # Printed as every error is (crawler.cli.OneLineErrors), with exit status 1.
        raise ClickException(f"{report.missing_captures} captures not found: set "
                             "CRAWLER_WARC_DIR or --warc-dir to where the crawl wrote them")
