"""End to end on the recorded web: `crawler demo` and `scrapy crawl related`, offline.

One demo crawl per test session (a subprocess: Twisted's reactor cannot be restarted) feeds
every assertion here.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from crawler.db.models import Article, CrawlRun
from crawler.db.session import make_engine, session_factory
from crawler.store.urls import url_key
from tests.crawl_launcher import cli
from tests.labels import Label, load_labels

pytestmark = pytest.mark.slow
REPO_ROOT = Path(__file__).resolve().parent.parent
LABELS = load_labels()


def _env(db_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "CRAWLER_DATABASE_URL": db_url, **extra}
    env.pop("CRAWLER_REPLAY_DIR", None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """(database URL, the command's output, the log of replayed requests)."""
    workdir = tmp_path_factory.mktemp("demo")
    db_url = f"sqlite:///{workdir / 'archive.db'}"
    requests_log = workdir / "requests.log"
    result = cli(["demo"], db_url, workdir, timeout=600, CRAWLER_REPLAY_LOG=str(requests_log))
    assert result.returncode == 0, result.stdout + result.stderr
    yield db_url, result.stdout + result.stderr, requests_log


@pytest.fixture(scope="module")
def archived(demo: tuple[str, str, Path]) -> dict[str, Article]:
    engine = make_engine(demo[0])
    with session_factory(engine)() as session:
        query = select(Article).options(selectinload(Article.site))
        rows = {a.url_key: a for a in session.scalars(query)}
    engine.dispose()
    return rows


def test_demo_reports_and_records_its_run(demo: tuple[str, str, Path]) -> None:
    db_url, output, _ = demo
    assert "Traceback" not in output
    assert "run 1: ok" in output
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        run = session.scalars(select(CrawlRun)).one()
    engine.dispose()
    assert (run.trigger, run.status) == ("demo", "ok")
    assert run.pages_fetched > 0
    assert run.articles_new > 0
    # The recorded web links to pages it does not hold (menus, unrecorded searches): each 404
    # is a counted error, by kind, as on a live site.
    assert run.errors > 0
    assert json.loads(run.error_kinds or "{}").get("http_4xx") == run.errors
    # …and the report says they are expected, as it does for the "unchanged" of a first run.
    assert f"the {run.errors} HTTP 4xx errors are expected" in " ".join(output.split())
    if run.articles_unchanged:
        assert f"{run.articles_unchanged} unchanged on a first run" in " ".join(output.split())
    assert "WARNING" not in output  # no "Disabled …" for components off by design


def test_the_articles_table_fits_80_columns(demo: tuple[str, str, Path]) -> None:
    # The subprocess has no terminal: rich prints 80 columns wide, as an operator's might be.
    _, output, _ = demo
    rows = [line for line in output.splitlines() if line.startswith("│")]
    assert rows and all(len(line) <= 80 for line in rows), max(rows, key=len)
    key, published, seed, relevance, title = (c.strip() for c in rows[0].strip("│").split("│"))
    assert key in {"15min", "baoquocte", "dantri", "huengaynay", "kinhtedothi"}
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|\?", published) and re.fullmatch(r"\d{3}", seed)
    assert re.fullmatch(r"[01]\.\d\d", relevance) and title
    # Long titles give way with a visible … (the texts are Vietnamese and Lithuanian).
    assert any(line.rstrip("│ ").endswith("…") for line in rows)


def _related() -> list[Label]:
    return [label for label in LABELS if label.related]


@pytest.mark.parametrize("label", _related(), ids=lambda label: label.url.split("/")[-1][:60])
def test_related_article_is_archived_clean(label: Label, archived: dict[str, Article]) -> None:
    article = archived.get(url_key(label.url))
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
    labelled = {url_key(label.url) for label in LABELS}
    unknown = sorted(set(archived) - labelled)
    assert unknown == [], f"archived pages that are not labelled articles: {unknown}"


@pytest.mark.parametrize("site", sorted({label.site for label in LABELS}))
def test_related_precision_and_recall_per_site(site: str, archived: dict[str, Article]) -> None:
    labels = [label for label in LABELS if label.site == site]
    relevant = {url_key(label.url) for label in labels if label.related}
    found = {url for url, article in archived.items() if article.site.key == site}
    hits = len(found & relevant)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(relevant)
    assert precision >= 0.9, f"{site}: precision {precision:.2f}: {sorted(found - relevant)}"
    assert recall >= 0.9, f"{site}: recall {recall:.2f}: missed {sorted(relevant - found)}"


def test_crawl_is_polite(demo: tuple[str, str, Path]) -> None:
    """No request leaves the sites' domains; no path their robots.txt disallows is fetched."""
    from protego import Protego

    from crawler.config import Config
    from crawler.recorded_web.replay import RecordedWeb
    from crawler.sites import load_sites

    sites = load_sites(Config.from_env().sites_dir).values()
    web = RecordedWeb(REPO_ROOT / "tests" / "web")
    requested = [line.split(" ", 1)[1] for line in demo[2].read_text().splitlines()]
    assert len(requested) > 50
    robots: dict[str, Protego] = {}
    for url in requested:
        parts = urlsplit(url)
        assert any(site.owns(url) for site in sites), f"offsite request: {url}"
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in robots:
            robots[origin] = Protego.parse(web.get(origin + "/robots.txt").body.decode())
        user_agent = "news-archive-crawler"
        assert robots[origin].can_fetch(url, user_agent), f"robots.txt disallows {url}"


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


def test_workers_do_not_change_what_is_archived(
    archived: dict[str, Article], tmp_path: Path
) -> None:
    """The module's demo ran with the default pool (one worker per core); the same demo in
    one process (CRAWLER_EXTRACT_WORKERS=0) archives the same articles with the same texts."""
    db_url = f"sqlite:///{tmp_path / 'inline.db'}"
    result = cli(["demo"], db_url, tmp_path, timeout=600, CRAWLER_EXTRACT_WORKERS="0")
    assert result.returncode == 0, result.stdout + result.stderr
    engine = make_engine(db_url)
    with session_factory(engine)() as session:
        inline = {a.url_key: (a.title, a.text, a.relevance) for a in session.scalars(
            select(Article))}
    engine.dispose()
    pooled = {url: (a.title, a.text, a.relevance) for url, a in archived.items()}
    assert len(pooled) > 30
    assert inline == pooled
