"""Incremental re-crawls on the recorded web: scheduled runs fetch only what the policy asks.

The recorded web answers conditional requests here as a live server does
(tests/schedule_harness.py); every request it answers is logged per run, so the tests count
exactly what each run fetched, 304s included.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.db.models import Article, ArticleVersion, CrawlRun
from crawler.db.revisit_sql import KnownArticle
from crawler.db.session import make_engine, session_factory
from crawler.launch.crawl_spec import CrawlSpec
from crawler.launch.revisit_policy import is_due, parse_schedule, reason_to_fetch
from tests.crawl_launcher import Launch
from tests.labels import load_labels
from tests.schedule_harness import (
    Scheduler,
    copy_web,
    replay_settings,
    requests_of,
    runs,
    wait_for_runs,
    write_schedule,
)

ARTICLES = {label.url for label in load_labels()}
EDITED = (
    "https://dantri.com.vn/the-gioi/"
    "nga-rut-khoi-dam-phan-hiep-uoc-hoa-binh-voi-nhat-ban-20220322072518046.htm"
)
CORRECTION = "Cập nhật: Bộ Ngoại giao Nhật Bản đã triệu tập đại sứ Nga để phản đối quyết định."


def _edit_article_and_sitemap(web: Path) -> None:
    """A correction to one article; the site's sitemap, and the index listing that sitemap,
    date the change (lastmod), as news sites' sitemaps do."""
    page = web / "dantri.com.vn/the-gioi" / EDITED.rsplit("/", 1)[1]
    html = page.read_text(encoding="utf-8")
    anchor = "<p>Moscow cũng rút khỏi"
    assert anchor in html
    page.write_text(html.replace(anchor, f"<p>{CORRECTION}</p>{anchor}", 1), encoding="utf-8")
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")
    for path, loc, lastmod in (
        ("sitemaps/articles.xml", EDITED, "2022-03-22T07:25:18+07:00"),
        ("sitemap.xml", "https://dantri.com.vn/sitemaps/articles.xml", "2023-02-22T05:20:11+07:00"),
    ):
        sitemap = web / "dantri.com.vn" / path
        xml = sitemap.read_text(encoding="utf-8")
        old = f"<loc>{loc}</loc>\n    <lastmod>{lastmod}</lastmod>"
        assert old in xml, path
        sitemap.write_text(
            xml.replace(old, f"<loc>{loc}</loc>\n    <lastmod>{now}</lastmod>"), encoding="utf-8"
        )


def _ok(current: list[CrawlRun]) -> list[CrawlRun]:
    return [r for r in current if r.status == "ok"]


@pytest.mark.slow
def test_scheduled_runs_fetch_only_what_changed(empty_db_url: str, tmp_path: Path) -> None:
    web = copy_web(tmp_path)
    config = write_schedule(
        tmp_path / "schedule.toml",
        {"all": {"every": "2s", "settings": replay_settings(tmp_path, web)}},
    )
    scheduler = Scheduler(config, empty_db_url)
    try:
        current = wait_for_runs(empty_db_url, lambda rs: len(_ok(rs)) >= 2, scheduler)
        first, second = _ok(current)[:2]
        edited_at = datetime.now(UTC)
        _edit_article_and_sitemap(web)
        current = wait_for_runs(
            empty_db_url,
            lambda rs: any(r.started_at > edited_at and r.status == "ok" for r in rs),
            scheduler,
        )
        after_edit = next(r for r in current if r.started_at > edited_at and r.status == "ok")
    finally:
        status, _ = scheduler.stop()
    assert status == 0, scheduler.log()[-3000:]
    assert all(r.status in ("ok", "skipped") for r in runs(empty_db_url)), scheduler.log()

    # The first run fills the archive; the second archives nothing new...
    assert first.articles_new > 20
    assert (second.articles_new, second.articles_updated) == (0, 0)
    # ... and fetches only robots.txt, start points that 404 every time, and 304s.
    before = requests_of(tmp_path, first.id)
    again = requests_of(tmp_path, second.id)
    missing = {url for status, url in before if status == 404}
    for status, url in again:
        assert url.endswith("/robots.txt") or status == 304 or (status == 404 and url in missing), (
            f"run {second.id} fetched {url} ({status})"
        )
    assert not [url for _, url in again if url in ARTICLES]  # not even asked for
    assert len([url for status, url in again if status == 304]) >= 30  # feeds, sitemaps, sections
    assert len(again) < len(before) / 3
    assert second.pages_fetched == len(again)

    # After a correction, the next run fetches that article again and stores a new version.
    # The sitemaps that date it changed (200); the off-topic pages they list, never archived,
    # are asked for conditionally (304); no other archived article is asked for at all.
    requested = requests_of(tmp_path, after_edit.id)
    pages = [(status, url) for status, url in requested if url in ARTICLES]
    assert [url for status, url in pages if status == 200] == [EDITED]
    assert {status for status, url in pages if url != EDITED} <= {304}
    assert (after_edit.articles_new, after_edit.articles_updated) == (0, 1)
    engine = make_engine(empty_db_url)
    with session_factory(engine)() as session:
        archived = set(session.scalars(select(Article.url)))
        assert {url for _, url in pages} & archived == {EDITED}
        article = session.scalars(select(Article).where(Article.url == EDITED)).one()
        versions = session.scalars(
            select(ArticleVersion)
            .where(ArticleVersion.article_id == article.id)
            .order_by(ArticleVersion.version)
        ).all()
    engine.dispose()
    assert [v.version for v in versions] == [1, 2]
    assert CORRECTION not in versions[0].text and CORRECTION in versions[1].text
    assert versions[1].crawl_run_id == after_edit.id


# --- the re-visit policy ----------------------------------------------------------------------
def _known(first_seen: datetime, last_seen: datetime) -> KnownArticle:
    return KnownArticle(1, 1, "https://x.vn/a.htm", first_seen, last_seen)


def test_default_policy_checks_at_1h_6h_24h_7d_then_never() -> None:
    schedule = parse_schedule("1h,6h,24h,7d")
    first = datetime(2026, 1, 1, tzinfo=UTC)
    checked = first
    fetched_at = []
    for hours in range(0, 24 * 30):
        now = first + timedelta(hours=hours, minutes=1)
        if is_due(first, checked, now, schedule):
            fetched_at.append(hours)
            checked = now
    assert fetched_at == [1, 6, 24, 24 * 7]


def test_feed_date_after_last_fetch_makes_an_article_due_at_any_age() -> None:
    schedule = parse_schedule("1h,6h,24h,7d")
    first = datetime(2020, 1, 1, tzinfo=UTC)
    seen = datetime(2020, 1, 9, tzinfo=UTC)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert reason_to_fetch(_known(first, seen), None, now, schedule) is None
    assert reason_to_fetch(_known(first, seen), seen - timedelta(days=1), now, schedule) is None
    assert reason_to_fetch(_known(first, seen), seen + timedelta(days=1), now, schedule) == "listed"
    assert parse_schedule("never") == ()


def _crawl(db_url: str, tmp: Path, web: Path, run: str, revisit: str) -> CrawlRun:
    settings = {
        **replay_settings(tmp, web),
        "CRAWLER_REPLAY_LOG": str(tmp / f"requests-{run}.log"),
        "CRAWLER_INCREMENTAL": "1",
        "CRAWLER_REVISIT_SCHEDULE": revisit,
        "DOWNLOAD_HANDLERS": '{"http": "tests.schedule_harness.ConditionalReplayHandler", '
        '"https": "tests.schedule_harness.ConditionalReplayHandler"}',
    }
    result = Launch(db_url, CrawlSpec(sites=("dantri",)), settings).run(timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    run = runs(db_url)[-1]
    assert run.status == "ok", result.stderr[-3000:]
    return run


@pytest.mark.slow
def test_due_articles_are_revisited_with_conditional_requests(db_url: str, tmp_path: Path) -> None:
    """A 3-second checkpoint stands in for the 1-hour one: due articles are asked for once and
    answer 304; checked at it, they are not due again before the next checkpoint (1 h)."""
    web = copy_web(tmp_path)
    first = _crawl(db_url, tmp_path, web, "1", "3s,1h")
    archived = first.articles_new
    assert archived >= 5
    time.sleep(max(0.0, 3.5 - (datetime.now(UTC) - first.finished_at).total_seconds()))
    second = _crawl(db_url, tmp_path, web, "2", "3s,1h")
    third = _crawl(db_url, tmp_path, web, "3", "3s,1h")
    revisited = [(s, u) for s, u in requests_of(tmp_path, 2) if u in ARTICLES]
    assert len(revisited) == archived  # each archived article once...
    assert {s for s, _ in revisited} == {304}  # ... and each unchanged
    assert (second.articles_new, second.articles_updated) == (0, 0)
    # Seen at its checkpoint, no article is due again: the third run asks for none.
    assert not [u for _, u in requests_of(tmp_path, 3) if u in ARTICLES]
    assert (third.articles_new, third.articles_updated) == (0, 0)
