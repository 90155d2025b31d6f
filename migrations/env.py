"""Alembic environment: the same database URL as the application (CRAWLER_DATABASE_URL)."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.util import CommandError

from crawler.config import Config
from crawler.db import models  # noqa: F401  (registers every table on Base.metadata)
from crawler.db.base import Base, include_object
from crawler.db.session import make_engine
from crawler.db.types import UTCDateTime

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    # Programmatic callers (crawler db upgrade, the tests) pass the URL; the alembic CLI does not.
    try:
        url = config.get_main_option("sqlalchemy.url")
    except CommandError:  # the CLI reads pyproject.toml and has no ini section
        url = None
    return url or Config.from_env().database_url


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | bool:
    # Render our TypeDecorator as the plain type it stores, so migrations need no app import.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "include_object": include_object,
        "render_as_batch": True,  # SQLite can only ALTER by recreating the table
        "render_item": render_item,
        "compare_type": True,
    }


def run_migrations_offline() -> None:
    context.configure(url=_url(), literal_binds=True, **_options())
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connectable = config.attributes.get("connection")
    if connectable is not None:
        context.configure(connection=connectable, **_options())
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = make_engine(_url())
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            # Batch mode rebuilds a table by copy, drop and rename; with foreign keys enforced the
            # drop fails as soon as other rows refer to it. The pragma only works outside a
            # transaction, hence here; the rebuilt tables keep their constraints.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, **_options())
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
