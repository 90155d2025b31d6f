"""SIGTERM to the scheduler during a run: a clean exit, an interrupted run, a resumed next run.

The archive after the interrupted run and the run that resumes it must hold exactly what one
uninterrupted crawl archives: nothing lost, nothing twice.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from crawler.db.models import Article, ArticleVersion
from crawler.db.session import make_engine, session_factory
from tests.crawl_launcher import Launch
from tests.schedule_harness import (
    REPO_ROOT,
    Scheduler,
    replay_settings,
    runs,
    wait_for_runs,
    write_schedule,
)

pytestmark = pytest.mark.slow


def _archive(db_url: str) -> tuple[set[str], int, int]:
    """(canonical URLs, articles, versions)."""
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            urls = set(session.scalars(select(Article.url_key)))
            versions = session.scalar(select(func.count(ArticleVersion.id))) or 0
            return urls, len(urls), versions
    finally:
        engine.dispose()


def _reference(tmp: Path) -> set[str]:
    """The same crawl, uninterrupted, in an archive of its own."""
    db_url = f"sqlite:///{tmp / 'reference.db'}"
    settings = replay_settings(tmp, REPO_ROOT / "tests" / "web")
    settings["DOWNLOAD_HANDLERS"] = (
        '{"http": "tests.schedule_harness.ConditionalReplayHandler", '
        '"https": "tests.schedule_harness.ConditionalReplayHandler"}'
    )
    settings["CRAWLER_REPLAY_LOG"] = str(tmp / "reference-requests.log")
    result = Launch(db_url, settings=settings).run(timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return _archive(db_url)[0]


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    """The reference crawl (on SQLite whatever the backend tested): once for both backends."""
    return _reference(tmp_path_factory.mktemp("reference"))


def test_sigterm_interrupts_the_run_and_the_next_run_resumes_it(
    db_url: str, tmp_path: Path, expected: set[str]
) -> None:
    assert len(expected) > 30
    settings = {**replay_settings(tmp_path, REPO_ROOT / "tests" / "web"), "DOWNLOAD_DELAY": 0.25}
    config = write_schedule(
        tmp_path / "schedule.toml", {"all": {"every": "2s", "settings": settings}}
    )

    scheduler = Scheduler(config, db_url)
    try:
        # Mid-run: some articles archived, the crawl still going.
        wait_for_runs(
            db_url,
            lambda rs: any(r.status == "running" for r in rs) and _archive(db_url)[1] >= 5,
            scheduler,
        )
    finally:
        status, took = scheduler.stop(timeout=60)
    assert status == 0, scheduler.log()[-3000:]
    assert took < 30, f"the scheduler took {took:.1f} s to stop"
    assert "scheduler stopped" in scheduler.log()
    interrupted = [r for r in runs(db_url) if r.status != "skipped"]
    assert [(r.status, r.finish_reason) for r in interrupted] == [("interrupted", "shutdown")]
    assert interrupted[0].finished_at is not None
    partial = _archive(db_url)[1]
    assert 5 <= partial < len(expected)
    jobdir = tmp_path / "state" / "all" / "jobdir"
    assert (jobdir / "requests.seen").is_file()  # kept for the next run

    restarted = Scheduler(config, db_url)
    try:
        current = wait_for_runs(db_url, lambda rs: any(r.status == "ok" for r in rs), restarted)
    finally:
        status, _ = restarted.stop()
    assert status == 0, restarted.log()[-3000:]
    resumed = next(r for r in current if r.status == "ok")
    log = (tmp_path / "state" / "all" / "logs" / f"run-{resumed.id}.log").read_text()
    assert "Resuming crawl" in log
    assert resumed.articles_new == len(expected) - partial
    urls, articles, versions = _archive(db_url)
    assert urls == expected  # nothing lost, nothing extra
    assert versions == articles  # and nothing stored twice
    assert not jobdir.exists()  # a finished run leaves no state to resume
