"""`crawler site …`: list and check site profiles; record pages for their tests."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from crawler.config import Config, recorded_web_dir
from crawler.errors import ConfigError
from crawler.recorded_web.recording import record_page
from crawler.sites import load_sites

app = typer.Typer(
    help="Site profiles (seeds/sites/*.toml) and their recorded pages.", no_args_is_help=True
)
console = Console(soft_wrap=True)


@app.command("list")
def list_sites() -> None:
    """List the site profiles with their start points (validates every file)."""
    sites = load_sites(Config.from_env().sites_dir)
    table = Table()
    # The key is what --site takes: never cut; the others wrap to fit 80 columns.
    table.add_column("key", no_wrap=True, min_width=max((len(k) for k in sites), default=3))
    for column in ("name", "lang", "domains"):
        table.add_column(column, overflow="fold")
    for column in ("feeds", "sitemaps", "sections", "search"):
        table.add_column(column, no_wrap=True)
    for site in sites.values():
        table.add_row(
            site.key,
            site.name,
            site.language,
            " ".join(site.domains),
            str(len(site.feeds)),
            str(len(site.sitemaps)),
            str(len(site.sections) + len(site.tag_pages)),
            "yes" if site.search_url else "no",
        )
    console.print(table)


@app.command()
def record(
    url: str,
    site: Annotated[str, typer.Option("--site", help="Site key (seeds/sites/<key>.toml).")],
    from_file: Annotated[
        Path | None, typer.Option("--from-file", help="Use a saved page instead of fetching.")
    ] = None,
    web_dir: Annotated[
        Path | None, typer.Option(help="The recorded web (default: the project's tests/web).")
    ] = None,
) -> None:
    """Record URL into the recorded web and draft its expected output for hand correction."""
    sites = load_sites(Config.from_env().sites_dir)
    if site not in sites:
        raise ConfigError(f"unknown site {site!r}; known: {', '.join(sorted(sites))}")
    body = None
    if from_file is not None:
        try:
            body = from_file.read_bytes()
        except OSError as exc:
            raise ConfigError(f"cannot read {from_file}: {exc}") from exc
    web_dir = web_dir or recorded_web_dir()
    page = record_page(url, sites[site], web_dir, web_dir / "labels.json", body)
    console.print(f"stored {page.path}")
    if page.label is None:
        console.print("not an article URL of the profile (or no article found): no label drafted")
    else:
        console.print(
            f"drafted a label in {web_dir / 'labels.json'}: check every field against "
            'the page, list its boilerplate strings, then remove "needs_review"'
        )
