"""The `crawler` command. Each command parses options and calls one library function.

Errors meant for the operator are one line on stderr and exit status 2; `--debug` shows
the traceback instead.
"""

from __future__ import annotations

import sys

import typer

from crawler.cli import (
    crawl,
    db,
    export,
    query,
    reextract,
    runs,
    schedule,
    serve,
    show,
    sites,
    stats,
)
from crawler.errors import CrawlerError

app = typer.Typer(
    help="A focused news-archiving crawler: crawl, archive and query articles related to seeds.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(sites.app, name="site")
crawl.register(app)
reextract.register(app)
runs.register(app)
schedule.register(app)
query.register(app)
show.register(app)
stats.register(app)
export.register(app)
serve.register(app)


def main() -> None:
    debug = "--debug" in sys.argv
    if debug:
        sys.argv.remove("--debug")
    try:
        app()
    except CrawlerError as exc:
        if debug:
            raise
        typer.secho(f"error: {exc}", fg=typer.colors.RED, err=True)
        raise SystemExit(2) from None
    except KeyboardInterrupt:
        typer.secho("interrupted", err=True)
        raise SystemExit(130) from None
