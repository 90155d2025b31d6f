"""End to end on the recorded web: `crawler demo` and `scrapy crawl related`, offline.

One demo crawl per test session (a subprocess: Twisted's reactor cannot be restarted) feeds
every assertion here.
"""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from crawler.db.models import Article, CrawlRun
from crawler.db.session import make_engine, session_factory
from crawler.urls import canonical_url
from tests.labels import Label, load_labels

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parent.parent
LABELS = load_labels()


def _env(db_url: str) -> dict[str, str]:
    env = {**os.environ, "CRAWLER_DATABASE_URL": db_url}
    env.pop("CRAWLER_REPLAY_DIR", None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    workdir = tmp_path_factory.mktemp("demo")
    db_url = f"sqlite:///{workdir / 'archive.db'}"
    result = subprocess.run(
        [sys.executable, "-c", "from crawler.cli import main; main()", "demo"],
        cwd=workdir,
        env=_env(db_url),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    yield db_url, result.stdout + result.stderr


@pytest.fixture(scope="module")
def archived(demo: tuple[str, str]) -> dict[str, Article]:
    engine = make_engine(demo[0])
    with session_factory(engine)() as session:
        rows = {a.canonical_url: a for a in session.scalars(select(Article))}
    engine.dispose()
    return rows


def test_demo_reports_and_records_its_run(demo: tuple[str, str]) -> None:
    db_url, output = demo
    assert "Traceback" not in output
    assert "run 1: ok" in output
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    assert (run.trigger, run.status) == ("demo", "ok")
    assert run.pages_fetched > 0
    assert run.articles_new > 0


def _related() -> list[Label]:
    return [label for label in LABELS if label.related]


@pytest.mark.parametrize("label", _related(), ids=lambda label: label.url.split("/")[-1][:60])
def test_related_article_is_archived_clean(label: Label, archived: dict[str, Article]) -> None:
    article = archived.get(canonical_url(label.url))
    assert article is not None, f"related article not archived: {label.url}"
    assert article.title == label.title
    assert article.language == label.language
    if label.published is not None:
        assert article.published_at == label.published
    text = article.text
    assert unicodedata.is_normalized("NFC", text)
    assert text.startswith(label.first_sentence)
    assert text.rstrip().endswith(label.last_sentence)
    for boilerplate in label.boilerplate:
        assert boilerplate not in text, f"boilerplate {boilerplate!r} archived"


def test_nothing_archived_twice_or_off_site(archived: dict[str, Article]) -> None:
    labelled = {canonical_url(label.url) for label in LABELS}
    unknown = sorted(set(archived) - labelled)
    assert unknown == [], f"archived pages that are not labelled articles: {unknown}"


def test_scrapy_crawl_related_works_from_the_project_root(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'archive.db'}"
    result = subprocess.run(
        [
            "scrapy",
            "crawl",
            "related",
            "-a",
            "site=dantri",
            "-a",
            "max_pages=40",
            "-s",
            f"CRAWLER_REPLAY_DIR={REPO_ROOT / 'tests' / 'web'}",
            "-s",
            "LOG_LEVEL=INFO",
        ],
        cwd=REPO_ROOT,
        env={**_env(db_url), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        sites = {a.site.key for a in session.scalars(select(Article))}
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    assert sites == {"dantri"}
    assert run.status == "ok"
    assert run.pages_fetched <= 40 + 5  # the budget, plus robots.txt files and redirects
