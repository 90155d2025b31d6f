"""Engines, sessions and the schema check that every entry point runs first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from crawler.config import PROJECT_ROOT
from crawler.errors import ArchiveNotReady, ConfigError

MIGRATIONS_DIR = PROJECT_ROOT / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the CLI, Datasette) work while the crawl writes; one writer at a time,
    # and a busy timeout rather than an immediate "database is locked".
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(database_url: str) -> Engine:
    url = archive_url(database_url)
    try:
        engine = create_engine(url, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:  # a dialect or driver not installed
        raise ConfigError(
            f"CRAWLER_DATABASE_URL needs the driver {url.drivername!r}, which is not installed: "
            "use sqlite:///archive.db or postgresql://user@host/db (psycopg 3)"
        ) from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def archive_url(database_url: str) -> URL:
    """The URL an engine is made from; anything but SQLite or PostgreSQL is one clear line."""
    try:
        url = make_url(database_url)
    except ArgumentError as exc:
        raise ConfigError(f"CRAWLER_DATABASE_URL is not a database URL: {database_url!r}") from exc
    if url.drivername in ("postgresql", "postgres"):  # "postgres" is a common spelling
        url = url.set(drivername="postgresql+psycopg")  # psycopg 3, not the psycopg2 default
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigError(
            f"CRAWLER_DATABASE_URL must name SQLite or PostgreSQL, not {url.drivername!r}: "
            "e.g. sqlite:///archive.db or postgresql://user@host/db"
        )
    return url


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def alembic_config(database_url: str) -> AlembicConfig:
    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return cfg


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(database_url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(database_url), revision)


def ensure_schema(
    database_url: str, *, auto_upgrade_empty: bool = True, engine: Engine | None = None
) -> None:
    """Make sure the archive is at the code's schema before anything writes to it.

    An empty database is upgraded on the spot (the first crawl just works); a database at an
    older revision is left alone with a message naming the command, because upgrading a shared
    archive is an operator's decision. A caller that holds the process's engine passes it, so
    the check opens no other.
    """
    own = engine is None
    checked = make_engine(database_url) if engine is None else engine
    try:
        try:
            current = current_revision(checked)
            tables = set(inspect(checked).get_table_names())
        except OperationalError as exc:
            raise ArchiveNotReady(
                f"cannot open the archive at {_redacted(database_url)}: {exc.orig}"
            ) from exc
    finally:
        if own:
            checked.dispose()
    head = head_revision()
    if current == head:
        return
    if current is None and not (tables - {"alembic_version"}) and auto_upgrade_empty:
        upgrade(database_url)
        return
    raise ArchiveNotReady(
        f"the archive at {_redacted(database_url)} is at schema revision {current or 'none'}, "
        f"the code needs {head}: run `crawler db upgrade`"
    )


def _redacted(database_url: str) -> str:
    try:
        return make_url(database_url).render_as_string(hide_password=True)
    except ArgumentError:
        return database_url


def sqlite_path(database_url: str) -> Path | None:
    url = archive_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None
