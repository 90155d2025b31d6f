"""`crawler query TEXT`: full-text search with filters; the filter options shared by the
read-side commands (query, stats, export)."""

from __future__ import annotations

import csv
import json
import sys
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from crawler.read.query import Filters, SearchResult

SiteOpt = Annotated[list[str] | None, typer.Option("--site", help="Site key (repeatable).")]
LangOpt = Annotated[
    list[str] | None, typer.Option("--lang", help="Language code, e.g. vi, lt (repeatable).")
]
SeedOpt = Annotated[
    list[str] | None, typer.Option("--seed", help="Closest seed id, e.g. 003 (repeatable).")
]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="Published on or after (YYYY-MM-DD, YYYY-MM, YYYY).")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="Published on or before (the whole day, month, year).")
]
MinRelOpt = Annotated[
    float | None,
    typer.Option("--min-relevance", min=0.0, max=1.0, help="Relevance to its seed, 0..1."),
]
DupOpt = Annotated[
    bool,
    typer.Option("--include-duplicates", help="Also near-duplicates of articles shown."),
]


class Sort(StrEnum):
    relevance = "relevance"
    date = "date"


class Format(StrEnum):
    table = "table"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"


def filters(
    text: str | None,
    site: list[str] | None,
    lang: list[str] | None,
    seed: list[str] | None,
    since: str | None,
    until: str | None,
    min_relevance: float | None,
    include_duplicates: bool,
) -> Filters:
    from crawler.read.query import Filters

    return Filters(
        text=text,
        sites=tuple(site or ()),
        languages=tuple(lang or ()),
        seeds=tuple(seed or ()),
        since=since,
        until=until,
        min_relevance=min_relevance,
        include_duplicates=include_duplicates,
    )


def register(app: typer.Typer) -> None:
    app.command()(query)


_ON, _OFF = "\x01", "\x02"  # snippet marks, replaced by the output format's own


def query(
    text: Annotated[
        str | None,
        typer.Argument(help='Search text: words, "a phrase", OR, -word, prefix*. '
                            "Omit to list by the filters alone. A text that starts with "
                            "-word goes after -- (crawler query -- '-Ukraine Nga')."),
    ] = None,
    site: SiteOpt = None,
    lang: LangOpt = None,
    seed: SeedOpt = None,
    since: SinceOpt = None,
    until: UntilOpt = None,
    min_relevance: MinRelOpt = None,
    include_duplicates: DupOpt = False,
    limit: Annotated[int, typer.Option("--limit", min=1, help="At most N articles.")] = 20,
    sort: Annotated[
        Sort | None,
        typer.Option("--sort", help="relevance (default with TEXT) or date (newest first)."),
    ] = None,
    output_format: Annotated[
        Format, typer.Option("--format", help="Output format.")
    ] = Format.table,
) -> None:
    """Search the archive: diacritics optional ("Nhat Ban" finds "Nhật Bản"), Lithuanian
    inflections found ("Rusija" finds "Rusijos"), with a highlighted snippet."""
    from crawler.config import Config
    from crawler.read.query import search

    asked = filters(text, site, lang, seed, since, until, min_relevance, include_duplicates)
    result = search(
        Config.from_env().database_url,
        asked,
        sort=sort.value if sort else None,
        limit=limit,
        mark=(_ON, _OFF),
    )
    if output_format is Format.table:
        _table(result)
        if result.hits and not include_duplicates:  # the demo and Datasette count them
            from dataclasses import replace

            every = search(Config.from_env().database_url,
                           replace(asked, include_duplicates=True), limit=1).total
            left_out = every - result.total
            typer.echo(f"{left_out} matching near-duplicate{'s' if left_out != 1 else ''} "
                       "left out: --include-duplicates shows them")
        return
    hits = [h.as_dict() for h in result.hits]
    for hit in hits:
        hit["snippet"] = hit["snippet"].replace(_ON, "**").replace(_OFF, "**")
    if output_format is Format.json:
        summary = {"total": result.total, "total_exact": result.total_exact, "hits": hits}
        json.dump(summary, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    elif output_format is Format.jsonl:
        for hit in hits:
            sys.stdout.write(json.dumps(hit, ensure_ascii=False) + "\n")
    else:
        writer = csv.DictWriter(sys.stdout, fieldnames=list(hits[0]) if hits else ["id"])
        writer.writeheader()
        writer.writerows(hits)


def _table(result: SearchResult) -> None:
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(soft_wrap=False)
    if not result.hits:
        console.print("no articles match")
        return
    table = Table(show_lines=True)
    for column, justify in (("id", "right"), ("published", "left"), ("site", "left"),
                            ("seed", "left"), ("rel.", "right"), ("article", "left")):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for hit in result.hits:
        passage = escape(hit.snippet).replace(_ON, "[bold yellow]").replace(_OFF, "[/]")
        duplicate = f" [dim](near-duplicate of {hit.duplicate_of})[/]" if hit.duplicate_of else ""
        table.add_row(
            str(hit.id),
            hit.published.strftime("%Y-%m-%d") if hit.published else "",
            f"{hit.site} ({hit.language})" if hit.language else hit.site,
            hit.seed or "",
            f"{hit.relevance:.2f}" if hit.relevance is not None else "",
            f"[bold]{escape(hit.title or '(no title)')}[/]{duplicate}\n{passage}",
        )
    console.print(table)
    shown = len(result.hits)
    total = f"{result.total:,}" + ("" if result.total_exact else "+")
    console.print(f"{shown} of {total} matching articles" if result.total > shown
                  else f"{shown} matching article{'s' if shown != 1 else ''}")
