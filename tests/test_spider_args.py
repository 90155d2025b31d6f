"""The operator's spider arguments on the recorded web: since, budget, generic profile."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crawler.db.models import Article, CrawlRun
from crawler.db.session import make_engine, session_factory
from tests.crawl_launcher import WEB_DIR, cli

pytestmark = pytest.mark.slow


def crawl(args: list[str], db_url: str, cwd: Path) -> tuple[list[Article], CrawlRun]:
    result = cli(["crawl", "--replay", str(WEB_DIR), *args], db_url, cwd)
    assert result.returncode == 0, result.stdout + result.stderr
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        articles = list(session.scalars(select(Article).options(selectinload(Article.site))))
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    return articles, run


def test_since_skips_older_articles(sqlite_url: str, tmp_path: Path) -> None:
    articles, run = crawl(["--site", "dantri", "--since", "2018-01-01"], sqlite_url, tmp_path)
    assert articles, "nothing newer than 2018 archived"
    hanoi_new_year = datetime(2017, 12, 31, 17, tzinfo=UTC)  # 2018-01-01 00:00 +07:00
    for article in articles:
        assert article.published_at is not None
        assert article.published_at >= hanoi_new_year
    assert json.loads(run.arguments or "{}")["since"] == "2018-01-01"


def test_page_budget_is_kept(sqlite_url: str, tmp_path: Path) -> None:
    _, run = crawl(["--site", "15min", "--max-pages", "12"], sqlite_url, tmp_path)
    # The budget counts pages the spider asks for; robots.txt and redirects come on top.
    assert 0 < run.pages_fetched <= 12 + 4


def test_generic_profile_for_a_site_without_one(sqlite_url: str, tmp_path: Path) -> None:
    articles, run = crawl(
        [
            "--start-url",
            "https://dantri.com.vn/the-gioi.htm",
            "--allowed-domain",
            "dantri.com.vn",
            "--threshold",
            "0",
        ],
        sqlite_url,
        tmp_path,
    )
    assert run.status == "ok"
    assert len(articles) >= 5
    assert {a.site.key for a in articles} == {"dantri.com.vn"}
    assert all(a.url.startswith("https://dantri.com.vn/") for a in articles)
