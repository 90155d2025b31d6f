"""`crawler reextract`: today's extraction over the stored raw captures, offline."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from crawler.config import Config


def register(app: typer.Typer) -> None:
    app.command()(reextract)


def reextract(
    site: Annotated[str | None, typer.Option("--site", help="Only this site's articles.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", min=1, help="At most N versions.")] = None,
    warc_dir: Annotated[
        Path | None,
        typer.Option("--warc-dir", help="WARC directory (default: CRAWLER_WARC_DIR or warc/)."),
    ] = None,
) -> None:
    """Re-run extraction over the archived WARC captures and update the derived records."""
    import os

    from crawler.store.reextract import reextract as run
    from crawler.store.warc import warc_dir_for

    database_url = Config.from_env().database_url
    directory = warc_dir or warc_dir_for(database_url, os.environ.get("CRAWLER_WARC_DIR"))
    report = run(database_url, directory, site=site, limit=limit)
    typer.echo(
        f"extractor {report.extractor_version}: {report.examined} versions re-extracted, "
        f"{report.changed} changed, {report.unchanged} unchanged, "
        f"{report.no_article} without an article now, "
        f"{report.missing_capture} with a missing capture; "
        f"{report.indexed} articles added to the near-duplicate index"
    )
