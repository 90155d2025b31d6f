"""`crawler db …`: the archive's schema, owned by Alembic."""

from __future__ import annotations

import typer
from alembic import command
from alembic.util import CommandError
from sqlalchemy.exc import OperationalError

from crawler.config import Config
from crawler.db.session import alembic_config, current_revision, head_revision, make_engine
from crawler.errors import ArchiveNotReady, ConfigError

app = typer.Typer(help="Create and migrate the archive database.", no_args_is_help=True)


def _url() -> str:
    return Config.from_env().database_url


def _run(action: str, revision: str) -> None:
    try:
        getattr(command, action)(alembic_config(_url()), revision)
    except OperationalError as exc:
        raise ArchiveNotReady(f"cannot open the archive: {exc.orig}") from exc
    except CommandError as exc:  # an unknown revision, a downgrade past base …
        raise ConfigError(f"db {action} {revision}: {exc}") from exc


def _revision() -> str | None:
    engine = make_engine(_url())
    try:
        return current_revision(engine)
    except OperationalError as exc:
        raise ArchiveNotReady(f"cannot open the archive: {exc.orig}") from exc
    finally:
        engine.dispose()


@app.command()
def upgrade(revision: str = typer.Argument("head", help="Target revision.")) -> None:
    """Migrate the archive to the newest schema (creates it if empty)."""
    _run("upgrade", revision)
    typer.echo(f"archive at revision {head_revision() if revision == 'head' else revision}")


@app.command()
def downgrade(revision: str = typer.Argument(..., help="Target revision, e.g. base.")) -> None:
    """Migrate the archive back to an older schema (drops data of newer tables)."""
    _run("downgrade", revision)
    typer.echo(f"archive at revision {_revision() or 'base (empty)'}")


@app.command()
def current() -> None:
    """Show the archive's schema revision and the code's."""
    typer.echo(f"archive: {_revision() or 'empty'}  code: {head_revision()}")
