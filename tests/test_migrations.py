"""Alembic owns the schema: up, down and up again on both backends, and no drift."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from sqlalchemy import inspect

from crawler.db.base import Base, include_object
from crawler.db.session import alembic_config, head_revision, make_engine
from crawler.schedule.service import JOB_TABLE

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


def test_upgrade_keeps_a_populated_archive(empty_db_url: str) -> None:
    """Every later migration runs on an archive with rows that refer to each other (SQLite's
    batch mode rebuilds referenced tables; it must neither fail nor lose a row)."""
    from sqlalchemy import text

    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0002")
    engine = make_engine(empty_db_url)
    now = "2026-01-01 00:00:00"
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO sites (id, key, name) VALUES (1, 'dantri', 'Dân trí')"))
            conn.execute(text(
                "INSERT INTO crawl_runs (id, spider, trigger, status, started_at, pages_fetched,"
                " articles_new, articles_updated, articles_unchanged, articles_duplicate,"
                " articles_not_related, errors) VALUES"
                f" (1, 'related', 'manual', 'ok', '{now}', 3, 1, 0, 0, 0, 0, 0)"
            ))
            conn.execute(text(
                "INSERT INTO articles (id, canonical_url, url, site_id, title, text, content_hash,"
                " first_seen_at, last_seen_at, crawl_run_id) VALUES (1, 'https://dantri.com.vn/a',"
                f" 'https://dantri.com.vn/a', 1, 'Nga và Nhật Bản', 'Nga và Nhật Bản hội đàm.',"
                f" 'h1', '{now}', '{now}', 1)"
            ))
        command.upgrade(cfg, "head")
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 1
            assert conn.execute(text("SELECT status FROM crawl_runs")).scalar() == "ok"
            assert conn.execute(text("SELECT crawl_run_id FROM articles")).scalar() == 1
    finally:
        engine.dispose()
