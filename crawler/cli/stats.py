"""`crawler stats`: articles per site, language, seed and week, the relevance histogram, the
last runs, and each seed's story as a timeline (terminal, or an HTML/SVG file)."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from crawler.cli.query import DupOpt, LangOpt, MinRelOpt, SeedOpt, SinceOpt, SiteOpt, UntilOpt
from crawler.errors import CrawlerError

if TYPE_CHECKING:
    from crawler.read.stats import StatsReport

WEEKS_SHOWN = 12


class Format(StrEnum):
    table = "table"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command()(stats)


def stats(
    site: SiteOpt = None,
    lang: LangOpt = None,
    seed: SeedOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_relevance: MinRelOpt = None,
    include_duplicates: DupOpt = False,
    output_format: Annotated[
        Format, typer.Option("--format", help="Output format.")
    ] = Format.table,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also draw the timeline into an .html or .svg file."),
    ] = None,
) -> None:
    """What the archive holds, and each seed's story: related articles per week per site."""
    from crawler.cli.query import filters
    from crawler.config import Config
    from crawler.read.stats import stats as build

    if output is not None and output.suffix.lower() not in (".html", ".htm", ".svg"):
        raise CrawlerError(f"--output {output}: the timeline is written as .html or .svg")
    asked = filters(None, site, lang, seed, since, until, min_relevance, include_duplicates)
    report = build(Config.from_env().database_url, asked)
    if output is not None:
        from crawler.read.timeline import html_page, svg

        drawing = (svg(report.timeline, report.seed_titles) if output.suffix.lower() == ".svg"
                   else html_page(report))
        try:
            output.write_text(drawing, encoding="utf-8")
        except OSError as exc:
            raise CrawlerError(f"cannot write {output}: {exc.strerror}") from exc
    if output_format is Format.json:
        json.dump(report.as_dict(), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print(report, include_duplicates)
    if output is not None:
        typer.echo(f"timeline written to {output}", err=output_format is Format.json)


def counted(shown: int, archived: int, include_duplicates: bool) -> str:
    """Which articles a count holds: the demo's totals and Datasette count near-duplicates."""
    if include_duplicates:
        return f" ({archived} archived, near-duplicates included)"
    linked = archived - shown
    return (f" ({archived} archived, {linked} of them "
            f"{'a near-duplicate' if linked == 1 else 'near-duplicates'})"
            "\nnear-duplicates left out: --include-duplicates counts them")


def _bar(n: int, peak: int, width: int = 30) -> str:
    return "█" * max(1 if n else 0, round(width * n / peak)) if peak else ""


def _print(report: StatsReport, include_duplicates: bool) -> None:
    from rich.columns import Columns
    from rich.console import Console
    from rich.table import Table

    from crawler.read.stats import HISTOGRAM_BINS
    from crawler.read.timeline import terminal

    console = Console(soft_wrap=True)
    console.print(f"[bold]{report.total} articles[/bold]"
                  + counted(report.total, report.archived, include_duplicates))
    tables = []
    for title, rows in (("site", report.per_site), ("language", report.per_language),
                        ("seed", report.per_seed)):
        table = Table(title=f"per {title}", title_justify="left")
        table.add_column(title)
        table.add_column("articles", justify="right")
        for key, n in rows:
            table.add_row(str(key or "none"), str(n))
        tables.append(table)
    weeks = Table(title=f"last {WEEKS_SHOWN} weeks with articles", title_justify="left")
    weeks.add_column("week of")
    weeks.add_column("articles", justify="right")
    for week, n in report.per_week[-WEEKS_SHOWN:]:
        weeks.add_row(week, str(n))
    tables.append(weeks)
    console.print(Columns(tables))
    histogram = Table(title="relevance", title_justify="left", box=None)
    histogram.add_column("score")
    histogram.add_column("articles", justify="right")
    histogram.add_column("")
    peak = max(report.relevance, default=0)
    width = 1 / HISTOGRAM_BINS
    for i, n in enumerate(report.relevance):
        histogram.add_row(f"{i * width:.1f}–{(i + 1) * width:.1f}", str(n), _bar(n, peak))
    console.print(histogram)
    runs = Table(title="last runs", title_justify="left")
    for column in ("run", "started", "trigger", "status", "pages", "new", "updated",
                   "duplicates", "errors"):
        runs.add_column(column)
    for r in report.runs:
        runs.add_row(str(r.id), f"{r.started:%Y-%m-%d %H:%M}", r.trigger, r.status,
                     str(r.pages), str(r.new), str(r.updated), str(r.duplicate), str(r.errors))
    console.print(runs)
    console.print("[bold]Each seed's story[/bold]: related articles per site over time")
    console.print(terminal(report.timeline, report.seed_titles, console.width))
