"""The archive going away mid-crawl: articles wait for it and are written when it returns.

A PostgreSQL restart, as the crawl sees one: every connection to the archive is terminated and
new ones are refused for several seconds (``ALLOW_CONNECTIONS false`` on the test's own
database, so nothing else on the server is touched), then the database comes back. The crawl
keeps fetching; the batches it could not write wait, are retried with back-off and written;
the run ends ok, with the same articles as an uninterrupted crawl, and its report says the
archive was away.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

from crawler.db.models import Article
from crawler.db.session import make_engine, session_factory, upgrade
from tests.crawl_launcher import Launch
from tests.schedule_harness import WEB_DIR, crawler_cli, runs

pytestmark = [pytest.mark.slow, pytest.mark.postgres]
OUTAGE_SECONDS = 6


def _crawl(db_url: str, tmp: Path, name: str) -> subprocess.Popen[str]:
    settings = {
        "CRAWLER_REPLAY_DIR": WEB_DIR, "CRAWLER_WARC_DIR": tmp / name,
        "CRAWLER_STORE_BATCH_SIZE": 3, "DOWNLOAD_DELAY": 0.15, "CONCURRENT_REQUESTS": 2,
    }  # fmt: skip
    return Launch(db_url, settings=settings).start(
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )


def _articles(db_url: str) -> set[str]:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return set(session.scalars(select(Article.url_key)))
    finally:
        engine.dispose()


def _count(db_url: str) -> int:
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            return int(session.scalar(select(func.count(Article.id))) or 0)
    except Exception:
        return 0
    finally:
        engine.dispose()


def _cut_off(db_url: str, allow: bool) -> None:
    url = make_url(db_url).set(drivername="postgresql+psycopg")
    admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS {allow!s}'))
        if not allow:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": url.database},
            )
    admin.dispose()


def test_articles_wait_for_a_restarted_postgresql(
    postgres_url: str, sqlite_url: str, tmp_path: Path
) -> None:
    upgrade(postgres_url)
    reference = _crawl(sqlite_url, tmp_path, "reference")
    assert reference.wait(timeout=300) == 0, reference.stderr and reference.stderr.read()[-3000:]
    expected = _articles(sqlite_url)
    assert len(expected) > 30

    crawl = _crawl(postgres_url, tmp_path, "outage")
    try:
        deadline = time.monotonic() + 120
        while _count(postgres_url) < 6 and crawl.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert crawl.poll() is None, "the crawl ended before the outage could start"
        _cut_off(postgres_url, allow=False)
        time.sleep(OUTAGE_SECONDS)
        _cut_off(postgres_url, allow=True)
        assert crawl.wait(timeout=300) == 0
    finally:
        if crawl.poll() is None:
            crawl.kill()
        _cut_off(postgres_url, allow=True)
    log = crawl.stderr.read() if crawl.stderr else ""
    assert "Traceback" not in log, log[-3000:]

    assert _articles(postgres_url) == expected  # none lost, none twice
    (run,) = runs(postgres_url)
    assert run.status == "ok", run.log_tail
    stats = json.loads(run.stats or "{}")
    assert stats["crawler/store/outages"] >= 1
    assert stats["crawler/store/written_after_outage"] >= 3
    assert stats["crawler/store/outage_seconds"] >= OUTAGE_SECONDS - 1
    report = crawler_cli(["runs", "--last"], postgres_url, tmp_path)
    assert "archive unavailable" in report.stdout, report.stdout + report.stderr
