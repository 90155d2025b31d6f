"""The repository on both backends: sites, articles stored and stored again, runs, time zones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from crawler.db import article_sql, run_sql
from crawler.db.models import Article
from crawler.db.session import make_engine, session_factory
from crawler.store.dedup import ArticleRecord, store_article
from crawler.store.fingerprints import content_hash

HANOI = timezone(timedelta(hours=7))


def _record(
    site_id: int, text: str, seen: datetime, url: str = "https://x.vn/a-1.htm"
) -> ArticleRecord:
    return ArticleRecord(url, {
        "url": url,
        "site_id": site_id,
        "title": "Nga và NATO",
        "text": text,
        "content_hash": content_hash(text),
        "language": "vi",
        "published_at": datetime(2016, 4, 9, 10, 17, tzinfo=HANOI),
        "first_seen_at": seen,
        "last_seen_at": seen,
    })  # fmt: skip


def test_site_is_created_once(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with sessions.begin() as session:
        first = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
        again = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
    assert first == again


def test_store_new_unchanged_updated(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        site_id = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
        assert store_article(session, _record(site_id, "Một hai ba.", t0)).outcome == "new"
    with sessions.begin() as session:
        # Same text, NFD-decomposed and re-spaced: the same article to a reader.
        import unicodedata

        nfd = unicodedata.normalize("NFD", "Một  hai ba.")
        later = t0 + timedelta(hours=6)
        assert store_article(session, _record(site_id, nfd, later)).outcome == "unchanged"
    with sessions.begin() as session:
        stored = session.scalars(select(Article)).one()
        assert stored.last_seen_at == t0 + timedelta(hours=6)
        assert stored.first_seen_at == t0
        changed = _record(site_id, "Một hai ba bốn.", t0)
        assert store_article(session, changed).outcome == "updated"
    with sessions.begin() as session:
        stored = session.scalars(select(Article)).one()
        assert stored.text == "Một hai ba bốn."
        assert article_sql.count_articles(session) == 1


def test_times_keep_their_instant(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    seen = datetime(2026, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        site_id = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
        store_article(session, _record(site_id, "x", seen))
    with sessions() as session:
        stored = session.scalars(select(Article)).one()
        assert stored.published_at == datetime(2016, 4, 9, 3, 17, tzinfo=UTC)
        assert stored.published_at.tzinfo is not None


def test_naive_datetimes_are_refused(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    with pytest.raises(Exception, match="naive datetime"), sessions.begin() as session:
        site_id = article_sql.ensure_site(session, "dantri", "Dân trí", "vi")
        store_article(session, _record(site_id, "x", datetime(2026, 1, 1)))


def test_run_is_recorded(db_url: str) -> None:
    sessions = session_factory(make_engine(db_url))
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with sessions.begin() as session:
        run_id = run_sql.start_run(session, "related", "manual", start, {"site": "dantri"})
    with sessions.begin() as session:
        run_sql.finish_run(
            session,
            run_id,
            status="ok",
            finish_reason="finished",
            finished_at=start + timedelta(minutes=1),
            totals=run_sql.RunTotals(pages_fetched=10, articles_new=3),
            error_kinds={"http_4xx": 1},
            stats={"x": 1},
        )
    with sessions() as session:
        run = run_sql.get_run(session, run_id)
        assert run is not None
        assert (run.status, run.pages_fetched, run.articles_new) == ("ok", 10, 3)
        assert run.error_kinds == '{"http_4xx": 1}'
