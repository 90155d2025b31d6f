"""kill -9 in the middle of a crawl, then the same command again: every article exactly once.

The crawl of the recorded web runs with a JOBDIR, as scheduled runs do. SIGKILL gives Scrapy
no chance to save its queue; the second run must notice (crawler/extensions/jobdir_guard.py),
start afresh, and leave the archive equal to that of one uninterrupted crawl: the same
articles, one version each, an intact SQLite file.
"""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from tests.crawl_launcher import WEB_DIR, Launch

pytestmark = pytest.mark.slow


def _launch(db_url: str, jobdir: Path | None, delay: float) -> Launch:
    settings = {
        "CRAWLER_REPLAY_DIR": str(WEB_DIR),
        "CRAWLER_WARC_ENABLED": "False",
        "CRAWLER_STORE_BATCH_SIZE": "2",
        "DOWNLOAD_DELAY": str(delay),
        "LOG_LEVEL": "INFO",
    }
    if jobdir is not None:
        settings["JOBDIR"] = str(jobdir)
    return Launch(db_url, settings=settings)


def _urls(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        return [u for (u,) in conn.execute("select url_key from articles")]


def _count(db: Path, sql: str) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return int(conn.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_midway_then_rerun_archives_every_article_once(tmp_path: Path) -> None:
    reference_db = tmp_path / "reference.db"
    done = _launch(f"sqlite:///{reference_db}", None, 0).run(timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    expected = sorted(_urls(reference_db))
    assert len(expected) > 30

    db, jobdir = tmp_path / "archive.db", tmp_path / "jobdir"
    db_url = f"sqlite:///{db}"
    log = (tmp_path / "killed.log").open("w")
    victim = _launch(db_url, jobdir, 0.2).start(stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while _count(db, "select count(*) from articles") < 6:
        assert victim.poll() is None, (tmp_path / "killed.log").read_text()[-3000:]
        assert time.monotonic() < deadline, "the crawl archived nothing in 120 s"
        time.sleep(0.2)
    victim.send_signal(signal.SIGKILL)
    victim.wait(30)
    log.close()
    partial = _count(db, "select count(*) from articles")
    assert 6 <= partial < len(expected)
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"

    resumed = _launch(db_url, jobdir, 0).run(timeout=240)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert "died without closing" in resumed.stderr
    assert sorted(_urls(db)) == expected  # nothing lost
    assert _count(db, "select count(*) from article_versions") == len(expected)  # none twice
    with sqlite3.connect(db) as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        runs = conn.execute(
            "select status, finish_reason from crawl_runs order by id"
        ).fetchall()
    # The killed run no longer reads as running: the next crawl on this host settled it.
    assert runs == [("interrupted", "process_died"), ("ok", "finished")]
