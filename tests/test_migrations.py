"""Alembic owns the schema: up, down and up again on both backends, and no drift."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from crawler.db.base import Base, include_object
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


def test_models_match_migrations(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        # As in an archive the scheduler has used: its job table is there, and is not ours.
        SQLAlchemyJobStore(engine=engine, tablename=JOB_TABLE).jobs_t.create(engine)
        with engine.connect() as conn:
            opts = {"compare_type": True, "include_object": include_object}
            context = MigrationContext.configure(conn, opts=opts)
            assert context.get_current_revision() == head_revision()
            diff = compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()
    assert diff == [], f"models and migrations disagree; add a migration: {diff}"
