"""Versions on both backends: unchanged and changed re-crawls, counts, batching, v1 archives."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import column, insert, select, table
from sqlalchemy.orm import Session

from crawler.db import article_sql
from crawler.db.models import Article, ArticleText, ArticleUrl, ArticleVersion
from crawler.db.session import alembic_config, make_engine, session_factory
from crawler.extraction import extract
from crawler.items import ArticleItem
from crawler.recorded_web.replay import RecordedWeb
from crawler.store.dedup import store_article
from crawler.store.fingerprints import content_hash
from tests.store_pipeline import store_pipeline
from tests.test_dedup import KTDT, T0, record

WEB = Path(__file__).resolve().parent / "web"
T1 = T0 + timedelta(days=3)


@pytest.fixture
def session(db_url: str) -> Iterator[Session]:
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        yield session
    engine.dispose()


def _page(extra_outside_text: str = "") -> str:
    html = RecordedWeb(WEB).get(KTDT).body.decode("utf-8")
    end = html.index("</body>")
    return html[:end] + extra_outside_text + html[end:]


def _versions(session: Session, article_id: int) -> list[ArticleVersion]:
    return list(article_sql.versions_of(session, article_id))


def test_unchanged_recrawl_only_updates_last_seen(session: Session) -> None:
    """Ads and a timestamp change around the article: the same text, no new version."""
    site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
    before = extract(_page(), KTDT)
    after = extract(
        _page(
            '<div class="adv"><a href="https://ads.example/x">Giảm giá 50% hôm nay</a></div>'
            '<p class="clock">Cập nhật lúc 10:35 ngày 02/01/2026</p>'
        ),
        KTDT,
    )
    assert before is not None and after is not None
    first = store_article(session, record(KTDT, before.text, site_id=site_id, title=before.title))
    again = store_article(
        session, record(KTDT, after.text, site_id=site_id, title=after.title, seen=T1)
    )
    assert (first.outcome, again.outcome) == ("new", "unchanged")
    article = session.get(Article, first.article_id)
    assert article is not None
    session.refresh(article)
    assert (article.first_seen_at, article.last_seen_at, article.version) == (T0, T1, 1)
    [version] = _versions(session, first.article_id)
    assert (version.first_seen_at, version.last_seen_at) == (T0, T1)


def test_changed_text_adds_a_version_and_keeps_the_old_one(session: Session) -> None:
    site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
    old = "Đoạn một về Nga và Nhật.\nĐoạn hai về hiệp ước hòa bình."
    new = old + "\nĐoạn ba: cập nhật thêm phản ứng của Tokyo."
    first = store_article(session, record(KTDT, old, site_id=site_id))
    changed = store_article(session, record(KTDT, new, site_id=site_id, seen=T1))
    assert (first.outcome, changed.outcome) == ("new", "updated")
    assert changed.article_id == first.article_id
    v1, v2 = _versions(session, first.article_id)
    assert (v1.version, v1.text, v1.content_hash) == (1, old, content_hash(old))
    assert (v2.version, v2.text, v2.first_seen_at) == (2, new, T1)
    changes = json.loads(v2.changes or "{}")
    assert changes["fields"] == ["text"]
    assert changes["text"]["paragraphs_added"] == 1
    assert changes["text"]["paragraphs_removed"] == 0
    assert changes["text"]["diff"] == ["+Đoạn ba: cập nhật thêm phản ứng của Tokyo."]
    article = session.get(Article, first.article_id)
    assert article is not None
    session.refresh(article)
    assert (article.text, article.version, article.content_hash) == (new, 2, content_hash(new))
    assert article.first_seen_at == T0
    # the same new text again: unchanged, no third version
    assert store_article(session, record(KTDT, new, site_id=site_id, seen=T1)).outcome == (
        "unchanged"
    )
    assert len(_versions(session, first.article_id)) == 2
    # both texts belong to the article: the old one under another URL is an exact duplicate
    elsewhere = store_article(
        session, record("https://kinhtedothi.vn/x.html", old, site_id=site_id)
    )
    assert (elsewhere.outcome, elsewhere.article_id) == ("duplicate", first.article_id)


def test_changed_title_adds_a_version(session: Session) -> None:
    site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
    text = "Một bài về quan hệ Nga - Nhật."
    store_article(session, record(KTDT, text, site_id=site_id, title="Tiêu đề cũ"))
    # whitespace and case in the title are not a change
    same = store_article(session, record(KTDT, text, site_id=site_id, title=" tiêu đề  CŨ"))
    result = store_article(session, record(KTDT, text, site_id=site_id, title="Tiêu đề mới"))
    assert (same.outcome, result.outcome) == ("unchanged", "updated")
    _, v2 = _versions(session, result.article_id)
    changes = json.loads(v2.changes or "{}")
    assert changes["fields"] == ["title"]
    assert changes["title"] == {"old": "Tiêu đề cũ", "new": "Tiêu đề mới"}


def _item(url: str, text: str, title: str = "Nga - Nhật") -> ArticleItem:
    from crawler.items import ExtractedArticle

    article = ExtractedArticle(url=url, text=text, title=title, extractor_version="test")
    return ArticleItem(url=url, site="kinhtedothi", fetched_at=T0, article=article)


def test_pipeline_counts_outcomes_and_writes_in_batches(db_url: str) -> None:
    crawler, pipeline = store_pipeline(db_url, CRAWLER_STORE_BATCH_SIZE=4)
    items = [
        _item("https://kinhtedothi.vn/a.html", "Bài A về Nga."),
        _item("https://kinhtedothi.vn/b.html", "Bài B về Nhật."),
        _item("https://kinhtedothi.vn/a.html?utm_source=rss", "Bài A về Nga."),  # unchanged
    ]
    duplicate = _item("https://kinhtedothi.vn/c.html", "bài b về  nhật.")
    updated = _item("https://kinhtedothi.vn/a.html", "Bài A về Nga, sửa.")
    engine = make_engine(db_url)

    async def crawl() -> None:
        for item in items:
            await pipeline.process_item(item)
        await pipeline.drained()  # the writer's thread has taken all three
        with session_factory(engine)() as session:
            assert article_sql.count_articles(session) == 0, "written before the batch was full"
        await pipeline.process_item(duplicate)
        await pipeline.drained()
        with session_factory(engine)() as session:
            assert article_sql.count_articles(session) == 2
        await pipeline.process_item(updated)
        await pipeline.close_spider()

    asyncio.run(crawl())
    engine.dispose()
    assert pipeline.connection is not None
    pipeline.connection.engine.dispose()
    stats = crawler.stats.get_stats()
    counts = {k.rsplit("/", 1)[1]: v for k, v in stats.items() if k.startswith("crawler/articles/")}
    assert counts == {"new": 2, "unchanged": 1, "duplicate": 1, "updated": 1}


def test_v1_archive_is_carried_into_versions(empty_db_url: str) -> None:
    cfg = alembic_config(empty_db_url)
    command.upgrade(cfg, "0001")
    engine = make_engine(empty_db_url)
    text = "Bài đã lưu trước phiên bản 2."
    with session_factory(engine).begin() as session:
        site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
        row = {
            "canonical_url": "https://kinhtedothi.vn/cu.html",
            "url": "https://kinhtedothi.vn/cu.html",
            "site_id": site_id,
            "title": "Cũ",
            "text": text,
            "content_hash": content_hash(text),
            "first_seen_at": T0,
            "last_seen_at": T0,
        }
        # the v1 table, as migration 0001 made it (the v2 model has more columns)
        v1_articles = table("articles", *(column(name) for name in row))
        session.execute(insert(v1_articles).values(row))
    command.upgrade(cfg, "head")
    with session_factory(engine).begin() as session:
        [version] = session.scalars(select(ArticleVersion)).all()
        assert (version.version, version.text) == (1, text)
        assert session.scalars(select(ArticleUrl.url)).all() == [row["canonical_url"]]
        assert session.scalars(select(ArticleText.content_hash)).all() == [content_hash(text)]
        again = store_article(
            session, record(str(row["url"]), text, site_id=site_id, title="Cũ", seen=T1)
        )
        assert again.outcome == "unchanged"
    engine.dispose()


def test_times_are_utc(session: Session) -> None:
    site_id = article_sql.ensure_site(session, "kinhtedothi", "Kinh tế & Đô thị", "vi")
    hanoi = datetime(2026, 1, 1, 7, tzinfo=UTC).astimezone()
    result = store_article(session, record(KTDT, "x y z", site_id=site_id, seen=hanoi))
    [version] = _versions(session, result.article_id)
    assert version.first_seen_at == datetime(2026, 1, 1, 7, tzinfo=UTC)
