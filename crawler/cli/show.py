"""`crawler show ID|URL`: one article with its provenance, versions, duplicates and capture."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

    from crawler.read.show import ArticleReport, Version


class Format(StrEnum):
    text = "text"
    json = "json"


def register(app: typer.Typer) -> None:
    app.command()(show)


def show(
    article: Annotated[str, typer.Argument(help="Article id, or any URL it is known under.")],
    output_format: Annotated[Format, typer.Option("--format", help="Output format.")] = Format.text,
    text: Annotated[bool, typer.Option("--text/--no-text", help="Print the article text.")] = True,
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", help="WARC directory (default: CRAWLER_WARC_DIR or warc/)."),
    ] = None,
) -> None:
    """Show an article: text, metadata, how it was found, relevance and closest seed, every
    version with what changed, its duplicates and near-duplicate cluster, its raw capture."""
    from crawler.config import Config
    from crawler.read.show import show as report_on

    report = report_on(Config.from_env().database_url, article, warc_dir)
    if output_format is Format.json:
        data = report.as_dict()
        if not text:
            data["article"].pop("text", None)
        json.dump(data, sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
        return
    _print(report, text)


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "unknown"


def _published(a: dict[str, Any]) -> str:
    """UTC, then the page's own clock and where its zone came from (docs/extraction.md)."""
    when = _when(a.get("published"))
    zone_name, source = a.get("published_zone"), a.get("published_zone_source")
    if not a.get("published") or not zone_name:
        return when
    from crawler.extraction.zones import named_zone  # here: the extraction stack loads slowly

    clock = named_zone(zone_name)
    local = a["published"].astimezone(clock).strftime("%Y-%m-%d %H:%M") if clock else ""
    return f"{when} ({local} {zone_name}, zone from {source or 'unknown'})"


def _evidence(report: ArticleReport, a: dict[str, Any]) -> str:
    """The terms that made the score, and the score and seed now if they moved since."""
    terms = ", ".join(report.evidence) or "none"
    if report.scored_now is None:
        return terms
    score, seed = report.scored_now
    if a["relevance"] is None or abs(score - a["relevance"]) >= 0.005 or seed != a["seed"]:
        terms += f" (scored now: {score:.3f}, seed {seed or 'none'})"
    return terms


def _print(report: ArticleReport, with_text: bool) -> None:
    from rich.console import Console
    from rich.markup import escape

    console = Console(soft_wrap=True, highlight=False)
    a = report.article
    console.rule(f"[bold]#{a['id']}[/bold] {escape(a['title'] or '(no title)')}")
    facts = _facts_table()
    seed = a["seed"] or "none"
    if report.seed_title:
        seed += f" — {report.seed_title}"
    rows = [
        ("site", f"{a['site']} ({a['site_name']})"),
        ("language", a["language"] or "unknown"),
        ("published", _published(a)),
        ("authors", a["authors"] or ""),
        ("organisations", a.get("organisations") or ""),
        ("url", a["url"]),
        ("canonical url", a["canonical_url"]),
        *([("url key", a["url_key"])] if a.get("url_key") != a["canonical_url"] else []),
        ("relevance", f"{a['relevance']:.3f}" if a["relevance"] is not None else "not scored"),
        ("closest seed", seed),
        ("evidence", _evidence(report, a)),
        ("found via", f"{a['found_via'] or 'unknown'} at depth {a['depth']}"
                      + (f" from {a['referrer']}" if a["referrer"] else "")),
        ("first seen", _when(a["first_seen"])),
        ("last seen", _when(a["last_seen"])),
    ]
    if report.crawl_run:
        run = report.crawl_run
        rows.append(("crawl run", f"{run['id']} ({run['trigger']}, {_when(run['started'])}, "
                                  f"{run['status']})"))
    indent = _LABELS + 2  # the table's label column and the padding between its columns
    for label, value in rows:
        if "://" in str(value):
            # A URL is copied from the terminal: one whole line (the terminal wraps it), never
            # folded or cut by a table cell. The table so far is printed first, in order.
            if facts.row_count:
                console.print(facts)
                facts = _facts_table()
            console.print(f"[dim]{label:<{indent}}[/dim]{escape(str(value))}", soft_wrap=True)
        else:
            facts.add_row(f"[dim]{label}[/dim]", escape(str(value)))
    console.print(facts)
    _versions(console, report.versions)
    shown = {a["canonical_url"], a.get("url_key")}
    others = {u: k for u, k in report.urls.items() if u not in shown}
    if others:
        console.print("\n[bold]Also known under[/bold]")
        for url, kind in others.items():
            label = "exact duplicate" if kind == "duplicate" else kind
            console.print(f"  {label}: {escape(url)}")
    if report.cluster:
        console.print("\n[bold]Near-duplicate cluster[/bold]")
        for member in report.cluster:
            role = ("original" if member["duplicate_of"] is None
                    else f"similarity {member['similarity']:.2f}")
            here = " [bold](this article)[/bold]" if member["id"] == a["id"] else ""
            console.print(f"  #{member['id']} {member['site']} {role}: "
                          f"{escape(member['title'] or '')}{here}")
    if with_text:
        console.print("\n[bold]Text[/bold]")
        console.print(escape(a["text"] or ""))


_LABELS = len("organisations")  # the longest label


def _facts_table() -> Table:
    from rich.table import Table

    # The labels' column as wide as the longest label, so the URL lines line up with it.
    facts = Table(show_header=False, box=None, pad_edge=False)
    facts.add_column(no_wrap=True, min_width=_LABELS)
    facts.add_column(overflow="fold")
    return facts


def _versions(console: Console, versions: list[Version]) -> None:
    from rich.markup import escape

    console.print(f"\n[bold]Versions[/bold] ({len(versions)})")
    for v in versions:
        console.print(f"  v{v.version}: first seen {_when(v.first_seen)}, last seen "
                      f"{_when(v.last_seen)}, text {v.content_hash[:12]}, "
                      f"extractor {v.extractor_version or '?'}")
        changes = v.changes or {}
        for field in changes.get("fields", []):
            if field == "title":
                title = changes["title"]
                old, new = escape(str(title["old"])), escape(str(title["new"]))
                console.print(f"    title: {old} → {new}")
            elif field == "text":
                t = changes["text"]
                console.print(f"    text: +{t['paragraphs_added']} −{t['paragraphs_removed']} "
                              f"paragraphs, similarity {t['similarity']}")
                for line in t.get("diff", [])[:6]:
                    console.print(f"      {escape(line[:400])}")
        c = v.capture
        if c is None:
            console.print("    raw capture: none recorded")
        elif c.found:
            console.print(f"    raw capture: {c.file} @{c.offset} ({c.length} bytes): HTTP "
                          f"{c.status}, {c.content_type or 'no content type'}, "
                          f"{c.body_bytes} bytes of body")
        else:
            console.print(f"    raw capture: {c.file} @{c.offset}: [red]unreadable[/red] "
                          f"({escape(c.problem or '')})")
