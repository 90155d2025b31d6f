"""Alembic owns the schema: up, down and up again on both backends, and no drift."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from crawler.db.base import Base
from crawler.db.session import alembic_config, head_revision, make_engine
from crawler.scheduling import JOB_TABLE

TABLES = {"sites", "articles", "crawl_runs"}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_downgrade_upgrade(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "head")
    assert _tables(empty_db_url) >= TABLES
    command.downgrade(cfg, "base")
    assert not (TABLES & _tables(empty_db_url))
    command.upgrade(cfg, "head")
    assert _tables(empty_db_url) >= TABLES


def _scheduler_table(entry: Any) -> bool:
    """APScheduler's job store table: created by the store itself on the scheduler's first
    start (its schema is APScheduler's, not ours), so it is the one table outside the models."""
    obj = entry[1] if isinstance(entry, tuple) and len(entry) > 1 else None
    table = getattr(obj, "table", obj)
    return getattr(table, "name", None) == JOB_TABLE


def test_models_match_migrations(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        # As in an archive the scheduler has used: its job table is there.
        SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE).jobs_t.create(engine)
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert context.get_current_revision() == head_revision()
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert any(_scheduler_table(entry) for entry in diff)  # the exclusion below is needed
    diff = [entry for entry in diff if not _scheduler_table(entry)]
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"
