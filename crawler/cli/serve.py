"""`crawler serve`: browse an SQLite archive in Datasette."""

from __future__ import annotations

from typing import Annotated

import typer

from crawler.errors import CrawlerError


def register(app: typer.Typer) -> None:
    app.command()(serve)


def serve(
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port (0: any).")] = 8001,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the archive in the web browser.")
    ] = False,
    config: Annotated[
        str, typer.Option("--config", help="Schedule file whose [feeds] are served as Atom.")
    ] = "schedule.toml",
) -> None:
    """Open the archive in Datasette: full-text search, facets by site, language and seed,
    canned queries (related to seed N, changed articles, near-duplicates); Atom feeds at
    /-/feeds/seed/<seed>.atom and /-/feeds/<name>.atom (docs/feeds.md)."""
    import signal
    import subprocess
    import tempfile
    from pathlib import Path
    from types import FrameType

    from crawler.config import Config
    from crawler.db.session import sqlite_path
    from crawler.read.archive_access import open_archive
    from crawler.read.browse import datasette_command, write_metadata

    database_url = Config.from_env().database_url
    archive = sqlite_path(database_url)
    if archive is None:
        raise CrawlerError(
            "crawler serve opens an SQLite archive; export this one to a file first: "
            "crawler export --format sqlite --output archive.db"
        )
    open_archive(database_url).dispose()  # missing or not migrated: say so before starting
    port = _free_port(host, port)
    with tempfile.TemporaryDirectory(prefix="crawler-serve-") as tmp:
        meta = write_metadata(archive.stem, Path(tmp) / "metadata.json", Path(config))
        typer.echo(f"serving {archive} on http://{host}:{port}/{archive.stem}/v_articles "
                   "(Ctrl+C stops)", err=True)
        server = subprocess.Popen(datasette_command(archive, meta, host, port, open_browser))

        def stop(signum: int, frame: FrameType | None) -> None:
            server.terminate()  # a stopped `crawler serve` leaves no Datasette behind

        signal.signal(signal.SIGTERM, stop)
        try:
            code = server.wait()
        except KeyboardInterrupt:  # Ctrl+C reached Datasette too: let it finish
            code = server.wait()
    if code not in (0, -signal.SIGTERM, -signal.SIGINT):
        raise typer.Exit(code)


def _free_port(host: str, port: int) -> int:
    """The port Datasette will get: a busy one is refused before saying "serving", and 0 is
    resolved here so the address printed is the one that works."""
    import socket

    try:
        with socket.create_server((host, port)) as probe:
            return int(probe.getsockname()[1])
    except OSError as exc:
        raise CrawlerError(
            f"cannot serve on {host}:{port}: {exc.strerror or exc}; "
            "choose another --port (0 picks a free one)"
        ) from exc
