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


def test_url_key_migration_keeps_identity_and_restores_a_real_url(empty_db_url: str) -> None:
    """0007: the old identity key moves to url_key unchanged, canonical_url becomes a URL
    recorded for the article that opens (http kept, www. kept, tracking and AMP left out),
    and downgrading puts the key back."""
    from sqlalchemy import text

    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0006")
    engine = make_engine(empty_db_url)
    now = "2026-01-01 00:00:00"
    articles = [  # id, old canonical_url (a key), url as last fetched, other recorded URLs
        (1, "https://127.0.0.1:8123/the-gioi/a.html", "http://127.0.0.1:8123/the-gioi/a.html", []),
        (2, "https://15min.lt/naujiena/b-57-1", "https://www.15min.lt/naujiena/b-57-1?cf=df",
         ["https://m.15min.lt/naujiena/b-57-1", "https://www.15min.lt/naujiena/b-57-1"]),
        (3, "https://dantri.com.vn/c.htm", "https://amp.dantri.com.vn/c.htm", []),
        (4, "https://dantri.com.vn/d.htm", "https://dantri.com.vn/d.htm", []),
    ]
    try:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO sites (id, key, name) VALUES (1, 's', 'S')"))
            for article_id, key, url, others in articles:
                conn.execute(text(
                    "INSERT INTO articles (id, canonical_url, url, site_id, text, content_hash,"
                    " first_seen_at, last_seen_at) VALUES (:id, :key, :url, 1, 't', :h, :now, :now)"
                ), {"id": article_id, "key": key, "url": url, "h": f"h{article_id}", "now": now})
                conn.execute(text(
                    "INSERT INTO article_texts (content_hash, canonical_url, first_seen_at)"
                    " VALUES (:h, :key, :now)"), {"h": f"h{article_id}", "key": key, "now": now})
                recorded = {url: "variant", **dict.fromkeys(others, "variant"), key: "canonical"}
                for url_, kind in recorded.items():
                    conn.execute(text(
                        "INSERT INTO article_urls (url, article_id, kind, first_seen_at)"
                        " VALUES (:u, :id, :k, :now)"),
                        {"u": url_, "id": article_id, "k": kind, "now": now})
        command.upgrade(cfg, "0007")
        with engine.connect() as conn:
            rows = conn.execute(text(
                "SELECT id, canonical_url, url_key FROM articles ORDER BY id")).all()
            kinds = dict(conn.execute(text(
                "SELECT url, kind FROM article_urls WHERE article_id = 2")).all())
            owners = conn.execute(text("SELECT url_key FROM article_texts ORDER BY 1")).scalars()
            view = conn.execute(text("SELECT canonical_url, url_key FROM v_articles WHERE id = 1"))
            assert view.one() == tuple(rows[0][1:])
            assert list(owners) == sorted(a[1] for a in articles)
        assert [r.url_key for r in rows] == [a[1] for a in articles]
        assert [r.canonical_url for r in rows] == [
            "http://127.0.0.1:8123/the-gioi/a.html",
            "https://www.15min.lt/naujiena/b-57-1",  # not the ?cf= copy, not the m. rendering
            "https://amp.dantri.com.vn/c.htm",  # only an AMP rendering is known: better than none
            "https://dantri.com.vn/d.htm",
        ]
        assert kinds["https://15min.lt/naujiena/b-57-1"] == "key"
        assert kinds["https://www.15min.lt/naujiena/b-57-1"] == "canonical"
        command.downgrade(cfg, "0006")
        with engine.connect() as conn:
            back = conn.execute(text("SELECT canonical_url FROM articles ORDER BY id")).scalars()
            assert list(back) == [a[1] for a in articles]
            assert conn.execute(text(
                "SELECT count(*) FROM article_urls WHERE kind = 'canonical'")).scalar() == 4
    finally:
        engine.dispose()
