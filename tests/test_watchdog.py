"""The stall watchdog, and a crawl process that dies under the scheduler.

A server that accepts connections and never answers stands in for a stuck crawl.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.extensions.watchdog import EXIT_STALLED
from crawler.launch.crawl_spec import CrawlSpec
from crawler.schedule.jobrun import crawl_command, run_once
from crawler.schedule.schedule_file import load_config
from crawler.schedule.service import make_runtime
from tests.crawl_launcher import Launch
from tests.schedule_harness import (
    REPO_ROOT,
    replay_settings,
    runs,
    write_schedule,
)

pytestmark = pytest.mark.slow


@pytest.fixture
def tarpit() -> Iterator[int]:
    """A port whose server accepts every connection and never says a word."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield int(server.getsockname()[1])
    stop.set()
    thread.join()
    for connection in held:
        connection.close()
    server.close()


def _crawl_stuck_site(port: int, db_url: str, cwd: Path, **settings: str) -> tuple[int, float]:
    spec = CrawlSpec(
        start_urls=(f"http://127.0.0.1:{port}/news/",), allowed_domains=("127.0.0.1",),
    )  # fmt: skip
    given = {"ROBOTSTXT_OBEY": "False", "CRAWLER_STALL_TIMEOUT": "2", "LOG_LEVEL": "INFO"}
    launch = Launch(
        db_url, spec, {**given, **settings}, env={"CRAWLER_ALLOW_PRIVATE_NETWORKS": "true"}
    )
    started = time.monotonic()
    result = launch.run(timeout=120)
    assert "Traceback" not in result.stderr, result.stderr[-3000:]
    return result.returncode, time.monotonic() - started


def test_a_crawl_without_progress_is_stopped_as_stalled(
    tarpit: int, sqlite_url: str, tmp_path: Path
) -> None:
    status, took = _crawl_stuck_site(tarpit, sqlite_url, tmp_path, DOWNLOAD_TIMEOUT="5")
    assert status == 1  # scrapy crawl exits with the run's outcome: stalled is not ok
    assert took < 30  # 2 s without progress, then the hanging download's own timeout
    (run,) = runs(sqlite_url)
    assert (run.status, run.finish_reason) == ("stalled", "stalled")
    assert run.finished_at is not None


def test_a_crawl_that_cannot_stop_is_recorded_and_ended(
    tarpit: int, sqlite_url: str, tmp_path: Path
) -> None:
    # The download would hang for 10 minutes: the watchdog gives the close 2 s, then exits.
    status, took = _crawl_stuck_site(
        tarpit, sqlite_url, tmp_path, DOWNLOAD_TIMEOUT="600", CRAWLER_STALL_GRACE="2"
    )
    assert status == EXIT_STALLED
    assert took < 30
    (run,) = runs(sqlite_url)
    assert (run.status, run.finish_reason) == ("stalled", "stalled")


def test_a_job_passes_its_stall_timeout_to_the_crawl(tmp_path: Path) -> None:
    path = write_schedule(tmp_path / "s.toml", {"j": {"every": "1h", "stall_timeout": "90s"}})
    command = crawl_command(load_config(path).jobs["j"], 7, "schedule", tmp_path / "jobdir")
    assert "CRAWLER_STALL_TIMEOUT=90" in command
    assert "CRAWLER_RUN_ID=7" in command and "CRAWLER_JOB=j" in command


def test_a_crawl_process_that_dies_is_recorded_as_failed(db_url: str, tmp_path: Path) -> None:
    settings = replay_settings(tmp_path, REPO_ROOT / "tests" / "web")
    # A JSON string: TOML has no null, and Scrapy reads a dict setting from JSON.
    settings["EXTENSIONS"] = json.dumps(
        {
            "scrapy.extensions.telnet.TelnetConsole": None,
            "crawler.extensions.archive_connection.ArchiveConnection": 90,
            "crawler.extensions.runs.CrawlRunRecorder": 100,
            "tests.schedule_harness.DieOnFirstResponse": 500,
        }
    )
    path = write_schedule(
        tmp_path / "schedule.toml",
        {"dies": {"every": "1h", "sites": ["dantri"], "settings": settings}},
    )
    runtime = make_runtime(db_url, load_config(path))
    try:
        run_id = run_once(runtime, runtime.config.jobs["dies"], trigger="schedule")
    finally:
        runtime.engine.dispose()
    (run,) = runs(db_url)
    assert run.id == run_id
    assert (run.status, run.exit_status, run.job) == ("failed", 3, "dies")
    assert "exit status 3" in (run.finish_reason or "")
    assert "out of memory (simulated)" in (run.log_tail or "")
    assert run.finished_at is not None
    assert not (tmp_path / "state" / "dies" / "jobdir").exists()  # not resumed from a crash
